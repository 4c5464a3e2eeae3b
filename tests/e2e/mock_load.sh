#!/usr/bin/env bash
# mock_load.sh — 1,000 concurrent room-bridge sessions against `parley mock`, through
# bench/bench_bridge.c ($PARLEY_BUILD/bench_bridge), 2 rounds of 1105 → 1007 each. Only
# completeness is asserted (every session joined, every echo came, health answered, the
# mock stopped cleanly, exit 0); the timings it prints are figures, never checked here.
source "$(dirname "$0")/lib/common.bash"

BENCH=${PARLEY_BUILD:-build}/bench_bridge
if [[ ! -x $BENCH ]]; then
  bad "$BENCH is not built (cmake --build builds bench/bench_*.c)"
  finish; exit
fi
expect_exit 0 "bench_bridge --sessions 1000 --rounds 2" \
  "$BENCH" --sessions 1000 --rounds 2 --timeout 300 "$PARLEY"
sed 's/^/     | /' "$TMP/out"
expect_grep "$TMP/out" '^sessions opened +1000/1000 joined' "all 1000 sessions joined"
expect_grep "$TMP/out" '^echoes +2000/2000 received' "all 2000 echoes (1105 -> 1007) received"
expect_grep "$TMP/out" '^health +GET /_parley/health -> 200' "health answers with 1000 sessions open"
if grep -q '^mock exit' "$TMP/out"; then bad "the mock did not exit 0 after SIGINT"; else ok "the mock stopped cleanly"; fi
finish
