#!/usr/bin/env bash
# selftest.sh — drives the reference client against parley's mock and checks the wire.
#
# For each case it starts `parley mock` on a free port and the refclient (optionally with
# --bug flags), drives it through the admin API (POST /_parley/drivers/d1/drive), then reads
# the session's journal and findings. The correct client must leave no findings and put the
# expected frames on the wire; each --bug case must produce the violation it is meant to (a
# rule id from docs/rules-aicall.md, or a missing callback or frame in the journal). The
# refclient must exit 0 on SIGTERM with nothing from the sanitizers on stderr (build with
# -DPARLEY_SANITIZE=ON to check for leaks too).
#
#   clients/refclient/selftest.sh [PARLEY_BIN [REFCLIENT_BIN]]
#   (defaults: $PARLEY_BIN or build/parley, $REFCLIENT_BIN or refclient next to parley)
#
# Needs bash and python3 (HTTP and JSON). Prints "ok"/"FAIL" lines and a summary; exits 1 if
# anything failed. See docs/refclient.md.
set -uo pipefail

PARLEY=${1:-${PARLEY_BIN:-build/parley}}
REFCLIENT=${2:-${REFCLIENT_BIN:-$(dirname "$PARLEY")/refclient}}
TMP=$(mktemp -d)
MOCK_PID="" RC_PID="" BASE="" PORT=""
PASSED=0 FAILED=0

cleanup() {
  [[ -n $RC_PID ]] && kill "$RC_PID" 2>/dev/null
  [[ -n $MOCK_PID ]] && kill -INT "$MOCK_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

for bin in "$PARLEY" "$REFCLIENT"; do
  [[ -x $bin ]] || { echo "selftest: $bin is not an executable (build it first)" >&2; exit 2; }
done

# ---- plumbing ------------------------------------------------------------------------

# api METHOD PATH [BODY | @FILE] — the response body of the admin API (also for 4xx/5xx).
api() {
  python3 - "$BASE" "$@" <<'PY'
import sys, urllib.request, urllib.error
base, method, path = sys.argv[1:4]
body = sys.argv[4] if len(sys.argv) > 4 else None
if body is not None:
    body = open(body[1:], "rb").read() if body.startswith("@") else body.encode()
req = urllib.request.Request(base + path, data=body, method=method)
try:
    with urllib.request.urlopen(req, timeout=20) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
except Exception as e:
    sys.stdout.write('{"error":"%s"}' % e)
PY
}

# jtrue JSON PYEXPR — true if PYEXPR holds with d = the parsed JSON.
jtrue() {
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' \
    "$1" "$2" 2>/dev/null
}

# start_mock [parley mock options] — on a free port; sets BASE.
start_mock() {
  : >"$TMP/mock.out" # before the background job opens it: grep may come first
  "$PARLEY" mock --port 0 "$@" >"$TMP/mock.out" 2>"$TMP/mock.err" &
  MOCK_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$TMP/mock.out" && break; sleep 0.05; done
  PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/mock.out")
  BASE="http://127.0.0.1:$PORT/_parley"
  [[ -n $PORT ]] || { bad "the mock did not start"; cat "$TMP/mock.err"; return 1; }
}

stop_mock() {
  kill -INT "$MOCK_PID" 2>/dev/null
  wait "$MOCK_PID" 2>/dev/null
  MOCK_PID=""
}

# start_client [refclient options] — connected as driver d1 to room r1, user u1 of the
# dialect $RC_DIALECT (aicall unless set: trtc for the trtc cases).
start_client() {
  PARLEY_DRIVER_URL="ws://127.0.0.1:$PORT/_parley/driver" \
    PARLEY_URL="ws://127.0.0.1:$PORT/${RC_DIALECT:-aicall}/room?room=r1&user=u1" \
    PARLEY_SESSION=r1 PARLEY_SCENARIO=selftest \
    "$REFCLIENT" "$@" 2>"$TMP/rc.err" &
  RC_PID=$!
  for _ in $(seq 100); do
    jtrue "$(api GET /drivers)" 'len(d) == 1 and "hello" in d[0]' && return 0
    sleep 0.05
  done
  bad "the refclient did not say hello"
  sed 's/^/     | /' "$TMP/rc.err" | tail -20
  return 1
}

# stop_client — SIGTERM; it must exit 0 with no sanitizer report.
stop_client() {
  local desc=$1
  kill -TERM "$RC_PID" 2>/dev/null
  wait "$RC_PID"
  local rc=$?
  RC_PID=""
  if [[ $rc -ne 0 ]] || grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error' "$TMP/rc.err"; then
    bad "$desc: refclient exit $rc on SIGTERM, or a sanitizer report"
    grep -E -A12 'Sanitizer|runtime error' "$TMP/rc.err" | head -40 | sed 's/^/     | /'
  fi
}

# drive ACTION [ARGS] — the reply object of the drive command.
drive() {
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"drive":sys.argv[1],"args":json.loads(sys.argv[2]),"timeout_ms":8000}))' \
    "$1" "${2:-{\}}")
  api POST /drivers/d1/drive "$body" |
    python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("reply")))'
}

# expect_drive OK|FAIL ACTION [ARGS] — the reply says ok:true (or ok:false).
expect_drive() {
  local want=$1 reply
  shift
  reply=$(drive "$@")
  if [[ $want == OK ]] && jtrue "$reply" 'd["ok"] is True'; then return 0; fi
  if [[ $want == FAIL ]] && jtrue "$reply" 'd["ok"] is False'; then return 0; fi
  bad "$CASE: drive $* → $reply (want $want)"
  return 1
}

push() { api POST "/sessions/${2:-s1}/push" "$1" >/dev/null; }

# rules SESSION — the rule ids of the session's findings, one per line.
rules() {
  api GET "/sessions/$1/findings" | python3 -c 'import json,sys; [print(f["rule"]) for f in json.load(sys.stdin)]'
}

# journal_has SESSION PYEXPR DESC — PYEXPR over the journal records r (a list) holds.
journal_has() {
  local j
  j=$(api GET "/sessions/$1/journal")
  if python3 -c '
import json, sys
r = json.loads(sys.argv[1])["records"]
kinds = [x.get("kind") for x in r if x["ev"] == "msg" and x["dir"] == "c2a"]
ops = [x["op"] for x in r if x["ev"] == "room"]
cbs = [x["name"] for x in r if x["ev"] == "callback"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$j" "$2"; then ok "$CASE: $3"; else
    bad "$CASE: $3"
    python3 -c '
import json, sys
for x in json.loads(sys.argv[1])["records"]:
    t = x.get("kind") or x.get("op") or x.get("name") or x.get("event") or x.get("rule") or ""
    print("     |", x["n"], x["ev"], x.get("dir", ""), t)' "$j" 2>/dev/null | head -60
  fi
}

# wait_speaking SESSION — until the agent's last 1001 says Speaking (3), at most 3 s.
wait_speaking() {
  local j
  for _ in $(seq 60); do
    j=$(api GET "/sessions/$1/journal")
    python3 -c '
import json, sys
st = [json.loads(x["text"])["data"]["state"] for x in json.loads(sys.argv[1])["records"]
      if x.get("kind") == "aicall.1001"]
sys.exit(0 if st and st[-1] == 3 else 1)' "$j" && return 0
    sleep 0.05
  done
  bad "$CASE: the agent never started speaking"
}

expect_clean() {
  local r
  r=$(rules "$1")
  if [[ -z $r ]]; then ok "$CASE: no findings in $1"; else bad "$CASE: findings in $1: ${r//$'\n'/ }"; fi
}

expect_rule() {
  if rules "$1" | grep -qx "$2"; then ok "$CASE: $2"; else
    bad "$CASE: no $2 in $1 (got: $(rules "$1" | sort -u | tr '\n' ' '))"
  fi
}

# case_begin NAME [refclient options] / case_end — one mock and one refclient per case.
case_begin() {
  CASE=$1
  shift
  start_mock ${PROFILE:+--profile "$PROFILE"} && start_client "$@"
}
case_end() {
  stop_client "$CASE"
  stop_mock
}

# ---- the correct client --------------------------------------------------------------

# The agent speaks slowly (a delta every 200 ms), so interruptSpeaking lands while Speaking.
SLOW_SPEECH=$TMP/slow-speech.yaml
printf 'aicall:\n  timing:\n    chunk: 200ms\n' >"$SLOW_SPEECH"

CASE="correct: a whole call"
if PROFILE=$SLOW_SPEECH case_begin "$CASE"; then
  reply=$(drive getState)
  jtrue "$reply" 'd["ok"] and d["result"]["connected"] is False' && ok "$CASE: getState before the call" \
    || bad "$CASE: getState before the call: $reply"
  expect_drive FAIL sendTextToAgent '{"text":"too early"}'
  expect_drive OK call
  sleep 0.2
  reply=$(drive getState)
  jtrue "$reply" 'd["result"]["dcReady"] and d["result"]["connected"] and d["result"]["agentId"] == "parley_agent"' \
    && ok "$CASE: joined and data channel ready" || bad "$CASE: state after call: $reply"
  expect_drive FAIL call
  expect_drive FAIL startPushToTalk                      # push-to-talk is off
  expect_drive FAIL finishPushToTalk                     # no press open
  expect_drive OK enablePushToTalk '{"enable":true}'
  expect_drive OK pushToTalkButton '{"holdMs":1500}'
  sleep 2.5                                              # the answer: about 2 s
  expect_drive OK pushToTalkButton '{"holdMs":200}'      # short press: cancel
  expect_drive OK pushToTalkButton '{"holdMs":900,"slideCancel":true}'
  expect_drive OK startPushToTalk
  expect_drive FAIL startPushToTalk                      # a press is open
  expect_drive OK cancelPushToTalk
  expect_drive OK enablePushToTalk '{"enable":false}'
  expect_drive OK sendTextToAgent '{"text":"What time is it?"}'
  wait_speaking s1
  expect_drive OK interruptSpeaking                      # while Speaking: 1016 reason 3
  expect_drive OK enableVoiceInterrupt '{"enable":false}'
  expect_drive OK switchVoiceId '{"voiceId":"zhixiaobai"}'
  expect_drive OK requestRTCToken
  expect_drive OK enableVoiceprint '{"enable":true}'
  expect_drive OK clearVoiceprint
  expect_drive OK sendCustomMessageToServer '{"message":"{\"k\":1}"}'
  expect_drive OK startVisionCustomCapture '{"text":"look"}'
  expect_drive OK stopVisionCustomCapture
  expect_drive OK updateLlmSystemPrompt '{"prompt":"be brief"}'
  expect_drive FAIL updateLlmSystemPrompt '{"prompt":""}'
  expect_drive OK updateVcrConfig '{"vcrConfig":{"PeopleCount":{"Enabled":true}}}'
  expect_drive OK updateBailianAppParams '{"params":{"a":1}}'
  expect_drive OK updateAsrMaxSilence '{"duration":400}'
  expect_drive OK updateTtsSpeechRate '{"rate":1.2}'
  expect_drive OK queryCurrentAgentState
  expect_drive OK mute '{"mute":true}'
  expect_drive OK mute '{"mute":false}'
  expect_drive FAIL enableVoiceInterrupt '{"enable":"yes"}'
  jtrue "$(api POST /drivers/d1/drive '{"drive":"noSuchAction"}')" '"did not announce" in d["error"]' \
    || bad "$CASE: parley drove an action the client did not announce"
  push '{"type":1000,"senderId":"parley_agent","receiverId":"","data":{"code":4001,"message":"Concurrent routes exhausted"}}'
  push '{"type":1011,"senderId":"parley_agent","receiverId":"","data":{"message":"{\"order\":7}"}}'
  sleep 0.8
  expect_drive OK handup
  sleep 0.3
  journal_has s1 'kinds[0] == "aicall.ready_req" and [k for k in kinds if k != "aicall.ready_req"][0] == "aicall.1105" and ops[0] == "publish"' \
    "publish, ready_req, then the first AICall message"
  journal_has s1 '[k for k in kinds if k in ("aicall.1106","aicall.1107","aicall.1108")] == ["aicall.1106","aicall.1107","aicall.1106","aicall.1108","aicall.1106","aicall.1108","aicall.1106","aicall.1108"]' \
    "button presses: finish, cancel (short), cancel (slide), start + cancel"
  journal_has s1 'all(k in kinds for k in ["aicall.%d" % t for t in range(1100, 1121)])' \
    "every client message type 1100-1120 went out"
  journal_has s1 'kinds[-1] == "aicall.1100" and ops[-1] == "leave"' "handup: 1100, then leave"
  journal_has s1 'not [c for c in ["callBegin","agentDataChannelAvailable","pushToTalkChanged","userSubtitleNotify","agentSubtitleNotify","agentStateChanged","llmReplyCompleted","agentEmotionNotify","speakingInterrupted","voiceInterruptChanged","voiceIdChanged","newRTCToken","visionCustomCaptureChanged","errorOccurred","receivedAgentCustomMessage","callEnd"] if c not in cbs and not print("     missing callback:", c)]' \
    "the SDK callbacks reached the journal"
  journal_has s1 'cbs.count("callEnd") == 1 and cbs[-1] == "callEnd"' "callEnd once, last"
  journal_has s1 '[x["code"] for x in r if x["ev"] == "close"] == [1000]' "closed with 1000"
  expect_clean s1
  case_end
fi

CASE="correct: sendRawDataChannel (test hook)"
if case_begin "$CASE"; then
  expect_drive FAIL sendRawDataChannel '{"text":"x"}'    # not connected
  expect_drive OK call
  sleep 0.1
  expect_drive OK sendRawDataChannel '{"text":"{\"type\":1111,"}'
  expect_drive OK queryCurrentAgentState
  sleep 0.2
  r=$(rules s1 | tr '\n' ' ')
  [[ $r == "aicall.malformed_json " ]] && ok "$CASE: exactly one aicall.malformed_json" \
    || bad "$CASE: findings in s1: $r"
  case_end
fi

CASE="correct: reconnect"
if case_begin "$CASE"; then
  expect_drive OK call
  sleep 0.1
  expect_drive OK enablePushToTalk '{"enable":true}'
  expect_drive OK reconnect
  sleep 0.9
  reply=$(drive getState)
  jtrue "$reply" 'd["result"]["dcReady"] and d["result"]["micMuted"] and d["result"]["seqId"] == 2' \
    && ok "$CASE: back, ready, still muted, seqId goes on" || bad "$CASE: getState: $reply"
  journal_has s1 '[x["code"] for x in r if x["ev"] == "close"] == [1006]' "the first connection dropped (1006)"
  journal_has s2 'ops[:2] == ["publish", "mute_local_mic"] and kinds[0] == "aicall.ready_req" and kinds[-1] == "aicall.1119" and set(kinds) == {"aicall.ready_req", "aicall.1119"}' \
    "rejoined: publish, mic state, ready_req, then 1119"
  expect_clean s1
  expect_clean s2
  case_end
fi

CASE="correct: the agent leaves (1010)"
if case_begin "$CASE"; then
  expect_drive OK call
  sleep 0.1
  push '{"type":1010,"senderId":"parley_agent","receiverId":"","data":{"reason":2001,"message":"idle"}}'
  sleep 0.3
  journal_has s1 'cbs[-2:] == ["agentWillLeave", "callEnd"] and ops[-1] == "leave"' \
    "agentWillLeave, leave, callEnd"
  expect_clean s1
  case_end
fi

CASE="correct: stopAgent, the agent goes"
if case_begin "$CASE"; then
  expect_drive OK call
  sleep 0.1
  expect_drive OK stopAgent
  sleep 0.4
  journal_has s1 '"errorOccurred" in cbs and cbs[-1] == "callEnd" and ops[-1] == "leave"' \
    "errorOccurred -10101, leave, callEnd"
  expect_clean s1
  case_end
fi

PROFILE=$TMP/slow-ready.yaml
printf 'aicall:\n  timing:\n    ready: 1s\n    ready_timeout: 5s\n' >"$PROFILE"
CASE="correct: waits for ready_resp"
if case_begin "$CASE"; then
  expect_drive OK call
  expect_drive FAIL sendTextToAgent '{"text":"hi"}'
  sleep 1.3
  expect_drive OK sendTextToAgent '{"text":"hi"}'
  expect_clean s1
  case_end
fi
CASE="bug send-before-ready"
if case_begin "$CASE" --bug send-before-ready; then
  expect_drive OK call
  expect_drive OK sendTextToAgent '{"text":"hi"}'
  sleep 0.2
  expect_rule s1 aicall.ready.message_before_resp
  case_end
fi

PROFILE=$TMP/big.yaml
printf 'limits:\n  max_http_body: 8MiB\n  max_message: 8MiB\n' >"$PROFILE"
CASE="correct: an incoming message over 1 MiB"
if case_begin "$CASE"; then
  expect_drive OK call
  python3 -c 'import json; print(json.dumps({"type":1011,"senderId":"parley_agent","receiverId":"","data":{"message":json.dumps({"blob":"x"*(2<<20)})}}))' >"$TMP/big.json"
  api POST /sessions/s1/push "@$TMP/big.json" >/dev/null
  push '{"type":1011,"senderId":"parley_agent","receiverId":"","data":{"message":"{\"after\":1}"}}'
  sleep 0.5
  grep -q 'dropped an incoming message of' "$TMP/rc.err" && ok "$CASE: dropped and logged" \
    || bad "$CASE: no log line about the dropped message"
  journal_has s1 'cbs.count("receivedAgentCustomMessage") == 1' "only the small message reached the app"
  expect_drive OK getState
  case_end
fi
unset PROFILE

# ---- bugs caught by rules ------------------------------------------------------------

# bug_case BUG RULE WAIT DRIVES... — each drive is "ACTION" or "ACTION ARGS". Deadline rules
# (the mic ones: 1 s) are checked on the mock's 1 s tick, so WAIT is deadline + 1 s + slack.
bug_case() {
  local bug=$1 rule=$2 wait=$3
  shift 3
  if case_begin "bug $bug" --bug "$bug"; then
    expect_drive OK call
    sleep 0.1
    local d
    for d in "$@"; do
      # shellcheck disable=SC2086
      drive ${d%% *} "$([[ $d == *' '* ]] && echo "${d#* }" || echo '{}')" >/dev/null
    done
    sleep "$wait"
    expect_rule s1 "$rule"
    case_end
  fi
}

bug_case no-mute-on-enable aicall.mic.ptt_enable_not_muted 2.2 'enablePushToTalk {"enable":true}'
bug_case start-without-enable aicall.ptt.start_without_enable 0.2 startPushToTalk
bug_case wrong-receiver aicall.envelope.receiver_mismatch 0.2 queryCurrentAgentState
bug_case data-as-string aicall.schema 0.2 'enableVoiceInterrupt {"enable":true}'
bug_case seq-reset aicall.envelope.seq_not_increasing 0.2 queryCurrentAgentState queryCurrentAgentState
bug_case finish-short-press aicall.ptt.short_press_finished 0.2 'enablePushToTalk {"enable":true}' \
  'pushToTalkButton {"holdMs":300}'
bug_case no-unmute-on-start aicall.mic.ptt_start_not_unmuted 2.2 'enablePushToTalk {"enable":true}' \
  startPushToTalk
bug_case no-mute-on-finish aicall.mic.ptt_end_not_muted 2.2 'enablePushToTalk {"enable":true}' \
  'pushToTalkButton {"holdMs":800}'
bug_case bad-json aicall.malformed_json 0.2 'sendTextToAgent {"text":"hello"}'
bug_case double-start aicall.ptt.start_while_open 0.2 'enablePushToTalk {"enable":true}' \
  startPushToTalk startPushToTalk
bug_case type-as-string aicall.envelope.type_invalid 0.2 queryCurrentAgentState

# ---- bugs only the journal shows (scenario steps) ------------------------------------

CASE="bug ignore-1007"
if case_begin "$CASE" --bug ignore-1007; then
  expect_drive OK call
  expect_drive OK enablePushToTalk '{"enable":true}'
  sleep 0.2
  journal_has s1 '"aicall.1105" in kinds and "pushToTalkChanged" not in cbs' "1007 fired no pushToTalkChanged"
  case_end
fi

CASE="bug ignore-1016"
if PROFILE=$SLOW_SPEECH case_begin "$CASE" --bug ignore-1016; then
  expect_drive OK call
  expect_drive OK sendTextToAgent '{"text":"tell me a story"}'
  wait_speaking s1
  expect_drive OK interruptSpeaking
  sleep 0.2
  journal_has s1 'any(x.get("kind") == "aicall.1016" for x in r) and "speakingInterrupted" not in cbs' \
    "1016 fired no speakingInterrupted"
  case_end
fi

CASE="bug ignore-error"
if case_begin "$CASE" --bug ignore-error; then
  expect_drive OK call
  push '{"type":1000,"senderId":"parley_agent","receiverId":"","data":{"code":4005,"message":"ASR"}}'
  sleep 0.2
  journal_has s1 '"errorOccurred" not in cbs' "1000 fired no errorOccurred"
  case_end
fi

CASE="bug ignore-agent-leave"
if case_begin "$CASE" --bug ignore-agent-leave; then
  expect_drive OK call
  push '{"type":1010,"senderId":"parley_agent","receiverId":"","data":{"reason":2001,"message":"idle"}}'
  sleep 0.05
  journal_has s1 '"agentWillLeave" not in cbs and "leave" not in ops' "1010: no agentWillLeave, no leave"
  case_end
fi

CASE="bug handup-without-stop"
if case_begin "$CASE" --bug handup-without-stop; then
  expect_drive OK call
  expect_drive OK handup
  sleep 0.2
  journal_has s1 '"aicall.1100" not in kinds and ops[-1] == "leave"' "left without 1100"
  case_end
fi

CASE="bug no-resync"
if case_begin "$CASE" --bug no-resync; then
  expect_drive OK call
  expect_drive OK reconnect
  sleep 0.9
  journal_has s2 '"aicall.1119" not in kinds' "no 1119 after the reconnect"
  case_end
fi

# ---- trtc: the room, the backend's cloud API calls, its HTTP server ----------------------

CB_KEY=parleycallbackkey0123456789abcde # the default callback key (docs/dev/trtc-spec.md)

# endpoint NAME — hello.endpoints.NAME of driver d1 (the refclient's HTTP server)
endpoint() {
  api GET /drivers | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["hello"]["endpoints"][sys.argv[1]])' "$1"
}

# post_callback URL KEY BODY — POSTs a TRTC server callback signed with KEY (Sign = base64
# HMAC-SHA256 of the body, SdkAppId); prints the HTTP status.
post_callback() {
  python3 - "$@" <<'PY'
import base64, hashlib, hmac, sys, urllib.request, urllib.error
url, key, body = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
sign = base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()
req = urllib.request.Request(url, data=body, method="POST", headers={
    "Content-Type": "application/json", "Sign": sign, "SdkAppId": "1400000001"})
try:
    with urllib.request.urlopen(req, timeout=5) as r:
        print(r.status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print(-1)
PY
}

# cb_body EVENT TASK PAYLOAD — a callback envelope (§3.3) for room r1.
cb_body() {
  printf '{"EventGroupId":9,"EventType":%s,"CallbackTs":1700000000000,"EventInfo":{"EventMsTs":1700000000000,"TaskId":"%s","RoomId":"r1","RoomIdType":1,"Payload":%s}}' "$1" "$2" "$3"
}

# task_id — the TaskId of the last startAIConversation (getState).
task_id() {
  drive getState | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["taskId"])'
}

# trtc_wait SESSION PYEXPR DESC — until PYEXPR holds over the session's journal (s: the bot's
# 10001 states in order, kinds: c2a message kinds, cbs: callbacks), at most 6 s.
trtc_wait() {
  local j
  for _ in $(seq 120); do
    j=$(api GET "/sessions/$1/journal")
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])["records"]
s = [json.loads(x["text"])["payload"]["state"] for x in r if x.get("kind") == "trtc.10001"]
kinds = [x.get("kind") for x in r if x["ev"] == "msg" and x["dir"] == "c2a"]
cbs = [x["name"] for x in r if x["ev"] == "callback"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$j" "$2" 2>/dev/null && return 0
    sleep 0.05
  done
  bad "$CASE: $3 never happened"
  return 1
}

# trtc_begin NAME [refclient options] — a trtc case: enterRoom, startAIConversation (ARGS
# from $START, default {}), the bot listening.
trtc_begin() {
  RC_DIALECT=trtc case_begin "$@" || return 1
  expect_drive OK enterRoom || return 0
  expect_drive OK startAIConversation "${START:-{\}}" || return 0
  trtc_wait s1 '1 in s' "the bot listening (10001 state 1)"
  return 0
}

CASE="trtc correct: a conversation"
if START='{"welcome":"Hello.","tts":"custom","llm":"ref"}' trtc_begin "$CASE"; then
  jtrue "$(api GET /drivers)" 'd[0]["hello"]["dialects"] == ["trtc"] and len(d[0]["hello"]["actions"]) == 11 and sorted(d[0]["hello"]["endpoints"]) == ["callback", "llm", "tts"]' \
    && ok "$CASE: hello: trtc, 11 actions, 3 endpoints" || bad "$CASE: hello: $(api GET /drivers)"
  trtc_wait s1 's.count(1) >= 2' "the welcome round over (state 1 again)"
  expect_drive OK sendText '{"text":"Tell me a story."}'
  trtc_wait s1 '"trtc.tts.answer" in kinds and s[-1] == 3' "the reply spoken (LLM, TTS, state 3)"
  expect_drive OK interrupt
  reply=$(drive describeAIConversation)
  jtrue "$reply" 'd["ok"] and d["result"]["status"] == "InProgress"' && ok "$CASE: describe: InProgress" \
    || bad "$CASE: describe: $reply"
  expect_drive OK controlAIConversation '{"command":"ServerPushText","text":"Pushed."}'
  expect_drive OK controlAIConversation '{"command":"InvokeLLM","text":"Again?"}'
  expect_drive OK updateAIConversation '{"welcome":"Hi again.","interrupt_mode":0}'
  expect_drive OK sendCustomCmd '{"cmd_id":2,"data":"{\"type\":20000,\"sender\":\"u1\",\"receiver\":[\"bot_r1\"],\"payload\":{\"id\":\"1\",\"message\":\"raw\",\"timestamp\":1}}"}'
  expect_drive OK stopAIConversation
  trtc_wait s1 '"onRemoteUserLeaveRoom" in cbs and "onServerCallback" in cbs' "the bot gone, 902 at the backend"
  journal_has s1 'all(k in kinds for k in ["trtc.api.StartAIConversation", "trtc.20000", "trtc.20001", "trtc.api.DescribeAIConversation", "trtc.api.ControlAIConversation", "trtc.api.UpdateAIConversation", "trtc.api.StopAIConversation", "trtc.llm.answer", "trtc.tts.answer", "trtc.callback.answer"])' \
    "Start, 20000, 20001, Describe, Control, Update, Stop; LLM, TTS and callback answers"
  journal_has s1 'all(c in cbs for c in ["onEnterRoom", "onRemoteUserEnterRoom", "onUserAudioAvailable", "onAgentState", "onSubtitle", "onMetrics", "onLLMRequest", "onTTSRequest", "onServerCallback", "onRemoteUserLeaveRoom"])' \
    "the TRTC callbacks and the backend's"
  expect_clean s1
  expect_drive OK exitRoom
  expect_drive FAIL sendText '{"text":"after exitRoom"}'
  case_end
fi

CASE="trtc correct: the callback receiver and the 98 restart"
if trtc_begin "$CASE"; then
  cb=$(endpoint callback)
  task=$(task_id)
  [[ $(post_callback "$cb" forgedkey0123 "$(cb_body 905 "$task" '{}')") == 401 ]] \
    && ok "$CASE: a forged Sign: 401" || bad "$CASE: a forged Sign was not refused"
  [[ $(post_callback "$cb" $CB_KEY "$(cb_body 905 "$task" '{}')") == 200 ]] \
    && ok "$CASE: a good Sign: 200" || bad "$CASE: a good Sign was not accepted"
  [[ $(post_callback "$cb" $CB_KEY "$(cb_body 902 "$task" '{"LeaveCode":0}')") == 200 ]] || bad "$CASE: 902/0 refused"
  sleep 1.2
  journal_has s1 'kinds.count("trtc.api.StartAIConversation") == 1' "902 LeaveCode 0: no new Start"
  [[ $(post_callback "$cb" $CB_KEY "$(cb_body 902 "$task" '{"LeaveCode":98}')") == 200 ]] || bad "$CASE: 902/98 refused"
  trtc_wait s1 'kinds.count("trtc.api.StartAIConversation") == 2 and "onTaskRestarted" in cbs' \
    "902 LeaveCode 98: a new Start and onTaskRestarted" && ok "$CASE: 902 LeaveCode 98: restarted"
  [[ $(task_id) != "$task" ]] && ok "$CASE: a new task" || bad "$CASE: the task did not change"
  case_end
fi

CASE="trtc bug bad-signature-check"
if trtc_begin "$CASE" --bug bad-signature-check; then
  [[ $(post_callback "$(endpoint callback)" forgedkey0123 "$(cb_body 905 "$(task_id)" '{}')") == 200 ]] \
    && ok "$CASE: a forged Sign is accepted" || bad "$CASE: a forged Sign was refused"
  case_end
fi

CASE="trtc bug no-retry-on-98"
if trtc_begin "$CASE" --bug no-retry-on-98; then
  post_callback "$(endpoint callback)" $CB_KEY "$(cb_body 902 "$(task_id)" '{"LeaveCode":98}')" >/dev/null
  sleep 1.2
  journal_has s1 'kinds.count("trtc.api.StartAIConversation") == 1' "902 LeaveCode 98: no new Start"
  case_end
fi

CASE="trtc bug retry-on-0"
if trtc_begin "$CASE" --bug retry-on-0; then
  post_callback "$(endpoint callback)" $CB_KEY "$(cb_body 902 "$(task_id)" '{"LeaveCode":0}')" >/dev/null
  trtc_wait s1 'kinds.count("trtc.api.StartAIConversation") == 2' "902 LeaveCode 0: a new Start" \
    && ok "$CASE: 902 LeaveCode 0: restarted"
  case_end
fi

CASE="trtc bug bad-tc3"
if RC_DIALECT=trtc case_begin "$CASE" --bug bad-tc3; then
  reply=$(drive startAIConversation)
  jtrue "$reply" 'd["ok"] is False and d["error"].startswith("AuthFailure")' \
    && ok "$CASE: every call refused: $reply" || bad "$CASE: startAIConversation: $reply"
  case_end
fi

for bug in wrong-cmd-id:sendText:trtc.custom.cmd_id custom-over-1k:sendText:trtc.custom.too_large \
  interrupt-no-receiver:interrupt:trtc.custom.receiver; do
  IFS=: read -r flag action rule <<<"$bug"
  CASE="trtc bug $flag"
  if trtc_begin "$CASE" --bug "$flag"; then
    expect_drive OK "$action" '{"text":"Hello?"}'
    sleep 0.3
    expect_rule s1 "$rule"
    case_end
  fi
done

# ---- volc: the room (binary TLV messages), the backend's V4-signed OpenAPI calls ----------

# The volc cases need parley's volc dialect (mock/dialects/volc.c): without it they are
# skipped, with a note (the refclient's own V4 vectors are checked under "command line").
VOLC_MOCK=0
if start_mock; then
  grep -q 'volc *room bridge' "$TMP/mock.out" && VOLC_MOCK=1
  stop_mock
fi
[[ $VOLC_MOCK -eq 1 ]] || echo "skip volc cases: this parley has no volc dialect"

# volc_wait SESSION PYEXPR DESC — until PYEXPR holds over the session's journal, at most 6 s:
# s = the bot's conv Stage.Code values in order, tlv = [(dir, magic, header length, value
# bytes, value)] of every room message, said(text) = the bot or user said text (a definite
# subv), kinds = c2a message kinds, cbs = callbacks, ops = room ops.
volc_wait() {
  local j
  for _ in $(seq 120); do
    j=$(api GET "/sessions/$1/journal")
    python3 -c '
import base64, json, struct, sys
r = json.loads(sys.argv[1])["records"]
tlv = []
for x in r:
    if x["ev"] == "msg" and "b64" in x:
        b = base64.b64decode(x["b64"])
        try: v = json.loads(b[8:])
        except ValueError: v = None
        tlv.append((x["dir"], b[:4].decode("latin1"), struct.unpack(">I", b[4:8])[0], len(b) - 8, v))
s = [t[4]["Stage"]["Code"] for t in tlv if t[1] == "conv" and t[4]]
said = lambda text: any(d["text"] == text and d["definite"] for t in tlv if t[1] == "subv" and t[4] for d in t[4]["data"])
kinds = [x.get("kind") for x in r if x["ev"] == "msg" and x["dir"] == "c2a"]
cbs = [x["name"] for x in r if x["ev"] == "callback"]
ops = [x["op"] for x in r if x["ev"] == "room"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$j" "$2" 2>/dev/null && return 0
    sleep 0.05
  done
  bad "$CASE: $3 never happened"
  return 1
}

act() { api POST "/sessions/${2:-s1}/act" "$1" >/dev/null; }
TOOL_ACT='{"name":"tool","args":{"name":"get_current_weather","arguments":{"location":"Beijing"}}}'

# volc_begin NAME [refclient options] — a volc case: joinRoom, startAudioBot (ARGS from
# $START, default {}), the bot listening (conv 1).
volc_begin() {
  [[ $VOLC_MOCK -eq 1 ]] || return 1
  RC_DIALECT=volc case_begin "$@" || return 1
  expect_drive OK joinRoom || return 0
  expect_drive OK startAudioBot "${START:-{\}}" || return 0
  volc_wait s1 '1 in s' "the bot listening (conv 1)"
  return 0
}

CASE="volc correct: a voice chat"
if START='{"tools":true}' volc_begin "$CASE"; then
  jtrue "$(api GET /drivers)" 'd[0]["hello"]["dialects"] == ["volc"] and len(d[0]["hello"]["actions"]) == 10' \
    && ok "$CASE: hello: volc, 10 actions" || bad "$CASE: hello: $(api GET /drivers)"
  expect_drive FAIL joinRoom                                     # already in the room
  act "$TOOL_ACT"
  volc_wait s1 '[t for t in tlv if t[1] == "func" and t[4]["Content"] == "Sunny, 20 degrees." and t[4]["ToolCallID"] == [u for u in tlv if u[1] == "tool"][0][4]["tool_calls"][0]["id"]]' \
    "the tool call answered with func (its id, the weather)" && ok "$CASE: tool call answered"
  volc_wait s1 'said("Sunny, 20 degrees.") and s[-1] == 1' "the tool answer spoken"
  expect_drive OK commandAgent '{"command":"ExternalTextToSpeech","message":"Pushed.","interrupt_mode":1}'
  volc_wait s1 'said("Pushed.") and s[-1] == 1' "the pushed text spoken"
  expect_drive OK stopAudioVoice
  expect_drive OK updateVoiceChat '{"command":"ExternalTextToLLM","message":"Again?","interrupt_mode":2}'
  reply=$(drive updateVoiceChat '{"command":"dance"}')
  jtrue "$reply" 'd["ok"] is False and d["error"] == "InvalidParameter"' \
    && ok "$CASE: an API error answers its Error.Code" || bad "$CASE: updateVoiceChat dance: $reply"
  expect_drive OK stopAudioCapture
  expect_drive OK startAudioCapture
  expect_drive FAIL sendFunctionResult '{}'                      # tool_call_id is required
  expect_drive OK leaveRoom
  sleep 0.3
  journal_has s1 'ops[:2] == ["publish", "audio_capture"] and ops[-1] == "leave" and kinds[-1] == "volc.api.StopVoiceChat"' \
    "join: publish, capture; leaveRoom: StopVoiceChat, then leave"
  journal_has s1 'all(k in kinds for k in ["volc.api.StartVoiceChat", "volc.func", "volc.ctrl", "volc.api.UpdateVoiceChat", "volc.api.StopVoiceChat"])' \
    "Start, func, ctrl, Update, Stop"
  journal_has s1 'all(c in cbs for c in ["onJoinRoom", "onUserJoined", "onUserPublishStream", "onUserStartAudioCapture", "onUserStopAudioCapture", "onRoomBinaryMessageReceived", "onSubtitle", "onAgentState", "onFunctionCall", "onUserUnpublishStream", "onUserLeave", "onLeaveRoom"])' \
    "the Web SDK callbacks"
  r=$(rules s1 | grep -v '^volc\.command\.unknown$' | tr '\n' ' ')
  [[ -z $r ]] && ok "$CASE: no findings but the unknown command" || bad "$CASE: findings in s1: $r"
  expect_drive FAIL commandAgent                                 # not in the room any more
  case_end
fi

CASE="volc correct: the 2024-06-01 shape (the seed's generation)"
if [[ $VOLC_MOCK -eq 1 ]] && RC_DIALECT=volc case_begin "$CASE"; then
  expect_drive OK joinRoom
  expect_drive OK startAudioBot '{"version":"2024-06-01","welcome":"Hi."}'
  volc_wait s1 '[t for t in tlv if t[1] == "subv" and t[4]["data"][0]["definite"]]' "the welcome subtitle"
  expect_drive OK stopAudioBot
  volc_wait s1 '"onUserLeave" in cbs' "the bot gone"
  expect_drive OK stopAudioBot                                   # no bot: nothing to stop
  expect_drive OK leaveRoom
  volc_wait s1 'kinds == ["volc.api.legacy.StartVoiceChat", "volc.api.legacy.StopVoiceChat"] and not s and said("Hi.")' \
    "legacy Start and Stop, the welcome, no conv" && ok "$CASE: legacy Start, welcome, Stop, no conv"
  expect_clean s1
  case_end
fi

CASE="volc bug bad-v4"
if [[ $VOLC_MOCK -eq 1 ]] && RC_DIALECT=volc case_begin "$CASE" --bug bad-v4; then
  reply=$(drive startAudioBot)
  jtrue "$reply" 'd["ok"] is False and d["error"] == "SignatureDoesNotMatch"' \
    && ok "$CASE: every call refused: $reply" || bad "$CASE: startAudioBot: $reply"
  case_end
fi

CASE="volc correct: another secret key"
if [[ $VOLC_MOCK -eq 1 ]] && RC_DIALECT=volc case_begin "$CASE" --secret-key notTheSecret; then
  reply=$(drive stopAudioBot '{"task_id":"t1"}')
  jtrue "$reply" 'd["ok"] is False and d["error"] == "SignatureDoesNotMatch"' \
    && ok "$CASE: --secret-key is what signs" || bad "$CASE: stopAudioBot: $reply"
  case_end
fi

CASE="volc bug interrupt-before-join"
if [[ $VOLC_MOCK -eq 1 ]] && RC_DIALECT=volc case_begin "$CASE" --bug interrupt-before-join; then
  expect_drive OK joinRoom
  sleep 0.3
  expect_rule s1 volc.room.no_bot
  case_end
fi

CASE="volc bug wrong-tlv-length"
if volc_begin "$CASE" --bug wrong-tlv-length; then
  expect_drive OK commandAgent
  sleep 0.3
  expect_rule s1 volc.tlv.length
  case_end
fi

CASE="volc bug func-unknown-id"
if START='{"tools":true}' volc_begin "$CASE" --bug func-unknown-id; then
  act "$TOOL_ACT"
  volc_wait s1 '"volc.func" in kinds' "the answer to the tool call" && expect_rule s1 volc.func.unknown_id
  case_end
fi

CASE="volc bug listen-func-magic"
if START='{"tools":true}' volc_begin "$CASE" --bug listen-func-magic; then
  act "$TOOL_ACT"
  volc_wait s1 '[t for t in tlv if t[1] == "tool"]' "the tool call"
  sleep 0.5
  journal_has s1 '"volc.func" not in kinds and "onFunctionCall" not in cbs' "the tool call is never seen nor answered"
  case_end
fi

CASE="volc bug no-stop-on-leave"
if volc_begin "$CASE" --bug no-stop-on-leave; then
  expect_drive OK leaveRoom
  sleep 0.3
  journal_has s1 '"volc.api.StopVoiceChat" not in kinds and ops[-1] == "leave"' "left without StopVoiceChat"
  case_end
fi

CASE="--no-action (volc)"
if [[ $VOLC_MOCK -eq 1 ]] && RC_DIALECT=volc case_begin "$CASE" --no-action commandAgent; then
  hello=$(api GET /drivers)
  jtrue "$hello" '"commandAgent" not in d[0]["hello"]["actions"] and len(d[0]["hello"]["actions"]) == 9' \
    && ok "$CASE: left out of hello" || bad "$CASE: hello: $hello"
  reply=$(api POST /drivers/d1/drive '{"drive":"commandAgent"}')
  jtrue "$reply" '"did not announce" in d["error"]' && ok "$CASE: parley refuses to drive it" \
    || bad "$CASE: drive commandAgent: $reply"
  case_end
fi

# ---- the command line ----------------------------------------------------------------

CASE="command line"
expect_code() {
  local want=$1 desc=$2
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  [[ $got -eq $want ]] && ok "$CASE: $desc (exit $got)" || bad "$CASE: $desc: exit $got, want $want"
}
expect_code 0 "--version" "$REFCLIENT" --version
expect_code 0 "--list-bugs" "$REFCLIENT" --list-bugs
[[ $(wc -l <"$TMP/out") -eq 37 ]] && ok "$CASE: 37 bugs listed" || bad "$CASE: --list-bugs: $(wc -l <"$TMP/out") lines"
expect_code 0 "--self-test (the TC3, callback Sign and V4 vectors)" "$REFCLIENT" --self-test
grep -q '^ok   v4 python headers' "$TMP/out" && grep -q '^ok   v4 node headers' "$TMP/out" &&
  ! grep -q '^FAIL' "$TMP/out" && ok "$CASE: the V4 vectors of volc.md §1.2 (python and node header sets)" ||
  bad "$CASE: --self-test: $(grep -E '^(FAIL|ok   v4)' "$TMP/out" | tr '\n' ' ')"
expect_code 0 "--help" "$REFCLIENT" --help
expect_code 2 "unknown bug" "$REFCLIENT" --driver ws://127.0.0.1:1/x --bug no-such-bug
grep -q 'no-mute-on-enable' "$TMP/err" && ok "$CASE: unknown bug lists the bugs" || bad "$CASE: unknown bug: $(cat "$TMP/err")"
expect_code 2 "unknown --no-action" "$REFCLIENT" --driver ws://127.0.0.1:1/x --no-action fly
expect_code 2 "no driver URL" env -u PARLEY_DRIVER_URL "$REFCLIENT"
expect_code 2 "bridge URL without user=" "$REFCLIENT" --driver ws://127.0.0.1:1/x --url 'ws://127.0.0.1:1/aicall/room?room=r'
expect_code 2 "trtc URL without room=" "$REFCLIENT" --driver ws://127.0.0.1:1/x --url 'ws://127.0.0.1:1/trtc/room?user=u'
expect_code 2 "an aicall action left out of a trtc app" "$REFCLIENT" --driver ws://127.0.0.1:1/x \
  --url 'ws://127.0.0.1:1/trtc/room?room=r&user=u' --no-action call
expect_code 2 "volc URL without room=" "$REFCLIENT" --driver ws://127.0.0.1:1/x --url 'ws://127.0.0.1:1/volc/room?user=u'
expect_code 2 "a trtc action left out of a volc app" "$REFCLIENT" --driver ws://127.0.0.1:1/x \
  --url 'ws://127.0.0.1:1/volc/room?room=r&user=u' --no-action enterRoom
expect_code 2 "stray argument" "$REFCLIENT" --driver ws://127.0.0.1:1/x extra
expect_code 3 "nobody listening on the driver URL" "$REFCLIENT" --driver ws://127.0.0.1:1/_parley/driver
expect_code 3 "a bailian URL needs no user= (then: nobody listening)" "$REFCLIENT" \
  --driver ws://127.0.0.1:1/_parley/driver --url 'ws://127.0.0.1:1/api-ws/v1/inference?parley_session=s1'

CASE="--no-action"
if case_begin "$CASE" --no-action pushToTalkButton --no-action reconnect --no-action startVideoStream; then
  hello=$(api GET /drivers)
  jtrue "$hello" '"pushToTalkButton" not in d[0]["hello"]["actions"] and "reconnect" not in d[0]["hello"]["actions"] and "startVideoStream" not in d[0]["hello"]["actions"] and len(d[0]["hello"]["actions"]) == 44 and d[0]["hello"]["dialects"] == ["aicall", "bailian"]' \
    && ok "$CASE: left out of hello" || bad "$CASE: hello: $hello"
  reply=$(api POST /drivers/d1/drive '{"drive":"reconnect"}')
  jtrue "$reply" '"did not announce" in d["error"]' && ok "$CASE: parley refuses to drive it" \
    || bad "$CASE: drive reconnect: $reply"
  case_end
fi

CASE="--no-action (trtc)"
if RC_DIALECT=trtc case_begin "$CASE" --no-action getState --no-action interrupt; then
  hello=$(api GET /drivers)
  jtrue "$hello" '"getState" not in d[0]["hello"]["actions"] and "interrupt" not in d[0]["hello"]["actions"] and len(d[0]["hello"]["actions"]) == 9' \
    && ok "$CASE: left out of hello" || bad "$CASE: hello: $hello"
  case_end
fi

echo "$PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
