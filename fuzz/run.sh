#!/usr/bin/env bash
# Fuzzes every wire and file parser for SECONDS each (default 75: seven targets in under
# ten minutes, well over 10^6 inputs in all), then prints each target's count of inputs
# and the total. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Not part of CI: CI replays fuzz/regressions and
# fuzz/seeds in tests/fuzz_regressions.rs.
#   fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-75}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' Cargo.toml | grep -v '^nascmd-fuzz$')
fi
cargo +nightly fuzz build -O "${targets[@]/#/}" >/dev/null 2>&1 || cargo +nightly fuzz build -O
total=0
failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
  log=$(mktemp)
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
      -max_total_time="$secs" -print_final_stats=1 -print_funcs=0 -print_pcs=0 -timeout=10 -rss_limit_mb=2048 \
      >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  runs=${runs:-0}
  total=$((total + runs))
  printf '%-20s %12s inputs  %s\n' "$t" "$runs" "$status"
  if [ "$status" = FAILED ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
  fi
  rm -f "$log"
done
printf '%-20s %12s inputs\n' total "$total"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failing: ${failed[*]} — minimise with 'cargo +nightly fuzz tmin TARGET artifacts/TARGET/crash-…'," >&2
  echo "copy the result into regressions/TARGET/, fix the parser, and run the tests." >&2
  exit 1
fi
