#!/usr/bin/env bash
# Huge NAS folders (issue 14): a folder of ENTRIES files on the QNAP and Freebox
# emulators, listed through the real client code (benches/huge_folder.rs: the pane's
# ListStream via jobs::list_retrying, each page handed to an App and drawn). Prints, per
# NAS, the median and spread (min–max) of the time to the first page and to the complete
# sorted listing, the worst UI-thread cost of one page (update + frame), the median of
# the rounds' median page and the most CPU time one page cost, and the driver's peak RSS. Results and how to read them:
# docs/PERFORMANCE.md, "Huge folders".
#
#   benches/huge_folder.sh [ENTRIES=100000] [qnap|freebox|all]
#
# NASCMD_BIN, HUGE_DRIVER, LINK_RELAY: other builds of the emulator, the driver, the
# relay (old and new side by side); DRIVER_WRAP: a command put before the driver (e.g.
# `heaptrack -o FILE`). Also prints the CPU seconds per listing of client and emulator.
# REPEAT=N (default 5) listings per NAS, in one client process after one unmeasured
# warm-up listing. LINK=1 puts the link relay (benches/link_relay.rs; LINK_RTT_MS,
# LINK_MIB_S, LINK_TOTAL_MIB_S as in benches/transfer.sh) between client and emulator.
# For QNAP, a peer: one curl of the whole folder in one get_list request (limit=ENTRIES),
# through the same link.
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES=${1:-100000}
WHICH=${2:-all}
REPEAT=${REPEAT:-5}

say() { printf '%s\n' "$*" >&2; }

# The bench executables' file names carry a hash: ask cargo for them.
bench_exe() {
  cargo build --release --locked -q --bench "$1" --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == sys.argv[1] and m.get("executable"):
        print(m["executable"])' "$1"
}
# NASCMD_BIN and HUGE_DRIVER run other builds (a before/after comparison, side by side).
if [ -z "${NASCMD_BIN:-}" ] || [ -z "${HUGE_DRIVER:-}" ]; then
  cargo build --release --locked -q
fi
BIN=${NASCMD_BIN:-$PWD/target/release/nascmd}
DRIVER=${HUGE_DRIVER:-$(bench_exe huge_folder)}
[ -x "$DRIVER" ] || { say "the huge_folder driver did not build"; exit 1; }
if [ -n "${LINK:-}" ]; then
  RELAY=${LINK_RELAY:-$(bench_exe link_relay)}
  [ -x "$RELAY" ] || { say "link relay did not build"; exit 1; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nascmd-huge.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/config XDG_STATE_HOME=$WORK/home/state
mkdir -p "$HOME"

# ENTRIES empty files named like photos from a camera roll, created by one process.
make_folder() {
  mkdir -p "$1"
  python3 - "$1" "$ENTRIES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    open(os.path.join(d, f"IMG_{i:06d}.jpg"), "wb").close()
PY
}

# Starts `nascmd emulate KIND …` (and a relay with LINK) and sets EMU_URL.
start_emulator() {
  local log=$WORK/emu-$1.log
  "$BIN" emulate "$@" --listen 127.0.0.1:0 >"$log" 2>&1 &
  PIDS+=($!)
  EMU_PID=$!
  EMU_URL=
  for _ in $(seq 100); do
    EMU_URL=$(grep -o 'http://[0-9.:]*' "$log" 2>/dev/null | head -n1) || true
    [ -n "$EMU_URL" ] && break
    sleep 0.1
  done
  [ -n "$EMU_URL" ] || { say "emulator $1 did not start:"; cat "$log" >&2; exit 1; }
  [ -n "${LINK:-}" ] || return 0
  local relay_log=$WORK/relay-$1.log addr=
  "$RELAY" --listen 127.0.0.1:0 --upstream "${EMU_URL#http://}" >"$relay_log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do
    addr=$(sed -n 's/^listening on //p' "$relay_log" 2>/dev/null | head -n1) || true
    [ -n "$addr" ] && break
    sleep 0.1
  done
  [ -n "$addr" ] || { say "link relay for $1 did not start:"; cat "$relay_log" >&2; exit 1; }
  say "$1 through the link relay: $(grep '^link relay' "$relay_log")"
  EMU_URL=http://$addr
}

# User + system CPU seconds a process has used so far.
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }

# Median and min–max of a column of numbers.
stats() { sort -n | awk '{v[NR]=$1} END {printf "%.0f (%.0f–%.0f)", v[int((NR+1)/2)], v[1], v[NR]}'; }

ROWS=()
# Runs the driver (warm-up + REPEAT rounds) and adds a table row.
run_driver() { # NAS URL USER DIR [PEER]
  local out=$WORK/driver-$1.txt
  local emu_before
  emu_before=$(cpu_s "$EMU_PID")
  /usr/bin/time -f 'driver_cpu_s %U %S' -o "$out.time" \
    ${DRIVER_WRAP:-} "$DRIVER" "$1" "$2" "$3" "$4" "$((REPEAT + 1))" >"$out"
  say "$(cat "$out")"
  # CPU seconds per listing (warm-up included), less at the mercy of the load than
  # the wall clock: the client's (user + system) and the emulator's.
  local n=$((REPEAT + 1))
  say "$1 CPU per listing: client $(awk -v n=$n '{printf "%.2f s", ($2 + $3) / n}' "$out.time"), emulator $(awk -v a="$emu_before" -v b="$(cpu_s "$EMU_PID")" -v n=$n 'BEGIN {printf "%.2f s", (b - a) / n}')"
  local rounds
  rounds=$(grep '^round' "$out" | tail -n "$REPEAT")
  local first complete page median cpu rss entries
  first=$(awk '{print $4}' <<<"$rounds" | stats)
  complete=$(awk '{print $6}' <<<"$rounds" | stats)
  page=$(awk '{print $10}' <<<"$rounds" | sort -n | tail -n1)
  # An older driver prints no median page and no CPU time.
  median=$(awk '$12 != "" {print $12}' <<<"$rounds" | sort -n | awk '{v[NR]=$1} END {print NR ? v[int((NR+1)/2)] : "—"}')
  cpu=$(awk '$14 != "" {print $14}' <<<"$rounds" | sort -n | awk '{v[NR]=$1} END {print NR ? v[NR] : "—"}')
  entries=$(awk '{print $8}' <<<"$rounds" | head -n1)
  rss=$(sed -n 's/^peak_rss_kib //p' "$out")
  [ "$entries" -eq "$ENTRIES" ] || { say "$1 listed $entries entries, not $ENTRIES"; exit 1; }
  ROWS+=("$(printf '| %-7s | %-19s | %-22s | %6s ms | %6s ms | %6s ms | %6s MiB | %s |' \
    "$1" "$first" "$complete" "$page" "$median" "$cpu" "$((rss / 1024))" "${5:-—}")")
}

say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)${LINK:+, through the link relay}"

if [ "$WHICH" = qnap ] || [ "$WHICH" = all ]; then
  say "QNAP: creating $ENTRIES files"
  make_folder "$WORK/qroot/Public/huge"
  NASCMD_EMULATOR_PASSWORD=bench-pass-1 start_emulator qnap --root "$WORK/qroot" --user bench
  sid=$(curl -sS "$EMU_URL/cgi-bin/authLogin.cgi?user=bench&pwd=$(printf %s bench-pass-1 | base64)&serviceKey=1" |
    sed -n 's/.*<authSid><!\[CDATA\[\([^]]*\)\]\]>.*/\1/p')
  peer=()
  for _ in $(seq "$REPEAT"); do
    peer+=("$(curl -sS -o /dev/null -w '%{time_total}' \
      "$EMU_URL/cgi-bin/filemanager/utilRequest.cgi?func=get_list&sid=$sid&path=/Public/huge&list_mode=all&start=0&limit=$ENTRIES&sort=filename&dir=ASC&hidden_file=1" |
      awk '{print $1 * 1000}')")
  done
  NASCMD_PASSWORD=bench-pass-1 run_driver qnap "$EMU_URL" bench /Public/huge \
    "curl, one request: $(printf '%s\n' "${peer[@]}" | stats) ms"
fi

if [ "$WHICH" = freebox ] || [ "$WHICH" = all ]; then
  say "Freebox: creating $ENTRIES files"
  make_folder "$WORK/froot/huge"
  start_emulator freebox --root "$WORK/froot" --auto-grant
  run_driver freebox "$EMU_URL" - "/Disque dur/huge"
fi

printf '| NAS     | first page ms       | complete listing ms    | worst page (UI) | median page | worst page CPU | peak RSS | peer |\n'
printf '|---|---|---|---|---|---|---|---|\n'
printf '%s\n' "${ROWS[@]}"
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
