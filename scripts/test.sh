#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the whole test suite: unit tests, the ICAO worked examples, and the
# end-to-end tests that read simulated passports through a private pcscd with the vpcd driver (these need root, for
# the private pcscd's mount namespace).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -d ../shared/testdata ]; then
  echo "test: ../shared/testdata is missing: the worked examples and specimen chips live there" >&2
  exit 1
fi
cargo test --workspace --quiet "$@"
# The lints that keep panics off outside input are clippy's: a warning fails the run.
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The board's GPIO back end is a feature: built, linted and its no-chip refusal tested here too.
cargo clippy -p hal -p gate-daemon --features board --lib --quiet -- -D warnings
cargo test -p hal --features board --lib --quiet gate::board
