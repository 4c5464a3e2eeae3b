# common.bash — helpers for the end-to-end shell tests (sourced, not a test itself).
#
# Each tests/e2e/*.sh is one ctest test; it runs from the source tree with the built
# binary in $PARLEY_BIN. Assertions count; `finish` prints "N passed, N failed" and
# exits non-zero on any failure, so ctest and CI both read it.
set -uo pipefail
PARLEY=${PARLEY_BIN:-build/parley}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PASSED=0
FAILED=0

ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

# expect_exit CODE DESC CMD... — runs CMD, keeps stdout/stderr in $TMP/out, $TMP/err.
expect_exit() {
  local want=$1 desc=$2
  shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"
  local got=$?
  if [[ $got -eq $want ]]; then ok "$desc (exit $got)"; else
    bad "$desc: exit $got, want $want"
    sed 's/^/     out: /' "$TMP/out" | head -20
    sed 's/^/     err: /' "$TMP/err" | head -20
  fi
}

# expect_grep FILE REGEX DESC — FILE ($TMP/out or $TMP/err) has a line matching REGEX.
expect_grep() {
  if grep -Eq -- "$2" "$1"; then ok "$3"; else
    bad "$3: no line matching /$2/ in $(basename "$1")"
    sed 's/^/     | /' "$1" | head -20
  fi
}

# expect_line FILE TEXT DESC — FILE has a line starting with TEXT (no regex).
expect_line() {
  if grep -q -- "^" "$1" && awk -v t="$2" 'index($0, t) == 1 { f = 1 } END { exit !f }' "$1"; then ok "$3"; else
    bad "$3: no line starting with: $2"
    sed 's/^/     | /' "$1" | head -20
  fi
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [[ $FAILED -eq 0 ]]
}
