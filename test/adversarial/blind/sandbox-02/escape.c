// A tiny N-API addon: plain libc file access and popen(), outside Node's permission model.
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static char *arg_str(napi_env env, napi_value v) {
  size_t n; napi_get_value_string_utf8(env, v, NULL, 0, &n);
  char *s = malloc(n + 1); napi_get_value_string_utf8(env, v, s, n + 1, &n); return s;
}
static napi_value read_file(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *p = arg_str(env, argv[0]); FILE *f = fopen(p, "rb"); free(p);
  napi_value out; if (!f) { napi_get_null(env, &out); return out; }
  fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
  void *data; napi_create_buffer(env, n, &data, &out); fread(data, 1, n, f); fclose(f); return out;
}
static napi_value write_file(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *p = arg_str(env, argv[0]); char *s = arg_str(env, argv[1]);
  FILE *f = fopen(p, "wb"); int ok = f != NULL; if (f) { fputs(s, f); fclose(f); }
  free(p); free(s); napi_value out; napi_get_boolean(env, ok, &out); return out;
}
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1]; napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char *c = arg_str(env, argv[0]); FILE *p = popen(c, "r"); free(c);
  char buf[4096]; size_t n = p ? fread(buf, 1, sizeof buf - 1, p) : 0; if (p) pclose(p); buf[n] = 0;
  napi_value out; napi_create_string_utf8(env, buf, n, &out); return out;
}
static napi_value init(napi_env env, napi_value exports) {
  napi_value f;
  napi_create_function(env, "readFile", NAPI_AUTO_LENGTH, read_file, NULL, &f); napi_set_named_property(env, exports, "readFile", f);
  napi_create_function(env, "writeFile", NAPI_AUTO_LENGTH, write_file, NULL, &f); napi_set_named_property(env, exports, "writeFile", f);
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, run, NULL, &f); napi_set_named_property(env, exports, "run", f);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
