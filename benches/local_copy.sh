#!/usr/bin/env bash
# Local copy throughput of the job engine next to coreutils `cp`, in the same run.
#
#   benches/local_copy.sh [BIG_MIB] [SMALL_FILES] [ROUNDS]     (defaults: 1024 10000 6)
#
# (a) one BIG_MIB file: engine vs `cp FILE DIR`;  (b) SMALL_FILES small files in 100
# folders: engine vs `cp -r TREE DIR`. Each round runs both tools on a warm page cache,
# alternating which goes first (keep ROUNDS even so each goes first equally often),
# with `sync` between runs so one tool's dirty pages are not flushed on the other's
# clock. Prints per-round times, the median ratio
# (nascmd speed / cp speed: ≥ 1 means nascmd is as fast or faster) and peak RSS.
# Work files go to $BENCH_DIR (default: a fresh folder under $TMPDIR or /tmp).
set -euo pipefail

BIG_MIB=${1:-1024}
SMALL_FILES=${2:-10000}
ROUNDS=${3:-6}
cd "$(dirname "$0")/.."

echo "building the bench driver (release profile)…" >&2
BIN=$(cargo bench --bench local_copy --no-run 2>&1 | tee /dev/stderr |
  grep -o 'target/release/deps/local_copy-[0-9a-f]*' | tail -n1)
[ -x "$BIN" ] || { echo "bench driver not found" >&2; exit 1; }

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/nascmd-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/src/tree"

echo "generating ${BIG_MIB} MiB file and ${SMALL_FILES} small files in $WORK…" >&2
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$WORK/src/big.bin"
per_dir=$(((SMALL_FILES + 99) / 100))
for d in $(seq -w 0 99); do
  mkdir -p "$WORK/src/tree/d$d"
  # 1–4 KiB files: split one random blob into equal pieces.
  size=$((1024 + (10#$d % 4) * 1024))
  head -c "$((size * per_dir))" /dev/urandom |
    (cd "$WORK/src/tree/d$d" && split -b "$size" -a 4 - f)
done
sync

# now_ns; runs "$@" and prints "SECONDS PEAK_RSS_KB".
measure() {
  local out="$WORK/time.out" start end
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%M" -o "$out" "$@" >/dev/null
  else
    "$@" >/dev/null
    echo 0 >"$out"
  fi
  end=$(date +%s%N)
  echo "$(((end - start) / 1000)) $(tail -n1 "$out")" |
    awk '{ printf "%.4f %d\n", $1 / 1e6, $2 }'
}

run_case() { # name src-item
  local name=$1 item=$2 i order t_cp t_nc rss_cp rss_nc
  local ratios=() nc_rss=0 cp_rss=0
  for i in $(seq 1 "$ROUNDS"); do
    for order in $( ((i % 2)) && echo "cp nc" || echo "nc cp"); do
      rm -rf "$WORK/dst"
      mkdir -p "$WORK/dst"
      sync
      if [ "$order" = cp ]; then
        read -r t_cp rss_cp < <(measure cp -r "$item" "$WORK/dst/")
      else
        read -r t_nc rss_nc < <(measure "$BIN" "$item" "$WORK/dst")
      fi
    done
    # Check the copy is whole (the engine's own report already fails on errors).
    [ "$(du -sb "$WORK/dst" | cut -f1)" -gt 0 ] || { echo "empty copy" >&2; exit 1; }
    ratios+=("$(awk -v a="$t_cp" -v b="$t_nc" 'BEGIN { printf "%.3f", a / b }')")
    ((rss_nc > nc_rss)) && nc_rss=$rss_nc
    ((rss_cp > cp_rss)) && cp_rss=$rss_cp
    printf '%-12s round %d: cp %8.3fs  nascmd %8.3fs  ratio %s\n' "$name" "$i" "$t_cp" "$t_nc" "${ratios[-1]}"
  done
  local median
  median=$(printf '%s\n' "${ratios[@]}" | sort -n |
    awk '{ a[NR] = $1 } END { printf "%.3f", (a[int((NR + 1) / 2)] + a[int(NR / 2) + 1]) / 2 }')
  printf '%-12s median ratio (nascmd speed / cp speed): %s   peak RSS: nascmd %d KiB, cp %d KiB\n' \
    "$name" "$median" "$nc_rss" "$cp_rss"
}

echo "== $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
run_case "big ${BIG_MIB}MiB" "$WORK/src/big.bin"
run_case "tree ${SMALL_FILES}" "$WORK/src/tree"
