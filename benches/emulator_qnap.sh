#!/usr/bin/env bash
# Throughput of the QNAP emulator, so it never limits a client benchmark.
#
#   benches/emulator_qnap.sh [SIZE_MIB]      (default 1024 = 1 GiB)
#
# Same file, same run:
#   1. download with curl from `python3 -m http.server` (the reference),
#   2. download with curl from `nascmd emulate qnap` (func=download),
#   3. upload with `curl -F` to the emulator (func=upload), with the emulator's peak RSS
#      (VmHWM) before and after, to show the upload is streamed with bounded memory.
# Uses target/release/nascmd (built if missing), or $NASCMD_BIN.
set -euo pipefail

SIZE_MIB=${1:-1024}
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${NASCMD_BIN:-$ROOT_DIR/target/release/nascmd}
if [[ ! -x $BIN ]]; then
    (cd "$ROOT_DIR" && cargo build --release --quiet)
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/root/Public" "$WORK/up"
echo "creating a ${SIZE_MIB} MiB test file..."
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/root/Public/big.bin"
cat "$WORK/root/Public/big.bin" > /dev/null # warm the page cache for both servers

# Reference server.
PY_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$WORK/root/Public" && exec python3 -m http.server "$PY_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)

# Emulator (password from the environment, not the command line).
NASCMD_EMULATOR_PASSWORD=bench "$BIN" emulate qnap --root "$WORK/root" --listen 127.0.0.1:0 \
    --user bench > "$WORK/emu.out" &
EMU_PID=$!
PIDS+=($EMU_PID)
for _ in $(seq 100); do [[ -s $WORK/emu.out ]] && break; sleep 0.05; done
BASE=$(sed 's/^listening on //' "$WORK/emu.out")
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PY_PORT/" && break; sleep 0.05; done

SID=$(curl -s "$BASE/cgi-bin/authLogin.cgi?user=bench&pwd=YmVuY2g%3D&serviceKey=1" |
    sed -n 's/.*<authSid><!\[CDATA\[\([a-z0-9]*\)\]\]>.*/\1/p')
[[ -n $SID ]] || { echo "login failed" >&2; exit 1; }

mibps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f MiB/s", b / 1048576 / t }'; }
hwm() { awk '/VmHWM/ { print $2 " kB" }' "/proc/$EMU_PID/status"; }

BYTES=$((SIZE_MIB * 1024 * 1024))
echo "emulator peak RSS before transfers: $(hwm)"

T=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$PY_PORT/big.bin")
echo "download  python3 -m http.server : ${T}s  $(mibps $BYTES "$T")"

URL="$BASE/cgi-bin/filemanager/utilRequest.cgi?func=download&sid=$SID&isfolder=0&source_path=/Public&source_file=big.bin&source_total=1"
T=$(curl -s -o /dev/null -w '%{time_total}' "$URL")
echo "download  nascmd emulate qnap    : ${T}s  $(mibps $BYTES "$T")"
echo "emulator peak RSS after download : $(hwm)"

UP="$BASE/cgi-bin/filemanager/utilRequest.cgi?func=upload&type=standard&sid=$SID&dest_path=/Public&overwrite=1&progress=-Public-up.bin"
cp --reflink=auto "$WORK/root/Public/big.bin" "$WORK/up/up.bin"
T=$(curl -s -o "$WORK/up.json" -w '%{time_total}' -F "file=@$WORK/up/up.bin" "$UP")
grep -q '"status": 1' "$WORK/up.json" || { echo "upload failed: $(cat "$WORK/up.json")" >&2; exit 1; }
cmp -s "$WORK/up/up.bin" "$WORK/root/Public/up.bin" || { echo "uploaded file differs" >&2; exit 1; }
echo "upload    nascmd emulate qnap    : ${T}s  $(mibps $BYTES "$T")"
echo "emulator peak RSS after upload   : $(hwm)"
