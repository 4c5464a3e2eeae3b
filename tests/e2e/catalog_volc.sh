#!/usr/bin/env bash
# catalog_volc.sh — every volc sample message against its catalog schema via
# `parley validate --schema`, driven by the table tests/data/volc/expected.tsv:
#   <sample path>  <schema file>  valid|invalid  <instance path of the expected error>
# A valid sample must exit 0; an invalid one must exit 1 and name that instance path
# ("" = the message itself, printed "(root)"). Every schema must also pass the draft-07 meta-schema
# check (an invalid schema would exit 2), every catalog entry must name a schema file that
# exists, and every kind of the catalog must have at least one valid sample. The samples of the
# room kinds carry the decoded TLV ({magic, length, value}): a valid one's length must be the
# byte count of its value as sent (compact JSON, or the text of the text form; *_pretty_* samples
# were sent pretty-printed).
# The valid server-message records (callback.message) must carry in body.message the base64 of
# exactly the TLV they show beside it (magic, header length, value).
source "$(dirname "$0")/lib/common.bash"
DATA=tests/data/volc
SCHEMAS=schemas/volc
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
[[ $n -ge 200 ]] && ok "$n samples in the table" || bad "only $n samples in the table"
ninvalid=$(grep -c $'\tinvalid\t' "$DATA/expected.tsv")
[[ $ninvalid -ge 120 ]] && ok "$ninvalid invalid samples" || bad "only $ninvalid invalid samples"
# Every sample file is in the table (no forgotten sample).
for f in "$DATA"/samples/valid/*.json "$DATA"/samples/invalid/*.json; do
  rel=${f#"$DATA"/}
  grep -q "^$rel"$'\t' "$DATA/expected.tsv" && ok "$rel is in the table" || bad "$rel is not in expected.tsv"
done

# Room samples: the header length of a valid one is the size of its value as sent.
for f in "$DATA"/samples/valid/{subv,conv,tool,func,ctrl}_*.json; do
  [[ $f == *_pretty* ]] && continue
  want=$(jq -j -c 'if has("value") then .value else .text end' "$f" | wc -c)
  got=$(jq -r '.length' "$f")
  [[ $got == "$want" ]] && ok "$(basename "$f"): length $got = bytes of the value" ||
    bad "$(basename "$f"): length $got, the value has $want bytes"
done

# Server messages: body.message is base64(magic, uint32 BE length, value) of the record itself.
for f in "$DATA"/samples/valid/callback.message_*.json; do
  b=$(basename "$f")
  jq -r '.body.message' "$f" | base64 -d >"$TMP/tlv" 2>/dev/null || { bad "$b: body.message is not base64"; continue; }
  magic=$(head -c 4 "$TMP/tlv")
  len=$(od -An -tu1 -j4 -N4 "$TMP/tlv" | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
  tail -c +9 "$TMP/tlv" >"$TMP/value.json"
  [[ $magic == "$(jq -r '.magic' "$f")" ]] && ok "$b: TLV magic $magic" || bad "$b: TLV magic '$magic' is not .magic"
  [[ $len == "$(wc -c <"$TMP/value.json" | tr -d ' ')" ]] && ok "$b: TLV length $len = value bytes" ||
    bad "$b: TLV length $len is not the value size"
  if jq -e '.length == null' "$f" >/dev/null || [[ $(jq -r '.length' "$f") == "$len" ]]; then
    ok "$b: record length matches the TLV"
  else
    bad "$b: record length $(jq -r '.length' "$f") is not the TLV's $len"
  fi
  jq -e --slurpfile v "$TMP/value.json" '.value == $v[0]' "$f" >/dev/null &&
    ok "$b: TLV value = .value" || bad "$b: the TLV's value differs from .value"
done

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
  [[ $file == "${kind#volc.}.json" ]] && ok "$kind: file named after the kind" || bad "$kind: file $file, want ${kind#volc.}.json"
  [[ $dir == client-\>agent || $dir == agent-\>client ]] && ok "$kind: direction $dir" || bad "$kind: direction '$dir'"
  stem=${file%.json}
  grep -qF "samples/valid/${stem}_" "$DATA/expected.tsv" && ok "kind $kind has a valid sample" || bad "kind $kind has no valid sample"
  for k in name meaning source; do
    jq -e --arg kind "$kind" --arg k "$k" '.[] | select(.kind == $kind) | .[$k] | strings | length > 0' \
      "$SCHEMAS/catalog.json" >/dev/null && ok "$kind: has $k" || bad "$kind: no $k"
  done
done <<<"$kinds"
[[ $nk -eq 15 ]] && ok "15 kinds in the catalog" || bad "$nk kinds in the catalog, want 15"
dups=$(jq -r '.[].kind' "$SCHEMAS/catalog.json" | sort | uniq -d)
[[ -z $dups ]] && ok "no duplicate kind" || bad "duplicate kinds: $dups"
# The kinds the spec fixes (docs/dev/volc-spec.md, "Message kinds") are all there; the room
# kinds name their magic.
for want in subv conv tool func ctrl api.{Start,Update,Stop}VoiceChat api.legacy.{Start,Update,Stop}VoiceChat \
  api.response api.error callback.message callback.answer; do
  jq -e --arg k "volc.$want" 'any(.[]; .kind == $k)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "volc.$want is in the catalog" || bad "volc.$want is missing from the catalog"
done
for m in subv conv tool func ctrl; do
  jq -e --arg k "volc.$m" --arg m "$m" 'any(.[]; .kind == $k and .magic == $m)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "volc.$m has magic $m" || bad "volc.$m does not name magic $m"
done
# volc.unknown and volc.malformed have no schema (the rules report them).
for k in volc.unknown volc.malformed; do
  jq -e --arg k "$k" 'any(.[]; .kind == $k) | not' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "$k has no catalog entry" || bad "$k must not be in the catalog"
done
# Every per-kind schema file is in the catalog (the shared ones are not kinds).
for s in "$SCHEMAS"/*.json; do
  f=$(basename "$s")
  case $f in catalog.json | tlv.json | api.json) continue ;; esac
  jq -e --arg f "$f" 'any(.[]; .schema == $f)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "$f is in the catalog" || bad "$f is not in the catalog"
done
# parley reads the catalog: `list kinds` shows the 15 kinds.
expect_exit 0 "parley list kinds --dialect volc" "$PARLEY" list kinds --dialect volc
[[ $(grep -c '^volc\.' "$TMP/out") -eq 15 ]] && ok "list kinds shows 15 volc kinds" ||
  bad "list kinds shows $(grep -c '^volc\.' "$TMP/out") volc kinds, want 15"
finish
