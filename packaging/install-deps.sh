#!/usr/bin/env bash
# Installs every Debian 12 package Reverie needs to build, run, test and package.
# Idempotent: it installs only what is missing and does nothing when all is there.
# Works as root or through sudo. Usage: packaging/install-deps.sh [--print]
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git dpkg-dev file
  # Qt 6 (base, multimedia, tools for translations)
  qt6-base-dev qt6-base-dev-tools qt6-multimedia-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-l10n-tools libgl-dev libxkbcommon-dev qt6-qpa-plugins
  # plots
  libqcustomplot-dev libqcustomplot2.1-qt6
  # networks: LibTorch (CPU) and a fast BLAS for its matrix products
  libtorch-dev libopenblas0-pthread
  # images, logging, json, audio
  libopencv-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsndfile1-dev libsoxr-dev zlib1g-dev
  # headless GUI runs and tests
  xvfb xauth fonts-dejavu-core
  # data for the built-in models and the classical peers
  dataset-fashion-mnist
  asterisk-core-sounds-en-g722 asterisk-core-sounds-es-g722 asterisk-core-sounds-fr-g722
  asterisk-core-sounds-it-g722 asterisk-core-sounds-ru-g722 asterisk-moh-opsound-g722
  ffmpeg sox
  # fetch-corpora.sh: unzip opens a game archive (.pk3) for its sound effects
  unzip
  # sharded runs on a cluster: the single-node Slurm test (tests/slurm) and its JSON comparison
  slurmctld slurmd slurm-client munge jq
)

if [[ "${1:-}" == "--print" ]]; then printf '%s\n' "${PACKAGES[@]}"; exit 0; fi

# Real photographs for the colour-photo restorer (training and held-out test), taken from Debian's
# python3-skimage data folder without installing its Python dependencies (apt-get download +
# dpkg -x). REVERIE_PHOTOS_DIR overrides the destination (restore::defaultPhotosDir() reads the same).
PHOTOS_DIR="${REVERIE_PHOTOS_DIR:-/usr/local/share/reverie/photos}"
PHOTOS_TRAIN=(astronaut.png hubble_deep_field.jpg ihc.png motorcycle_left.png retina.jpg rocket.jpg
              camera.png coins.png brick.png grass.png gravel.png)
PHOTOS_TEST=(chelsea.png coffee.png)

fetch_photos() {
  if [[ -f "$PHOTOS_DIR/test/coffee.png" && -f "$PHOTOS_DIR/train/rocket.jpg" ]]; then return 0; fi
  echo "install-deps: fetching the photographs of python3-skimage into $PHOTOS_DIR"
  local tmp
  tmp=$(mktemp -d)
  chmod 755 "$tmp"
  (cd "$tmp" && apt-get download -q python3-skimage >/dev/null 2>&1) ||
    (cd "$tmp" && $SUDO apt-get download -q python3-skimage >/dev/null)
  dpkg -x "$tmp"/python3-skimage_*.deb "$tmp/x"
  local data
  data=$(find "$tmp/x" -type d -path '*skimage/data' | head -n 1)
  $SUDO mkdir -p "$PHOTOS_DIR/train" "$PHOTOS_DIR/test"
  for f in "${PHOTOS_TRAIN[@]}"; do $SUDO install -m 644 "$data/$f" "$PHOTOS_DIR/train/$f"; done
  for f in "${PHOTOS_TEST[@]}"; do $SUDO install -m 644 "$data/$f" "$PHOTOS_DIR/test/$f"; done
  rm -rf "$tmp"
}

# Speech for the Enhance model (core/speech/corpus.h): the Asterisk prompts of five speakers
# (asterisk-core-sounds-{en,es,fr,it,ru}-g722, G.722 at 16 kHz) and the music-on-hold pieces
# (asterisk-moh-opsound-g722), decoded once with ffmpeg into 16 kHz mono 16-bit WAV under
# $SPEECH_DIR/{en,es,fr,it,ru,moh}/. Per speaker: the first SPEECH_PER_LANG prompts (sorted by
# path) longer than 1 s (G.722 is 64 kbit/s: more than 8000 bytes); music: the first 120 s of each
# piece. A folder that holds its .done marker is skipped, so a second run does nothing.
# REVERIE_SPEECH_DIR overrides the destination (core/speech/corpus.h reads the same).
SPEECH_DIR="${REVERIE_SPEECH_DIR:-/usr/local/share/reverie/speech}"
SPEECH_PER_LANG=300
SPEECH_SOURCES=(en:en_US_f_Allison es:es_MX_f_Allison fr:fr_CA_f_June it:it_IT_m_Carlo ru:ru_RU_f_IvrvoiceRU)

decode_speech() {
  local sounds=/usr/share/asterisk/sounds moh=/usr/share/asterisk/moh
  local entry lang src out n f name
  for entry in "${SPEECH_SOURCES[@]}" moh:; do
    lang=${entry%%:*}; src=${entry#*:}
    out="$SPEECH_DIR/$lang"
    if [[ -f "$out/.done" ]]; then continue; fi
    $SUDO mkdir -p "$out"
    n=0
    if [[ "$lang" == moh ]]; then
      echo "install-deps: decoding the music on hold of $moh into $out"
      while IFS= read -r f; do
        name=$(basename "$f" .g722)
        $SUDO ffmpeg -nostdin -hide_banner -loglevel error -y -f g722 -i "$f" -t 120 -ar 16000 -ac 1 \
          -c:a pcm_s16le "$out/$name.wav"
        n=$((n + 1))
      done < <(find "$moh" -name '*.g722' | LC_ALL=C sort)
    else
      echo "install-deps: decoding up to $SPEECH_PER_LANG prompts (> 1 s) of $sounds/$src into $out"
      while IFS= read -r f; do
        # sub-folders (digits/, letters/, ...) keep their name as a prefix: digits-1.wav
        name=$(realpath --relative-to="$sounds/$src" "$f"); name=${name%.g722}; name=${name//\//-}
        $SUDO ffmpeg -nostdin -hide_banner -loglevel error -y -f g722 -i "$f" -ar 16000 -ac 1 \
          -c:a pcm_s16le "$out/$name.wav"
        n=$((n + 1))
      done < <(find -L "$sounds/$src" -name '*.g722' -size +8000c | LC_ALL=C sort | head -n "$SPEECH_PER_LANG")
    fi
    if [[ $n -eq 0 ]]; then echo "install-deps: no G.722 files found for $lang" >&2; return 1; fi
    echo "$n" | $SUDO tee "$out/.done" >/dev/null
    echo "install-deps: $n files in $out"
  done
}

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  fetch_photos
  decode_speech
  "$(dirname "$0")/fetch-corpora.sh"
  exit 0
fi

if [[ $(id -u) -ne 0 && -z "$SUDO" ]]; then
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
fi

echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fetch_photos
decode_speech
# The split corpora (speech, noise, photos by source into train/val/test; docs/data.md)
"$(dirname "$0")/fetch-corpora.sh"
