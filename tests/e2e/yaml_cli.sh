#!/usr/bin/env bash
# yaml_cli.sh — `parley validate --yaml` on malformed input: every fixture of
# tests/data/yaml/bad/expected.txt gives "file:line:col: message" at the listed
# position and exit 2, never a crash; so do generated hostile inputs (truncation,
# 10 MB of nesting, invalid UTF-8, an alias bomb). Good fixtures print their JSON.
source "$(dirname "$0")/lib/common.bash"
BAD=tests/data/yaml/bad
while IFS=$'\t' read -r name pos msg; do
  [[ -z $name || $name == \#* ]] && continue
  expect_exit 2 "bad/$name" "$PARLEY" validate --yaml "$BAD/$name"
  expect_grep "$TMP/err" "^$BAD/$name:$pos: .*$(printf '%s' "$msg" | sed 's/[][\.*^$(){}+?|/]/\\&/g')" "bad/$name says $pos: $msg"
done <"$BAD/expected.txt"

for f in tests/data/yaml/good/*.yaml; do
  expect_exit 0 "good/$(basename "$f")" "$PARLEY" validate --yaml "$f"
  # Numbers compare with a relative tolerance of 1e-15: cJSON prints 15 significant
  # digits whenever they read back within its epsilon, so 2^53 prints as …990 (docs/yaml.md).
  python3 -c '
import json, math, sys
def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool): return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)): return math.isclose(a, b, rel_tol=1e-15)
    if isinstance(a, dict): return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list): return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return a == b
sys.exit(not same(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))))' \
    "$TMP/out" "${f%.yaml}.json" && ok "good/$(basename "$f") prints the expected JSON" \
    || bad "good/$(basename "$f"): JSON differs from ${f%.yaml}.json"
done

# Every prefix of a real scenario-like file: loads or fails with a position, never crashes.
src=tests/data/yaml/good/scenario.yaml
size=$(wc -c <"$src")
crashes=0
for ((i = 1; i < size; i += 7)); do
  head -c "$i" "$src" >"$TMP/trunc.yaml"
  "$PARLEY" validate --yaml "$TMP/trunc.yaml" >/dev/null 2>"$TMP/err"
  rc=$?
  if [[ $rc -ne 0 && ( $rc -ne 2 || -z $(grep -E "^$TMP/trunc.yaml:[0-9]+:[0-9]+: " "$TMP/err") ) ]]; then
    crashes=$((crashes + 1)); echo "     prefix $i: exit $rc"; head -3 "$TMP/err"
  fi
done
[[ $crashes -eq 0 ]] && ok "every truncation of scenario.yaml loads or says file:line:col (exit 2)" \
  || bad "$crashes truncations crashed or gave no position"

python3 -c 'import sys; sys.stdout.write("[" * (10 * 1024 * 1024))' >"$TMP/deep-flow.yaml"
expect_exit 2 "10 MB of [ nesting" "$PARLEY" validate --yaml "$TMP/deep-flow.yaml"
expect_grep "$TMP/err" "deep-flow\.yaml:1:[0-9]+: .*nesting deeper than" "10 MB of [ gives the depth error with a position"
python3 -c '
import sys
out = sys.stdout
for i in range(300): out.write(" " * i + "- \n")' >"$TMP/deep-block.yaml"
expect_exit 2 "deep block nesting" "$PARLEY" validate --yaml "$TMP/deep-block.yaml"
expect_grep "$TMP/err" "deep-block\.yaml:[0-9]+:[0-9]+: .*nesting deeper than" "deep block nesting gives the depth error"
printf 'id: caf\xe9\nsteps: []\n' >"$TMP/latin1.yaml"
expect_exit 2 "invalid UTF-8" "$PARLEY" validate --yaml "$TMP/latin1.yaml"
expect_grep "$TMP/err" "latin1\.yaml:1:[0-9]+: " "invalid UTF-8 has a position"
printf 'id: x\n\tsteps: []\n' >"$TMP/tab.yaml"
expect_exit 2 "tab indentation" "$PARLEY" validate --yaml "$TMP/tab.yaml"
expect_grep "$TMP/err" "tab\.yaml:2:1: " "tab indentation at 2:1"
{
  echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
  prev=a
  for l in b c d e f g h i j; do echo "$l: &$l [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"; prev=$l; done
} >"$TMP/bomb.yaml"
expect_exit 2 "alias bomb" "$PARLEY" validate --yaml "$TMP/bomb.yaml"
expect_grep "$TMP/err" "bomb\.yaml:[0-9]+:[0-9]+: " "alias bomb stops with a position"
expect_exit 2 "missing file" "$PARLEY" validate --yaml "$TMP/none.yaml"
expect_grep "$TMP/err" "none\.yaml" "missing file is named"
finish
