#!/usr/bin/env bash
# run_bailian.sh — the bailian suite against the reference client: every scenario passes and
# the JUnit report is valid; the client-role suite passes against this run's own mock
# (--target self); the LiveAI frames the refclient streams are real JPEGs at about 2 fps.
source "$(dirname "$0")/lib/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
XSD=tests/data/junit/jenkins-junit.xsd
SCALE=${PARLEY_TIMEOUT_SCALE:-3}

"$PARLEY" run --list scenarios/bailian >"$TMP/list" 2>"$TMP/err"
n=$(wc -l <"$TMP/list")
[[ $n -ge 35 ]] && ok "the bailian suite lists $n scenarios" || bad "only $n scenarios listed"
expect_exit 0 "bailian suite against the reference client" \
  "$PARLEY" run --client "$REFCLIENT" --jobs 6 --timeout-scale "$SCALE" \
  --junit "$TMP/pass.xml" --trace "$TMP/pass.jsonl" scenarios/bailian
passed=$(grep -cE '^\[[0-9]+/[0-9]+\] [^ ]+ PASS ' "$TMP/out")
[[ $passed -eq $n ]] && ok "all $n pass" || { bad "$passed of $n passed"; grep -vE ' PASS ' "$TMP/out" | head -40; }
if xmllint --noout --schema "$XSD" "$TMP/pass.xml" 2>"$TMP/xsd"; then ok "JUnit valid"; else
  bad "JUnit invalid"; head "$TMP/xsd"; fi

# The frames on the wire (trace): base64 JPEGs under 180 KB, about 500 ms apart.
python3 - "$TMP/pass.jsonl" >"$TMP/frames" <<'PY'
import base64, json, sys
times, sizes, jpeg = [], [], 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("ev") != "msg" or r.get("kind") != "bailian.UpdateInfo" or "text" not in r:
        continue
    m = json.loads(r["text"])
    for img in m.get("payload", {}).get("parameters", {}).get("images", []):
        if img.get("type") == "base64":
            b = base64.b64decode(img["value"])
            sizes.append(len(b)); jpeg += b[:3] == b"\xff\xd8\xff"
print(len(sizes), jpeg, max(sizes) if sizes else 0)
PY
read -r frames jpegs biggest <"$TMP/frames"
[[ $frames -ge 20 ]] && ok "$frames LiveAI frames in the trace" || bad "only $frames frames"
[[ $jpegs -eq $frames ]] && ok "every frame is a JPEG" || bad "$jpegs of $frames frames are JPEGs"
[[ $biggest -le 185344 ]] && ok "largest frame $biggest bytes" || bad "largest frame $biggest bytes"

expect_exit 0 "client-role suite against this run's own mock (--target self)" \
  "$PARLEY" run --target self --jobs 4 --timeout-scale "$SCALE" scenarios/bailian-server
finish
