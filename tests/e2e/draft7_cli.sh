#!/usr/bin/env bash
# draft7_cli.sh — `parley validate --schema` agrees with every required case of the
# official JSON Schema draft-07 suite (Debian json-schema-test-suite): each case's
# schema and instance are written to files and the CLI must exit 0 for valid and 1
# for invalid. Excluded as the issue allows: refRemote.json (needs a remote server)
# and optional/. Nothing else is skipped.
source "$(dirname "$0")/lib/common.bash"
SUITE=/usr/share/json-schema-test-suite/tests/draft7
if [[ ! -d $SUITE ]]; then
  bad "$SUITE missing: run scripts/setup (package json-schema-test-suite)"
  finish; exit
fi
python3 - "$PARLEY" "$SUITE" "$TMP" <<'PY'
import glob, json, os, subprocess, sys
parley, suite, tmp = sys.argv[1:4]
cases = passed = 0
failures = []
for path in sorted(glob.glob(os.path.join(suite, "*.json"))):
    if os.path.basename(path) == "refRemote.json":
        continue
    for g, group in enumerate(json.load(open(path))):
        schema = os.path.join(tmp, "schema.json")
        with open(schema, "w") as f:
            json.dump(group["schema"], f)
        for t, test in enumerate(group["tests"]):
            cases += 1
            inst = os.path.join(tmp, "instance.json")
            with open(inst, "w") as f:
                json.dump(test["data"], f)
            r = subprocess.run([parley, "validate", "--schema", schema, inst],
                               capture_output=True, text=True)
            want = 0 if test["valid"] else 1
            if r.returncode == want:
                passed += 1
            else:
                failures.append(f"{os.path.basename(path)} / {group['description']} / "
                                f"{test['description']}: exit {r.returncode}, want {want}\n"
                                f"    {r.stdout.strip()} {r.stderr.strip()}")
for f in failures[:40]:
    print("FAIL", f)
print(f"draft7 via the CLI: {cases} cases, {passed} agree, {len(failures)} disagree")
sys.exit(1 if failures or cases < 400 else 0)
PY
[[ $? -eq 0 ]] && ok "CLI agrees with every draft7 case" || bad "CLI disagrees with the draft7 suite"
finish
