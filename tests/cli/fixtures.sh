#!/bin/sh
# fixtures.sh - models written by backprop 0.1.0 (tests/fixtures/model-0.1.0,
# see its README) still load, and predict and test print what 0.1.0 printed,
# byte for byte: the seed's network's probabilities, a CSV model's class
# names (its standardisation applied), and the seed's test output.
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
fx=$(cd "$(dirname "$0")/../fixtures/model-0.1.0" && pwd)
bp_test_setup fixtures
cd "$tmp" || exit 1

check() {    # name expected-file command...
    name=$1 want=$2
    shift 2
    "$@" >out 2>err
    rc=$?
    if [ $rc -eq 0 ] && cmp -s out "$want"; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(first_err err) $(diff "$want" out | head -n 3 | tr '\n' ' ')"
    fi
}
check seed-predict "$fx/seed-xor.expected" \
    "$BP" predict --model "$fx/seed-xor-0.1.0.bpm" --input "$fx/xor-rows.txt"
check csv-predict "$fx/flowers.expected" \
    "$BP" predict --model "$fx/flowers-0.1.0.bpm" --input "$fx/flower-rows.txt"
check seed-test "$fx/seed-xor-test.expected" \
    "$BP" test --model "$fx/seed-xor-0.1.0.bpm" --data xor
# the CSV model reads its own training file without any option 0.1.0 took
"$BP" test --model "$fx/flowers-0.1.0.bpm" --data "$fx/flowers.csv" >out 2>err &&
    grep -q '^test accuracy : 100.0 %$' out && pass csv-test ||
    fail csv-test "$(first_err err)"
exit $status
