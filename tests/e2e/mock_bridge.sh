#!/usr/bin/env bash
# mock_bridge.sh — real-peer end-to-end tests of `parley mock`: a Node.js client built on
# the `ws` library (tests/node/bridge.mjs) runs every case file in tests/data/bridge/
# against one mock (room bridge, admin API, driver channel); then the mock is stopped with
# SIGINT and its outputs are checked: exit 0, the trace is valid JSONL holding the
# findings, partial and oversize records, and the --junit report validates against the
# Jenkins XSD with each session's expected verdict (the "junit" map of a case's
# {"case":…} line: room → first must-level rule, or "pass"). The cases in
# tests/data/bridge/limits/ run on a second mock started with the profile beside them.
# Node and ws come from scripts/setup; their absence is a failure, not a skip.
source "$(dirname "$0")/lib/common.bash"

CASES=(tests/data/bridge/*.jsonl)
MOCK_PID=
trap '[[ -n $MOCK_PID ]] && kill -INT "$MOCK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

if ! command -v node >/dev/null 2>&1; then
  bad "node is not installed: run scripts/setup (it installs nodejs and npm)"
  finish; exit
fi
if [[ ! -f tests/node/node_modules/ws/package.json ]]; then
  bad "tests/node/node_modules/ws is missing: run scripts/setup (npm ci --prefix tests/node)"
  finish; exit
fi

# start_mock NAME ARGS... — parley mock --port 0 ARGS in the background; sets MOCK_PID, port.
start_mock() {
  local name=$1
  shift
  "$PARLEY" mock --port 0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  MOCK_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$TMP/$name.out" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/$name.out")
  if [[ -z $port ]]; then
    bad "$name: the mock did not print 'listening on 127.0.0.1:PORT'"
    sed 's/^/     err: /' "$TMP/$name.err" | head -20
    finish; exit
  fi
  ok "$name: mock listening on port $port"
}

# stop_mock NAME — SIGINT, then the exit status must be 0.
stop_mock() {
  kill -INT "$MOCK_PID"
  wait "$MOCK_PID"
  local rc=$?
  MOCK_PID=
  if [[ $rc -eq 0 ]]; then ok "$1: SIGINT stops the mock (exit 0)"; else
    bad "$1: mock exit $rc after SIGINT"; sed 's/^/     err: /' "$TMP/$1.err" | tail -20
  fi
}

# run_cases FILE... — each case file in its own node run, so one cannot hide another.
run_cases() {
  local f name
  for f in "$@"; do
    name=$(basename "$f" .jsonl)
    if node tests/node/bridge.mjs --port "$port" "$f" >"$TMP/case.out" 2>&1; then
      ok "case $name: $(tail -n 1 "$TMP/case.out")"
    else
      bad "case $name"
      grep -v '^ok ' "$TMP/case.out" | sed 's/^/     | /' | head -40
    fi
  done
}

start_mock mock --trace "$TMP/trace.jsonl" --junit "$TMP/junit.xml"

run_cases "${CASES[@]}"

# The expected verdict per room, from the case files' {"case":…,"junit":{…}} lines.
python3 - "${CASES[@]}" >"$TMP/expected.json" <<'PY'
import json, sys
want = {}
for path in sys.argv[1:]:
    for line in open(path):
        line = line.strip()
        if line.startswith("{") and '"case"' in line:
            want.update(json.loads(line).get("junit", {}))
print(json.dumps(want))
PY

# The sessions the cases opened are listed by the admin API with their must findings.
python3 - "$port" "$TMP/expected.json" <<'PY' && ok "admin API lists every case's session with its findings" || bad "admin API sessions"
import json, sys, urllib.request
port, want = sys.argv[1], json.load(open(sys.argv[2]))
doc = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/_parley/sessions", timeout=10))
rooms = {}
for s in doc["sessions"]:
    rooms.setdefault(s.get("room"), []).append(s)
for room, rule in want.items():
    assert room in rooms, f"no session for room {room}"
    for s in rooms[room]:
        must = s["findings"]["must"]
        assert (must == 0) == (rule == "pass"), f"{room}: {must} must findings, want {rule}"
        if rule != "pass":
            fs = json.load(urllib.request.urlopen(
                f"http://127.0.0.1:{port}/_parley/sessions/{s['id']}/findings", timeout=10))
            assert rule in [f["rule"] for f in fs], f"{room}: {rule} not in {fs}"
PY

stop_mock mock

python3 - "$TMP/trace.jsonl" "$TMP/expected.json" <<'PY' && ok "trace: valid JSONL with the findings, partial, oversize and close records" || bad "trace content"
import json, sys
recs = []
for i, line in enumerate(open(sys.argv[1]), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        raise SystemExit(f"trace line {i} is not JSON: {e}: {line[:200]}")
want = json.load(open(sys.argv[2]))
evs = {r.get("ev") for r in recs}
assert recs[0]["ev"] == "start" and recs[-1]["ev"] == "stop", (recs[0], recs[-1])
for ev in ("open", "event", "msg", "room", "frame", "finding", "partial", "oversize", "behaviour",
           "callback", "closing", "close", "driver", "http", "ws_rejected"):
    assert ev in evs, f"no {ev} record in the trace"
rules = {r["rule"] for r in recs if r.get("ev") == "finding"}
for rule in set(want.values()) - {"pass"}:
    assert rule in rules, f"finding {rule} not in the trace"
assert any(r.get("ev") == "close" and r.get("code") == 1006 for r in recs), "no 1006 close"
PY

if xmllint --noout --schema tests/data/junit/jenkins-junit.xsd "$TMP/junit.xml" 2>"$TMP/xmllint.err"; then
  ok "--junit validates against jenkins-junit.xsd"
else
  bad "--junit does not validate"; sed 's/^/     | /' "$TMP/xmllint.err" | head -20
fi
python3 - "$TMP/junit.xml" "$TMP/expected.json" <<'PY' && ok "--junit: one testcase per session, the expected failures and passes" || bad "--junit content"
import json, re, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
want = json.load(open(sys.argv[2]))
cases = list(root.iter("testcase"))
assert cases, "no testcase"
seen = set()
for tc in cases:
    m = re.match(r"s\d+ room=(\S+) user=", tc.get("name"))
    assert m and tc.get("classname") == "aicall.mock", tc.attrib
    room = m.group(1)
    if room not in want:
        continue
    seen.add(room)
    f = tc.find("failure")
    got = f.get("type") if f is not None else "pass"
    assert got == want[room], f"{tc.get('name')}: {got}, want {want[room]}"
    if f is not None:
        assert want[room] in (f.text or ""), f"{room}: failure body lacks {want[room]}"
assert seen == set(want), f"no testcase for rooms {set(want) - seen}"
PY
# Limits: the case files of tests/data/bridge/limits/ on a second mock with their profile.
start_mock limits --profile tests/data/bridge/limits/profile.yaml
run_cases tests/data/bridge/limits/*.jsonl
stop_mock limits
finish
