#!/usr/bin/env bash
# catalog_aicall.sh — every aicall sample message against its catalog schema via
# `parley validate --schema`, driven by the table tests/data/aicall/expected.tsv:
#   <sample path>  <schema file>  valid|invalid  <instance path of the expected error>
# A valid sample must exit 0; an invalid one must exit 1 and name that instance path
# ("" = the message itself, printed "(root)"). Every schema must also pass the draft-07 meta-schema
# check (an invalid schema would exit 2).
source "$(dirname "$0")/lib/common.bash"
DATA=tests/data/aicall
n=0
while IFS=$'\t' read -r sample schema verdict path; do
  [[ -z $sample || $sample == \#* ]] && continue
  n=$((n + 1))
  if [[ $verdict == valid ]]; then
    expect_exit 0 "$sample valid against $schema" "$PARLEY" validate --schema "schemas/aicall/$schema" "$DATA/$sample"
  else
    expect_exit 1 "$sample invalid against $schema" "$PARLEY" validate --schema "schemas/aicall/$schema" "$DATA/$sample"
    expect_grep "$TMP/out" "^$DATA/$sample: ${path:-\(root\)}: " "$sample: error at '${path:-(root)}'"
  fi
done <"$DATA/expected.tsv"
[[ $n -ge 100 ]] && ok "$n samples in the table" || bad "only $n samples in the table"
for s in schemas/aicall/[0-9]*.json schemas/aicall/ready_*.json; do
  kind=$(basename "$s" .json)
  grep -q "^valid/${kind}_" "$DATA/expected.tsv" && ok "kind $kind has a valid sample" || bad "kind $kind has no valid sample"
done
finish
