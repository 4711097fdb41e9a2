#!/bin/sh
# deps.sh - the Debian packages backprop needs, checked and installed.
#
#   scripts/deps.sh check     exit 0 when every package is installed
#   scripts/deps.sh install   install the missing ones (apt-get, as root)
#   scripts/deps.sh ensure    check, then install when something is missing
#   scripts/deps.sh bench     the same for the benchmark-only packages
#
# A fresh Debian 12 machine has gcc, make, libpng-dev and zlib1g-dev; the
# lists below are everything else the build, the tests and the lab use.
set -eu

BUILD_PKGS="pkg-config valgrind clang libclang-rt-14-dev zlib1g-dev fonts-dejavu-core libcsv-dev dataset-fashion-mnist libcjson-dev libcmocka-dev libplplot-dev plplot-driver-cairo libopenblas-dev python3-numpy"
BENCH_PKGS="python3-numpy python3-torch libfann-dev hyperfine python3-matplotlib python3-sklearn time"

missing() {
    out=""
    for p in "$@"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = "installed" ] || out="$out $p"
    done
    echo "$out"
}

install() {
    miss=$(missing "$@")
    [ -n "$miss" ] || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "backprop: missing Debian packages:$miss" >&2
        echo "backprop: install them with: sudo apt-get install$miss" >&2
        exit 1
    fi
    echo "backprop: installing$miss" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # shellcheck disable=SC2086
    apt-get install -y -q $miss >&2
}

case "${1:-ensure}" in
    check)   [ -z "$(missing $BUILD_PKGS)" ] ;;
    install|ensure) install $BUILD_PKGS ;;
    bench)   install $BUILD_PKGS $BENCH_PKGS ;;
    list)    echo $BUILD_PKGS ;;
    *) echo "usage: $0 check|install|ensure|bench|list" >&2; exit 2 ;;
esac
