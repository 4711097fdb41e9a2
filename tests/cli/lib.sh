# lib.sh - the start every command-line test shares.  Sourced as
#
#   . "$(dirname "$0")/lib.sh"
#   bp_test_setup NAME
#
# It sets BP (the command under test: $BP or build/backprop, made
# absolute), status=0 and the helpers pass NAME, fail NAME REASON (which
# sets status=1) and first_err FILE (its first line, cut at 200
# characters); bp_test_setup checks that BP runs, makes a fresh folder
# $tmp, removed on exit (a script that needs more installs its own EXIT
# trap afterwards), and turns HUP, INT and TERM into a failing exit.
# Every check prints one line, "PASS <name>" or "FAIL <name>: <reason>".

BP=${BP:-build/backprop}
case $BP in
/*) ;;
*) BP=$(pwd)/$BP ;;
esac
status=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; status=1; }
first_err() { head -n 1 "$1" | cut -c 1-200; }

bp_test_setup() {
    if [ ! -x "$BP" ]; then
        echo "FAIL $1: $BP is not an executable (build it with make)"
        exit 1
    fi
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/bp-$1.XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 1' HUP INT TERM
}
