#!/usr/bin/env bash
# run_volc.sh — the volc suite against the reference client: every scenario passes and the
# JUnit report is valid; every room message on the wire (trace) is a well-formed TLV whose
# length field equals the bytes that follow (protocols/volc.md §2.1), except the frames the
# malformed-message scenarios craft on purpose.
source "$(dirname "$0")/lib/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
XSD=tests/data/junit/jenkins-junit.xsd
SCALE=${PARLEY_TIMEOUT_SCALE:-3}

"$PARLEY" run --list scenarios/volc >"$TMP/list" 2>"$TMP/err"
n=$(wc -l <"$TMP/list")
[[ $n -ge 20 ]] && ok "the volc suite lists $n scenarios" || bad "only $n scenarios listed"
expect_exit 0 "volc suite against the reference client" \
  "$PARLEY" run --client "$REFCLIENT" --jobs 6 --timeout-scale "$SCALE" \
  --junit "$TMP/pass.xml" --trace "$TMP/pass.jsonl" scenarios/volc
passed=$(grep -cE '^\[[0-9]+/[0-9]+\] [^ ]+ PASS ' "$TMP/out")
[[ $passed -eq $n ]] && ok "all $n pass" || { bad "$passed of $n passed"; grep -vE ' PASS ' "$TMP/out" | head -40; }
if xmllint --noout --schema "$XSD" "$TMP/pass.xml" 2>"$TMP/xsd"; then ok "JUnit valid"; else
  bad "JUnit invalid"; head "$TMP/xsd"; fi

python3 - "$TMP/pass.jsonl" >"$TMP/tlv" <<'PY'
import base64, json, struct, sys
good = bad = 0
magics = set()
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("ev") != "msg" or not r.get("kind", "").startswith("volc.") or "b64" not in r:
        continue
    b = base64.b64decode(r["b64"])
    if len(b) < 8:
        bad += 1
        continue
    magic, length = b[:4].decode("latin1"), struct.unpack(">I", b[4:8])[0]
    if magic == "xyzw" or length == 999 or b[8:9] == b"{" and b[9:10] == b"n":
        continue  # crafted on purpose (scenarios/volc/messages.yaml)
    try:
        json.loads(b[8:].decode("utf-8"))
        ok = length == len(b) - 8
    except ValueError:
        ok = False
    magics.add(magic)
    good, bad = good + ok, bad + (not ok)
print(good, bad, " ".join(sorted(magics)))
PY
read -r good badn magics <"$TMP/tlv"
[[ ${good:-0} -ge 50 && ${badn:-1} -eq 0 ]] && ok "$good room messages are well-formed TLVs ($magics)" ||
  bad "TLVs on the wire: $good good, $badn bad"
for m in subv conv tool func ctrl; do
  [[ " $magics " == *" $m "* ]] && ok "the suite exchanged $m messages" || bad "no $m message in the suite"
done
finish
