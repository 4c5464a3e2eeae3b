#!/usr/bin/env bash
# volc_sdk.sh — the REAL Volcengine OpenAPI signer (`Signer` of @volcengine/openapi, pinned in
# tests/node/package.json, installed by scripts/setup) against `parley mock`'s volc OpenAPI
# (POST /?Action=…&Version=… with V4 HMAC-SHA256), used exactly as volcengine/rtc-aigc-demo's
# Server/app.js uses it. tests/node/volc_sdk.mjs first checks the protocols/volc.md §1.2
# vectors with an independent node:crypto V4 and with the SDK itself, then runs
# Start/Update(interrupt)/Stop VoiceChat and the error cases against the mock.
#
# The mock runs with the built-in profile (the default volc credentials). Every ok/FAIL line
# of the node script is one check here; then SIGINT must stop the mock with exit 0 and the
# trace must be valid JSONL holding the API calls. Node and the SDK come from scripts/setup;
# their absence is a failure, not a skip.
source "$(dirname "$0")/lib/common.bash"

MOCK_PID=
trap '[[ -n $MOCK_PID ]] && kill -INT "$MOCK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

if ! command -v node >/dev/null 2>&1; then
  bad "node is not installed: run scripts/setup (it installs nodejs and npm)"
  finish; exit
fi
sdk_pkg=tests/node/node_modules/@volcengine/openapi/package.json
want=$(node -p 'require("./tests/node/package.json").dependencies["@volcengine/openapi"]')
have=$(node -p "require('./$sdk_pkg').version" 2>/dev/null)
if [[ -z $have ]]; then
  bad "tests/node/node_modules/@volcengine/openapi is missing: run scripts/setup (npm ci --prefix tests/node)"
  finish; exit
fi
if [[ $have != "$want" ]]; then
  bad "@volcengine/openapi $have installed, tests/node/package.json pins $want: run scripts/setup"
  finish; exit
fi
ok "@volcengine/openapi $have installed (pinned $want)"

"$PARLEY" mock --port 0 --trace "$TMP/trace.jsonl" >"$TMP/mock.out" 2>"$TMP/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/mock.out" && break; kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/mock.out")
if [[ -z $port ]]; then
  bad "the mock did not start"
  sed 's/^/     err: /' "$TMP/mock.err" | head -20
  finish; exit
fi
ok "mock listening on port $port"

# The node script; each of its ok/FAIL lines becomes a check here.
node tests/node/volc_sdk.mjs --port "$port" >"$TMP/node.out" 2>"$TMP/node.err"
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
  bad "tests/node/volc_sdk.mjs exit $node_rc"
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

python3 - "$TMP/trace.jsonl" <<'PY' && ok "trace: valid JSONL with the three API calls, their answers and the errors" || bad "trace content"
import collections, json, sys
recs = []
for i, line in enumerate(open(sys.argv[1]), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        raise SystemExit(f"trace line {i} is not JSON: {e}: {line[:200]}")
assert recs and recs[0]["ev"] == "start" and recs[-1]["ev"] == "stop", (recs[:1], recs[-1:])
kinds = collections.Counter(r.get("kind") for r in recs if r.get("kind"))
for kind in ("volc.api.StartVoiceChat", "volc.api.UpdateVoiceChat", "volc.api.StopVoiceChat",
             "volc.api.response", "volc.api.error"):
    assert kinds[kind], f"no record of kind {kind} in the trace (kinds: {dict(kinds)})"
rules = collections.Counter(r.get("rule") for r in recs if r.get("ev") == "finding")
print("     trace findings: " + (", ".join(f"{k} x{n}" for k, n in sorted(rules.items())) or "none"))
# The errors the test provokes on purpose are findings; the demo body itself must draw none.
for rule in ("volc.api.signature", "volc.api.task_started"):
    assert rule in rules, f"no {rule} finding although the test provoked one"
for rule in ("volc.api.params", "volc.api.target_user", "volc.key_case", "volc.command.unknown",
             "volc.command.case"):
    assert rule not in rules, f"unexpected finding {rule}: the test sends the demo's 2024-12-01 body and Command interrupt"
PY
finish
