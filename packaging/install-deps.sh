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
)

if [[ "${1:-}" == "--print" ]]; then printf '%s\n' "${PACKAGES[@]}"; exit 0; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
