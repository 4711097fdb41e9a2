#!/bin/sh
# valgrind-backprop.sh - build/backprop under valgrind's memcheck, for
# `make test-valgrind`: any memory error or leak makes the command exit 99,
# which the command-line tests report as a failure.
here=$(cd "$(dirname "$0")/.." && pwd)
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --suppressions="$here/tests/valgrind.supp" \
    --errors-for-leak-kinds=definite,indirect \
    "${BACKPROP:-$here/build/backprop}" "$@"
