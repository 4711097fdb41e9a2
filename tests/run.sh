#!/bin/sh
# tests/run.sh BUILD - runs the unit tests (cmocka binaries in BUILD/tests)
# and the command-line tests (tests/cli/*.sh against BUILD/backprop), then
# prints one closing line "N passed, N failed".  Exit status 1 on any
# failure.
#
# Command-line test scripts print one line per check, "PASS name" or
# "FAIL name: reason", and exit non-zero when any check failed.
set -u
build=${1:-build}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # count PASS/FAIL lines of $log; a script that died adds a failure
    p=$(grep -c '^PASS' "$log")
    f=$(grep -c '^FAIL' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
}

for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    "$t" >"$log" 2>&1
    rc=$?
    # cmocka: "[       OK ] name" per passing test, "[  FAILED  ] name" per failure
    p=$(grep -c '^\[       OK \]' "$log")
    f=$(grep -c '^\[  FAILED  \] [a-z]' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $name (exit $rc):"; sed 's/^/    /' "$log" | tail -40
    else
        echo "ok   $name: $p tests"
    fi
done

for s in tests/cli/*.sh; do
    name=$(basename "$s" .sh)
    [ "$name" = lib ] && continue       # sourced by the others
    BP="$build/backprop" sh "$s" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS' "$log")
    f=$(grep -c '^FAIL' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $name (exit $rc):"; grep -v '^PASS' "$log" | sed 's/^/    /' | tail -40
    else
        echo "ok   $name: $p checks"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
