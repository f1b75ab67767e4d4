/*
 * listdir(path, strict): list a folder without moving its access time. Node cannot: fs.readdir/opendir take
 * a path and open the folder without O_NOATIME, and there is no fdopendir. This opens the folder
 * with O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NOATIME (retrying without O_NOATIME on EPERM: the folder is
 * not the user's, unless strict: then the EPERM is thrown), then fdopendir + readdir. Plain Node-API (ABI-stable across Node versions).
 *
 * listdir(path, strict, allIds). Returns one Buffer: byte 0 is 1 if O_NOATIME was used, 0 if it was
 * refused; bytes 1-16 the device and inode of the folder opened (fstat: the walk checks that it is the
 * folder its parent listed, round 23b C1); bytes 17-32 its mtime and ctime in nanoseconds (signed,
 * little-endian), from the same fstat, taken before the first readdir: the walk stats the folder again
 * once it has ended, and a change since means a file may have moved in or out unseen (round 24 C1/C2);
 * then per entry: its type (1 byte: the lstat's where taken,
 * else d_type), name length (1 byte, a name is at most 255 bytes), the name's bytes; and for a
 * regular file or a folder what the walk needs of its lstat, taken here with fstatat on the open
 * folder (no path lookup, and no Stats object per file in JavaScript): one byte of flags (1 stat
 * taken, 2 more than one link, 4 fewer blocks than its size, 8 not owned by the effective user, 16 an
 * id follows), and with flag 16 the device and inode numbers (8 bytes each, little-endian) that
 * identify it: for every folder, for a file with more than one link, and for every file when allIds
 * (a mount point below the root: one file at two paths with one link, round 23b C2).
 * Throws an Error whose `code` is the errno name (EACCES, ENOENT, ...).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static const char *errno_name(int e) {
  switch (e) {
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ELOOP: return "ELOOP";
    case EIO: return "EIO";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ESTALE: return "ESTALE";
    default: return "EUNKNOWN";
  }
}

static napi_value fail(napi_env env, int e) {
  char msg[128];
  snprintf(msg, sizeof msg, "%s: %s", errno_name(e), strerror(e));
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

typedef struct {
  size_t at;
  unsigned char type;
  unsigned char len;
} Entry;

/* wall time above which one file's stat is taken as blocked (a cached one takes ~1-5 µs) */
#define SLOW_NS 50000
/* stats in flight when they block: a network mount answers each after a round trip */
#define STAT_THREADS 16

typedef struct {
  int fd;
  Entry *ents;
  const char *arena;
  size_t count;
  struct stat *sts;
  unsigned char *ok;
  atomic_size_t next;
} StatJob;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * Entries whose lstat is taken: regular files, and (round 23b C1/C2) folders, for their device and
 * inode (the walk checks that the folder it lists later is still this one, and walks each once), and
 * entries whose d_type is unknown (their type is then the lstat's). One stat per folder: cheap.
 */
static bool wants_stat(unsigned char type) {
  return type == DT_REG || type == DT_DIR || type == DT_UNKNOWN;
}

/* stat the k-th entry if wants_stat; true if that blocked */
static bool stat_one(StatJob *j, size_t k) {
  if (!wants_stat(j->ents[k].type)) return false;
  int64_t t = now_ns();
  j->ok[k] = fstatat(j->fd, j->arena + j->ents[k].at, &j->sts[k], AT_SYMLINK_NOFOLLOW) == 0;
  return now_ns() - t > SLOW_NS;
}

static void *stat_helper(void *arg) {
  StatJob *j = arg;
  size_t k;
  while ((k = atomic_fetch_add(&j->next, 1)) < j->count) stat_one(j, k);
  return NULL;
}

/*
 * Every regular file's lstat (fstatat on the open folder). One after another while they come from
 * the cache; once most of the first files' stats block (a cold disk, a network or FUSE mount, where
 * each is a round trip), the rest are shared with STAT_THREADS - 1 helper threads. Measured on a
 * FUSE mount that waits 1 ms per call, the walk's stats one at a time were what the whole scan
 * waited for (2.6 ms each, on the walk's one thread).
 */
static void stat_all(StatJob *j) {
  size_t k, tried = 0, blocked = 0;
  while ((k = atomic_fetch_add(&j->next, 1)) < j->count) {
    if (!wants_stat(j->ents[k].type)) continue;
    tried++;
    if (stat_one(j, k)) blocked++;
    if (tried >= 4 && blocked * 2 > tried && k + 1 < j->count) {
      pthread_t tids[STAT_THREADS];
      int started = 0;
      for (int t = 0; t < STAT_THREADS - 1; t++) {
        if (pthread_create(&tids[started], NULL, stat_helper, j) == 0) started++;
      }
      stat_helper(j);
      for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
      return;
    }
  }
}

/* device and inode, 8 bytes each, little-endian */
static void put_id(unsigned char *to, const struct stat *st) {
  unsigned long long id[2] = {(unsigned long long)st->st_dev, (unsigned long long)st->st_ino};
  for (int q = 0; q < 2; q++)
    for (int b = 0; b < 8; b++) *to++ = (unsigned char)(id[q] >> (8 * b));
}

/* mtime and ctime in nanoseconds, 8 bytes each, little-endian (two's complement: a time before 1970) */
static void put_times(unsigned char *to, const struct stat *st) {
  long long t[2] = {(long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec,
                    (long long)st->st_ctim.tv_sec * 1000000000LL + st->st_ctim.tv_nsec};
  for (int q = 0; q < 2; q++)
    for (int b = 0; b < 8; b++) *to++ = (unsigned char)((unsigned long long)t[q] >> (8 * b));
}

static unsigned char type_of(mode_t m) {
  if (S_ISREG(m)) return DT_REG;
  if (S_ISDIR(m)) return DT_DIR;
  if (S_ISLNK(m)) return DT_LNK;
  if (S_ISFIFO(m)) return DT_FIFO;
  if (S_ISSOCK(m)) return DT_SOCK;
  if (S_ISCHR(m)) return DT_CHR;
  if (S_ISBLK(m)) return DT_BLK;
  return DT_UNKNOWN;
}

static napi_value listdir(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, EINVAL);
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok || len == 0 || len >= 4096) return fail(env, EINVAL);
  char path[4096];
  memcpy(path, data, len);
  path[len] = 0;

  bool strict = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &strict);
  bool allIds = false;
  if (argc > 2) napi_get_value_bool(env, argv[2], &allIds);

  int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  unsigned char noatime = 1;
  int fd = open(path, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM && !strict) {
    noatime = 0;
    fd = open(path, flags);
  }
  if (fd < 0) return fail(env, errno);
  /* the folder actually opened: the walk compares it with its parent's listing (round 23b C1) */
  struct stat self;
  if (fstat(fd, &self) != 0) {
    int e = errno;
    close(fd);
    return fail(env, e);
  }
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int e = errno;
    close(fd);
    return fail(env, e);
  }
  // the entries first, then their stats (in parallel when they block), then the answer in readdir's order
  int err = 0;
  size_t ncap = 64, count = 0, acap = 4096, aused = 0, cap = 4096, used = 33;
  Entry *ents = malloc(ncap * sizeof(Entry));
  char *arena = malloc(acap);
  struct stat *sts = NULL;
  unsigned char *ok = NULL, *out = NULL;
  napi_value result = NULL;
  if (!ents || !arena) {
    err = ENOMEM;
    goto done;
  }
  struct dirent *d;
  errno = 0;
  while ((d = readdir(dir)) != NULL) {
    const char *n = d->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    size_t nl = strlen(n);
    if (nl > 255) nl = 255;
    if (count == ncap || aused + nl + 1 > acap) {
      if (count == ncap) ncap *= 2;
      while (aused + nl + 1 > acap) acap *= 2;
      Entry *e2 = realloc(ents, ncap * sizeof(Entry));
      if (e2) ents = e2;
      char *a2 = realloc(arena, acap);
      if (a2) arena = a2;
      if (!e2 || !a2) {
        err = ENOMEM;
        goto done;
      }
    }
    ents[count].type = d->d_type;
    ents[count].len = (unsigned char)nl;
    ents[count].at = aused;
    memcpy(arena + aused, n, nl);
    arena[aused + nl] = 0;
    aused += nl + 1;
    count++;
    errno = 0;
  }
  if ((err = errno) != 0) goto done;

  sts = malloc((count ? count : 1) * sizeof(struct stat));
  ok = calloc(count ? count : 1, 1);
  out = malloc(cap);
  if (!sts || !ok || !out) {
    err = ENOMEM;
    goto done;
  }
  StatJob job = {.fd = fd, .ents = ents, .arena = arena, .count = count, .sts = sts, .ok = ok};
  atomic_init(&job.next, 0);
  stat_all(&job);

  out[0] = noatime;
  put_id(out + 1, &self);
  put_times(out + 17, &self);
  uid_t euid = geteuid();
  for (size_t k = 0; k < count; k++) {
    const char *n = arena + ents[k].at;
    size_t nl = ents[k].len;
    unsigned char type = ents[k].type;
    unsigned char flags = 0;
    const struct stat *st = &sts[k];
    /* the lstat's type where taken: an entry replaced since readdir (a folder now a link) is what it is now */
    if (wants_stat(type) && ok[k]) type = type_of(st->st_mode);
    if ((type == DT_REG || type == DT_DIR) && ok[k]) {
      flags = 1;
      if (type == DT_REG && st->st_nlink > 1) flags |= 2;
      if ((long long)st->st_blocks * 512 < (long long)st->st_size) flags |= 4;
      if (st->st_uid != euid) flags |= 8;
      if (type == DT_DIR || allIds || (flags & 2)) flags |= 16;
    }
    size_t extra = type == DT_REG || type == DT_DIR ? 1 + (flags & 16 ? 16 : 0) : 0;
    if (used + 2 + nl + extra > cap) {
      while (used + 2 + nl + extra > cap) cap *= 2;
      unsigned char *grown = realloc(out, cap);
      if (!grown) {
        err = ENOMEM;
        goto done;
      }
      out = grown;
    }
    out[used++] = type;
    out[used++] = (unsigned char)nl;
    memcpy(out + used, n, nl);
    used += nl;
    if (type == DT_REG || type == DT_DIR) {
      out[used++] = flags;
      if (flags & 16) {
        put_id(out + used, st);
        used += 16;
      }
    }
  }
  if (napi_create_buffer_copy(env, used, out, NULL, &result) != napi_ok) err = ENOMEM;

done:
  free(out);
  free(sts);
  free(ok);
  free(ents);
  free(arena);
  closedir(dir);
  return err ? fail(env, err) : result;
}

napi_value readheads_init(napi_env env, napi_value exports);
napi_value prefetch_init(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  readheads_init(env, exports);
  prefetch_init(env, exports);
  napi_value fn;
  napi_create_function(env, "listdir", NAPI_AUTO_LENGTH, listdir, NULL, &fn);
  napi_set_named_property(env, exports, "listdir", fn);
  /* the layout of what listdir and readheads hand back: 3, a listing carries the folder's times and a
   * file's meta its ctime (round 24); the loader refuses an addon built from older sources */
  napi_value layout;
  napi_create_uint32(env, 3, &layout);
  napi_set_named_property(env, exports, "layout", layout);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
