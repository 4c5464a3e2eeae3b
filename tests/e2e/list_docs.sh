#!/usr/bin/env bash
# list_docs.sh — `parley list rules|behaviours|actions|callbacks` print the dialect's own
# tables, and every name they print is documented: rules in docs/rules-<id>.md, behaviours
# in docs/behaviour-<id>.md, actions and callbacks in docs/driver.md. So docs cannot drift
# from the code unnoticed.
source "$(dirname "$0")/lib/common.bash"

check_names_in() { # DOC WHAT, names on stdin
  local missing=0 name
  set -- x "$@"
  while read -r name; do
    [[ -z "$name" ]] && continue
    if ! grep -qF -- "$name" "$2"; then
      bad "$3 $name is not in $2"
      missing=1
    fi
  done
  [[ $missing -eq 0 ]] && ok "every $3 is documented in $2"
}

for what in rules behaviours actions callbacks; do
  expect_exit 0 "list $what --dialect aicall" "$PARLEY" list "$what" --dialect aicall
  n=$(wc -l <"$TMP/out")
  if [[ $n -ge 5 ]]; then ok "list $what: $n rows"; else bad "list $what: only $n rows"; fi
  cp "$TMP/out" "$TMP/$what"
done
awk '{print $1}' "$TMP/rules" | check_names_in docs/rules-aicall.md rule
# behaviours print as aicall.<name>; the doc names them without the prefix
awk '{sub(/^aicall\./, "", $1); print $1}' "$TMP/behaviours" | check_names_in docs/behaviour-aicall.md behaviour
awk '{print "`" $1 "`"}' "$TMP/actions" | check_names_in docs/driver.md action
awk '{print "`" $1 "`"}' "$TMP/callbacks" | check_names_in docs/driver.md callback

expect_exit 2 "list rules for an unknown dialect" "$PARLEY" list rules --dialect nope
expect_exit 2 "list with a stray argument" "$PARLEY" list actions extra
finish
