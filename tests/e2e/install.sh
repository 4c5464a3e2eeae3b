#!/usr/bin/env bash
# install.sh — `cmake --install` puts parley, the schemas and the scenarios under a
# prefix; the installed parley finds its catalog relative to itself, even after the
# prefix is moved, and not from the source tree.
source "$(dirname "$0")/lib/common.bash"
expect_exit 0 "cmake --install" cmake --install "$PARLEY_BUILD" --prefix "$TMP/p"
mv "$TMP/p" "$TMP/q"
P=$TMP/q/bin/parley
[[ -x $P ]] && ok "bin/parley installed" || bad "bin/parley missing"
[[ -f $TMP/q/share/parley/schemas/meta/draft-07.json ]] && ok "meta-schema installed" || bad "meta-schema missing"
[[ -f $TMP/q/share/parley/schemas/aicall/1105.json ]] && ok "aicall catalog installed" || bad "aicall catalog missing"
expect_exit 0 "installed parley lists aicall kinds" env -u PARLEY_SCHEMAS "$P" list kinds --dialect aicall
echo '{"type":1105,"data":{"enable":"yes"}}' >"$TMP/m.json"
expect_exit 1 "installed parley validates against installed schemas" env -u PARLEY_SCHEMAS "$P" validate --schema "$TMP/q/share/parley/schemas/aicall/1105.json" "$TMP/m.json"
expect_grep "$TMP/out" '/data/enable: expected boolean, got string' "error names /data/enable"
rm "$TMP/q/share/parley/schemas/aicall/catalog.json"
expect_exit 2 "it reads the installed catalog, not the source tree's" env -u PARLEY_SCHEMAS "$P" list kinds --dialect aicall
finish
