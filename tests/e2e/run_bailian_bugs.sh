#!/usr/bin/env bash
# run_bailian_bugs.sh — the --bug matrix of the reference client's bailian part: for each flag
# in tests/data/refclient/bailian-bugs.tsv, scenarios/bailian exits 1 and exactly the listed
# ids fail, each naming its rule or step (tests/e2e/lib/run_bugs.bash).
SHARD=1 SHARDS=1 BUGS=tests/data/refclient/bailian-bugs.tsv SUITE=scenarios/bailian
source "$(dirname "$0")/lib/run_bugs.bash"
