/*
 * prefetch(paths): warm the kernel's caches for folders the walk will list soon, on background
 * threads, and return at once. Each folder is opened with O_NOATIME (a folder whose O_NOATIME open is
 * refused is skipped: warming must never move an access time), read to the end, and every regular
 * (or untyped) entry is fstatat'ed, which brings the directory blocks and the files' inodes into
 * memory. Nothing is kept or returned: the walk then lists the folder itself, from the cache.
 *
 * Why: the walk lists folders and stats files one at a time on the main thread, so on a cold disk it
 * waits for one read after another while the storage could answer many at once, and the readers
 * starve behind it (measured: more reader threads made the scan slower cold). The walk asks for this
 * only when its listings are slow (walk.ts); the queue is bounded and a full queue drops the hint.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PF_THREADS 8
#define PF_QUEUE 256

static pthread_mutex_t pf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pf_cond = PTHREAD_COND_INITIALIZER;
static char *pf_queue[PF_QUEUE];
static int pf_head = 0, pf_count = 0, pf_started = 0;

static void warm(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd < 0) return;
  DIR *dir = fdopendir(fd);
  if (!dir) {
    close(fd);
    return;
  }
  struct dirent *d;
  struct stat st;
  while ((d = readdir(dir)) != NULL) {
    if (d->d_type == DT_REG || d->d_type == DT_UNKNOWN) fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW);
  }
  closedir(dir);
}

static void *pf_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&pf_lock);
    while (pf_count == 0) pthread_cond_wait(&pf_cond, &pf_lock);
    char *path = pf_queue[pf_head];
    pf_head = (pf_head + 1) % PF_QUEUE;
    pf_count--;
    pthread_mutex_unlock(&pf_lock);
    warm(path);
    free(path);
  }
  return NULL;
}

static napi_value prefetch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_array_length(env, argv[0], &n) != napi_ok) {
    napi_throw_error(env, "EINVAL", "prefetch: an array of paths");
    return NULL;
  }
  int queued = 0;
  pthread_mutex_lock(&pf_lock);
  while (pf_started < PF_THREADS) {
    pthread_t t;
    if (pthread_create(&t, NULL, pf_main, NULL) != 0) break;
    pthread_detach(t);
    pf_started++;
  }
  for (uint32_t i = 0; i < n && pf_count < PF_QUEUE && pf_started > 0; i++) {
    napi_value v;
    void *data;
    size_t len;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || napi_get_buffer_info(env, v, &data, &len) != napi_ok || len == 0 || len >= 4096) continue;
    char *path = malloc(len + 1);
    if (!path) break;
    memcpy(path, data, len);
    path[len] = 0;
    pf_queue[(pf_head + pf_count) % PF_QUEUE] = path;
    pf_count++;
    queued++;
  }
  pthread_cond_broadcast(&pf_cond);
  pthread_mutex_unlock(&pf_lock);
  napi_value out;
  napi_create_int32(env, queued, &out);
  return out;
}

napi_value prefetch_init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "prefetch", NAPI_AUTO_LENGTH, prefetch, NULL, &fn);
  napi_set_named_property(env, exports, "prefetch", fn);
  return exports;
}
