/*
 * slow-mount: a read-only FUSE mirror of a folder that waits a fixed time in every lookup, getattr,
 * open, read, opendir and readdir, as a network share (NFS, SMB) or a FUSE file system adds a round
 * trip to each, and that the kernel caches nothing of (so that every run through it is cold, without
 * dropping the machine's page cache).
 *
 *   slow-mount SRC MNT -f [-o delay_us=N] [-o cache_s=S] [-o stats=FILE] [-o max_threads=N] [fuse options]
 *
 *   delay_us   microseconds slept before each of the operations above (default 0: plain FUSE)
 *   cache_s    entry and attribute timeout in seconds (default 0: every path component is looked up
 *              again on every use, and every stat asks the file system). A value like 30 models a
 *              network mount's attribute cache within one mount; remount to be cold again.
 *   stats      on unmount, write the number of calls per operation as one JSON line to FILE
 *
 * Build and mount with test/tools/slow-mount.sh (it unmounts on every exit). Reads are direct I/O
 * (no page cache for the mount's files); the source is opened with O_NOATIME, so mirroring it moves
 * no access time. Writes are refused (EROFS).
 *
 * Why hand-written: no packaged FUSE tool adds latency (bindfs, the libfuse examples, sshfs over
 * loopback do not let one set it), and this machine has no NFS server or dm-delay. Based on libfuse's
 * example/passthrough.c (high-level API), paths taken relative to SRC's descriptor.
 *
 * The high-level API serves the kernel's LOOKUP with the getattr handler, so "getattr" counts both.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct options {
  unsigned delay_us;
  double cache_s;
  const char *stats;
  long long eio_after;
} opts = {0, 0, NULL, -1};

#define OPT(t, p) {t, offsetof(struct options, p), 1}
static const struct fuse_opt option_spec[] = {
    OPT("delay_us=%u", delay_us), OPT("cache_s=%lf", cache_s), OPT("stats=%s", stats),
    OPT("eio_after=%lld", eio_after), FUSE_OPT_END};

static int src = -1;

enum { GETATTR, OPEN, READ, OPENDIR, READDIR, RELEASE, RELEASEDIR, ACCESS, STATFS, READLINK, OPS };
static const char *op_names[OPS] = {"getattr", "open",       "read",   "opendir", "readdir",
                                    "release", "releasedir", "access", "statfs",  "readlink"};
static atomic_ulong counts[OPS];
static atomic_ulong read_bytes;

static void pause_for(int op) {
  atomic_fetch_add(&counts[op], 1);
  if (!opts.delay_us) return;
  struct timespec t = {opts.delay_us / 1000000, (long)(opts.delay_us % 1000000) * 1000};
  while (nanosleep(&t, &t) == -1 && errno == EINTR) {
  }
}

/* "/a/b" -> "a/b"; "/" -> "." (relative to src) */
static const char *rel(const char *path) { return path[1] ? path + 1 : "."; }

static void *sm_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  conn->want &= ~(FUSE_CAP_READDIRPLUS | FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_CACHE_SYMLINKS);
  cfg->use_ino = 1;
  cfg->entry_timeout = opts.cache_s;
  cfg->attr_timeout = opts.cache_s;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  return NULL;
}

static void sm_destroy(void *data) {
  (void)data;
  if (!opts.stats) return;
  FILE *f = fopen(opts.stats, "w");
  if (!f) return;
  fprintf(f, "{\"delay_us\":%u,\"cache_s\":%g", opts.delay_us, opts.cache_s);
  for (int i = 0; i < OPS; i++) fprintf(f, ",\"%s\":%lu", op_names[i], atomic_load(&counts[i]));
  fprintf(f, ",\"readBytes\":%lu}\n", atomic_load(&read_bytes));
  fclose(f);
}

static int sm_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  pause_for(GETATTR);
  int r = fi ? fstat((int)fi->fh, st) : fstatat(src, rel(path), st, AT_SYMLINK_NOFOLLOW);
  return r == -1 ? -errno : 0;
}

static int sm_access(const char *path, int mask) {
  atomic_fetch_add(&counts[ACCESS], 1);
  if (mask & W_OK) return -EROFS;
  return faccessat(src, rel(path), mask, AT_SYMLINK_NOFOLLOW) == -1 ? -errno : 0;
}

static int sm_readlink(const char *path, char *buf, size_t size) {
  atomic_fetch_add(&counts[READLINK], 1);
  ssize_t n = readlinkat(src, rel(path), buf, size - 1);
  if (n == -1) return -errno;
  buf[n] = 0;
  return 0;
}

static int sm_open(const char *path, struct fuse_file_info *fi) {
  pause_for(OPEN);
  if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
  int fd = openat(src, rel(path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd == -1) return -errno;
  fi->fh = (uint64_t)fd;
  fi->direct_io = 1;
  fi->keep_cache = 0;
  return 0;
}

static int sm_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  pause_for(READ);
  // a disk going bad (or a share dropping) past a file's head: every read that reaches past eio_after fails
  if (opts.eio_after >= 0 && off + (off_t)size > opts.eio_after) return -EIO;
  ssize_t n = pread((int)fi->fh, buf, size, off);
  if (n == -1) return -errno;
  atomic_fetch_add(&read_bytes, (unsigned long)n);
  return (int)n;
}

static int sm_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  atomic_fetch_add(&counts[RELEASE], 1);
  close((int)fi->fh);
  return 0;
}

static int sm_opendir(const char *path, struct fuse_file_info *fi) {
  pause_for(OPENDIR);
  int fd = openat(src, rel(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd == -1) return -errno;
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return -e;
  }
  fi->fh = (uint64_t)(uintptr_t)d;
  fi->cache_readdir = 0;
  fi->keep_cache = 0;
  return 0;
}

static int sm_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)path;
  (void)off;
  (void)flags;
  pause_for(READDIR);
  DIR *d = (DIR *)(uintptr_t)fi->fh;
  rewinddir(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = e->d_ino;
    st.st_mode = (mode_t)(e->d_type << 12);
    if (fill(buf, e->d_name, &st, 0, 0)) break;
  }
  return 0;
}

static int sm_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  atomic_fetch_add(&counts[RELEASEDIR], 1);
  closedir((DIR *)(uintptr_t)fi->fh);
  return 0;
}

static int sm_statfs(const char *path, struct statvfs *st) {
  (void)path;
  atomic_fetch_add(&counts[STATFS], 1);
  return fstatvfs(src, st) == -1 ? -errno : 0;
}

static const struct fuse_operations ops = {
    .init = sm_init,
    .destroy = sm_destroy,
    .getattr = sm_getattr,
    .access = sm_access,
    .readlink = sm_readlink,
    .open = sm_open,
    .read = sm_read,
    .release = sm_release,
    .opendir = sm_opendir,
    .readdir = sm_readdir,
    .releasedir = sm_releasedir,
    .statfs = sm_statfs,
};

int main(int argc, char *argv[]) {
  struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
  if (fuse_opt_parse(&args, &opts, option_spec, NULL) == -1) return 1;
  /* the first non-option argument is SRC: take it out, leave MNT to fuse_main */
  int at = -1;
  for (int i = 1; i < args.argc; i++) {
    if (args.argv[i][0] == '-') {
      if (!strcmp(args.argv[i], "-o")) i++;
      continue;
    }
    at = i;
    break;
  }
  if (at < 0) {
    fprintf(stderr, "usage: slow-mount SRC MNT -f [-o delay_us=N] [-o cache_s=S] [-o stats=FILE]\n");
    return 1;
  }
  src = open(args.argv[at], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (src == -1) {
    perror(args.argv[at]);
    return 1;
  }
  for (int i = at; i + 1 < args.argc; i++) args.argv[i] = args.argv[i + 1];
  args.argc--;
  args.argv[args.argc] = NULL;
  /* stats: a path relative to the starting folder must still work once fuse_main has changed to / */
  if (opts.stats && opts.stats[0] != '/') {
    char *abs = realpath(".", NULL);
    char *full = malloc(strlen(abs) + strlen(opts.stats) + 2);
    sprintf(full, "%s/%s", abs, opts.stats);
    opts.stats = full;
    free(abs);
  }
  int r = fuse_main(args.argc, args.argv, &ops, NULL);
  fuse_opt_free_args(&args);
  return r;
}
