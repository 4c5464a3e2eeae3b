#!/usr/bin/env bash
# catalog_trtc.sh — every trtc sample message against its catalog schema via
# `parley validate --schema`, driven by the table tests/data/trtc/expected.tsv:
#   <sample path>  <schema file>  valid|invalid  <instance path of the expected error>
# A valid sample must exit 0; an invalid one must exit 1 and name that instance path
# ("" = the message itself, printed "(root)"). Every schema must also pass the draft-07 meta-schema
# check (an invalid schema would exit 2), every catalog entry must name a schema file that
# exists, and every kind of the catalog must have at least one valid sample. The JSON-in-string
# LLMConfig/TTSConfig of the valid Start/Update samples are checked against LLMConfig.json /
# TTSConfig.json the way the cloud checks them (a sample named *_badconfig_llm_* / *_badconfig_tts_*
# is a valid request whose LLMConfig / TTSConfig string must fail there).
source "$(dirname "$0")/lib/common.bash"
DATA=tests/data/trtc
SCHEMAS=schemas/trtc
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
[[ $n -ge 90 ]] && ok "$n samples in the table" || bad "only $n samples in the table"
ninvalid=$(grep -c $'\tinvalid\t' "$DATA/expected.tsv")
[[ $ninvalid -ge 40 ]] && ok "$ninvalid invalid samples" || bad "only $ninvalid invalid samples"
# Every sample file is in the table (no forgotten sample).
for f in "$DATA"/samples/valid/*.json "$DATA"/samples/invalid/*.json; do
  rel=${f#"$DATA"/}
  grep -q "^$rel"$'\t' "$DATA/expected.tsv" && ok "$rel is in the table" || bad "$rel is not in expected.tsv"
done

# The configs inside the Start/Update requests, as the cloud sees them (JSON text in a string).
for f in "$DATA"/samples/valid/api.StartAIConversation_*.json "$DATA"/samples/valid/api.UpdateAIConversation_*.json; do
  for cfg in LLMConfig TTSConfig; do
    jq -e --arg k "$cfg" 'has($k)' "$f" >/dev/null || continue
    jq -r --arg k "$cfg" '.[$k]' "$f" >"$TMP/cfg.json"
    low=${cfg:0:3}
    if [[ $f == *_badconfig_${low,,}_* ]]; then
      expect_exit 1 "$(basename "$f"): its $cfg string is rejected by $cfg.json" \
        "$PARLEY" validate --schema "$SCHEMAS/$cfg.json" "$TMP/cfg.json"
    else
      expect_exit 0 "$(basename "$f"): its $cfg string is a valid $cfg" \
        "$PARLEY" validate --schema "$SCHEMAS/$cfg.json" "$TMP/cfg.json"
    fi
  done
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
  [[ $file == "${kind#trtc.}.json" ]] && ok "$kind: file named after the kind" || bad "$kind: file $file, want ${kind#trtc.}.json"
  [[ $dir == client-\>agent || $dir == agent-\>client ]] && ok "$kind: direction $dir" || bad "$kind: direction '$dir'"
  stem=${file%.json}
  grep -qF "samples/valid/${stem}_" "$DATA/expected.tsv" && ok "kind $kind has a valid sample" || bad "kind $kind has no valid sample"
  for k in name meaning source; do
    jq -e --arg kind "$kind" --arg k "$k" '.[] | select(.kind == $kind) | .[$k] | strings | length > 0' \
      "$SCHEMAS/catalog.json" >/dev/null && ok "$kind: has $k" || bad "$kind: no $k"
  done
done <<<"$kinds"
[[ $nk -eq 34 ]] && ok "34 kinds in the catalog" || bad "$nk kinds in the catalog, want 34"
dups=$(jq -r '.[].kind' "$SCHEMAS/catalog.json" | sort | uniq -d)
[[ -z $dups ]] && ok "no duplicate kind" || bad "duplicate kinds: $dups"
# The kinds the spec fixes (docs/dev/trtc-spec.md) are all there.
for want in 10000 10001 10002 10020 10030 20000 20001 legacy \
  api.{Start,Stop,Describe,Control,Update}AIConversation api.{Start,Stop,Describe,Control,Update}AIConversation.response \
  api.error callback.{901,902,903,904,905,906,908,909} callback.answer llm.request llm.answer tts.request tts.answer \
  LLMConfig TTSConfig; do
  jq -e --arg k "trtc.$want" 'any(.[]; .kind == $k)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "trtc.$want is in the catalog" || bad "trtc.$want is missing from the catalog"
done
# Every per-kind schema file is in the catalog (the shared ones are not kinds).
for s in "$SCHEMAS"/*.json; do
  f=$(basename "$s")
  case $f in catalog.json | envelope.json | callback.json | api.json) continue ;; esac
  jq -e --arg f "$f" 'any(.[]; .schema == $f)' "$SCHEMAS/catalog.json" >/dev/null &&
    ok "$f is in the catalog" || bad "$f is not in the catalog"
done
finish
