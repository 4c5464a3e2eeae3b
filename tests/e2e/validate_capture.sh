#!/usr/bin/env bash
# validate_capture.sh — `parley validate CAPTURE.jsonl` judges captures offline: every case in
# tests/data/captures/ (NAME.jsonl + NAME.expected, the rule ids in order) must give exactly
# the expected findings, exit 1 when one is must-level and 0 otherwise; a broken capture is
# a usage error with its line number.
source "$(dirname "$0")/lib/common.bash"

for cap in tests/data/captures/*.jsonl; do
  name=$(basename "$cap" .jsonl)
  want_file=tests/data/captures/$name.expected
  "$PARLEY" validate "$cap" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  got=$(sed -n 's/^[^ ]*:[0-9]*: s[0-9]* \([a-z0-9_.]*\) (.*/\1/p' "$TMP/out")
  want=$(cat "$want_file")
  if [[ "$got" == "$want" ]]; then ok "$name: findings [${want//$'\n'/, }]"; else
    bad "$name: got [${got//$'\n'/, }], want [${want//$'\n'/, }]"
    sed 's/^/     | /' "$TMP/out" "$TMP/err" | head -20
  fi
  if grep -q '(must)' "$TMP/out"; then want_rc=1; else want_rc=0; fi
  if [[ $rc -eq $want_rc ]]; then ok "$name: exit $rc"; else bad "$name: exit $rc, want $want_rc"; fi
done

printf '{"session":"s1","t_ms":0,"ev":"open","dialect":"aicall"}\nnot json\n' >"$TMP/broken.jsonl"
expect_exit 2 "a capture line that is not JSON" "$PARLEY" validate "$TMP/broken.jsonl"
expect_grep "$TMP/err" 'broken.jsonl:2: not a JSON object' "names the line"
expect_exit 2 "unknown dialect" "$PARLEY" validate --dialect nope tests/data/captures/ptt_ok.jsonl
expect_exit 2 "missing capture" "$PARLEY" validate "$TMP/none.jsonl"

finish
