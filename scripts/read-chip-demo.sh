#!/usr/bin/env bash
# Sets up a fresh Debian machine and runs the chip reading alone end to end on the simulator: a private pcscd with
# the vpcd driver, a test PKI, a passport made from sim/profiles/budi.toml, its chip served by `gate-sim chip` with
# an RF link model, the MRZ sent over a pseudo-terminal as a document reader would, and `gate-daemon read-chip`
# reading the MRZ from that serial line and the chip through pcscd, proving it genuine against the test CSCA.
# Needs root for the private pcscd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --quiet --bin gate-daemon --bin gate-sim
bin=target/debug

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root: the private pcscd needs its own mount namespace" >&2
  exit 1
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A free pair of ports for vpcd (it opens PORT and PORT+1).
port=""
for _ in $(seq 1 50); do
  p=$(( (RANDOM % 20000) + 30000 ))
  if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$((p + 1))) 2>/dev/null; then
    port=$p; break
  fi
done
[ -n "$port" ] || { echo "demo: no free port for vpcd" >&2; exit 1; }

mkdir -p "$work/run" "$work/conf"
cat > "$work/conf/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$port
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    $port
CONF
unshare -m sh -c "mount --bind '$work/run' /run/pcscd 2>/dev/null || { mkdir -p /run/pcscd && mount --bind '$work/run' /run/pcscd; }; exec pcscd -f -c '$work/conf'" >"$work/pcscd.log" 2>&1 &
pids+=($!)
export PCSCLITE_CSOCK_NAME="$work/run/pcscd.comm"
for _ in $(seq 1 100); do [ -S "$PCSCLITE_CSOCK_NAME" ] && break; sleep 0.05; done
[ -S "$PCSCLITE_CSOCK_NAME" ] || { echo "demo: pcscd did not start:" >&2; cat "$work/pcscd.log" >&2; exit 1; }

echo "== test PKI and a passport (sim/profiles/budi.toml)"
"$bin/gate-sim" pki init "$work/pki" >/dev/null
"$bin/gate-sim" passport make --profile sim/profiles/budi.toml --pki "$work/pki" --out "$work/passport"

echo "== the traveller lays the passport down (424 kbit/s link, 5 ms per APDU)"
"$bin/gate-sim" chip --passport "$work/passport" --vpcd "127.0.0.1:$port" --mrz-pty "$work/mrz" \
  --link-kbps 424 --apdu-latency-ms 5 >"$work/chip.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -e "$work/mrz" ] && break; sleep 0.05; done

echo "== gate-daemon read-chip: the MRZ from the document reader, the chip through pcscd"
"$bin/gate-daemon" read-chip --mrz-serial "$work/mrz" --wait 10 --trust "$work/pki/csca.pem" --trust "$work/pki/crl.der"
