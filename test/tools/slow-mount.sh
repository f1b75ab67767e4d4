#!/usr/bin/env bash
# Mount a read-only mirror of SRC at MNT that waits DELAY µs in every lookup/getattr/open/read/
# opendir/readdir (test/tools/slow-mount/slow-mount.c: a network share or FUSE file system, modelled),
# run COMMAND (or wait for Ctrl-C), and unmount on every exit.
#
#   test/tools/slow-mount.sh [--delay-us N] [--cache-s S] [--stats FILE] [--fuse-threads N] SRC MNT [-- COMMAND...]
#
#   --delay-us      µs per operation (default 0: plain FUSE)
#   --cache-s       kernel entry/attribute cache of the mount, seconds (default 0: nothing cached, so
#                   every run is cold through the mount; the machine's page cache is left alone)
#   --stats FILE    on unmount, the calls the file system saw, per operation (one JSON line)
#   --fuse-threads  most requests served at once (default 64; libfuse's own default is 10, fewer
#                   than a network client keeps in flight)
#   --eio-after     every read reaching past this byte of a file fails with EIO (a disk going bad)
#
# Example: test/tools/slow-mount.sh --delay-us 1000 /data/leak /mnt/slow -- node dist/cli/main.js /mnt/slow --csv /tmp/s.csv
# Needs libfuse3-dev, fuse3, pkg-config (Debian) and /dev/fuse. Builds the program once under the OS
# temp folder, per user and per version of the source.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
delay=0 cache=0 stats='' threads=64 eio=-1
while [[ $# -gt 0 && $1 == --* ]]; do
  case $1 in
    --delay-us) delay=$2; shift 2 ;;
    --cache-s) cache=$2; shift 2 ;;
    --stats) stats=$2; shift 2 ;;
    --fuse-threads) threads=$2; shift 2 ;;
    --eio-after) eio=$2; shift 2 ;;
    *) echo "slow-mount.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $# -lt 2 ]]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
src=$(realpath "$1") mnt=$(realpath "$2")
shift 2
[[ ${1:-} == -- ]] && shift

# built once per user and per version of the source: another user's build (or another checkout's)
# is neither overwritten nor run
source_c=$here/slow-mount/slow-mount.c
bindir=${TMPDIR:-/tmp}/leaktally-slow-mount-$(id -u)
bin=$bindir/slow-mount-$(sha256sum "$source_c" | cut -c1-16)
if [[ ! -x $bin ]]; then
  mkdir -p -m 700 "$bindir"
  # shellcheck disable=SC2046 # pkg-config's flags are meant to split
  cc -O2 -Wall -Wextra -o "$bin.tmp.$$" "$source_c" $(pkg-config --cflags --libs fuse3)
  mv "$bin.tmp.$$" "$bin"
fi

mounted() { grep -q "^slow-mount $mnt fuse.slow-mount " /proc/mounts; }
if mounted; then
  echo "slow-mount.sh: $mnt is already a slow mount (fusermount3 -u $mnt)" >&2
  exit 1
fi

opts="ro,fsname=slow-mount,subtype=slow-mount,delay_us=$delay,cache_s=$cache,max_threads=$threads,max_idle_threads=$threads,eio_after=$eio"
[[ -n $stats ]] && opts+=",stats=$(realpath -m "$stats")"
"$bin" "$src" "$mnt" -f -o "$opts" &
pid=$!
cleanup() {
  if mounted; then fusermount3 -u "$mnt" || fusermount3 -uz "$mnt"; fi
  # a program that never mounted (or was unmounted from outside) ends on its own; one still running
  # after its mount is gone is stopped, so that this wait cannot hang
  kill -0 "$pid" 2>/dev/null && ! mounted && sleep 0.5 && kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in $(seq 200); do
  mounted && break
  kill -0 "$pid" 2>/dev/null || { echo "slow-mount.sh: the mount failed" >&2; exit 1; }
  sleep 0.05
done
mounted || { echo "slow-mount.sh: $mnt did not appear as a mount" >&2; exit 1; }

if [[ $# -gt 0 ]]; then
  set +e
  "$@"
  rc=$?
  set -e
  exit $rc
fi
echo "slow-mount.sh: $src mounted at $mnt, $delay µs per operation; Ctrl-C unmounts" >&2
wait "$pid"
