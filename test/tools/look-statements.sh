#!/bin/sh
# Screenshots of statement pages as a browser renders them (A4 at 150 dpi: 1240×1754), and a PDF
# print of each, to look at: test/tools/look-statements.sh <statements dir> <output dir>
# Needs chromium (Debian's package). The pages are self-contained: nothing is fetched.
set -eu
src=$1
out=$2
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for f in "$src"/*.html; do
  name=$(basename "$f" .html)
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
    --screenshot="$out/$name.png" --window-size=1240,1754 "file://$(realpath "$f")" 2>/dev/null
  chromium --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
    --print-to-pdf="$out/$name.pdf" --no-pdf-header-footer "file://$(realpath "$f")" 2>/dev/null
done
ls -l "$out"
