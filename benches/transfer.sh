#!/usr/bin/env bash
# Transfer benchmarks (issue 8): nascmd get/put against curl on the same emulator, both on
# loopback, in one run. Prints ratios (curl time / nascmd time: above 1 means nascmd is
# faster) and nascmd's peak RSS. Results and how to read them: docs/PERFORMANCE.md.
#
#   benches/transfer.sh [BIG_MIB=1024] [SMALL_FILES=2000] [qnap|freebox|all]
#
# REPEAT=N (default 3) runs every big-file pair N times, curl and nascmd in turn, and
# reports the median of each (a shared machine makes single runs noisy). The big get is
# also run with one stream (NASCMD_RANGED_STREAMS=1) to show what parallel ranges add.
# TMPDIR picks where the files go (a tmpfs takes the disk's writeback out of the figures).
#
# LINK=1 puts the link emulator (benches/link_relay.rs, issue 14) in front of every
# emulator: a TCP relay that delays every chunk by half a round trip each way (data in
# flight keeps flowing; a new connection's first bytes wait one round trip, like a TCP
# handshake), caps each connection's throughput per direction and, optionally, the total
# over all connections, with bounded buffers (back-pressure). Every client URL, curl's and
# nascmd's, goes through it, so both pay the same link. Its settings:
#   LINK_RTT_MS=20        round trip
#   LINK_MIB_S=16         MiB/s per connection and direction (0 = no cap)
#   LINK_TOTAL_MIB_S=64   MiB/s over all connections, per direction (0 = no cap)
# Without LINK, LINK_MIB_S=N instead caps every transfer connection inside the emulators
# at N MiB/s (their --fault-bandwidth), like a NAS whose per-connection throughput is the
# limit (the case parallel ranges are for); with LINK=1 only the relay applies it.
# LATENCY_MS=N makes the emulators wait N ms before answering each request (a server-side
# delay; with or without LINK).
# SMALL_FILES=0 skips the many-small-files rows. The small-file uploads (put -r), then the
# downloads of the same tree (get -r), are compared with two peers: a sequential curl loop,
# and the same curls eight at a time (xargs -P 8); every tree is checked with diff -r.
#
# NASCMD_BIN=/path/to/nascmd measures that binary instead of this tree's release build
# (an older build side by side with a newer one; the link relay is still built here).
#
# Needs: curl, openssl (Freebox HMAC), python3 (JSON), GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."

BIG_MIB=${1:-1024}
SMALL_FILES=${2:-2000}
WHICH=${3:-all}
SMALL_KIB=16
REPEAT=${REPEAT:-3}

if [ -n "${NASCMD_BIN:-}" ]; then
  BIN=$NASCMD_BIN
else
  cargo build --release --locked -q
  BIN=$PWD/target/release/nascmd
fi
if [ -n "${LINK:-}" ]; then
  # The bench binary's file name carries a hash: ask cargo for it.
  RELAY=$(cargo build --release --locked -q --bench link_relay --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "link_relay" and m.get("executable"):
        print(m["executable"])')
  [ -x "$RELAY" ] || { printf 'link relay did not build\n' >&2; exit 1; }
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nascmd-bench.XXXXXX")
EMU_PIDS=()
cleanup() {
  for p in "${EMU_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# nascmd gets a private config folder; nothing of the user's is read or written.
export HOME=$WORK/home XDG_CONFIG_HOME=$WORK/home/config XDG_STATE_HOME=$WORK/home/state
mkdir -p "$HOME"

QUSER=bench
QPASS=bench-pass-1

say() { printf '%s\n' "$*" >&2; }

# Runs a command under GNU time; sets SECS and RSS_KIB. Dirty pages of earlier runs are
# flushed first, so no run pays for the previous one's writeback.
measure() {
  sync
  /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >/dev/null
  read -r SECS RSS_KIB <"$WORK/time.txt"
}

# Starts `nascmd emulate KIND …` and sets EMU_URL from its "listening on" line; with
# LINK set, starts a link relay in front of it and EMU_URL is the relay's.
start_emulator() {
  local log=$WORK/emu-$1.log
  local cap=()
  [ -z "${LINK:-}" ] && [ -n "${LINK_MIB_S:-}" ] && cap=(--fault-bandwidth "$((LINK_MIB_S << 20))")
  [ -n "${LATENCY_MS:-}" ] && cap+=(--fault-latency-ms "$LATENCY_MS")
  "$BIN" emulate "$@" "${cap[@]}" --listen 127.0.0.1:0 >"$log" 2>&1 &
  EMU_PIDS+=($!)
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
  EMU_PIDS+=($!)
  for _ in $(seq 100); do
    addr=$(sed -n 's/^listening on //p' "$relay_log" 2>/dev/null | head -n1) || true
    [ -n "$addr" ] && break
    sleep 0.1
  done
  [ -n "$addr" ] || { say "link relay for $1 did not start:"; cat "$relay_log" >&2; exit 1; }
  say "$1 emulator at $EMU_URL, through the link relay at $addr: $(grep '^link relay' "$relay_log")"
  EMU_URL=http://$addr
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / max(float(sys.argv[2]), 1e-9):.2f}')" "$1" "$2"; }

ROWS=()
row() { ROWS+=("$(printf '| %-8s | %-34s | %8s | %8s | %6s× | %9s |' "$@")"); }

# Collecting REPEAT runs of one curl/nascmd pair, then one table row of medians.
pair_start() { CURL_S=(); NASCMD_S=(); PEAK_KIB=0; }
took_curl() { CURL_S+=("$SECS"); }
took_nascmd() { NASCMD_S+=("$SECS"); [ "$RSS_KIB" -gt "$PEAK_KIB" ] && PEAK_KIB=$RSS_KIB; true; }
pair_row() { # NAS label
  local c n
  c=$(median "${CURL_S[@]}"); n=$(median "${NASCMD_S[@]}")
  say "  $2: curl ${CURL_S[*]} s, nascmd ${NASCMD_S[*]} s"
  row "$1" "$2" "$c" "$n" "$(ratio "$c" "$n")" "$((PEAK_KIB / 1024)) MiB"
}

if [ -n "${LINK:-}" ]; then
  LINK_NOTE=", through the link relay (${LINK_RTT_MS:-20} ms round trip, ${LINK_MIB_S:-16} MiB/s per connection, ${LINK_TOTAL_MIB_S:-64} MiB/s in total)"
else
  LINK_NOTE=${LINK_MIB_S:+, emulator connections capped at $LINK_MIB_S MiB/s}
fi
say "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)$LINK_NOTE${LATENCY_MS:+, $LATENCY_MS ms added to each request}"
say "making test data: one ${BIG_MIB} MiB file, ${SMALL_FILES} files of ${SMALL_KIB} KiB"
head -c "$((BIG_MIB << 20))" /dev/urandom >"$WORK/big.bin"
mkdir -p "$WORK/small"
head -c "$((SMALL_FILES * SMALL_KIB << 10))" /dev/urandom |
  (cd "$WORK/small" && split -b "$((SMALL_KIB << 10))" -a 5 -d - f)

# The big get, REPEAT times: curl, nascmd (parallel ranges), nascmd with one stream.
bench_get() { # NAS curl-url nascmd-remote-path local-dir [curl args…]
  local nas=$1 url=$2 remote=$3 dir=$4 one=() one_kib=0
  shift 4
  pair_start
  for _ in $(seq "$REPEAT"); do
    rm -f "$WORK/dl-curl.bin" "$dir/big.bin"
    measure curl -sS "$@" -o "$WORK/dl-curl.bin" "$url"
    took_curl
    rm -f "$WORK/dl-curl.bin"
    measure "$BIN" get -q --overwrite "$remote" "$dir/"
    took_nascmd
    cmp -s "$WORK/big.bin" "$dir/big.bin" || { say "$nas get: bytes differ"; exit 1; }
    rm -f "$dir/big.bin"
    measure env NASCMD_RANGED_STREAMS=1 "$BIN" get -q --overwrite "$remote" "$dir/"
    one+=("$SECS")
    [ "$RSS_KIB" -gt "$one_kib" ] && one_kib=$RSS_KIB
    cmp -s "$WORK/big.bin" "$dir/big.bin" || { say "$nas get (one stream): bytes differ"; exit 1; }
    rm -f "$dir/big.bin"
  done
  pair_row "$nas" "get 1 file (${BIG_MIB} MiB)"
  NASCMD_S=("${one[@]}")
  PEAK_KIB=$one_kib
  pair_row "$nas" "get 1 file, one stream"
}

# ---------------------------------------------------------------------------- QNAP
bench_qnap() {
  local root=$WORK/qroot
  mkdir -p "$root/Public/up-curl" "$root/Public/up-nascmd" "$root/Public/small-curl"
  cp "$WORK/big.bin" "$root/Public/big.bin"
  NASCMD_EMULATOR_PASSWORD=$QPASS start_emulator qnap --root "$root" --user "$QUSER"
  local url=$EMU_URL api="$EMU_URL/cgi-bin/filemanager/utilRequest.cgi"
  local remote="qnap://$QUSER@${url#http://}"
  local sid
  sid=$(curl -sS "$url/cgi-bin/authLogin.cgi?user=$QUSER&pwd=$(printf %s "$QPASS" | base64)&serviceKey=1" |
    sed -n 's/.*<authSid><!\[CDATA\[\([^]]*\)\]\]>.*/\1/p')
  [ -n "$sid" ] || { say "QNAP login with curl failed"; exit 1; }
  export NASCMD_PASSWORD=$QPASS

  say "QNAP: get ${BIG_MIB} MiB"
  local dl_url="$api?func=download&sid=$sid&source_path=/Public&source_file=big.bin&isfolder=0&source_total=1"
  mkdir -p "$WORK/dl-q"
  bench_get qnap "$dl_url" "$remote/Public/big.bin" "$WORK/dl-q"

  say "QNAP: put ${BIG_MIB} MiB"
  pair_start
  for _ in $(seq "$REPEAT"); do
    rm -f "$root/Public/up-curl/big.bin" "$root/Public/up-nascmd/big.bin"
    measure curl -sS -F "file=@$WORK/big.bin" \
      "$api?func=upload&type=standard&sid=$sid&dest_path=/Public/up-curl&overwrite=1&progress=-Public-up-curl-big.bin"
    took_curl
    rm -f "$root/Public/up-curl/big.bin"
    measure "$BIN" put -q --overwrite "$WORK/big.bin" "$remote/Public/up-nascmd/"
    took_nascmd
    cmp -s "$WORK/big.bin" "$root/Public/up-nascmd/big.bin" || { say "QNAP put: bytes differ"; exit 1; }
    rm -f "$root/Public/up-nascmd/big.bin"
  done
  rm -f "$root/Public/up-curl/big.bin" "$root/Public/up-nascmd/big.bin"
  pair_row qnap "put 1 file (${BIG_MIB} MiB)"
  local c p

  [ "$SMALL_FILES" -gt 0 ] || { unset NASCMD_PASSWORD; return 0; }
  say "QNAP: put -r ${SMALL_FILES} × ${SMALL_KIB} KiB"
  cat >"$WORK/curl-loop.sh" <<EOF
for f in "$WORK"/small/*; do
  curl -sS -o /dev/null -F "file=@\$f" \
    "$api?func=upload&type=standard&sid=$sid&dest_path=/Public/small-curl&overwrite=1&progress=-Public-small-curl-\${f##*/}"
done
EOF
  measure bash "$WORK/curl-loop.sh"
  c=$SECS
  # The stronger peer: the same uploads, eight curls at a time.
  cat >"$WORK/curl-par.sh" <<EOF
ls "$WORK"/small/* | xargs -P 8 -I{} sh -c 'f={}; curl -sS -o /dev/null -F "file=@\$f" \
  "$api?func=upload&type=standard&sid=$sid&dest_path=/Public/small-par&overwrite=1&progress=-Public-small-par-\${f##*/}"'
EOF
  mkdir -p "$root/Public/small-par"
  measure bash "$WORK/curl-par.sh"
  p=$SECS
  diff -rq "$WORK/small" "$root/Public/small-par" >/dev/null || { say "QNAP parallel curls: trees differ"; exit 1; }
  measure "$BIN" put -q -r --overwrite "$WORK/small" "$remote/Public/"
  diff -rq "$WORK/small" "$root/Public/small" >/dev/null || { say "QNAP put -r: trees differ"; exit 1; }
  row qnap "put -r ${SMALL_FILES} × ${SMALL_KIB} KiB" "$c" "$SECS" "$(ratio "$c" "$SECS")" "$((RSS_KIB / 1024)) MiB"
  row qnap "  … vs 8 parallel curls" "$p" "$SECS" "$(ratio "$p" "$SECS")" ""

  say "QNAP: get -r ${SMALL_FILES} × ${SMALL_KIB} KiB"
  mkdir -p "$WORK/get-curl" "$WORK/get-par" "$WORK/get-nascmd"
  cat >"$WORK/curl-get-loop.sh" <<EOF
for f in "$WORK"/small/*; do
  curl -sS -o "$WORK/get-curl/\${f##*/}" \\
    "$api?func=download&sid=$sid&source_path=/Public/small&source_file=\${f##*/}&isfolder=0&source_total=1"
done
EOF
  measure bash "$WORK/curl-get-loop.sh"
  c=$SECS
  diff -rq "$WORK/small" "$WORK/get-curl" >/dev/null || { say "QNAP curl get loop: trees differ"; exit 1; }
  cat >"$WORK/curl-get-par.sh" <<EOF
ls "$WORK"/small | xargs -P 8 -I{} curl -sS -o "$WORK/get-par/{}" \\
  "$api?func=download&sid=$sid&source_path=/Public/small&source_file={}&isfolder=0&source_total=1"
EOF
  measure bash "$WORK/curl-get-par.sh"
  p=$SECS
  diff -rq "$WORK/small" "$WORK/get-par" >/dev/null || { say "QNAP parallel curl gets: trees differ"; exit 1; }
  measure "$BIN" get -q -r --overwrite "$remote/Public/small" "$WORK/get-nascmd/"
  diff -rq "$WORK/small" "$WORK/get-nascmd/small" >/dev/null || { say "QNAP get -r: trees differ"; exit 1; }
  row qnap "get -r ${SMALL_FILES} × ${SMALL_KIB} KiB" "$c" "$SECS" "$(ratio "$c" "$SECS")" "$((RSS_KIB / 1024)) MiB"
  row qnap "  … vs 8 parallel curls" "$p" "$SECS" "$(ratio "$p" "$SECS")" ""
  rm -rf "$WORK/get-curl" "$WORK/get-par" "$WORK/get-nascmd"
  unset NASCMD_PASSWORD
}

# ------------------------------------------------------------------------- Freebox
# The curl side does what a script would: register (auto-granted by the emulator),
# open a session with the HMAC-SHA1 of the challenge, then use the session header.
fbx_json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
b64() { printf %s "$1" | base64 -w0; }

bench_freebox() {
  local root=$WORK/froot
  mkdir -p "$root"
  start_emulator freebox --root "$root" --auto-grant
  local url=$EMU_URL
  local disk="/Disque dur"
  # The disk folder on the wire maps to the root folder.
  cp "$WORK/big.bin" "$root/big.bin"
  mkdir -p "$root/up-curl" "$root/up-nascmd" "$root/small-curl"

  local base api
  base=$(curl -sS "$url/api_version" | fbx_json "d['api_base_url']")
  # The legacy upload curl can drive (-F) is served up to v7; everything else uses v8.
  api="$url${base}v8"
  local reg token track challenge session
  reg=$(curl -sS -H 'Content-Type: application/json' \
    -d '{"app_id":"bench.curl","app_name":"bench","app_version":"1","device_name":"bench"}' \
    "$api/login/authorize/")
  token=$(printf %s "$reg" | fbx_json "d['result']['app_token']")
  track=$(printf %s "$reg" | fbx_json "d['result']['track_id']")
  curl -sS "$api/login/authorize/$track" >/dev/null
  challenge=$(curl -sS "$api/login/" | fbx_json "d['result']['challenge']")
  local pw
  pw=$(printf %s "$challenge" | openssl dgst -sha1 -hmac "$token" | sed 's/^.*= //')
  session=$(curl -sS -H 'Content-Type: application/json' \
    -d "{\"app_id\":\"bench.curl\",\"password\":\"$pw\"}" "$api/login/session/" |
    fbx_json "d['result']['session_token']")
  local auth="X-Fbx-App-Auth: $session"

  "$BIN" remote add benchbox --freebox "$url" >/dev/null

  say "Freebox: get ${BIG_MIB} MiB"
  mkdir -p "$WORK/dl-f"
  bench_get freebox "$api/dl/$(b64 "$disk/big.bin")" "benchbox:$disk/big.bin" "$WORK/dl-f" -H "$auth"

  local legacy="$url${base}v3"
  fbx_put() { # file dir-on-wire
    local id
    id=$(curl -sS -H "$auth" -H 'Content-Type: application/json' \
      -d "{\"dirname\":\"$(b64 "$2")\",\"upload_name\":\"${1##*/}\"}" "$legacy/upload/" |
      fbx_json "d['result']['id']")
    curl -sS -o /dev/null -H "$auth" -F "file=@$1" "$legacy/upload/$id/send"
  }
  say "Freebox: put ${BIG_MIB} MiB"
  export -f fbx_put fbx_json b64
  export auth legacy
  pair_start
  for _ in $(seq "$REPEAT"); do
    rm -f "$root/up-curl/big.bin" "$root/up-nascmd/big.bin"
    measure bash -c "fbx_put '$WORK/big.bin' '$disk/up-curl'"
    took_curl
    rm -f "$root/up-curl/big.bin"
    measure "$BIN" put -q --overwrite "$WORK/big.bin" "benchbox:$disk/up-nascmd/"
    took_nascmd
    cmp -s "$WORK/big.bin" "$root/up-nascmd/big.bin" || { say "Freebox put: bytes differ"; exit 1; }
    rm -f "$root/up-nascmd/big.bin"
  done
  rm -f "$root/up-curl/big.bin" "$root/up-nascmd/big.bin"
  pair_row freebox "put 1 file (${BIG_MIB} MiB)"
  local c p

  [ "$SMALL_FILES" -gt 0 ] || return 0
  say "Freebox: put -r ${SMALL_FILES} × ${SMALL_KIB} KiB"
  measure bash -c "for f in '$WORK'/small/*; do fbx_put \"\$f\" '$disk/small-curl'; done"
  c=$SECS
  mkdir -p "$root/small-par"
  measure bash -c "ls '$WORK'/small/* | xargs -P 8 -I{} bash -c 'fbx_put \"\$1\" \"$disk/small-par\"' _ {}"
  p=$SECS
  diff -rq "$WORK/small" "$root/small-par" >/dev/null || { say "Freebox parallel curls: trees differ"; exit 1; }
  measure "$BIN" put -q -r --overwrite "$WORK/small" "benchbox:$disk/"
  diff -rq "$WORK/small" "$root/small" >/dev/null || { say "Freebox put -r: trees differ"; exit 1; }
  row freebox "put -r ${SMALL_FILES} × ${SMALL_KIB} KiB" "$c" "$SECS" "$(ratio "$c" "$SECS")" "$((RSS_KIB / 1024)) MiB"
  row freebox "  … vs 8 parallel curls" "$p" "$SECS" "$(ratio "$p" "$SECS")" ""

  say "Freebox: get -r ${SMALL_FILES} × ${SMALL_KIB} KiB"
  mkdir -p "$WORK/get-curl" "$WORK/get-par" "$WORK/get-nascmd"
  fbx_get() { # name-in-small local-dir
    curl -sS -H "$auth" -o "$2/$1" "$api/dl/$(b64 "$disk/small/$1")"
  }
  export -f fbx_get
  export api disk
  measure bash -c "for f in \$(ls '$WORK/small'); do fbx_get \"\$f\" '$WORK/get-curl'; done"
  c=$SECS
  diff -rq "$WORK/small" "$WORK/get-curl" >/dev/null || { say "Freebox curl get loop: trees differ"; exit 1; }
  measure bash -c "ls '$WORK/small' | xargs -P 8 -I{} bash -c 'fbx_get \"\$1\" \"$WORK/get-par\"' _ {}"
  p=$SECS
  diff -rq "$WORK/small" "$WORK/get-par" >/dev/null || { say "Freebox parallel curl gets: trees differ"; exit 1; }
  measure "$BIN" get -q -r --overwrite "benchbox:$disk/small" "$WORK/get-nascmd/"
  diff -rq "$WORK/small" "$WORK/get-nascmd/small" >/dev/null || { say "Freebox get -r: trees differ"; exit 1; }
  row freebox "get -r ${SMALL_FILES} × ${SMALL_KIB} KiB" "$c" "$SECS" "$(ratio "$c" "$SECS")" "$((RSS_KIB / 1024)) MiB"
  row freebox "  … vs 8 parallel curls" "$p" "$SECS" "$(ratio "$p" "$SECS")" ""
  rm -rf "$WORK/get-curl" "$WORK/get-par" "$WORK/get-nascmd"
}

case $WHICH in
  qnap) bench_qnap ;;
  freebox) bench_freebox ;;
  all) bench_qnap; bench_freebox ;;
  *) say "unknown target $WHICH (qnap, freebox or all)"; exit 2 ;;
esac

printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-8s | %-34s | %8s | %8s | %7s | %9s |\n' NAS transfer "curl s" "nascmd s" ratio "peak RSS"
printf '|----------|------------------------------------|----------|----------|---------|-----------|\n'
printf '%s\n' "${ROWS[@]}"
