#!/bin/sh
# roundtrip.sh - saving, loading and the model file format.
#
#   BP=build/backprop sh tests/cli/roundtrip.sh
#
# Checks that
#   - "train --model m.bpm" then "test --model m.bpm" prints the same
#     "Testing ..." section (predictions and accuracy) as train did;
#   - "predict" on the XOR points gives, to every printed digit, the
#     probabilities that /usr/bin/python3 computes from the saved file on its
#     own (json + struct: 8-byte little-endian header length, JSON header,
#     little-endian F64 tensors, W stored [out][in], the hidden activation
#     from the metadata, sigmoid output); this checks the format as
#     documented in src/io/model.c as well as the round trip;
#   - the same command saves byte-identical files and prints byte-identical
#     output;
#   - a training run that fails does not overwrite an existing model file;
#   - a save into a folder that does not exist fails naming the path and
#     leaves no temporary file behind;
#   - every subcommand's --help exits 0 and lists its options, with the
#     default in brackets where there is one; --version; no arguments.
# One line per check, "PASS <name>" or "FAIL <name>: <reason>"; exit 0 when
# every check passed, else 1.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup roundtrip
PY=/usr/bin/python3

cd "$tmp" || exit 1

# ------------------------------------------------- train, then test

# train_test NAME TRAIN-AND-TEST-ARGS... : the data options are given to
# both commands, so that test sees the same data set.
train_test() {
    name=$1
    shift
    if ! "$BP" train "$@" --epochs 200 --quiet --model "$name.bpm" \
        >"$name.train" 2>"$name.err"; then
        fail "$name-train" "train exited non-zero: $(first_err "$name.err")"
        return
    fi
    sed -n '/^Testing \.\.\.$/,$p' "$name.train" >"$name.expect"
    if ! grep -q '^accuracy : .* %$' "$name.expect"; then
        fail "$name-train" "no Testing section with an accuracy line"
        return
    fi
    # test takes only the data options
    targs=""
    while [ $# -gt 0 ]; do
        case $1 in
        --data | --n | --data-seed) targs="$targs $1 $2"; shift 2 ;;
        *) shift ;;
        esac
    done
    # shellcheck disable=SC2086
    if ! "$BP" test --model "$name.bpm" $targs >"$name.test" 2>"$name.err"; then
        fail "$name-test" "test exited non-zero: $(first_err "$name.err")"
        return
    fi
    if cmp -s "$name.expect" "$name.test"; then
        pass "$name-test-matches-train"
    else
        fail "$name-test-matches-train" "test prints $(tail -n 1 "$name.test"), train printed $(tail -n 1 "$name.expect") (diff: $(diff "$name.expect" "$name.test" | head -n 3 | tr '\n' '|'))"
    fi
}

train_test xor --data xor
train_test linear --data linear
train_test linear-n50 --data linear --n 50 --data-seed 7 --hidden 4 --activation tanh
train_test xor-nobias --data xor --no-bias --activation relu --init he --hidden 6,5

# ------------------------------------- predict against the file, in python

# The XOR points, 0.1 * i computed in double as the data set does, printed
# with 17 significant digits so that they read back as the same doubles.
awk 'BEGIN {
    for (i = 0; i <= 10; i++) {
        t = 0.1 * i
        printf "%.17g,%.17g\n", t, t
        if (i != 5) printf "%.17g,%.17g\n", t, 1 - t
    }
}' >points.txt
if [ "$(wc -l <points.txt | tr -d ' ')" -ne 21 ]; then
    fail predict-points "awk wrote $(wc -l <points.txt) rows, expected 21"
fi

# The forward pass of src/nn/kernels_impl.h in plain Python: z = b, then
# z += w * x input by input (the order of summation of the C code, so that
# the results are bit-identical), math.exp / math.tanh from the same libm.
cat >forward.py <<'EOF'
import json, math, struct, sys

model_path, rows_path = sys.argv[1], sys.argv[2]

def die(msg):
    sys.exit("%s: %s" % (model_path, msg))

raw = open(model_path, "rb").read()
if len(raw) < 8:
    die("shorter than 8 bytes")
hlen = struct.unpack("<Q", raw[:8])[0]
if hlen % 8:
    die("header length %d is not a multiple of 8" % hlen)
if 8 + hlen > len(raw):
    die("header length %d beyond the end of the file" % hlen)
header = json.loads(raw[8:8 + hlen].decode("utf-8"))
data = raw[8 + hlen:]

meta = header.get("__metadata__")
if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
    die("__metadata__ is not a string -> string map")
if meta.get("format") != "backprop" or meta.get("format_version") != "1":
    die("format %r version %r" % (meta.get("format"), meta.get("format_version")))
sizes = [int(s) for s in meta["sizes"].split(",")]
act = meta["hidden_activation"]
if meta["output_activation"] != "sigmoid":
    die("output activation %r" % meta["output_activation"])
if meta["bias"] not in ("true", "false"):
    die("bias %r" % meta["bias"])
bias = meta["bias"] == "true"
if meta["loss"] not in ("bce", "mse"):
    die("loss %r" % meta["loss"])

def tensor(name, shape):
    t = header.get(name)
    if t is None:
        die("no tensor " + name)
    if t["dtype"] != "F64":
        die("%s dtype %r" % (name, t["dtype"]))
    if t["shape"] != shape:
        die("%s shape %r, expected %r" % (name, t["shape"], shape))
    begin, end = t["data_offsets"]
    count = 1
    for d in shape:
        count *= d
    if end - begin != 8 * count or end > len(data):
        die("%s data_offsets %r" % (name, t["data_offsets"]))
    spans.append((begin, end))
    return list(struct.unpack("<%dd" % count, data[begin:end]))

spans = []
layers = []
for l in range(len(sizes) - 1):
    n_in, n_out = sizes[l], sizes[l + 1]
    w = tensor("layers.%d.weight" % l, [n_out, n_in])
    w = [w[o * n_in:(o + 1) * n_in] for o in range(n_out)]
    b = tensor("layers.%d.bias" % l, [n_out]) if bias else None
    layers.append((w, b))
expected_keys = 1 + len(spans)
if len(header) != expected_keys:
    die("%d header entries, expected %d" % (len(header), expected_keys))
at = 0
for begin, end in sorted(spans):
    if begin != at:
        die("tensor data leaves a hole or overlaps at byte %d" % at)
    at = end
if at != len(data):
    die("%d bytes after the last tensor" % (len(data) - at))

def sigmoid(z):
    try:
        return 1.0 / (1.0 + math.exp(-z))
    except OverflowError:
        return 0.0

def hidden(z):
    if act == "sigmoid":
        return sigmoid(z)
    if act == "tanh":
        return math.tanh(z)
    if act == "relu":
        return z if z > 0 else 0.0
    if act == "none":
        return z
    die("hidden activation %r" % act)

def forward(x):
    a = x
    for l, (w, b) in enumerate(layers):
        out = []
        for o in range(len(w)):
            z = b[o] if b is not None else 0.0
            for i in range(len(a)):
                z += w[o][i] * a[i]
            out.append(z)
        last = l == len(layers) - 1
        a = [sigmoid(z) if last else hidden(z) for z in out]
    return a

for line in open(rows_path):
    if line.strip():
        x = [float(v) for v in line.split(",")]
        print(",".join(repr(p) for p in forward(x)))
EOF

# close.py C PY: the two files' values agree to 1e-12 relative.
cat >close.py <<'EOF'
import sys
c = [l.strip() for l in open(sys.argv[1])]
p = [l.strip() for l in open(sys.argv[2])]
if len(c) != len(p):
    sys.exit("backprop printed %d rows, python3 %d" % (len(c), len(p)))
for k, (a, b) in enumerate(zip(c, p)):
    x, y = float(a), float(b)
    if not abs(x - y) <= 1e-12 * max(abs(x), abs(y)):
        sys.exit("row %d: backprop %s, python3 %s" % (k + 1, a, b))
EOF

# predict_case NAME TRAIN-ARGS...
predict_case() {
    name=$1
    shift
    if ! "$BP" train --data xor "$@" --epochs 200 --quiet --model "$name.bpm" \
        >/dev/null 2>"$name.err"; then
        fail "$name" "train exited non-zero: $(first_err "$name.err")"
        return
    fi
    if ! "$BP" predict --model "$name.bpm" --input points.txt >"$name.c" 2>"$name.err"; then
        fail "$name" "predict exited non-zero: $(first_err "$name.err")"
        return
    fi
    if ! "$PY" forward.py "$name.bpm" points.txt >"$name.py" 2>"$name.err"; then
        fail "$name" "python3 cannot read the model: $(tail -n 1 "$name.err")"
        return
    fi
    # the values must agree to 1e-12 relative, which no layout, order or
    # activation mistake would
    if [ "$(wc -l <"$name.c" | tr -d ' ')" -ne 21 ]; then
        fail "$name" "predict printed $(wc -l <"$name.c") lines for 21 rows"
    elif reason=$("$PY" close.py "$name.c" "$name.py" 2>&1); then
        pass "$name"
    else
        fail "$name" "backprop and python3 differ: $reason"
    fi
    # the same through stdin
    if "$BP" predict --model "$name.bpm" <points.txt >"$name.stdin" 2>"$name.err" &&
        cmp -s "$name.c" "$name.stdin"; then
        pass "$name-stdin"
    else
        fail "$name-stdin" "predict from stdin differs from --input: $(first_err "$name.err")"
    fi
}

predict_case predict-python-xor
predict_case predict-python-seed --preset seed
predict_case predict-python-tanh-nobias --activation tanh --no-bias --hidden 7,5,3
predict_case predict-python-relu --activation relu --init he --hidden 6
predict_case predict-python-none-mse --activation none --loss mse --init xavier --hidden 3,3

# The values are not compared digit for digit: the kernels use fused
# multiply-adds and a vector exp within 1.5 ulp, so the last printed digit
# may differ from Python's plain loop; 1e-12 relative catches any layout,
# order or activation mistake.

# predict agrees with test's printed predictions (8 digits, numpy style)
if [ -s xor.bpm ]; then
    "$BP" predict --model xor.bpm --input points.txt >xor.p 2>xor.err
    "$PY" - xor.p xor.expect <<'EOF' >xor.cmp 2>&1
import re, sys
p = [float(l) for l in open(sys.argv[1]) if l.strip()]
text = open(sys.argv[2]).read()
body = text[text.index("[["):text.index("]]")]
t = [float(v) for v in re.findall(r"[-+0-9.e]+", body)]
if len(p) != len(t):
    sys.exit("predict gave %d values, test printed %d" % (len(p), len(t)))
for k, (a, b) in enumerate(zip(p, t)):
    if abs(a - b) > 1e-8 * max(1.0, abs(a)) + 5e-9:
        sys.exit("point %d: predict %r, test printed %r" % (k, a, b))
EOF
    rc=$?
    if [ "$rc" -eq 0 ]; then
        pass predict-matches-test
    else
        fail predict-matches-test "$(tail -n 1 xor.cmp)"
    fi
fi

# --------------------------------------------------------- determinism

cmd="--data xor --hidden 6,4 --epochs 300 --log-every 10 --model same.bpm"
# shellcheck disable=SC2086
"$BP" train $cmd >same1.out 2>same1.err
rc1=$?
cp same.bpm same1.bpm 2>/dev/null
# shellcheck disable=SC2086
"$BP" train $cmd >same2.out 2>same2.err
rc2=$?
if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then
    fail same-command "train exited $rc1 and $rc2: $(first_err same2.err)"
else
    if cmp -s same1.bpm same.bpm; then
        pass same-command-same-file
    else
        fail same-command-same-file "two saves by the same command differ: $(cmp same1.bpm same.bpm)"
    fi
    if cmp -s same1.out same2.out && [ -s same1.out ]; then
        pass same-command-same-stdout
    else
        fail same-command-same-stdout "$(diff same1.out same2.out | head -n 2 | tr '\n' ' ')"
    fi
fi

# the file saved with the linear data is a different file
if [ -s linear.bpm ] && [ -s xor.bpm ] && ! cmp -s linear.bpm xor.bpm; then
    pass different-runs-different-files
else
    fail different-runs-different-files "linear.bpm and xor.bpm are identical or missing"
fi

# ------------------------------------------- failures leave files alone

# A run that fails after the options were read (the weight seed is out of
# numpy's range) must leave an existing model file as it was.
cp xor.bpm keep.bpm
cp keep.bpm keep.orig
"$BP" train --data xor --epochs 200 --init numpy --seed 4294967296 \
    --model keep.bpm >keep.out 2>keep.err
rc=$?
if [ "$rc" -eq 0 ]; then
    fail failed-train-keeps-model "train exited 0"
elif ! cmp -s keep.orig keep.bpm; then
    fail failed-train-keeps-model "the model file was changed (exit $rc)"
else
    pass failed-train-keeps-model
fi

# Divergence.  The sigmoid output saturates and its gradient vanishes, so
# with --lr at most 1e6 no configuration tried diverged (none, relu, tanh,
# sigmoid; bce, mse; 2 to 15 hidden layers of up to 1000 units; normal,
# xavier, he; sgd and momentum up to 0.99999).  If one is found, the check
# belongs here: exit 1, a message naming the epoch, the model file kept.
for try in "--activation relu --lr 1e6 --loss mse" \
    "--activation none --lr 1e6 --loss bce --hidden 30,30,30,30,30,30 --init he --momentum 0.99999"; do
    cp keep.orig keep.bpm
    # shellcheck disable=SC2086
    "$BP" train --data xor --epochs 300 --quiet $try --model keep.bpm \
        >div.out 2>div.err
    rc=$?
    if [ "$rc" -eq 0 ]; then
        continue        # did not diverge: nothing to check
    fi
    if [ "$rc" -ne 1 ]; then
        fail divergence "train $try exited $rc, expected 1: $(first_err div.err)"
    elif ! grep -q 'epoch [0-9]' div.err; then
        fail divergence "the message does not name the epoch: $(first_err div.err)"
    elif ! cmp -s keep.orig keep.bpm; then
        fail divergence "a diverged run overwrote the model file"
    else
        pass "divergence"
    fi
done

# A save into a folder that does not exist
"$BP" train --data xor --epochs 20 --quiet --model nowhere/m.bpm >save.out 2>save.err
rc=$?
if [ "$rc" -eq 0 ]; then
    fail save-missing-folder "train exited 0"
elif [ "$(wc -l <save.err | tr -d ' ')" -ne 1 ] || ! grep -q '^backprop: error: .*nowhere/m\.bpm' save.err; then
    fail save-missing-folder "expected one error line naming nowhere/m.bpm, got: $(head -c 200 save.err | tr '\n' '|')"
else
    pass save-missing-folder
fi
leftover=$(find . -name '*.tmp.*' | head -n 3 | tr '\n' ' ')
if [ -z "$leftover" ] && [ ! -e nowhere ]; then
    pass save-missing-folder-no-temp-file
else
    fail save-missing-folder-no-temp-file "left behind: $leftover"
fi

# A save onto a directory fails and leaves it (and no temporary file) alone
mkdir adir
"$BP" train --data xor --epochs 20 --quiet --model adir >dir.out 2>dir.err
rc=$?
leftover=$(find . -name '*.tmp.*' | head -n 3 | tr '\n' ' ')
if [ "$rc" -eq 0 ]; then
    fail save-onto-directory "train exited 0"
elif [ ! -d adir ] || [ -n "$(ls adir)" ] || [ -n "$leftover" ]; then
    fail save-onto-directory "the directory was changed or a temporary file was left: $leftover"
elif ! grep -q '^backprop: error: .*adir' dir.err; then
    fail save-onto-directory "the message does not name adir: $(first_err dir.err)"
else
    pass save-onto-directory
fi

# ----------------------------------------------------- help and version

# help_case CMD OPTION... : each OPTION is "name" (listed, no default) or
# "name=DEFAULT" (listed with [DEFAULT]).
help_case() {
    cmd=$1
    shift
    "$BP" "$cmd" --help >help.out 2>help.err
    rc=$?
    if [ "$rc" -ne 0 ]; then
        fail "help-$cmd" "exit $rc"
        return
    fi
    if [ -s help.err ]; then
        fail "help-$cmd" "wrote on stderr: $(first_err help.err)"
        return
    fi
    if ! grep -q "^usage: backprop $cmd" help.out; then
        fail "help-$cmd" "no 'usage: backprop $cmd' line"
        return
    fi
    for spec in "$@"; do
        opt=${spec%%=*}
        line=$(grep -e "^ *--$opt\( \|\$\)" help.out | head -n 1)
        if [ -z "$line" ]; then
            fail "help-$cmd" "--$opt is not listed"
            return
        fi
        case $spec in
        *=*)
            def=${spec#*=}
            case $line in
            *"[$def]") ;;
            *)
                fail "help-$cmd" "--$opt does not show its default [$def]: $line"
                return
                ;;
            esac
            ;;
        esac
    done
    pass "help-$cmd"
}

help_case train preset data=linear n=100 data-seed=1 hidden=10,10 \
    activation=sigmoid loss=bce bias=default no-bias init=normal seed=1 \
    optimizer=momentum momentum=0.9 lr=0.1 epochs=auto log-every=auto quiet \
    dtype=f64 threads=1 \
    timing model help
help_case test data=linear n=100 data-seed=1 model help
help_case predict model input help
help_case gradcheck preset data=xor n=100 data-seed=1 hidden=10,10 \
    activation=sigmoid loss=bce bias=default no-bias init=normal seed=1 \
    h=1e-05 tolerance=1e-06 help
help_case lab hidden=10,10 activation=sigmoid loss=bce bias no-bias \
    init=normal seed=1 optimizer=momentum momentum=0.9 lr=0.1 epochs=5000 \
    log-every=auto quiet help

"$BP" --help >help.out 2>help.err
rc=$?
missing=""
for c in train test predict gradcheck lab; do
    grep -q "^  $c " help.out || missing="$missing $c"
done
if [ "$rc" -eq 0 ] && [ -z "$missing" ] && [ ! -s help.err ]; then
    pass help-main
else
    fail help-main "exit $rc, commands not listed:$missing"
fi

"$BP" --version >ver.out 2>ver.err
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <ver.out | tr -d ' ')" -eq 1 ] &&
    grep -q '^backprop [0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*$' ver.out; then
    pass version
else
    fail version "exit $rc, printed: $(head -c 100 ver.out | tr '\n' '|')"
fi

"$BP" >noargs.out 2>noargs.err
rc=$?
if [ "$rc" -eq 2 ] && [ ! -s noargs.out ] && grep -q '^usage: backprop' noargs.err; then
    pass no-arguments
else
    fail no-arguments "exit $rc, $(wc -c <noargs.out) bytes on stdout, stderr: $(first_err noargs.err)"
fi

exit "$status"
