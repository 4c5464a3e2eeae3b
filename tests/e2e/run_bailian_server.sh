#!/usr/bin/env bash
# run_bailian_server.sh — role client: parley plays the DashScope client against a server.
# The server here is `parley mock` (the real service would be --target wss://dashscope…):
#   1. every scenario of scenarios/bailian-server passes against the mock as it is;
#   2. with one default behaviour of the mock's agent switched off (a profile), exactly the
#      scenarios listed for it in tests/data/bailian/server-faults.tsv fail, each naming a step
#      or rule — the client-role suite can catch a misbehaving server;
#   3. --target is required (skip with the reason otherwise) and a wrong one is a harness error;
#   4. a profile with api_keys refuses another key with HTTP 401, as the gateway does.
source "$(dirname "$0")/lib/common.bash"
SCALE=${PARLEY_TIMEOUT_SCALE:-3}
export DASHSCOPE_API_KEY=sk-parley-e2e

start_mock() { # profile file or ""
  "$PARLEY" mock --port 0 ${1:+--profile "$1"} >"$TMP/mock.out" 2>"$TMP/mock.err" &
  MOCK=$!
  for _ in $(seq 100); do grep -q 'listening on' "$TMP/mock.out" && break; sleep 0.1; done
  PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/mock.out")
}
stop_mock() { kill "$MOCK" 2>/dev/null; wait "$MOCK" 2>/dev/null; }

start_mock ""
"$PARLEY" run --target "ws://127.0.0.1:$PORT" --jobs 4 --timeout-scale "$SCALE" \
  --junit "$TMP/ok.xml" scenarios/bailian-server >"$TMP/out" 2>&1
rc=$?
[[ $rc -eq 0 ]] && ok "bailian-server suite passes against parley mock" || { bad "suite: exit $rc"; tail -30 "$TMP/out"; }
n=$(grep -cE '^\[[0-9]+/[0-9]+\] [^ ]+ PASS' "$TMP/out")
[[ $n -ge 9 ]] && ok "$n scenarios passed" || bad "only $n scenarios passed"
if xmllint --noout --schema tests/data/junit/jenkins-junit.xsd "$TMP/ok.xml" 2>"$TMP/xsd"; then
  ok "JUnit of the role-client run is valid"; else bad "role-client JUnit invalid"; head "$TMP/xsd"; fi

# 3. no --target: skipped with the reason; a target nobody listens on: a harness error (3).
"$PARLEY" run --filter bailian.server.open scenarios/bailian-server >"$TMP/out" 2>&1
expect_grep "$TMP/out" "needs a target" "without --target the scenario is skipped with the reason"
stop_mock
"$PARLEY" run --target "ws://127.0.0.1:$PORT" --filter bailian.server.open scenarios/bailian-server >"$TMP/out" 2>&1
rc=$?
[[ $rc -eq 3 ]] && ok "a target that does not answer is a harness error (exit 3)" || bad "dead target: exit $rc, want 3"
expect_grep "$TMP/out" "cannot connect to the target" "the error says the target could not be reached"

# 2. one server behaviour off at a time: exactly the listed scenarios fail.
while IFS=$'\t' read -r off want; do
  [[ -z "$off" || "$off" == \#* ]] && continue
  printf 'bailian:\n  behaviour: { %s: off }\n' "$off" >"$TMP/p.yaml"
  start_mock "$TMP/p.yaml"
  "$PARLEY" run --target "ws://127.0.0.1:$PORT" --jobs 4 --timeout-scale "$SCALE" \
    --junit "$TMP/$off.xml" scenarios/bailian-server >"$TMP/out" 2>&1
  rc=$?
  stop_mock
  [[ $rc -eq 1 ]] && ok "server without '$off': exit 1" || bad "server without '$off': exit $rc, want 1"
  got=$(grep -E '^\[[0-9]+/[0-9]+\] [^ ]+ (FAIL|ERROR) ' "$TMP/out" | awk '{print $2}' | LC_ALL=C sort | tr '\n' ' ')
  got=${got% }
  want=$(tr ' ' '\n' <<<"$want" | LC_ALL=C sort | tr '\n' ' ')
  want=${want% }
  if [[ "$got" == "$want" ]]; then ok "server without '$off' fails exactly: $want"; else
    bad "server without '$off': failing ids differ"; echo "     want: $want"; echo "     got:  $got"
    grep -E ' (FAIL|ERROR) ' -A2 "$TMP/out" | head -20 | sed 's/^/     | /'
  fi
done <tests/data/bailian/server-faults.tsv

# 4. the gateway's key check: a listed key opens, another gets 401 InvalidApiKey.
printf 'bailian:\n  api_keys: [sk-good]\n' >"$TMP/keys.yaml"
start_mock "$TMP/keys.yaml"
DASHSCOPE_API_KEY=sk-good "$PARLEY" run --target "ws://127.0.0.1:$PORT" --filter bailian.server.open scenarios/bailian-server >"$TMP/out" 2>&1
expect_grep "$TMP/out" "bailian.server.open PASS" "a listed key (Bearer sk-good) is accepted"
DASHSCOPE_API_KEY=sk-bad "$PARLEY" run --target "ws://127.0.0.1:$PORT" --filter bailian.server.open scenarios/bailian-server >"$TMP/out" 2>&1
expect_grep "$TMP/out" "HTTP 401" "another key is refused with HTTP 401"
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
  -H 'Authorization: bearer sk-bad' "http://127.0.0.1:$PORT/api-ws/v1/inference/")
[[ $code == 401 ]] && ok "curl upgrade with a bad key: HTTP 401" || bad "curl upgrade: HTTP $code"
expect_grep "$TMP/body" '"code":"InvalidApiKey"' "the body is DashScope's InvalidApiKey error"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
  -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
  -H 'Authorization: BEARER sk-good' --max-time 2 "http://127.0.0.1:$PORT/api-ws/v1/inference")
[[ $code == 101 ]] && ok "scheme in capitals (BEARER) is accepted: 101" || bad "BEARER sk-good: HTTP $code"
stop_mock
finish
