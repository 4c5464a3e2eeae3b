#!/usr/bin/env bash
# cli.sh — the parley command line: version, help of every subcommand, exit codes
# for usage errors, and the commands not yet in this build saying so.
source "$(dirname "$0")/lib/common.bash"

expect_exit 0 "--version" "$PARLEY" --version
expect_grep "$TMP/out" '^parley [0-9]+\.[0-9]+\.[0-9]+$' "--version prints parley X.Y.Z"
expect_exit 0 "--help" "$PARLEY" --help
cp "$TMP/out" "$TMP/help"
for cmd in mock run validate list replay; do
  expect_grep "$TMP/help" "^  $cmd " "--help lists $cmd"
  expect_exit 0 "$cmd --help" "$PARLEY" "$cmd" --help
  expect_grep "$TMP/out" "^usage: parley $cmd" "$cmd --help starts with usage"
done
expect_exit 2 "no command" "$PARLEY"
expect_exit 2 "unknown command" "$PARLEY" frobnicate
expect_grep "$TMP/err" "unknown command 'frobnicate'" "unknown command is named"
expect_exit 2 "unknown global option" "$PARLEY" --frob
expect_exit 2 "bad log level" "$PARLEY" --log-level loud list dialects
expect_exit 2 "validate without mode" "$PARLEY" validate
expect_exit 2 "validate unknown option" "$PARLEY" validate --nope
expect_exit 2 "validate --schema and --yaml" "$PARLEY" validate --schema a --yaml b
expect_exit 2 "mock bad port" "$PARLEY" mock --port 70000
expect_grep "$TMP/err" "0\.\.65535" "mock bad port says the range"
expect_exit 2 "mock stray argument" "$PARLEY" mock extra
expect_exit 2 "list without what" "$PARLEY" list
expect_exit 2 "list unknown dialect" "$PARLEY" list kinds --dialect nope
expect_exit 2 "run with a missing scenario file" "$PARLEY" run x.yaml
expect_grep "$TMP/err" "x.yaml: no such file or folder" "run names the missing file"
expect_exit 3 "replay says it is not in this build" "$PARLEY" replay t.jsonl

expect_exit 0 "list dialects" "$PARLEY" list dialects
for d in bailian aicall trtc volc; do expect_grep "$TMP/out" "^$d " "list dialects shows $d"; done
expect_exit 0 "list kinds --dialect aicall" "$PARLEY" list kinds --dialect aicall
expect_grep "$TMP/out" '^aicall\.1105 +client->agent +' "aicall.1105 listed with direction"
expect_grep "$TMP/out" '^aicall\.1007 +agent->client +' "aicall.1007 listed with direction"
[[ $(grep -c '^aicall\.' "$TMP/out") -eq 42 ]] && ok "42 aicall kinds (40 types + ready_req/resp)" \
  || bad "aicall kinds: $(grep -c '^aicall\.' "$TMP/out"), want 42"
finish
