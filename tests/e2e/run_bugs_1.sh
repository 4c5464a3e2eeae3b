#!/usr/bin/env bash
# run_bugs_1.sh — shard 1 of 2 of the --bug matrix (tests/e2e/lib/run_bugs.bash).
SHARD=1
source "$(dirname "$0")/lib/run_bugs.bash"
