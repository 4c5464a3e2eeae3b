# run_bugs.bash — the body of run_bugs_1.sh and run_bugs_2.sh (two shards so ctest can run
# them side by side): for each --bug flag of the reference client in
# tests/data/refclient/bugs.tsv, the aicall suite exits 1 and exactly the listed scenario
# ids fail, each failure naming a rule or a step.
# Needs SHARD (1 or 2, of SHARDS, default 2) set by the caller; BUGS (the table, default
# tests/data/refclient/bugs.tsv) and SUITE (default scenarios/aicall) may be set too.
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
REFCLIENT=${PARLEY_BUILD:-build}/refclient
BUGS=${BUGS:-tests/data/refclient/bugs.tsv}
SUITE=${SUITE:-scenarios/aicall}
SHARDS=${SHARDS:-2}
SCALE=${PARLEY_TIMEOUT_SCALE:-3}
i=0
while IFS=$'\t' read -r flag want; do
  [[ -z "$flag" || "$flag" == \#* ]] && continue
  i=$((i + 1))
  (( i % SHARDS + 1 == SHARD )) || continue
  "$PARLEY" run --client "$REFCLIENT --bug $flag" --jobs 8 --timeout-scale "$SCALE" \
    --junit "$TMP/$flag.xml" "$SUITE" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [[ $rc -eq 1 ]]; then ok "--bug $flag: exit 1"; else bad "--bug $flag: exit $rc, want 1"; tail -5 "$TMP/err"; fi
  got=$(grep -E '^\[[0-9]+/[0-9]+\] [^ ]+ (FAIL|ERROR) ' "$TMP/out" | awk '{print $2}' | LC_ALL=C sort | tr '\n' ' ')
  got=${got% }
  want=$(tr ' ' '\n' <<<"$want" | LC_ALL=C sort | tr '\n' ' ')
  want=${want% }
  if [[ "$got" == "$want" ]]; then ok "--bug $flag fails exactly: $want"; else
    bad "--bug $flag: failing ids differ"
    echo "     want: $want"
    echo "     got:  $got"
    # the cases that failed but should not have, with their first lines (CI shows this only)
    for id in $(comm -13 <(tr ' ' '\n' <<<"$want") <(tr ' ' '\n' <<<"$got")); do
      awk -v id="$id" '/^\[[0-9]+\/[0-9]+\] / { cur = ($2 == id); n = 0 } cur && n++ < 14' "$TMP/out" |
        sed 's/^/     | /'
    done
  fi
  # Every <failure> names the violated rule (type = rule id) or the step ("step N (...)").
  unnamed=$(grep -o '<failure message="[^"]*" type="[^"]*"' "$TMP/$flag.xml" |
    grep -vE 'type="[a-z]+\.[a-z0-9_.]+"|message="step [0-9]+ \(' | head -3)
  if [[ -z "$unnamed" ]]; then ok "--bug $flag: each failure names its rule or step"; else
    bad "--bug $flag: a failure names neither rule nor step: $unnamed"; fi
done <"$BUGS"
finish
