#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the whole gate end to end on the simulator: `gate-sim demo` starts a
# private pcscd with the vpcd driver, a test PKI and the passport of sim/profiles/budi.toml, a signed watchlist, the
# document reader on a pseudo-terminal, the simulated gate (doors, sensors, camera) on its socket, and the real
# `gate-daemon run` against all of them; a traveller walks up, is read, screened, let in, matched and let out.
# Needs root for the private pcscd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --bin gate-daemon --bin gate-sim
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root: the private pcscd needs its own mount namespace" >&2
  exit 1
fi
exec target/debug/gate-sim demo "$@"
