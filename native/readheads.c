/*
 * readheads(root, rels, heads, meta, ioThreads, parallelNow): open, fstat and read the head of a batch of files in
 * one call, with up to ioThreads reads in flight.
 *
 * Why by hand: Node has no batched file system call and no way to have several synchronous reads in
 * flight from one thread. Its asynchronous fs calls go through libuv's shared thread pool at several
 * microseconds of overhead per call (four calls per file), which costs more CPU than the whole read
 * on a warm cache, while on a cold disk a reader thread that reads one file at a time waits for every
 * seek in turn. Here a batch costs one call from JavaScript: on a warm cache the files are read on
 * the calling thread; when the reads block (more than half of the first files took longer than
 * SLOW_NS each) the rest of the batch is shared with ioThreads - 1 helper threads (from the start
 * when parallelNow: the last batch's reads blocked), so that a cold disk sees a queue deep enough to
 * answer at its own speed, while parsing stays on the JavaScript threads.
 *
 * "Blocked" is judged file by file, never from the batch's mean: a mean is inflated by one file
 * whose thread the scheduler took away for a few milliseconds (common when reader, helper and walk
 * threads outnumber the cores), and a batch read in parallel has no per-file mean at all. Judged by
 * the mean, a warm scan on 2 cores once took every batch for a cold one and started 7 threads per
 * batch of 128 files (a third of its speed lost).
 *
 * What it does per file is what probe/index.ts does in JavaScript: open with
 * O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_CLOEXEC|O_NOATIME (again without O_NOATIME on EPERM, counted),
 * below the root opened once per batch and with no link followed in any name of the path (round 23b
 * C1, open_beneath; a link on the way is status 2, never left to the JavaScript path, which follows
 * links in the middle of a path),
 * fstat, one pread at 0 of the whole file (16 KiB or less) or of 4 KiB. Anything else (an error at
 * any step, not a regular file, a path too long for one open) is left to the JavaScript path
 * (status 1), which then gives the same result and the same error text as without this addon.
 *
 * rels: the files' paths below root, separated by NUL bytes (a path holds none). readheadsat(root, rels,
 * heads, meta, ioThreads, parallelNow, dirfds) takes, per file, a folder descriptor its path is below
 * instead (openat; -1: below root as readheads): a reader holds descriptors on the folders of a deep
 * tree (src/scan/read/anchors.ts) so that opening a file at depth d looks up a few names, not d. heads: count slots
 * of HEAD_SLOT bytes. meta: a Float64Array of count * 12: status (0 read, 1 left to the caller, 2 a link on its
 * path: not opened), fd
 * (-1 when the whole file was read and it is closed; else open, for the caller to read further and
 * close), size, mtime seconds, mtime nanoseconds, bytes read, O_NOATIME refused (0/1), bytes allocated
 * (st_blocks × 512: a sparse file's length is judged on these, probe/guard.ts), device and inode, ctime
 * seconds and nanoseconds (a case file keeps them, to know the file again when a scan resumes).
 * Returns [nanoseconds taken, whether helper threads were used, files whose reading took past SLOW_NS].
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/openat2.h>
#include <unistd.h>

#define HEAD_SLOT 16384
#define HEAD_SIZE 4096
#define META 12
/* probe/../reach.ts LONG_PATH: longer paths are reached in steps, by the JavaScript path */
#define LONG_PATH (4096 - 256 - 2)
#define MAX_THREADS 64
/* wall time above which one file's open + fstat + read is taken as blocked (not cached): cached, ~5-20 µs */
#define SLOW_NS 50000

typedef struct {
  const char *root;
  size_t rootLen;
  /* the root opened (O_PATH): paths below it are resolved from it with no link followed; -1: not open */
  int rootfd;
  /* per file: a folder descriptor its path is relative to (openat), or -1: below root; NULL: all below root */
  const int32_t *dirfds;
  const char *rels;
  size_t *starts;
  size_t *lens;
  int count;
  unsigned char *heads;
  double *meta;
  atomic_int next;
  atomic_int blocked;
} Job;

/*
 * Open path below the folder at (round 23b C1): no name of it followed if a link, not only the last
 * (O_NOFOLLOW guards the last name alone: a folder swapped for a link during the scan led the readers
 * out of the tree). openat2 RESOLVE_NO_SYMLINKS (Linux 5.6) fails with ELOOP on a link anywhere;
 * before it, each folder of the path is opened in turn with O_NOFOLLOW. Below AT_FDCWD (the root
 * could not be opened) a plain openat, as before.
 */
static int open_beneath(int at, const char *path, int flags) {
  if (at == AT_FDCWD) return openat(at, path, flags);
  struct open_how how = {.flags = (uint64_t)flags, .resolve = RESOLVE_NO_SYMLINKS};
  int fd = (int)syscall(SYS_openat2, at, path, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return fd;
  if (errno == EPERM && (flags & O_NOATIME)) {
    /* EPERM is also what a seccomp filter gives openat2: told apart by trying the open without O_NOATIME */
    how.flags &= ~(uint64_t)O_NOATIME;
    int probe = (int)syscall(SYS_openat2, at, path, &how, sizeof how);
    if (probe >= 0) {
      close(probe);
      errno = EPERM;
      return -1;
    }
    if (errno != ENOSYS && errno != EPERM) return -1;
  }
  /* no openat2: one folder at a time, each O_NOFOLLOW */
  char buf[LONG_PATH + 1];
  strncpy(buf, path, LONG_PATH);
  buf[LONG_PATH] = 0;
  int dir = at;
  char *name = buf;
  for (char *slash; (slash = strchr(name, '/')) != NULL; name = slash + 1) {
    *slash = 0;
    if (!*name) continue;
    int next = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    if (dir != at) close(dir);
    if (next < 0) {
      errno = e == ENOTDIR ? ELOOP : e;
      return -1;
    }
    dir = next;
  }
  fd = openat(dir, name, flags);
  int e = errno;
  if (dir != at) close(dir);
  errno = e;
  return fd;
}

/* whether the last name of path (below at) is itself a symbolic link: O_NOFOLLOW alone refuses it */
static bool last_is_link(int at, const char *path) {
  int fd = openat(at, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool link = fstat(fd, &st) == 0 && S_ISLNK(st.st_mode);
  close(fd);
  return link;
}

static void one(Job *j, int i) {
  double *m = j->meta + (size_t)i * META;
  m[0] = 1;
  m[1] = -1;
  int dirfd = j->dirfds ? j->dirfds[i] : -1;
  if (dirfd < 0) dirfd = j->rootfd;
  size_t pre = dirfd >= 0 ? 0 : j->rootLen;
  size_t len = pre + j->lens[i];
  if (len >= LONG_PATH || j->lens[i] == 0) return;
  char path[LONG_PATH + 1];
  memcpy(path, j->root, pre);
  memcpy(path + pre, j->rels + j->starts[i], j->lens[i]);
  path[len] = 0;
  /* below an anchor (a folder held open by the reader, anchors.ts): only the names below it are looked up */
  int at = dirfd >= 0 ? dirfd : AT_FDCWD;
  int flags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC;
  int refused = 0;
  int fd = open_beneath(at, path, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) {
    fd = open_beneath(at, path, flags);
    refused = 1;
  }
  if (fd < 0) {
    /* a link on the way (a folder replaced by one since the walk listed it): said, never read (status
     * 2). The file itself a link (O_NOFOLLOW refuses it as well) is left to probeFile, which says so. */
    if (errno == ELOOP && at != AT_FDCWD && !last_is_link(at, path)) m[0] = 2;
    return;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return;
  }
  size_t want = st.st_size == 0 ? 0 : (st.st_size <= HEAD_SLOT ? (size_t)st.st_size : HEAD_SIZE);
  ssize_t n = want ? pread(fd, j->heads + (size_t)i * HEAD_SLOT, want, 0) : 0;
  if (n < 0) {
    close(fd);
    return;
  }
  if ((off_t)n == st.st_size) {
    close(fd);
    m[1] = -1;
  } else {
    m[1] = fd;
  }
  m[0] = 0;
  m[2] = (double)st.st_size;
  m[3] = (double)st.st_mtim.tv_sec;
  m[4] = (double)st.st_mtim.tv_nsec;
  m[5] = (double)n;
  m[6] = refused;
  m[7] = (double)st.st_blocks * 512;
  m[8] = (double)st.st_dev;
  m[9] = (double)st.st_ino;
  /* ctime: a resumed run takes a file over only if it is unchanged, and an mtime can be set back (touch
   * -r, rsync --inplace -t) where the ctime cannot (round 24 H1) */
  m[10] = (double)st.st_ctim.tv_sec;
  m[11] = (double)st.st_ctim.tv_nsec;
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* one(), timed: true if it blocked */
static bool timed(Job *j, int i) {
  int64_t t = now_ns();
  one(j, i);
  return now_ns() - t > SLOW_NS;
}

static void *helper(void *arg) {
  Job *j = arg;
  int i;
  while ((i = atomic_fetch_add(&j->next, 1)) < j->count) {
    if (timed(j, i)) atomic_fetch_add(&j->blocked, 1);
  }
  return NULL;
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, "EINVAL", msg);
  return NULL;
}

/* readheads(root, rels, heads, meta, ioThreads, parallelNow), or with `at` set (readheadsat) a 7th
 * argument dirfds: an Int32Array of count, each file's anchor descriptor or -1 (below root) */
static napi_value heads_of(napi_env env, napi_callback_info info, bool at) {
  size_t want = at ? 7 : 6;
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) return fail(env, "readheads: 6 arguments (readheadsat: 7)");
  void *root, *rels, *heads;
  size_t rootLen, relsLen, headsLen;
  if (napi_get_buffer_info(env, argv[0], &root, &rootLen) != napi_ok) return fail(env, "readheads: root");
  if (napi_get_buffer_info(env, argv[1], &rels, &relsLen) != napi_ok) return fail(env, "readheads: rels");
  if (napi_get_buffer_info(env, argv[2], &heads, &headsLen) != napi_ok) return fail(env, "readheads: heads");
  napi_typedarray_type type;
  size_t metaLen;
  void *meta;
  if (napi_get_typedarray_info(env, argv[3], &type, &metaLen, &meta, NULL, NULL) != napi_ok || type != napi_float64_array) return fail(env, "readheads: meta");
  int32_t threads = 1;
  napi_get_value_int32(env, argv[4], &threads);
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  bool now = false;
  napi_get_value_bool(env, argv[5], &now);
  size_t fdsLen = 0;
  void *fds = NULL;
  if (at) {
    napi_typedarray_type ftype;
    if (napi_get_typedarray_info(env, argv[6], &ftype, &fdsLen, &fds, NULL, NULL) != napi_ok || ftype != napi_int32_array) return fail(env, "readheadsat: dirfds");
  }

  int count = relsLen ? 1 : 0;
  for (size_t k = 0; k < relsLen; k++) if (((char *)rels)[k] == 0) count++;
  if ((size_t)count * HEAD_SLOT > headsLen || (size_t)count * META > metaLen) return fail(env, "readheads: buffers too small");
  if (at && fdsLen < (size_t)count) return fail(env, "readheadsat: dirfds too short");
  size_t *starts = malloc(sizeof(size_t) * (count ? count : 1) * 2);
  if (!starts) return fail(env, "readheads: out of memory");
  size_t *lens = starts + (count ? count : 1);
  size_t s = 0;
  int c = 0;
  for (size_t k = 0; k <= relsLen && count; k++) {
    if (k == relsLen || ((char *)rels)[k] == 0) {
      starts[c] = s;
      lens[c] = k - s;
      c++;
      s = k + 1;
    }
  }
  /* the root itself as the user named it (a link there is theirs to give); what is below, never through a link */
  int rootfd = AT_FDCWD;
  if (rootLen > 0 && rootLen < LONG_PATH) {
    char rp[LONG_PATH + 1];
    memcpy(rp, root, rootLen);
    rp[rootLen] = 0;
    rootfd = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) rootfd = AT_FDCWD;
  }
  Job job = {.root = root, .rootLen = rootLen, .rootfd = rootfd < 0 ? -1 : rootfd, .dirfds = at ? fds : NULL, .rels = rels, .starts = starts, .lens = lens, .count = count, .heads = heads, .meta = meta};
  atomic_init(&job.next, 0);
  atomic_init(&job.blocked, 0);

  int64_t t0 = now_ns();
  bool parallel = now && threads > 1 && count > 1;
  pthread_t tids[MAX_THREADS];
  int started = 0;
  if (!parallel) {
    // warm: one file after another here; blocking reads (most of the first files) call in the helpers
    int i;
    while ((i = atomic_fetch_add(&job.next, 1)) < count) {
      if (timed(&job, i)) atomic_fetch_add(&job.blocked, 1);
      if (threads > 1 && i >= 3 && i + 1 < count && atomic_load(&job.blocked) * 2 > i + 1) {
        parallel = true;
        break;
      }
    }
  }
  if (parallel) {
    int want = threads - 1;
    int left = count - atomic_load(&job.next);
    if (want > left) want = left;
    for (int k = 0; k < want; k++) {
      if (pthread_create(&tids[started], NULL, helper, &job) == 0) started++;
    }
    helper(&job);
    for (int k = 0; k < started; k++) pthread_join(tids[k], NULL);
  }
  int64_t took = now_ns() - t0;
  free(starts);
  if (rootfd >= 0) close(rootfd);

  napi_value out, a, b, c2;
  napi_create_array_with_length(env, 3, &out);
  napi_create_double(env, (double)took, &a);
  napi_get_boolean(env, started > 0, &b);
  napi_create_int32(env, atomic_load(&job.blocked), &c2);
  napi_set_element(env, out, 0, a);
  napi_set_element(env, out, 1, b);
  napi_set_element(env, out, 2, c2);
  return out;
}

static napi_value readheads(napi_env env, napi_callback_info info) {
  return heads_of(env, info, false);
}

static napi_value readheadsat(napi_env env, napi_callback_info info) {
  return heads_of(env, info, true);
}

/*
 * closefd(fd): close a descriptor readheads left open. Not fs.closeSync: a worker thread tracks the
 * descriptors its fs calls open and warns on closing one it did not.
 */
static napi_value closefd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    return fail(env, "closefd: a descriptor");
  }
  close(fd);
  return NULL;
}

napi_value readheads_init(napi_env env, napi_value exports) {
  napi_value cf;
  napi_create_function(env, "closefd", NAPI_AUTO_LENGTH, closefd, NULL, &cf);
  napi_set_named_property(env, exports, "closefd", cf);
  napi_value fn;
  napi_create_function(env, "readheads", NAPI_AUTO_LENGTH, readheads, NULL, &fn);
  napi_set_named_property(env, exports, "readheads", fn);
  napi_value fa;
  napi_create_function(env, "readheadsat", NAPI_AUTO_LENGTH, readheadsat, NULL, &fa);
  napi_set_named_property(env, exports, "readheadsat", fa);
  return exports;
}
