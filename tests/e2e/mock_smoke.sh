#!/usr/bin/env bash
# mock_smoke.sh — `parley mock`: self-check, trace content, SIGINT/SIGTERM flush,
# port-in-use as a harness error, and 127.0.0.1 as the default interface.
source "$(dirname "$0")/lib/common.bash"

expect_exit 0 "mock --self-check on a free port" "$PARLEY" mock --port 0 --self-check --trace "$TMP/t.jsonl"
expect_grep "$TMP/out" '^self-check: GET /_parley/health -> 200 \{"ok":true' "health answered"
expect_grep "$TMP/out" 'listening on 127\.0\.0\.1:' "listens on 127.0.0.1 by default"
python3 - "$TMP/t.jsonl" <<'PY' && ok "trace: start, http, stop records, seq 1..3, valid JSON lines" || bad "trace content"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["ev"] for r in recs] == ["start", "http", "stop"], recs
assert [r["seq"] for r in recs] == [1, 2, 3]
assert recs[1]["path"] == "/_parley/health" and recs[1]["status"] == 200
assert all(r["ts"].endswith("Z") and len(r["ts"]) == 24 for r in recs)
assert recs[0]["t_us"] <= recs[1]["t_us"] <= recs[2]["t_us"]
PY

for sig in INT TERM; do
  "$PARLEY" mock --port 0 --trace "$TMP/s.jsonl" >"$TMP/mock.out" 2>"$TMP/mock.err" &
  pid=$!
  for _ in $(seq 100); do grep -q 'listening on' "$TMP/mock.out" && break; sleep 0.1; done
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  [[ $rc -eq 0 ]] && ok "SIG$sig stops the mock cleanly (exit 0)" || bad "SIG$sig: exit $rc"
  last=$(tail -n 1 "$TMP/s.jsonl")
  [[ $last == *'"ev":"stop"'* ]] && ok "SIG$sig: trace flushed through the stop record" \
    || bad "SIG$sig: last trace line: $last"
done

# A port in use is a harness error (3) with a clear message.
"$PARLEY" mock --port 0 >"$TMP/m1.out" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$TMP/m1.out" && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/m1.out")
expect_exit 3 "second mock on port $port" "$PARLEY" mock --port "$port"
expect_grep "$TMP/err" "cannot listen on 127\.0\.0\.1:$port" "port in use is named"
kill -INT "$pid"; wait "$pid"
expect_exit 3 "unwritable trace is a harness error" "$PARLEY" mock --port 0 --trace /nonexistent/dir/t.jsonl
expect_exit 3 "TLS with a missing certificate" "$PARLEY" mock --port 0 --cert /nonexistent.pem --key /nonexistent.key
expect_grep "$TMP/err" "TLS: cannot load certificate /nonexistent.pem" "missing certificate is named"
expect_exit 2 "TLS --cert without --key is a usage error" "$PARLEY" mock --port 0 --cert x.pem

# TLS: a self-signed certificate made here; the self-check goes over https.
if openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
     -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1; then
  expect_exit 0 "mock --self-check over TLS" "$PARLEY" mock --port 0 --self-check --cert "$TMP/cert.pem" --key "$TMP/key.pem"
  expect_grep "$TMP/out" 'https://127\.0\.0\.1:[0-9]+/_parley/health' "prints the https URL"
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 1 \
    -keyout "$TMP/key2.pem" -out "$TMP/cert2.pem" >/dev/null 2>&1
  expect_exit 3 "TLS key that does not match the certificate" "$PARLEY" mock --port 0 --cert "$TMP/cert.pem" --key "$TMP/key2.pem"
  expect_grep "$TMP/err" "TLS: (cannot load private key|private key does not match).*mismatch" "key mismatch is named"
  expect_exit 3 "TLS certificate that is not PEM" "$PARLEY" mock --port 0 --cert /etc/hostname --key "$TMP/key.pem"
else
  bad "openssl could not make a test certificate"
fi
finish
