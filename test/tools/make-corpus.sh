#!/usr/bin/env bash
# Builds a corpus of real-world audio files made by others (not generated here), to judge
# leaktally's durations against the decoded length (test/tools/judge-decoded.mjs).
#
#   test/tools/make-corpus.sh [dest]          (default: ${TMPDIR:-/tmp}/leaktally-corpus)
#
# Sources, fetched only through the package registries' own clients:
#   - Debian source packages (apt-get source): the test data of tag and codec libraries (taglib,
#     mutagen, exiftool, quodlibet, beets, picard, openmpt, GStreamer, ...): odd encoders, damaged,
#     truncated and stub files collected from bug reports;
#   - Debian binary packages (apt-get download): sound themes, phone prompts and music on hold
#     (Asterisk GSM/G.722/WAV), VoIP clients' ring tones, game music and tracker modules;
#   - npm packages (npm pack) that ship audio samples.
# apt runs with a private sources list and list directory under "$dest.cache" (binary packages from
# Debian 12, source packages from Debian 13 or else 12), so the system's apt configuration is neither
# needed nor touched. Needs apt-get, dpkg-deb, tar and npm; about 260 MB of downloads, 110 MB kept.
#
# "$dest" gets one folder per package: <package>/<path inside the package>. Only files whose
# extension is an audio or audio/video container are kept. From binary packages with many files of
# one kind, at most $PER_PACKAGE (default 60) evenly spaced files are kept so that no single source
# dominates the totals. ".ts" is kept only for files whose content is not text (MPEG-TS, not
# TypeScript). The files are made read-only. "$dest.SOURCES.txt" (beside the corpus, so that it is
# not one of its files) records every package, its version and how many files it gave. Downloads stay in "$dest.cache" (or $CORPUS_CACHE; a second
# run reuses them; delete it when done).
# The archive moves on: to fetch the same versions again, pass an earlier SOURCES.txt as
# PIN=path/SOURCES.txt (a version no longer in the archive is then reported "not fetched").
# A source package is looked up by the name given here, and its tarball by the source name apt
# reports (libmp3splt's is mp3splt_*, linphone's linphone-desktop_*).
# The audio is never committed: licences vary and it is tens of MB.
set -euo pipefail
pin_file=${PIN:-}
# pinned <registry> <package>: the version an earlier SOURCES.txt recorded ('' when not pinned)
pinned() {
  [ -n "$pin_file" ] || return 0
  awk -v r="$1" -v p="$2" '$1 == r && $2 == p && $3 != "-" {print $3; exit}' "$pin_file"
}

dest=${1:-${TMPDIR:-/tmp}/leaktally-corpus}
cache=${CORPUS_CACHE:-$dest.cache}
per_package=${PER_PACKAGE:-60}

# Test data of tag/codec libraries: every audio file in them is kept.
SOURCE_PACKAGES=(
  taglib mutagen libimage-exiftool-perl quodlibet beets picard python-mediafile eyed3 audioread
  libopenmpt libxmp gst-plugins-good1.0 gst-plugins-base1.0 kid3 audiofile sox libsndfile wavpack
  opencore-amr opus-tools chromaprint libmp3splt mediastreamer2 linphone lame twolame vorbis-tools
  ffmpegthumbnailer atomicparsley faad2 pitivi gst-plugins-bad1.0 gst-plugins-ugly1.0 libwebm
)
# Shipped sounds: prompts, themes, ring tones, game music and modules (capped per package).
BINARY_PACKAGES=(
  alsa-utils sound-theme-freedesktop oxygen-sounds yaru-theme-sound sound-icons gnome-audio
  asterisk-core-sounds-en-gsm asterisk-core-sounds-en-wav asterisk-core-sounds-en-g722
  asterisk-moh-opsound-gsm baresip-core twinkle-common linphone-common psi-plus-sounds pidgin-data
  chromium-bsu-data lbreakout2-data milkytracker tecnoballz-data kobodeluxe-data frozen-bubble-data
  pingus-data
)
NPM_PACKAGES=(audio-lena test-audio sample-audio-files benz-amr-recorder)

# Audio and audio/video containers, raw telephony codecs and tracker modules (lower case).
EXT='mp3|mp2|mp1|mpga|aac|adts|m4a|m4b|m4p|m4r|mp4|m4v|3gp|3g2|mov|qt|flac|fla|oga|ogg|ogv|opus|spx|wma|asf|wmv|webm|mka|mkv|wav|wave|w64|rf64|bwf|aif|aiff|aifc|au|snd|amr|awb|wv|wvc|ape|mpc|mp\+|mpp|tta|tak|ofr|ofs|dsf|dff|shn|ac3|eac3|dts|caf|voc|ircam|sf|mod|s3m|xm|it|mptm|mtm|669|med|okt|stm|far|ult|gsm|ul|ulaw|al|alaw|sln|g722|g729|g726|vox|ra|rm|avi|mpg|mpeg|ts|spx|sd2|pvf|sph|nist|iff|8svx|smp|mid|midi'

mkdir -p "$dest" "$cache/deb" "$cache/src" "$cache/npm" "$cache/apt/lists/partial" "$cache/x"
# the pin may be the SOURCES.txt written anew below
if [ -n "$pin_file" ]; then cp "$pin_file" "$cache/pin.txt"; pin_file=$cache/pin.txt; fi
sources_txt="${dest%/}.SOURCES.txt"
{
  echo "# leaktally judging corpus: real-world audio made by others, fetched $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# registry  package  version  files_kept"
} > "$sources_txt"

cat > "$cache/apt/debian.sources" <<EOF
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
APT=(-o "Dir::Etc::SourceList=$cache/apt/debian.sources" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$cache/apt/lists" -o APT::Sandbox::User=root -q)
apt-get "${APT[@]}" update >/dev/null

# keep <from-dir> <package> <cap>: copy the audio files under from-dir to $dest/<package>/
keep() {
  local from=$1 pkg=$2 cap=$3 list n
  list=$(cd "$from" && find . -type f | grep -iE "\.($EXT)\$" | LC_ALL=C sort || true)
  # ".ts" is also TypeScript (*.d.ts, *.ts sources): keep only those whose content is not text
  list=$(printf '%s\n' "$list" | while IFS= read -r f; do
    case "$f" in
      *.[tT][sS]) LC_ALL=C grep -qI . "$from/$f" 2>/dev/null || printf '%s\n' "$f" ;;
      ?*) printf '%s\n' "$f" ;;
    esac
  done)
  n=$(printf '%s' "$list" | grep -c . || true)
  if [ "$cap" -gt 0 ] && [ "$n" -gt "$cap" ]; then
    list=$(printf '%s\n' "$list" | awk -v n="$n" -v c="$cap" 'BEGIN{s=n/c} NR-1 >= k*s {print; k++}' | head -n "$cap")
  fi
  local kept=0
  rm -rf "${dest:?}/$pkg"
  while IFS= read -r f; do
    [ -n "$f" ] || continue
    mkdir -p "$dest/$pkg/$(dirname "$f")"
    cp -p "$from/$f" "$dest/$pkg/$f"
    kept=$((kept + 1))
  done <<< "$list"
  echo "$kept"
}

# Only the upstream tarball is needed (the test data is upstream's); the registry does not always
# have every file of a source package, so a package whose .dsc or Debian diff cannot be fetched is
# still used when its .orig tarball came, and the newest suite that has it is taken.
for pkg in "${SOURCE_PACKAGES[@]}"; do
  got=
  # "<source name> <version>" lines, newest first: the source package may be named differently from
  # the name asked for (a binary package's name), and its tarball carries the source name
  candidates=$(apt-cache "${APT[@]}" showsrc "$pkg" 2>/dev/null | awk '/^Package:/{p=$2} /^Version:/{print p, $2}' | sort -u -k2,2V -r)
  pin=$(pinned debian-source "$pkg")
  if [ -n "$pin" ]; then
    candidates=$(printf '%s\n' "$candidates" | awk -v v="$pin" '$2 == v' | head -n1)
    [ -n "$candidates" ] || candidates="$pkg $pin"
  fi
  while read -r srcname ver; do
    [ -n "$ver" ] || continue
    upstream=${ver#*:}; upstream=${upstream%-*}
    (cd "$cache/src" && apt-get "${APT[@]}" source --download-only "$srcname=$ver" >/dev/null 2>&1) || true
    orig=$(ls "$cache/src/${srcname}_${upstream}.orig.tar."* "$cache/src/${srcname}_${upstream}.tar."* 2>/dev/null | grep -v '\.asc$' | head -n1 || true)
    if [ -n "$orig" ]; then got=$ver; break; fi
  done <<< "$candidates"
  if [ -z "$got" ]; then echo "debian-source $pkg - 0 (not fetched)" >> "$sources_txt"; echo "$pkg: not fetched" >&2; continue; fi
  rm -rf "$cache/x/$pkg" && mkdir -p "$cache/x/$pkg"
  tar -xf "$orig" -C "$cache/x/$pkg"
  n=$(keep "$cache/x/$pkg" "$pkg" 0)
  rm -rf "${cache:?}/x/$pkg"
  echo "debian-source $pkg $got $n ($(basename "$orig"))" >> "$sources_txt"
  echo "$pkg $got: $n files" >&2
done

for pkg in "${BINARY_PACKAGES[@]}"; do
  ver=$(pinned debian-binary "$pkg")
  [ -n "$ver" ] || ver=$(apt-cache "${APT[@]}" show "$pkg" 2>/dev/null | awk '/^Version:/{print $2; exit}')
  if [ -z "$ver" ]; then echo "debian-binary $pkg - 0 (not found)" >> "$sources_txt"; continue; fi
  if ! (cd "$cache/deb" && { ls "${pkg}_"*.deb >/dev/null 2>&1 || apt-get "${APT[@]}" download "$pkg=$ver" >/dev/null 2>&1; }); then
    echo "debian-binary $pkg $ver 0 (fetch failed)" >> "$sources_txt"; echo "$pkg: fetch failed" >&2; continue
  fi
  deb=$(ls "$cache/deb/${pkg}_"*.deb | head -n1)
  rm -rf "$cache/x/$pkg"
  dpkg-deb -x "$deb" "$cache/x/$pkg"
  n=$(keep "$cache/x/$pkg" "$pkg" "$per_package")
  rm -rf "${cache:?}/x/$pkg"
  echo "debian-binary $pkg $ver $n" >> "$sources_txt"
  echo "$pkg $ver: $n files" >&2
done

for pkg in "${NPM_PACKAGES[@]}"; do
  spec=$pkg; v=$(pinned npm "$pkg"); [ -z "$v" ] || spec="$pkg@$v"
  tgz=$(cd "$cache/npm" && npm pack "$spec" --silent 2>/dev/null | tail -n1) || tgz=
  if [ -z "$tgz" ]; then echo "npm $pkg - 0 (not found)" >> "$sources_txt"; continue; fi
  ver=${tgz%.tgz}; ver=${ver##*-}
  rm -rf "$cache/x/npm-$pkg" && mkdir -p "$cache/x/npm-$pkg"
  tar -xzf "$cache/npm/$tgz" -C "$cache/x/npm-$pkg"
  n=$(keep "$cache/x/npm-$pkg" "npm-$pkg" 0)
  rm -rf "${cache:?}/x/npm-$pkg"
  echo "npm $pkg $ver $n" >> "$sources_txt"
  echo "npm $pkg $ver: $n files" >&2
done

find "$dest" -type f -exec chmod a-w {} +
total=$(find "$dest" -type f | wc -l)
echo "# total files: $total" >> "$sources_txt"
echo "corpus: $total files in $dest (sources: $sources_txt)" >&2
