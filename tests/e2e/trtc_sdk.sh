#!/usr/bin/env bash
# trtc_sdk.sh — the REAL Tencent Cloud Node SDK (tencentcloud-sdk-nodejs, pinned in
# tests/node/package.json, installed by scripts/setup) against `parley mock`'s trtc cloud API
# (POST / with TC3-HMAC-SHA256), plus the mock's server callbacks checked by an independent
# verifier: tests/node/trtc_sdk.mjs runs a node:http callback receiver and verifies every
# `Sign` with node:crypto (checked first against the vectors of protocols/trtc.md §1.3/§3.2).
#
# The mock runs with tests/data/trtc/profile-sdk.yaml (callback_url pointed at the receiver,
# a non-default callback key and a second credential). Every ok/FAIL line of the node script
# is one check here; then SIGINT must stop the mock with exit 0 and the trace must be valid
# JSONL holding the API calls and the callbacks. Node and the SDK come from scripts/setup;
# their absence is a failure, not a skip.
source "$(dirname "$0")/lib/common.bash"

PROFILE=tests/data/trtc/profile-sdk.yaml
CB_KEY=parleySDKtestCallbackKey42 # = callback_key in $PROFILE
ALT=AKIDparleySDKsecond:parleySDKsecondSecretKey # = the second credential in $PROFILE
MOCK_PID=
trap '[[ -n $MOCK_PID ]] && kill -INT "$MOCK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

if ! command -v node >/dev/null 2>&1; then
  bad "node is not installed: run scripts/setup (it installs nodejs and npm)"
  finish; exit
fi
sdk_pkg=tests/node/node_modules/tencentcloud-sdk-nodejs/package.json
want=$(node -p 'require("./tests/node/package.json").dependencies["tencentcloud-sdk-nodejs"]')
have=$(node -p "require('./$sdk_pkg').version" 2>/dev/null)
if [[ -z $have ]]; then
  bad "tests/node/node_modules/tencentcloud-sdk-nodejs is missing: run scripts/setup (npm ci --prefix tests/node)"
  finish; exit
fi
if [[ $have != "$want" ]]; then
  bad "tencentcloud-sdk-nodejs $have installed, tests/node/package.json pins $want: run scripts/setup"
  finish; exit
fi
ok "tencentcloud-sdk-nodejs $have installed (pinned $want)"

# A free port for the callback receiver (the mock must know it at start-up).
cb_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s/@CALLBACK_PORT@/$cb_port/" "$PROFILE" >"$TMP/profile.yaml"

"$PARLEY" mock --port 0 --profile "$TMP/profile.yaml" --trace "$TMP/trace.jsonl" >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/mock.out" && break; kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/mock.out")
if [[ -z $port ]]; then
  bad "the mock did not start with $PROFILE (does the profile loader know the trtc keys?)"
  sed 's/^/     err: /' "$TMP/mock.err" | head -20
  finish; exit
fi
ok "mock listening on port $port with $PROFILE (callbacks to port $cb_port)"

# The node script; each of its ok/FAIL lines becomes a check here.
node tests/node/trtc_sdk.mjs --port "$port" --callback-port "$cb_port" --callback-key "$CB_KEY" \
  --alt-credential "$ALT" >"$TMP/node.out" 2>"$TMP/node.err"
node_rc=$?
node_failed=0
while IFS= read -r line; do
  case $line in
    "ok   "*) ok "sdk: ${line#ok   }" ;;
    "FAIL "*) bad "sdk: ${line#FAIL }"; node_failed=1 ;;
    "info "*) echo "     $line" ;;
    *) ;;
  esac
done <"$TMP/node.out"
if [[ $node_rc -ne 0 && $node_failed -eq 0 ]]; then
  bad "tests/node/trtc_sdk.mjs exit $node_rc"
  sed 's/^/     | /' "$TMP/node.out" | tail -n 5
  sed 's/^/     err: /' "$TMP/node.err" | head -20
fi

kill -INT "$MOCK_PID"
wait "$MOCK_PID"
rc=$?
MOCK_PID=
if [[ $rc -eq 0 ]]; then ok "SIGINT stops the mock (exit 0)"; else
  bad "mock exit $rc after SIGINT"; sed 's/^/     err: /' "$TMP/mock.err" | tail -20
fi

python3 - "$TMP/trace.jsonl" <<'PY' && ok "trace: valid JSONL with the cloud API calls, the callbacks and their answers" || bad "trace content"
import collections, json, sys
recs = []
for i, line in enumerate(open(sys.argv[1]), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        raise SystemExit(f"trace line {i} is not JSON: {e}: {line[:200]}")
assert recs and recs[0]["ev"] == "start" and recs[-1]["ev"] == "stop", (recs[:1], recs[-1:])
kinds = collections.Counter(r.get("kind") for r in recs if r.get("ev") == "cloud")
for kind in ("trtc.api.StartAIConversation", "trtc.api.StartAIConversation.response",
             "trtc.api.DescribeAIConversation", "trtc.api.DescribeAIConversation.response",
             "trtc.api.StopAIConversation", "trtc.api.StopAIConversation.response",
             "trtc.api.ControlAIConversation", "trtc.api.ControlAIConversation.response",
             "trtc.api.UpdateAIConversation", "trtc.api.UpdateAIConversation.response", "trtc.api.error",
             "trtc.callback.901", "trtc.callback.902", "trtc.callback.answer"):
    assert kinds[kind], f"no cloud record of kind {kind} in the trace (kinds: {dict(kinds)})"
for r in recs:
    if r.get("ev") == "cloud" and r.get("kind") == "trtc.callback.answer":
        a = r["msg"]
        assert a.get("status") == 200 and a.get("body") == '{"code":0}', f"callback answer recorded as {a}"
rules = collections.Counter(r.get("rule") for r in recs if r.get("ev") == "finding")
print("     trace findings: " + (", ".join(f"{k} x{n}" for k, n in sorted(rules.items())) or "none"))
# The test never sends a bad LLMConfig/TTSConfig, and every callback answer is 200 {"code":0}.
for rule in ("trtc.api.config", "trtc.callback.status", "trtc.callback.timeout", "trtc.callback.body"):
    assert rule not in rules, f"unexpected finding {rule}: the SDK test sends valid configs and answers callbacks 200"
PY
finish
