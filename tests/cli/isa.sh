#!/bin/sh
# isa.sh - train --isa and the environment variable BP_ISA.
#
#   BP=build/backprop sh tests/cli/isa.sh
#
# The seed's training (--preset seed --data linear) and an f32 run of Adam
# in mini-batches on two threads, with --isa naive, avx2 and avx512 (those
# this CPU runs: /proc/cpuinfo): each repeats byte for byte (model and
# history, cmp), and its final loss agrees with naive's to 1e-12 relative
# (f64; 1e-4 for f32, whose vector kernels round differently).  The default
# writes the same bytes as the widest set named, BP_ISA=naive as --isa
# naive, and --isa overrides BP_ISA.  An unknown set (--isa or BP_ISA) is
# refused with exit 2 and its one-line message, and so is a set this CPU
# lacks (checked only on a CPU without AVX-512 or AVX2), by every command
# that takes --isa: train, test, predict, gradcheck and trace.  Those
# commands run the set given: naive repeats byte for byte, BP_ISA=naive is
# --isa naive, train --isa naive's evaluation is test --isa naive's, and
# predict's full-precision outputs differ between naive and the widest set.
# One line per check, "PASS <name>" or "FAIL <name>: <reason>"; exit 0 when
# every check passed, else 1.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup isa
cd "$tmp" || exit 1

flags=$(grep -m 1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
sets=naive
has avx2 && has fma && sets="$sets avx2"
has avx512f && has avx2 && has fma && sets="$sets avx512"
widest=${sets##* }

seed="--preset seed --data linear"
f32="--data linear --hidden 24,24 --optimizer adam --lr 0.01 --batch 16 --threads 2 --dtype f32 --epochs 40"

# run NAME ARGS...: train into NAME.model and NAME.csv (the history)
run() {
    name=$1; shift
    "$BP" train "$@" --quiet --model "$name.model" --history "$name.csv" \
        >"$name.out" 2>"$name.err"
}
last_loss() { tail -n 1 "$1" | cut -d, -f2; }

for kind in seed f32; do
    eval "args=\$$kind"
    tol=1e-12; [ $kind = f32 ] && tol=1e-4
    for s in $sets; do
        # shellcheck disable=SC2086
        if run $kind-$s-a $args --isa $s && run $kind-$s-b $args --isa $s; then
            if cmp -s $kind-$s-a.model $kind-$s-b.model &&
                cmp -s $kind-$s-a.csv $kind-$s-b.csv; then
                pass "$kind $s repeats"
            else
                fail "$kind $s repeats" "two runs wrote different files"
            fi
        else
            fail "$kind $s runs" "$(first_err $kind-$s-a.err)"
            continue
        fi
        ref=$(last_loss $kind-naive-a.csv) got=$(last_loss $kind-$s-a.csv)
        if awk -v a="$got" -v b="$ref" -v t=$tol 'BEGIN {
                d = a - b; if (d < 0) d = -d; exit !(d <= t * b) }'; then
            pass "$kind $s loss $got (naive $ref)"
        else
            fail "$kind $s loss" "$got, naive's $ref: beyond $tol relative"
        fi
    done
    # shellcheck disable=SC2086
    run $kind-default $args
    if cmp -s $kind-default.model $kind-$widest-a.model; then
        pass "$kind default is $widest"
    else
        fail "$kind default" "differs from --isa $widest"
    fi
done

# BP_ISA is read by the command; --isa overrides it (the f32 run, whose
# sets give different bits, so that an ignored choice shows)
if [ "$widest" != naive ] && cmp -s f32-naive-a.model f32-$widest-a.model; then
    fail "f32 sets differ" "naive and $widest wrote the same model"
fi
# shellcheck disable=SC2086
BP_ISA=naive run env-naive $f32
if cmp -s env-naive.model f32-naive-a.model; then
    pass "BP_ISA=naive is --isa naive"
else
    fail "BP_ISA=naive" "differs from --isa naive"
fi
# shellcheck disable=SC2086
BP_ISA=naive run env-over $f32 --isa $widest
if cmp -s env-over.model f32-$widest-a.model; then
    pass "--isa overrides BP_ISA"
else
    fail "--isa overrides BP_ISA" "differs from --isa $widest"
fi

# expect NAME CODE MESSAGE COMMAND...: exit CODE, stderr exactly MESSAGE
expect() {
    name=$1 code=$2 msg=$3; shift 3
    "$@" >e.out 2>e.err
    rc=$?
    if [ $rc -ne "$code" ]; then
        fail "$name" "exit $rc, expected $code"
    elif [ "$(cat e.err)" != "$msg" ]; then
        fail "$name" "stderr '$(first_err e.err)'"
    elif [ -s e.out ]; then
        fail "$name" "wrote to stdout"
    else
        pass "$name"
    fi
}
# Every command that runs the network takes the set: test, predict,
# gradcheck and trace (and train's evaluation after training, which test
# repeats).  naive twice gives the same bytes, BP_ISA=naive is --isa naive,
# and predict's outputs (printed to 17 digits) show the set reaches the
# kernels: naive's differ from the widest set's (when that is not naive).
printf '0.1,0.2\n0.5,-0.3\n1.5,2.5\n-1,0.25\n' >rows.txt
# cmd NAME ARGS...: run the command into NAME.out (stderr NAME.err)
cmd() {
    name=$1; shift
    "$@" >"$name.out" 2>"$name.err"
}
if "$BP" train $seed --isa naive --model e2e.model >e2e.out 2>e2e.err; then
    for c in "test --model e2e.model --data linear" \
             "predict --model e2e.model --input rows.txt" \
             "gradcheck --data xor" "trace"; do
        w=${c%% *}
        # shellcheck disable=SC2086
        if cmd $w-naive-a "$BP" $c --isa naive &&
            cmd $w-naive-b "$BP" $c --isa naive &&
            BP_ISA=naive cmd $w-env "$BP" $c; then
            if cmp -s $w-naive-a.out $w-naive-b.out &&
                cmp -s $w-naive-a.out $w-env.out; then
                pass "$w --isa naive repeats, BP_ISA=naive alike"
            else
                fail "$w --isa naive" "two runs (or BP_ISA) differ"
            fi
        else
            fail "$w --isa naive" "$(first_err $w-naive-a.err)$(first_err $w-env.err)"
        fi
        for s in $sets; do
            # shellcheck disable=SC2086
            if cmd $w-$s "$BP" $c --isa $s; then
                pass "$w --isa $s runs"
            else
                fail "$w --isa $s" "$(first_err $w-$s.err)"
            fi
        done
    done
    # train's own evaluation ran naive: test --isa naive prints the same
    if [ "$(sed -n '/^Testing/,$p' e2e.out)" = "$(cat test-naive-a.out)" ]; then
        pass "train --isa naive evaluates as test --isa naive"
    else
        fail "train --isa naive evaluation" "differs from test --isa naive"
    fi
    if [ "$widest" != naive ]; then
        if cmp -s predict-naive-a.out predict-$widest.out; then
            fail "predict sets differ" "naive and $widest printed the same"
        else
            pass "predict --isa naive differs from $widest in the last bits"
        fi
    fi
else
    fail "train --isa naive --model" "$(first_err e2e.err)"
fi

list="auto, naive, avx2 or avx512"
expect "unknown --isa" 2 \
    "backprop: error: option --isa: unknown instruction set 'sse' (expects $list)" \
    "$BP" train --isa sse
expect "unknown BP_ISA" 2 \
    "backprop: error: environment variable BP_ISA: unknown instruction set 'sse' (expects $list)" \
    env BP_ISA=sse "$BP" train
for c in test predict gradcheck trace; do
    expect "$c: unknown --isa" 2 \
        "backprop: error: option --isa: unknown instruction set 'sse' (expects $list)" \
        "$BP" $c --isa sse
    expect "$c: unknown BP_ISA" 2 \
        "backprop: error: environment variable BP_ISA: unknown instruction set 'sse' (expects $list)" \
        env BP_ISA=sse "$BP" $c
done
for s in avx512 avx2; do
    case " $sets " in *" $s "*) continue ;; esac
    for c in train test predict gradcheck trace; do
        expect "$c --isa $s on a CPU without it" 2 \
            "backprop: error: option --isa: this CPU does not run the $s kernels (it runs $widest at most)" \
            "$BP" $c --isa $s
        expect "$c: BP_ISA=$s on a CPU without it" 2 \
            "backprop: error: environment variable BP_ISA: this CPU does not run the $s kernels (it runs $widest at most)" \
            env BP_ISA=$s "$BP" $c
    done
done

exit $status
