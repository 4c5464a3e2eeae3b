#!/usr/bin/env bash
# run_bugs_2.sh — shard 2 of 2 of the --bug matrix (tests/e2e/lib/run_bugs.bash).
SHARD=2
source "$(dirname "$0")/lib/run_bugs.bash"
