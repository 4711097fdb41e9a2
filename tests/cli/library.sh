#!/bin/sh
# library.sh - the library for C users: README's example program, taken
# from README itself (so that README cannot drift), compiled against an
# installed copy of the library using nothing but
# `pkg-config --static --libs backprop`, and run on a classification and a
# regression CSV; and the .pc file names every library a static link needs.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup library
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "$BP")
cd "$tmp" || exit 1

# an installed copy, as make install lays it out
mkdir -p prefix/lib/pkgconfig prefix/include
cp "$build/libbackprop.a" prefix/lib/ && cp "$root/include/backprop.h" prefix/include/ || exit 1
sed -e "s|@PREFIX@|$tmp/prefix|g" -e 's|@VERSION@|0|g' "$root/backprop.pc.in" \
    >prefix/lib/pkgconfig/backprop.pc
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
export PKG_CONFIG_LIBDIR="$tmp/prefix/lib/pkgconfig"   # this .pc file alone
libs=$(pkg-config --static --libs backprop 2>pc.err)
missing=""
for l in -lbackprop -lcsv -lcjson -lz -lm -pthread; do
    case " $libs " in *" $l "*) ;; *) missing="$missing $l" ;; esac
done
[ -z "$missing" ] && pass pc-static-libs || fail pc-static-libs "missing$missing in '$libs' $(cat pc.err)"

# the example: the first ```c block after the library-example marker
awk '/<!-- library-example -->/ { on = 1; next }
     on && /^```c/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' "$root/README.md" >ex.c
if [ "$(wc -l <ex.c)" -lt 20 ]; then
    fail readme-example-found "no example after <!-- library-example --> in README.md"
    exit 1
fi
san=""
[ -n "${BP_SANITIZED:-}" ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046
if ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san ex.c \
       $(pkg-config --cflags --libs --static backprop) -o ex 2>cc.err; then
    pass readme-example-compiles
else
    fail readme-example-compiles "$(head -c 400 cc.err)"
    exit 1
fi

# three classes in two features, named by words; a point deep in class "b"
awk 'BEGIN { srand(4); print "u,v,kind"; for (i = 0; i < 300; i++) { c = i % 3;
    printf "%.4f,%.4f,%s\n", 4 * c + rand(), 2 - c + rand(), c == 0 ? "a" : c == 1 ? "b" : "c" } }' >three.csv
./ex three.csv 4.5 1.5 >ex.out 2>ex.err
rc=$?
acc=$(sed -n 's/^test accuracy \([0-9.]*\) %$/\1/p' ex.out)
if [ $rc -eq 0 ] && [ -n "$acc" ] && awk -v a="$acc" 'BEGIN { exit !(a >= 95) }' &&
   grep -qx 'class b' ex.out; then
    pass readme-example-classifies
else
    fail readme-example-classifies "exit $rc: $(cat ex.out ex.err | head -4)"
fi
# the model it saved works with the command, which needs no option
printf '8.5,0.5\n' | "$BP" predict --model ex.bpm >cmd.out 2>cmd.err
[ "$(cat cmd.out)" = "c" ] && pass readme-example-model-for-predict ||
    fail readme-example-model-for-predict "got '$(cat cmd.out)' $(cat cmd.err)"

# a regression file: the value comes back in the target's units
awk 'BEGIN { srand(8); print "u,v,y"; for (i = 0; i < 300; i++) { u = rand(); v = rand();
    printf "%.4f,%.4f,%.3f\n", u, v, 1000 + 200 * u - 100 * v } }' >reg.csv
./ex reg.csv 0.5 0.5 >reg.out 2>reg.err
rc=$?
val=$(sed -n 's/^value //p' reg.out)
if [ $rc -eq 0 ] && [ -n "$val" ] && awk -v y="$val" 'BEGIN { exit !(y > 1030 && y < 1070) }'; then
    pass readme-example-regression-units
else
    fail readme-example-regression-units "exit $rc (want about 1050): $(cat reg.out reg.err | head -3)"
fi
exit $status
