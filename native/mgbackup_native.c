// mgbackup's native helpers: the two kernel calls Node has no binding for. Only node_api.h is used
// (ABI-stable N-API), so one build loads under every Node version of the same platform.
//  - lockHolder(path): who holds a conflicting write lock on a file, by fcntl F_OFD_GETLK (falls
//    back to F_GETLK). Unlike /proc/locks this sees holders in other PID namespaces (containers):
//    the kernel answers about the lock itself; the pid is 0 when the holder is not visible here.
//  - renameExchange(a, b): renameat2(RENAME_EXCHANGE), swapping two paths atomically, so that a
//    restore can put a marker where a directory was without a moment where neither exists.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EXDEV: return "EXDEV";
    case EBUSY: return "EBUSY";
    case ENOTEMPTY: return "ENOTEMPTY";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_name(e), msg);
  return NULL;
}

static int read_path(napi_env env, napi_value v, char *buf, size_t len) {
  size_t got = 0;
  if (napi_get_value_string_utf8(env, v, buf, len, &got) != napi_ok || got >= len - 1) {
    napi_throw_type_error(env, NULL, "expected a path string");
    return 0;
  }
  return 1;
}

static napi_value lock_holder(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !read_path(env, argv[0], path, sizeof path)) return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  const char *method = "F_OFD_GETLK";
  int rc = fcntl(fd, F_OFD_GETLK, &fl);
  if (rc < 0 && errno == EINVAL) {
    // Kernels before 3.15 have no OFD locks.
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    method = "F_GETLK";
    rc = fcntl(fd, F_GETLK, &fl);
  }
  int saved = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, method, saved);
  napi_value result;
  if (fl.l_type == F_UNLCK) {
    napi_get_null(env, &result);
    return result;
  }
  napi_value v;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, fl.l_type == F_WRLCK ? "WRITE" : "READ", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "access", v);
  napi_create_int32(env, (int32_t)fl.l_pid, &v);
  napi_set_named_property(env, result, "pid", v);
  napi_create_string_utf8(env, method, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, result, "method", v);
  return result;
}

static napi_value rename_exchange(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char a[4096], b[4096];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !read_path(env, argv[0], a, sizeof a) || !read_path(env, argv[1], b, sizeof b)) return NULL;
#ifdef SYS_renameat2
  if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0) return throw_errno(env, "renameat2", errno);
  return NULL;
#else
  return throw_errno(env, "renameat2", ENOSYS);
#endif
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  napi_create_function(env, "lockHolder", NAPI_AUTO_LENGTH, lock_holder, NULL, &fn);
  napi_set_named_property(env, exports, "lockHolder", fn);
  napi_create_function(env, "renameExchange", NAPI_AUTO_LENGTH, rename_exchange, NULL, &fn);
  napi_set_named_property(env, exports, "renameExchange", fn);
  return exports;
}
