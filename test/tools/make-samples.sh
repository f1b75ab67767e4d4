#!/usr/bin/env bash
# Rebuilds samples/: samples/codecs (one real recording per codec, with ffprobe's durations in
# samples/codecs/ffprobe.json) and samples/leak (a small leaked tree that shows the product).
# Needs espeak-ng, sox, ffmpeg (Debian packages). Output is committed; CI does not run this.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
codecs=$here/samples/codecs
leak=$here/samples/leak
rm -rf "$codecs" "$leak"
"$here/test/tools/make-codecs.sh" "$codecs" "Health line, how can I help you today?"
# ffprobe's view of every codec file, for the duration test
python3 - "$codecs" <<'PY'
import json, subprocess, sys, os
d = sys.argv[1]
fmt = {'.g729': ['-f','g729'], '.ul': ['-f','mulaw','-ar','8000'], '.alaw': ['-f','alaw','-ar','8000'],
       '.sln': ['-f','s16le','-ar','8000','-ac','1'], '.sln16': ['-f','s16le','-ar','16000','-ac','1']}
out = {}
for f in sorted(os.listdir(d)):
    if f.endswith('.json'): continue
    ext = os.path.splitext(f)[1]
    r = subprocess.run(['ffprobe','-v','error',*fmt.get(ext, []),'-show_entries','format=duration','-of','csv=p=0',os.path.join(d,f)], capture_output=True, text=True)
    out[f] = float(r.stdout.strip())
json.dump(out, open(os.path.join(d,'ffprobe.json'),'w'), indent=2, sort_keys=True)
PY

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
say() { espeak-ng -v sv -s 160 -w "$tmp/say.wav" "$1"; ff -i "$tmp/say.wav" -ar 8000 -ac 1 "$tmp/say8k.wav"; }

# 1177-style: one folder per day, caller's number and start time in the name, telephony WAV
c=$leak/1177-vardguiden
mkdir -p "$c/2018/12/31" "$c/2019/01/14" "$c/2019/02/03"
say "Vårdguiden, du pratar med en sjuksköterska."
ff -i "$tmp/say8k.wav" -c:a pcm_mulaw "$c/2019/01/14/20190114-083012_0701740605.wav"
sox "$tmp/say8k.wav" -e gsm-full-rate "$c/2019/01/14/20190114-091544_0701740606.wav"
ff -i "$tmp/say8k.wav" -c:a pcm_alaw "$c/2019/02/03/20190203-142201_0701740607.wav"
ff -i "$tmp/say8k.wav" -c:a pcm_s16le "$c/2018/12/31/20181231-235930_0701740608.wav"
# a recording with no time in its name, dated by its header (RIFF ICRD)
ff -i "$tmp/say8k.wav" -c:a pcm_mulaw -metadata date="2019-02-03 16:05:00" "$c/2019/02/03/samtal-4711.wav"

# an ambulance-transport firm's MP3s, named by Asterisk uniqueid (epoch.sequence)
c=$leak/ambulanstransport
mkdir -p "$c"
say "Ambulanstransport, vart ska patienten?"
ff -i "$tmp/say8k.wav" -c:a libmp3lame -b:a 16k "$c/1547451012.52.mp3"
ff -i "$tmp/say8k.wav" -c:a libmp3lame -b:a 16k -write_xing 0 "$c/1547454612.53.mp3"
ff -i "$tmp/say8k.wav" -c:a libmp3lame -q:a 7 -metadata date="2019-01-16T10:20:30" "$c/bestallning-0701740609.mp3"

# Itell-style: a call-center's folder, one folder a year (2016 and 2017 are empty: made by
# `npm install`, since git keeps no empty folder), numbers of the customer's line and the caller in names
c=$leak/itell
mkdir -p "$c/2018/11/05" "$c/2019/01/14" "$c/2019/02/01"
say "Hej, du har kommit till kundtjänst."
ff -i "$tmp/say8k.wav" -c:a pcm_mulaw "$c/2018/11/05/in-0812345001-0701740610-20181105-101500-1541409300.12.wav"
ff -i "$tmp/say8k.wav" -c:a pcm_alaw "$c/2019/01/14/in-0812345001-0701740611-20190114-083012-1547451012.52.wav"
sox "$tmp/say8k.wav" -t gsm "$c/2019/01/14/in-0812345002-0701740612-20190114-090000-1547452800.13.gsm"
sox "$tmp/say8k.wav" -t ul "$c/2019/02/01/in-0812345003-0701740613-20190201-120000-1549018800.2.ul"
sox "$tmp/say8k.wav" -e gsm-full-rate "$c/2019/02/01/in-0812345003-0701740605-20190201-121500-1549019700.3.wav"
sox "$tmp/say8k.wav" -e gsm-full-rate "$c/2019/02/01/out-0812345003-0701740605-20190201-123000-1549020600.4.wav"

# broken files, as found on such servers
c=$leak/trasiga-filer
mkdir -p "$c"
: > "$c/empty.wav"
printf '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n' > "$c/error-page.mp3"
ff -i "$tmp/say8k.wav" -c:a pcm_mulaw "$tmp/full.wav"
head -c 9000 "$tmp/full.wav" > "$c/cut-off.wav"
# still being written: data size 0 in the header
python3 - "$tmp/full.wav" "$c/still-recording.wav" "$c/size-ffffffff.wav" <<'PY'
import sys, struct
b = bytearray(open(sys.argv[1],'rb').read())
i = b.find(b'data')
z = bytearray(b); z[i+4:i+8] = struct.pack('<I', 0); z[4:8] = struct.pack('<I', 0)
open(sys.argv[2],'wb').write(z)
f = bytearray(b); f[i+4:i+8] = struct.pack('<I', 0xFFFFFFFF); f[4:8] = struct.pack('<I', 0xFFFFFFFF)
open(sys.argv[3],'wb').write(f)
PY
head -c 44 "$tmp/full.wav" > "$c/header-only.wav"
head -c 4000 /dev/urandom > "$c/garbage.mp3"
ff -i "$tmp/say.wav" -c:a libopus -b:a 12k "$tmp/cut.opus"; head -c 3000 "$tmp/cut.opus" > "$c/cut-off.opus"
printf 'Inspelningar raderas efter 30 dagar.\n' > "$c/LÄSMIG.txt"
# a name copied off an old Windows share: Windows-1252 bytes, not UTF-8
cp "$tmp/full.wav" "$c/$(printf 'samtal_\xe5\xe4\xf6.wav')"
du -sh "$here/samples"
