#!/usr/bin/env bash
# run_volc_bugs.sh — the --bug matrix of the reference client's volc part: for each flag in
# tests/data/refclient/volc-bugs.tsv, scenarios/volc exits 1 and exactly the listed ids fail,
# each naming its rule or step (tests/e2e/lib/run_bugs.bash).
SHARD=1 SHARDS=1 BUGS=tests/data/refclient/volc-bugs.tsv SUITE=scenarios/volc
source "$(dirname "$0")/lib/run_bugs.bash"
