{
  "targets": [
    {
      "target_name": "mgbackup_native",
      "sources": ["native/mgbackup_native.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
