#!/usr/bin/env bash
# run_suite.sh — the built-in aicall suite against the reference client: every scenario
# passes (exit 0) and the JUnit report is valid against the Jenkins XSD with one testcase
# per scenario; a failing run and a run interrupted with SIGINT also leave a valid report.
source "$(dirname "$0")/lib/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
XSD=tests/data/junit/jenkins-junit.xsd
SCALE=${PARLEY_TIMEOUT_SCALE:-3}

"$PARLEY" run --list scenarios/aicall >"$TMP/list" 2>"$TMP/err"
n=$(wc -l <"$TMP/list")
if [[ $n -ge 40 ]]; then ok "the suite lists $n scenarios"; else bad "only $n scenarios listed"; fi

expect_exit 0 "suite against the reference client" \
  "$PARLEY" run --client "$REFCLIENT" --jobs 6 --timeout-scale "$SCALE" --seed 7 \
  --junit "$TMP/pass.xml" --trace "$TMP/pass.jsonl" scenarios/aicall
cp "$TMP/out" "$TMP/pass.out"
passed=$(grep -cE '^\[[0-9]+/[0-9]+\] [^ ]+ (PASS|NON-STRICT) ' "$TMP/pass.out")
if [[ $passed -eq $n ]]; then ok "all $n scenarios pass"; else
  bad "$passed of $n passed"; grep -vE ' (PASS|NON-STRICT) ' "$TMP/pass.out" | head -40
fi
expect_grep "$TMP/pass.out" "^$n scenarios: $n passed" "summary line counts them"
if xmllint --noout --schema "$XSD" "$TMP/pass.xml" 2>"$TMP/xsd"; then ok "passing run: JUnit valid"; else
  bad "passing run: JUnit invalid"; head "$TMP/xsd"; fi
cases=$(grep -c '<testcase ' "$TMP/pass.xml")
if [[ $cases -eq $n ]]; then ok "one testcase per scenario ($cases)"; else bad "$cases testcases for $n scenarios"; fi
if [[ $(grep -o '<testcase name="[^"]*"' "$TMP/pass.xml" | sort | uniq -d | wc -l) -eq 0 ]]; then
  ok "testcase names are unique"; else bad "duplicate testcase names"; fi
expect_grep "$TMP/pass.xml" '<property name="seed" value="7"/>' "the seed is a property"
expect_grep "$TMP/pass.xml" '<property name="client.name" value="parley-refclient"/>' "the client's hello is a property"
expect_grep "$TMP/pass.xml" '<testcase name="aicall.ptt.enable-echo\[enable=true\]" classname="aicall.ptt"' "matrix case name and classname"
expect_grep "$TMP/pass.jsonl" '"ev":"scenario".*"verdict":"PASS"' "the trace records verdicts"

# A failing run (one bug) still writes a valid report with <failure>.
expect_exit 1 "a buggy client fails" \
  "$PARLEY" run --client "$REFCLIENT --bug ignore-1007" --jobs 6 --timeout-scale "$SCALE" \
  --junit "$TMP/fail.xml" --filter 'aicall.ptt.*' scenarios/aicall
if xmllint --noout --schema "$XSD" "$TMP/fail.xml" 2>"$TMP/xsd"; then ok "failing run: JUnit valid"; else
  bad "failing run: JUnit invalid"; head "$TMP/xsd"; fi
expect_grep "$TMP/fail.xml" '<failure message="[^"]*pushToTalkChanged' "the failure names the step"

# Ctrl-C in the middle: running scenarios become errors, the rest are skipped, report written.
"$PARLEY" run --client "$REFCLIENT" --jobs 1 --junit "$TMP/int.xml" scenarios/aicall >"$TMP/int.out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q '^\[2/' "$TMP/int.out" 2>/dev/null && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
if [[ $rc -eq 3 ]]; then ok "interrupted run exits 3"; else bad "interrupted run exit $rc"; fi
if xmllint --noout --schema "$XSD" "$TMP/int.xml" 2>"$TMP/xsd"; then ok "interrupted run: JUnit valid"; else
  bad "interrupted run: JUnit invalid"; head "$TMP/xsd"; fi
cases=$(grep -c '<testcase ' "$TMP/int.xml")
if [[ $cases -eq $n ]]; then ok "interrupted run still lists all $n scenarios"; else bad "$cases testcases after SIGINT"; fi
expect_grep "$TMP/int.xml" 'not run: the run was interrupted' "unstarted scenarios are skipped with the reason"
expect_grep "$TMP/int.xml" '<error message="interrupted' "the running scenario is an error"
if pgrep -f "refclient" -P $$ >/dev/null; then bad "a client survived"; else ok "no client left behind"; fi

finish
