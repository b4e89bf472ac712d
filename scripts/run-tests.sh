#!/usr/bin/env bash
# Runs Rift's test tiers and prints one closing line: "Summary: N passed, N failed[, N skipped]".
# Usage: scripts/run-tests.sh [unit] [integration] [fuzz] [all]   (BUILD selects the build folder)
# Environment: FUZZ_SECONDS (default 15) per fuzz target; FUZZ_SEED (default 1, so a CI run repeats the
# same mutations; 0 = random, for exploring); PYTEST_ARGS extra pytest arguments.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD RIFT_BUILD=$PWD/$BUILD
tiers=("$@")
[[ ${#tiers[@]} -eq 0 || " ${tiers[*]} " == *" all "* ]] && tiers=(unit integration fuzz)

passed=0 failed=0 skipped=0
failures=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

run_unit() {
    run_web_unit
    local t out p f
    shopt -s nullglob
    for t in "$BUILD"/tests/test_*; do
        [[ -x $t ]] || continue
        out="$log_dir/$(basename "$t").log"
        CMOCKA_MESSAGE_OUTPUT=stdout timeout 300 "$t" >"$out" 2>&1
        local rc=$?
        cat "$out"
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
        s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -n1)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
        skipped=$((skipped + ${s:-0}))
        if [[ $rc -ne 0 ]]; then
            if [[ -z $f || $f -eq 0 ]]; then failed=$((failed + 1)); fi
            failures+=("unit:$(basename "$t") (exit $rc)")
        fi
    done
}

# The portal's Vitest unit tests (web/test), counted with the unit tier.
run_web_unit() {
    local json=$log_dir/web-unit.json p f
    [[ -f web/package.json ]] || return 0
    if ! scripts/npm-install.sh web >"$log_dir/web-npm.log" 2>&1; then
        failed=$((failed + 1)); failures+=("web unit: npm dependencies (see $log_dir/web-npm.log)"); return
    fi
    rm -f "$json"
    (cd web && timeout 300 ./node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile="$PWD/../$json")
    read -r p f < <(node -e 'try { const r = require(process.argv[1]); console.log(r.numPassedTests, r.numFailedTests); } catch { console.log(0, 1); }' "$PWD/$json")
    passed=$((passed + p)); failed=$((failed + f))
    [[ $f -eq 0 ]] || failures+=("web unit (vitest)")
}

run_integration() {
    local xml=$log_dir/integration.xml rc
    [[ -d tests/integration ]] || return 0
    /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$xml" ${PYTEST_ARGS:-} tests/integration
    rc=$?
    if [[ $rc -eq 5 ]]; then return 0; fi  # no tests collected yet
    if [[ -f $xml ]]; then
        read -r p f s < <(/usr/bin/python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
sk = sum(int(s.get("skipped", 0)) for s in suites)
print(t - f - sk, f, sk)
PY
)
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    fi
    if [[ $rc -ne 0 ]]; then
        failures+=("integration (pytest exit $rc)")
        [[ ${f:-0} -gt 0 ]] || failed=$((failed + 1))
    fi
}

run_fuzz() {
    local secs=${FUZZ_SECONDS:-15} t name corpus work rc
    # -k: a target that does not build is one failure; the targets that do build still run.
    if ! make -k --no-print-directory BUILD="$BUILD" fuzz >"$log_dir/fuzz-build.log" 2>&1; then
        grep -E 'error|Error' "$log_dir/fuzz-build.log" | grep -vE '^(clang|cc|gcc) ' | head -n 40
        failed=$((failed + 1)); failures+=("fuzz build (see $log_dir/fuzz-build.log)")
    fi
    shopt -s nullglob
    for t in "$BUILD"-fuzz/fuzz/fuzz_*; do
        name=$(basename "$t")
        corpus=tests/fuzz/corpus/${name#fuzz_}
        work=$BUILD-fuzz/corpus-work/$name
        mkdir -p "$work" "$BUILD-fuzz/artifacts"
        [[ -d $corpus ]] && cp -n "$corpus"/* "$work"/ 2>/dev/null
        echo "fuzz: $name for ${secs}s"
        ASAN_OPTIONS=detect_leaks=1 "$t" -max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
            -artifact_prefix="$BUILD-fuzz/artifacts/$name-" "$work" ${corpus:+$( [[ -d $corpus ]] && echo "$corpus")} \
            >"$log_dir/$name.log" 2>&1
        rc=$?
        if [[ $rc -eq 0 ]]; then
            passed=$((passed + 1)); echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log_dir/$name.log" | tail -n1 || true))"
        else
            failed=$((failed + 1)); failures+=("fuzz:$name (see $log_dir/$name.log)"); tail -n 40 "$log_dir/$name.log"
        fi
    done
}

for tier in "${tiers[@]}"; do
    echo "=== $tier tests ==="
    "run_$tier"
done

if ((${#failures[@]})); then
    printf 'failed: %s\n' "${failures[@]}"
fi
if ((skipped)); then
    echo "Summary: $passed passed, $failed failed, $skipped skipped"
else
    echo "Summary: $passed passed, $failed failed"
fi
[[ $failed -eq 0 ]]
