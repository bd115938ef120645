#!/usr/bin/env bash
# Compare & sync benchmark (issue 17): `nascmd sync` between a local tree and the QNAP
# emulator, release build. Results and how to read them: docs/PERFORMANCE.md.
#
#   benches/sync.sh [FILES=10000] [FOLDERS=100]
#
# 1. compare FILES unchanged files in FOLDERS folders (`sync --dry-run`: listings only,
#    "Already in sync"); goal ≤ 1 s on loopback, ≤ 3 s through the link relay;
# 2. change 1 % of the files, `sync` them: the plan and the run must move only those.
# REPEAT=N (default 3) runs the comparison N times and reports the median.
# LINK=1 puts the link relay (benches/link_relay.rs) in front of the emulator, with
# LINK_RTT_MS / LINK_MIB_S / LINK_TOTAL_MIB_S as in benches/transfer.sh.
#
# Needs: python3, GNU time (/usr/bin/time).
# NASCMD_BIN=path uses that binary instead of building the release one, LINK_RELAY_BIN
# the relay's.
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${1:-10000}
FOLDERS=${2:-100}
REPEAT=${REPEAT:-3}

# NASCMD_BIN=path runs a binary already built (a debug build gives upper bounds only).
if [ -n "${NASCMD_BIN:-}" ]; then
  BIN=$NASCMD_BIN
else
  cargo build --release --locked -q
  BIN=$PWD/target/release/nascmd
fi
if [ -n "${LINK:-}" ] && [ -n "${LINK_RELAY_BIN:-}" ]; then
  RELAY=$LINK_RELAY_BIN
elif [ -n "${LINK:-}" ]; then
  RELAY=$(cargo build --release --locked -q --bench link_relay --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "link_relay" and m.get("executable"):
        print(m["executable"])')
  [ -x "$RELAY" ] || { printf 'link relay did not build\n' >&2; exit 1; }
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nascmd-sync-bench.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/config XDG_STATE_HOME=$WORK/home/state
mkdir -p "$HOME"
say() { printf '%s\n' "$*" >&2; }

# The same tree on both sides, same sizes and times (cp -a keeps them).
say "making $FILES files in $FOLDERS folders"
python3 - "$WORK/local" "$FILES" "$FOLDERS" <<'PY'
import os, sys
root, files, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(files):
    d = os.path.join(root, f"d{i % folders:03}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05}.txt"), "wb") as f:
        f.write(b"x" * (100 + i % 900))
PY
mkdir -p "$WORK/qroot/Public"
cp -a "$WORK/local" "$WORK/qroot/Public/tree"

export NASCMD_EMULATOR_PASSWORD=bench-pass-1 NASCMD_PASSWORD=bench-pass-1
"$BIN" emulate qnap --root "$WORK/qroot" --user bench --listen 127.0.0.1:0 >"$WORK/emu.log" 2>&1 &
PIDS+=($!)
URL=
for _ in $(seq 100); do
  URL=$(grep -o 'http://[0-9.:]*' "$WORK/emu.log" 2>/dev/null | head -n1) || true
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { say "emulator did not start"; cat "$WORK/emu.log" >&2; exit 1; }
NOTE="loopback"
if [ -n "${LINK:-}" ]; then
  "$RELAY" --listen 127.0.0.1:0 --upstream "${URL#http://}" >"$WORK/relay.log" 2>&1 &
  PIDS+=($!)
  ADDR=
  for _ in $(seq 100); do
    ADDR=$(sed -n 's/^listening on //p' "$WORK/relay.log" 2>/dev/null | head -n1) || true
    [ -n "$ADDR" ] && break
    sleep 0.1
  done
  [ -n "$ADDR" ] || { say "link relay did not start"; exit 1; }
  URL=http://$ADDR
  NOTE="link relay (${LINK_RTT_MS:-20} ms round trip)"
fi
NAS="qnap://bench@${URL#http://}/Public/tree"
say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg), $NOTE"

TIMES=()
for _ in $(seq "$REPEAT"); do
  /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$BIN" sync --dry-run "$WORK/local" "$NAS" >"$WORK/plan.txt"
  read -r SECS RSS <"$WORK/time.txt"
  grep -qx 'Already in sync' "$WORK/plan.txt" || { say "not in sync:"; head "$WORK/plan.txt" >&2; exit 1; }
  TIMES+=("$SECS")
done
MEDIAN=$(printf '%s\n' "${TIMES[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
say "compare $FILES unchanged files: ${TIMES[*]} s (median $MEDIAN s, peak RSS $((RSS / 1024)) MiB)"

CHANGED=$((FILES / 100))
python3 - "$WORK/local" "$CHANGED" "$FOLDERS" <<'PY'
import os, sys
root, n, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(n):
    i = k * 100
    with open(os.path.join(root, f"d{i % folders:03}", f"f{i:05}.txt"), "ab") as f:
        f.write(b"changed")
PY
/usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$BIN" sync --json "$WORK/local" "$NAS" >"$WORK/run.json"
read -r SECS RSS <"$WORK/time.txt"
MOVED=$(grep -c '"action":"replace"' "$WORK/run.json" || true)
OTHER=$(grep -vc '"action":"replace"' "$WORK/run.json" || true)
[ "$MOVED" -eq "$CHANGED" ] && [ "$OTHER" -eq 0 ] || { say "plan moved $MOVED (+$OTHER other), expected $CHANGED"; exit 1; }
diff -r "$WORK/local" "$WORK/qroot/Public/tree" >/dev/null || { say "trees differ after the sync"; exit 1; }
say "sync of $CHANGED changed files out of $FILES: $SECS s, only those moved"
"$BIN" sync --dry-run "$WORK/local" "$NAS" | grep -qx 'Already in sync' || { say "second run not in sync"; exit 1; }
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
