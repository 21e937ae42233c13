#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, test and run the gate on its simulator: the PC/SC daemon with
# the virtual reader driver (vpcd), the PC/SC headers the `pcsc` crate links against, pkg-config, Python's venv and
# curl (for models/fetch.sh), then the face models: ONNX Runtime, the detector and the recogniser, each checked
# against the sha256 of its manifest.
# Quiet when everything is already there; needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(pcscd libpcsclite-dev vsmartcard-vpcd pkg-config openssl libopenjp2-tools python3 python3-venv curl ca-certificates systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing; install the Rust toolchain (rustup) first" >&2
  exit 1
fi

bash "$(dirname "$0")/../models/fetch.sh"
