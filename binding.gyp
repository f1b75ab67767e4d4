{
  "targets": [
    {
      "target_name": "listdir",
      "sources": ["native/listdir.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
