{
  "targets": [
    {
      "target_name": "listdir",
      "sources": ["native/listdir.c", "native/readheads.c", "native/prefetch.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
