#!/bin/sh
# kill_atomic.sh - a model save interrupted by SIGKILL leaves the old model
# or the complete new one, never anything else.
#
#   BP=build/backprop sh tests/cli/kill_atomic.sh
#   KILL_SEED=1234 KILL_TRIALS=50 BP=... sh tests/cli/kill_atomic.sh
#
# m.bpm starts as a small "old" model.  Then KILL_TRIALS (30) times:
#   m.bpm is reset to the old model; `$BP train ... --model m.bpm` starts
#   with a network big enough (--hidden 2000,2000: 4M parameters, 32 MB)
#   that writing and fsyncing the file takes a good part of the run; after
#   a random delay it is killed with SIGKILL.
# The delays are stratified over the length T of an uninterrupted run of
# the same command (trial i waits (i + u) / N * 1.2 T, u uniform in [0, 1)), so
# that kills land before the save, during the write and after the rename.
# After each kill:
#   - m.bpm is byte-identical to the old model or to the reference (the
#     same deterministic command, uninterrupted), and `$BP test` loads it;
#   - a temporary file m.bpm.tmp.* may remain: SIGKILL gives the process no
#     chance to remove it, so stale temporary files after SIGKILL are
#     expected (they are counted, then removed); what matters is that one
#     never takes m.bpm's place, which the comparison checks.
# Finally, a run that is not interrupted replaces m.bpm with exactly the
# reference despite stale temporary files lying next to it.
#
# Under AddressSanitizer (BP contains "asan") the network is --hidden
# 1000,1000 (1M parameters, 8 MB) to stay within ~30 s.
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup kill-atomic
TRIALS=${KILL_TRIALS:-30}
SEED=${KILL_SEED:-$$}
case $BP in
*asan*) HIDDEN=1000,1000 ;;
*) HIDDEN=2000,2000 ;;
esac

child=
cleanup() {
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

# Milliseconds on a clock (GNU date's %N; whole seconds elsewhere).
now_ms() {
    t=$(date +%s%N 2>/dev/null)
    case $t in
    *N | '') echo $(($(date +%s) * 1000)) ;;
    *) echo $((t / 1000000)) ;;
    esac
}

# The command under test: train MODEL.  Started in the background as
# "$BP" $ARGS directly (not through a shell function, whose subshell would
# take the SIGKILL while backprop went on).
ARGS="train --data linear --n 10 --hidden $HIDDEN --epochs 1 --quiet --seed 7"
train() {
    # shellcheck disable=SC2086
    "$BP" $ARGS --model "$1" >/dev/null 2>>errors.txt
}

# The old model, small and different from the new one.
if ! "$BP" train --data linear --n 10 --hidden 3 --epochs 1 --quiet \
    --seed 1 --model old.bpm >/dev/null 2>errors.txt; then
    fail kill-atomic-setup "cannot train the old model: $(cat errors.txt)"
    exit 1
fi

# The reference: the same command, not interrupted; twice, to check that
# it is deterministic, and timed.
t0=$(now_ms)
train ref.bpm
rc=$?
t1=$(now_ms)
train ref2.bpm
if [ "$rc" -ne 0 ] || [ ! -s ref.bpm ]; then
    fail kill-atomic-reference "the uninterrupted run failed (exit $rc): $(cat errors.txt)"
    exit 1
fi
if cmp -s ref.bpm ref2.bpm; then
    pass kill-atomic-reference-deterministic
else
    fail kill-atomic-reference-deterministic "two runs of the same command saved different files"
    exit 1
fi
rm -f ref2.bpm
duration=$((t1 - t0))
[ "$duration" -gt 0 ] || duration=1000
echo "# kill-atomic: --hidden $HIDDEN, an uninterrupted run takes $duration ms, seed $SEED"

n_old=0 n_new=0 n_during=0 n_bad=0 n_stale=0
i=0
while [ "$i" -lt "$TRIALS" ]; do
    cp old.bpm m.bpm
    delay=$(awk -v s="$SEED" -v i="$i" -v n="$TRIALS" -v t="$duration" \
        'BEGIN { srand(s * 1000 + i); printf "%.3f", (i + rand()) / n * 1.2 * t / 1000 }')
    # shellcheck disable=SC2086
    "$BP" $ARGS --model m.bpm >/dev/null 2>>errors.txt &
    child=$!
    sleep "$delay"
    kill -KILL "$child" 2>/dev/null
    wait "$child" 2>/dev/null
    child=
    stale=$(ls | grep -c '^m\.bpm\.tmp\.')
    if cmp -s m.bpm old.bpm; then
        n_old=$((n_old + 1))
        what=old
    elif cmp -s m.bpm ref.bpm; then
        n_new=$((n_new + 1))
        what=new
    else
        n_bad=$((n_bad + 1))
        what=neither
        fail "kill-atomic-trial-$i" "after SIGKILL at ${delay} s m.bpm ($(wc -c <m.bpm) bytes) is neither the old model nor the new one"
    fi
    if [ "$what" != neither ] &&
        ! "$BP" test --model m.bpm --data linear >/dev/null 2>test-errors.txt; then
        n_bad=$((n_bad + 1))
        fail "kill-atomic-trial-$i" "after SIGKILL at ${delay} s the $what m.bpm does not load: $(cat test-errors.txt)"
    fi
    if [ "$stale" -gt 0 ]; then
        n_during=$((n_during + 1))
        n_stale=$((n_stale + stale))
        # Keep the stale files of the last trial for the final check.
        [ $((i + 1)) -lt "$TRIALS" ] && rm -f m.bpm.tmp.*
    fi
    i=$((i + 1))
done
echo "# kill-atomic: $TRIALS kills: $n_old left the old model, $n_new the new one, $n_during during the write (stale temporary files: $n_stale)"
if [ "$n_bad" -eq 0 ]; then
    pass "kill-atomic-$TRIALS-kills-old-or-new"
fi

# Stale temporary files do not disturb the next save, which gives exactly
# the reference and leaves no temporary file of its own.
touch m.bpm.tmp.stale1
ls | grep '^m\.bpm\.tmp\.' >stale-before.txt
cp old.bpm m.bpm
if train m.bpm && cmp -s m.bpm ref.bpm; then
    pass kill-atomic-save-after-stale-temporaries
else
    fail kill-atomic-save-after-stale-temporaries "a save next to stale m.bpm.tmp.* files did not give the reference model"
fi
ls | grep '^m\.bpm\.tmp\.' >stale-after.txt
if cmp -s stale-before.txt stale-after.txt; then
    pass kill-atomic-no-new-temporary
else
    fail kill-atomic-no-new-temporary "an uninterrupted save left $(comm -13 stale-before.txt stale-after.txt | tr '\n' ' ')"
fi
exit $status
