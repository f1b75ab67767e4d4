/*
 * listdir(path, strict): list a folder without moving its access time. Node cannot: fs.readdir/opendir take
 * a path and open the folder without O_NOATIME, and there is no fdopendir. This opens the folder
 * with O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_NOATIME (retrying without O_NOATIME on EPERM: the folder is
 * not the user's, unless strict: then the EPERM is thrown), then fdopendir + readdir. Plain Node-API (ABI-stable across Node versions).
 *
 * Returns one Buffer: byte 0 is 1 if O_NOATIME was used, 0 if it was refused; then per entry:
 * d_type (1 byte), name length (1 byte, a name is at most 255 bytes), the name's bytes; and for a
 * regular file (DT_REG) what the walk needs of its lstat, taken here with fstatat on the open folder
 * (no path lookup, and no Stats object per file in JavaScript): one byte of flags (1 stat taken,
 * 2 more than one link, 4 fewer blocks than its size, 8 not owned by the effective user), and with
 * flag 2 the device and inode numbers (8 bytes each, little-endian) that identify the file.
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

static napi_value listdir(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return fail(env, EINVAL);
  void *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok || len == 0 || len >= 4096) return fail(env, EINVAL);
  char path[4096];
  memcpy(path, data, len);
  path[len] = 0;

  bool strict = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &strict);

  int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  unsigned char noatime = 1;
  int fd = open(path, flags | O_NOATIME);
  if (fd < 0 && errno == EPERM && !strict) {
    noatime = 0;
    fd = open(path, flags);
  }
  if (fd < 0) return fail(env, errno);
  DIR *dir = fdopendir(fd);
  if (!dir) {
    int e = errno;
    close(fd);
    return fail(env, e);
  }
  size_t cap = 4096, used = 1;
  unsigned char *out = malloc(cap);
  if (!out) {
    closedir(dir);
    return fail(env, ENOMEM);
  }
  out[0] = noatime;
  uid_t euid = geteuid();
  struct dirent *d;
  errno = 0;
  while ((d = readdir(dir)) != NULL) {
    const char *n = d->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    size_t nl = strlen(n);
    if (nl > 255) nl = 255;
    unsigned char flags = 0;
    struct stat st;
    if (d->d_type == DT_REG) {
      int saved = errno;
      if (fstatat(fd, n, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        flags = 1;
        if (st.st_nlink > 1) flags |= 2;
        if ((long long)st.st_blocks * 512 < (long long)st.st_size) flags |= 4;
        if (st.st_uid != euid) flags |= 8;
      }
      errno = saved;
    }
    size_t extra = d->d_type == DT_REG ? 1 + (flags & 2 ? 16 : 0) : 0;
    if (used + 2 + nl + extra > cap) {
      while (used + 2 + nl + extra > cap) cap *= 2;
      unsigned char *grown = realloc(out, cap);
      if (!grown) {
        free(out);
        closedir(dir);
        return fail(env, ENOMEM);
      }
      out = grown;
    }
    out[used++] = d->d_type;
    out[used++] = (unsigned char)nl;
    memcpy(out + used, n, nl);
    used += nl;
    if (d->d_type == DT_REG) {
      out[used++] = flags;
      if (flags & 2) {
        unsigned long long id[2] = {(unsigned long long)st.st_dev, (unsigned long long)st.st_ino};
        for (int k = 0; k < 2; k++)
          for (int b = 0; b < 8; b++) out[used++] = (unsigned char)(id[k] >> (8 * b));
      }
    }
    errno = 0;
  }
  int e = errno;
  closedir(dir);
  if (e) {
    free(out);
    return fail(env, e);
  }
  napi_value result;
  napi_status st = napi_create_buffer_copy(env, used, out, NULL, &result);
  free(out);
  if (st != napi_ok) return fail(env, ENOMEM);
  return result;
}

napi_value readheads_init(napi_env env, napi_value exports);
napi_value prefetch_init(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  readheads_init(env, exports);
  prefetch_init(env, exports);
  napi_value fn;
  napi_create_function(env, "listdir", NAPI_AUTO_LENGTH, listdir, NULL, &fn);
  napi_set_named_property(env, exports, "listdir", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
