#!/usr/bin/env bash
# Makes one short real recording in every codec leaktally reads, with espeak-ng, sox and ffmpeg
# (Debian packages), into the folder given. Used to (re)build samples/codecs and to compare
# leaktally's durations with ffprobe's (test/tools/compare-ffprobe.sh). Not run by CI.
set -euo pipefail
out=${1:?usage: make-codecs.sh OUTDIR [seconds-of-speech-text]}
mkdir -p "$out"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
text=${2:-"Hello, this is the health line. Please state your personal identity number and describe your symptoms."}
espeak-ng -v en -s 150 -w "$tmp/voice.wav" "$text"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
ff -i "$tmp/voice.wav" -ar 8000 -ac 1 "$tmp/v8k.wav"
ff -i "$tmp/voice.wav" -ar 16000 -ac 1 "$tmp/v16k.wav"
ff -i "$tmp/voice.wav" -ar 16000 -ac 2 "$tmp/v16s.wav"
ff -i "$tmp/v8k.wav" -c:a pcm_s16le "$out/pcm-s16-8k-mono.wav"
ff -i "$tmp/v16s.wav" -c:a pcm_s16le "$out/pcm-s16-16k-stereo.wav"
ff -i "$tmp/v8k.wav" -c:a pcm_mulaw "$out/ulaw.wav"
ff -i "$tmp/v8k.wav" -c:a pcm_alaw "$out/alaw.wav"
ff -i "$tmp/v8k.wav" -ac 2 -c:a pcm_alaw "$out/alaw-stereo.wav"
sox "$tmp/v8k.wav" -e gsm-full-rate "$out/gsm610.wav"
ff -i "$tmp/v8k.wav" -c:a adpcm_ima_wav "$out/ima-adpcm.wav"
ff -i "$tmp/v8k.wav" -ac 2 -c:a adpcm_ms "$out/ms-adpcm-stereo.wav"
ff -i "$tmp/v8k.wav" -c:a libmp3lame -b:a 32k "$out/cbr-xing.mp3"
ff -i "$tmp/v8k.wav" -c:a libmp3lame -b:a 32k -write_xing 0 "$out/cbr-noxing.mp3"
ff -i "$tmp/v16k.wav" -c:a libmp3lame -q:a 6 "$out/vbr-xing.mp3"
ff -i "$tmp/v16k.wav" -c:a libopus -b:a 16k "$out/opus.opus"
ff -i "$tmp/v16k.wav" -c:a libvorbis -q:a 1 "$out/vorbis.ogg"
ff -i "$tmp/v16k.wav" -c:a aac -b:a 32k "$out/aac-moov-end.m4a"
ff -i "$tmp/v16k.wav" -c:a aac -b:a 32k -movflags +faststart -metadata creation_time=2019-01-14T08:30:12Z "$out/aac-faststart.m4a"
ff -i "$tmp/v16k.wav" -c:a flac "$out/flac.flac"
ff -i "$tmp/v16k.wav" -c:a wmav2 -b:a 32k "$out/wma.wma"
sox "$tmp/v8k.wav" -t gsm "$out/raw.gsm"
sox "$tmp/v8k.wav" -t ul "$out/raw.ul"
sox "$tmp/v8k.wav" -t al "$out/raw.alaw"
sox "$tmp/v8k.wav" -t raw -e signed -b 16 "$out/raw.sln"
sox "$tmp/v16k.wav" -t raw -e signed -b 16 "$out/raw.sln16"
# No G.729 encoder ships in Debian: 10-byte frames of noise are what the demuxer sizes, like a real file.
head -c 30000 /dev/urandom > "$out/raw.g729"
