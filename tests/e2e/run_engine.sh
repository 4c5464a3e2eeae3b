#!/usr/bin/env bash
# run_engine.sh — engine features against the reference client: every scenario of
# tests/data/scenarios/engine/pass.yaml passes; every one of fail.yaml fails (exit 1) with the
# text of its title in the failure (NON-STRICT ones pass, and fail with --strict).
source "$(dirname "$0")/lib/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
SCALE=${PARLEY_TIMEOUT_SCALE:-3}
D=tests/data/scenarios/engine

expect_exit 0 "engine features pass" "$PARLEY" run --client "$REFCLIENT" --jobs 4 --timeout-scale "$SCALE" "$D/pass.yaml"
n=$("$PARLEY" run --list "$D/pass.yaml" | wc -l)
expect_grep "$TMP/out" "^$n scenarios: $n passed" "all $n pass"

"$PARLEY" run --client "$REFCLIENT" --jobs 4 --timeout-scale "$SCALE" --junit "$TMP/f.xml" "$D/fail.yaml" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [[ $rc -eq 1 ]]; then ok "failing scenarios: exit 1"; else bad "failing scenarios: exit $rc"; fi
"$PARLEY" run --list "$D/fail.yaml" >"$TMP/list"
while IFS=$'\t' read -r id title; do
  if [[ $id == engine.nonstrict.* ]]; then want=NON-STRICT; else want=FAIL; fi
  line=$(grep -E "^\[[0-9]+/[0-9]+\] $(printf '%s' "$id" | sed 's/[.]/\\./g') " "$TMP/out")
  if [[ "$line" == *" $want "* ]]; then ok "$id: $want"; else bad "$id: $line (want $want)"; fi
  if awk -v id="$id" -v t="$title" '$0 ~ "^\\[[0-9]+/[0-9]+\\] " { cur = ($2 == id) } cur && index($0, t) { f = 1 } END { exit !f }' "$TMP/out"; then
    ok "$id says: $title"; else bad "$id does not say: $title"; grep -A3 " $id " "$TMP/out" | head -5; fi
done <"$TMP/list"
xmllint --noout --schema tests/data/junit/jenkins-junit.xsd "$TMP/f.xml" 2>/dev/null && ok "JUnit valid" || bad "JUnit invalid"

expect_exit 1 "--strict turns NON-STRICT into a failure" \
  "$PARLEY" run --client "$REFCLIENT" --strict --filter 'engine.nonstrict.*' "$D/fail.yaml"

# ${parley_url} scopes expect_http to its run (tests/data/scenarios/engine/scope.yaml).
"$PARLEY" run --client "$REFCLIENT" --jobs 2 --timeout-scale "$SCALE" "$D/scope.yaml" >"$TMP/out" 2>"$TMP/err"
expect_grep "$TMP/out" '\] engine\.scope\.waiter FAIL ' "a run's expect_http does not take another run's request"
expect_grep "$TMP/out" 'no matching HTTP request to parley within' "the waiter says it got nothing"
expect_grep "$TMP/out" '\] engine\.scope\.sender PASS ' "the sender's request stays in its own run (404)"
finish
