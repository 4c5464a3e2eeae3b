#!/usr/bin/env bash
# run_errors.sh — `parley run` refuses bad scenarios before anything runs (exit 2 with
# file:line:col), handles --list/--dry-run/--filter, skips scenarios whose drive actions the
# client did not announce, and reports clients that will not start or die as harness errors.
source "$(dirname "$0")/lib/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
D=tests/data/scenarios/run

for f in "$D"/bad-*.yaml; do
  name=$(basename "$f" .yaml)
  want=$(head -1 "$D/$name.expected")
  expect_exit 2 "$name is refused" "$PARLEY" run --client /bin/false "$f"
  expect_line "$TMP/err" "$want" "$name: $want"
  if grep -q '^\[1/' "$TMP/out"; then bad "$name: something ran"; else ok "$name: nothing ran"; fi
done

expect_exit 0 "--list" "$PARLEY" run --list --filter 'aicall.ptt.enable-*' scenarios/aicall
expect_grep "$TMP/out" '^aicall.ptt.enable-echo\[enable=true\]	' "matrix instance listed"
expect_grep "$TMP/out" '^aicall.ptt.enable-echo\[enable=false\]	' "both values listed"
if [[ $(wc -l <"$TMP/out") -eq 2 ]]; then ok "--filter keeps only matches"; else bad "--filter: $(wc -l <"$TMP/out") lines"; fi
expect_exit 0 "--dry-run" "$PARLEY" run --dry-run --filter 'aicall.confirm.voice-id' scenarios/aicall
expect_grep "$TMP/out" 'would be SKIPPED: needs --client' "dry run says what would be skipped"
expect_exit 2 "a filter that matches nothing" "$PARLEY" run --filter 'nope.*' scenarios/aicall
expect_exit 2 "unknown option" "$PARLEY" run --bogus scenarios/aicall

expect_exit 0 "an action the client does not announce skips the scenario" \
  "$PARLEY" run --client "$REFCLIENT --no-action startVisionCustomCapture" \
  --filter aicall.confirm.vision-capture scenarios/aicall
expect_grep "$TMP/out" 'aicall.confirm.vision-capture SKIP' "skipped"
expect_grep "$TMP/out" 'does not announce the drive action startVisionCustomCapture' "with the reason"

expect_exit 3 "a client that does not exist" \
  "$PARLEY" run --client "/nonexistent/client --flag" --filter aicall.confirm.voice-id scenarios/aicall
expect_grep "$TMP/out" 'ERROR' "reported as an error"
expect_grep "$TMP/out" "would not start: cannot start '/nonexistent/client'" "with the reason"
expect_exit 3 "a client that exits at once" \
  "$PARLEY" run --client "/bin/sh -c 'echo starting; exit 4'" --filter aicall.confirm.voice-id scenarios/aicall
expect_grep "$TMP/out" 'exited with status 4 before it said hello' "says how it ended"
expect_exit 3 "an unterminated quote in --client" \
  "$PARLEY" run --client "refclient 'oops" --filter aicall.confirm.voice-id scenarios/aicall
expect_grep "$TMP/out" 'unterminated' "the quote is named"

# Every --bug flag of the reference client has its expected failures in bugs.tsv (aicall),
# bailian-bugs.tsv, trtc-bugs.tsv or volc-bugs.tsv.
for flag in $("$REFCLIENT" --list-bugs | awk '{print $1}'); do
  if grep -q "^$flag	" tests/data/refclient/bugs.tsv tests/data/refclient/bailian-bugs.tsv tests/data/refclient/trtc-bugs.tsv tests/data/refclient/volc-bugs.tsv; then
    ok "--bug $flag has its line"; else
    bad "--bug $flag has no line in tests/data/refclient/bugs.tsv, bailian-bugs.tsv, trtc-bugs.tsv or volc-bugs.tsv"; fi
done

finish
