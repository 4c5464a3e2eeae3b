#!/usr/bin/env bash
# run_trtc_bugs.sh — the --bug matrix of the reference client's trtc part: for each flag in
# tests/data/refclient/trtc-bugs.tsv, scenarios/trtc exits 1 and exactly the listed ids fail,
# each naming its rule or step (tests/e2e/lib/run_bugs.bash). This is where the 902 matrix
# (scenarios/trtc/leave.yaml) is seen to fail for no-retry-on-98 and retry-on-0.
SHARD=1 SHARDS=1 BUGS=tests/data/refclient/trtc-bugs.tsv SUITE=scenarios/trtc
source "$(dirname "$0")/lib/run_bugs.bash"
