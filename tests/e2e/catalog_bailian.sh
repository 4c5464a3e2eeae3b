#!/usr/bin/env bash
# catalog_bailian.sh — every bailian sample message against its catalog schema via
# `parley validate --schema`, driven by the table tests/data/bailian/expected.tsv:
#   <sample path>  <schema file>  valid|invalid  <instance path of the expected error>
# A valid sample must exit 0; an invalid one must exit 1 and name that instance path
# ("" = the message itself, printed "(root)"). Every schema must also pass the draft-07 meta-schema
# check (an invalid schema would exit 2), every catalog entry must name a schema file that
# exists, and every kind of the catalog must have at least one valid sample.
source "$(dirname "$0")/lib/common.bash"
DATA=tests/data/bailian
SCHEMAS=schemas/bailian
n=0
while IFS=$'\t' read -r sample schema verdict path; do
  [[ -z $sample || $sample == \#* ]] && continue
  n=$((n + 1))
  if [[ $verdict == valid ]]; then
    expect_exit 0 "$sample valid against $schema" "$PARLEY" validate --schema "$SCHEMAS/$schema" "$DATA/$sample"
  else
    expect_exit 1 "$sample invalid against $schema" "$PARLEY" validate --schema "$SCHEMAS/$schema" "$DATA/$sample"
    expect_grep "$TMP/out" "^$DATA/$sample: ${path:-\(root\)}: " "$sample: error at '${path:-(root)}'"
  fi
done <"$DATA/expected.tsv"
[[ $n -ge 100 ]] && ok "$n samples in the table" || bad "only $n samples in the table"
ninvalid=$(grep -c $'\tinvalid\t' "$DATA/expected.tsv")
[[ $ninvalid -ge 40 ]] && ok "$ninvalid invalid samples" || bad "only $ninvalid invalid samples"

# Each schema file (shared ones too) against the draft-07 meta-schema.
for s in "$SCHEMAS"/*.json; do
  [[ $s == */catalog.json ]] && continue
  expect_exit 0 "$(basename "$s") is a draft-07 schema" "$PARLEY" validate --schema schemas/meta/draft-07.json "$s"
done

# The catalog: one entry per kind, its schema file exists, and the kind has a valid sample.
kinds=$(jq -r '.[] | [.kind, .schema, .direction] | @tsv' "$SCHEMAS/catalog.json") || bad "catalog.json does not parse"
nk=0
while IFS=$'\t' read -r kind file dir; do
  [[ -z $kind ]] && continue
  nk=$((nk + 1))
  [[ -f $SCHEMAS/$file ]] && ok "$kind: $file exists" || bad "$kind: $file missing"
  [[ $dir == client-\>agent || $dir == agent-\>client ]] && ok "$kind: direction $dir" || bad "$kind: direction '$dir'"
  stem=${file%.json}
  grep -q "^valid/${stem}_" "$DATA/expected.tsv" && ok "kind $kind has a valid sample" || bad "kind $kind has no valid sample"
done <<<"$kinds"
[[ $nk -eq 26 ]] && ok "26 kinds in the catalog" || bad "$nk kinds in the catalog, want 26"
dups=$(jq -r '.[].kind' "$SCHEMAS/catalog.json" | sort | uniq -d)
[[ -z $dups ]] && ok "no duplicate kind" || bad "duplicate kinds: $dups"
# Every per-kind schema file is in the catalog (the shared ones are not kinds).
for s in "$SCHEMAS"/*.json; do
  f=$(basename "$s")
  case $f in catalog.json | envelope.json | server.json | image.json) continue ;; esac
  jq -e --arg f "$f" 'any(.[]; .schema == $f)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "$f is in the catalog" || bad "$f is not in the catalog"
done
finish
