#!/bin/sh
# bad_input.sh - every bad input is refused cleanly.
#
#   BP=build/backprop sh tests/cli/bad_input.sh
#
# For each bad command line, bad model file and bad input row, checks that
# backprop
#   - exits with status 2,
#   - writes exactly one line on stderr, starting "backprop: error: " and
#     naming what is wrong (the option, the file, or FILE:LINE; checked by
#     grepping for that word, not for the whole sentence),
#   - writes nothing on stdout (predict: only the outputs of the rows before
#     the bad one, which it streams).
# Bad model files are built with /usr/bin/python3 (json + struct) from a
# good one in a temporary folder that is removed on exit.
# One line per check, "PASS <name>" or "FAIL <name>: <reason>"; exit 0 when
# every check passed, else 1.
set -u

. "$(dirname "$0")/lib.sh"
bp_test_setup bad-input
PY=/usr/bin/python3

cd "$tmp" || exit 1

# What the next check feeds on stdin.
input=/dev/null

# bad NAME WORDS OUTLINES ARGS... - runs $BP ARGS; expects exit 2, one
# "backprop: error: " line on stderr holding every (space-separated) word
# of WORDS, and OUTLINES lines on stdout.
bad() {
    name=$1 words=$2 outlines=$3
    shift 3
    "$BP" "$@" <"$input" >out 2>err
    rc=$?
    nerr=$(wc -l <err | tr -d ' ')
    nout=$(wc -l <out | tr -d ' ')
    first=$(head -n 1 err)
    if [ "$rc" -ne 2 ]; then
        fail "$name" "exit $rc, expected 2 (stderr: $(head -c 200 err | tr '\n' '|'))"
        return
    fi
    if [ "$nerr" -ne 1 ] || [ ! -s err ]; then
        fail "$name" "$nerr lines on stderr, expected 1: $(head -c 300 err | tr '\n' '|')"
        return
    fi
    case $first in
    "backprop: error: "*) ;;
    *)
        fail "$name" "stderr does not start with 'backprop: error: ': $first"
        return
        ;;
    esac
    for w in $words; do
        if ! grep -q -F -e "$w" err; then
            fail "$name" "message does not name '$w': $first"
            return
        fi
    done
    if [ "$nout" -ne "$outlines" ] || { [ "$outlines" -eq 0 ] && [ -s out ]; }; then
        fail "$name" "$(wc -c <out | tr -d ' ') bytes ($nout lines) on stdout, expected $outlines lines"
        return
    fi
    pass "$name"
}

# ----------------------------------------------------- commands, options

bad unknown-command "frobnicate" 0 frobnicate
bad unknown-command-option-like "--frob" 0 --frob
bad unknown-option "--frobnicate" 0 train --frobnicate
bad unknown-option-test "--lr" 0 test --lr 0.1
bad unknown-option-predict "--epochs" 0 predict --epochs 5
bad preset-not-for-test "--preset" 0 test --preset seed
bad missing-value-lr "--lr" 0 train --lr
bad missing-value-epochs "--epochs" 0 train --data xor --epochs
bad missing-value-model "--model" 0 test --model
bad extra-argument "extra" 0 train --data xor extra
bad extra-argument-test "stray" 0 test stray

# bad_values CMD OPTION VALUE... : each value must be refused, naming OPTION.
bad_values() {
    cmd=$1 opt=$2
    shift 2
    for v in "$@"; do
        case $v in
        '') label=empty ;;
        *) label=$(printf '%s' "$v" | tr -c 'A-Za-z0-9.+-' '_') ;;
        esac
        bad "$cmd-$opt-$label" "--$opt" 0 "$cmd" "--$opt" "$v"
    done
}

bad_values train lr abc '' nan NaN inf -inf -1 -0.1 0 0.0 1e999 2e6 1x 0x
bad_values lab lr nan 0
bad_values train epochs abc '' nan inf -1 -5 1.5 1.5e0 1e-3 1e30 1e999 0x10 1e 1e3x 99999999999 18446744073709551616 autox
bad_values lab epochs 0 x auto
bad_values train n abc '' nan inf -1 0 2.5 99999999999
bad_values test n abc 0 -1
bad_values gradcheck n 0
bad_values train dtype f16 float '' double
bad_values train threads 0 -1 65 1.5 abc ''
bad_values train momentum abc '' nan inf 1.0 1 -0.1 2
bad_values train log-every abc '' nan inf -1 0.5
bad_values gradcheck h abc '' nan inf -1 -1e-5 0 1 2
bad_values gradcheck tolerance abc nan 0 -1 2
bad_values train seed abc -1 '' 18446744073709551616 1.5
bad_values train data-seed abc -1 ''
bad_values test data-seed x
bad_values train hidden 0 65537 10,65537 10,,10 10, ,10 a 10,a '' 10,-1 -10 1.5 \
    99999999999999999999999999999999999999999 \
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1
bad_values gradcheck hidden 0 10,,10
bad_values lab hidden 0
bad_values train data foo ''
bad_values gradcheck data foo xor2
bad_values train activation foo '' sigmoid2
bad_values gradcheck activation softmax
bad_values train loss foo ''
bad_values train optimizer foo adamw
bad_values train init foo ''
bad_values train preset foo ''
bad_values gradcheck preset foo
bad_values train model ''
bad_values predict input ''

bad epochs-equals-negative "--epochs" 0 train --epochs=-1
bad lr-equals-empty "--lr" 0 train --lr=
bad numpy-seed-too-big "--seed" 0 train --data xor --init numpy --seed 4294967296
bad numpy-seed-too-big-gradcheck "--seed" 0 gradcheck --init numpy --seed 4294967296
bad numpy-seed-too-big-lab "--seed" 0 lab --init numpy --seed 4294967296
bad data-seed-too-big "--data-seed" 0 train --data linear --data-seed 4294967296
bad data-seed-too-big-gradcheck "--data-seed" 0 gradcheck --data linear --data-seed 4294967296
bad test-without-model "--model" 0 test --data xor
bad predict-without-model "--model" 0 predict

# Every command's bad values, one of each kind of path: run under ASan
# (make test-asan) and valgrind (make test-valgrind) like the rest of this
# file, so that an error path that reads freed memory (trace --sample once
# printed a freed set's size) fails the check.
bad trace-sample-past-end "--sample 21 has 21," 0 trace --data xor --sample 21
bad trace-sample-past-end-linear "--sample has 7," 0 trace --data linear --n 7 --sample 7
bad trace-sample-huge "--sample" 0 trace --sample 99999999
bad_values trace sample abc -1 1.5 ''
bad_values trace data foo '' fashion-mnist
bad_values trace hidden 0 10,,10
bad_values trace activation softmax
bad_values trace loss foo
bad_values trace init foo
bad_values trace h 0 nan 2
bad_values trace tolerance 0 abc
bad_values trace seed -1
bad_values trace n 0
bad_values trace preset foo
bad unknown-option-trace "--epochs" 0 trace --epochs 5
bad extra-argument-trace "stray" 0 trace stray
bad_values trace optimizer foo
bad_values trace lr 0 -1 x
bad_values trace model ''
bad trace-model-missing "missing.bpm" 0 trace --model missing.bpm
bad trace-model-network-options "--model" 0 trace --model missing.bpm --hidden 5
bad_values gradcheck seed x
bad_values gradcheck loss foo
bad_values gradcheck init foo
bad_values gradcheck data missing.csv
bad unknown-option-gradcheck "--epochs" 0 gradcheck --epochs 5
bad_values lab seeds 0 1001 x
bad_values lab threads 0 257 x
bad_values lab data foo linear,linear linear, ,xor
bad_values lab optimizer foo
bad_values lab momentum 1
bad_values lab out ''
: >afile
bad lab-out-is-file "afile" 0 lab --out afile --seeds 1 --epochs 1
bad unknown-option-lab "--model" 0 lab --model m.bpm
bad_values test limit x -1 1.5
bad_values test label ''
bad_values test header maybe
bad_values test delimiter ab ''
bad_values predict model ''
bad unknown-option-plot "--frob" 0 plot --frob
printf "epoch,loss,accuracy\n1,0.5,50\n" >h.csv
bad plot-no-out "--out" 0 plot h.csv
bad plot-missing-history "nothere.csv" 0 plot --out f.png nothere.csv

# --------------------------------------------------------- model files

if ! "$BP" train --data xor --epochs 5 --quiet --model good.bpm >/dev/null 2>train.err; then
    fail model-setup "cannot train a model: $(head -n 1 train.err)"
    exit 1
fi

if ! "$PY" - <<'EOF' 2>py.err; then
import json, struct

raw = open("good.bpm", "rb").read()
hlen = struct.unpack("<Q", raw[:8])[0]
header = raw[8:8 + hlen]
data = raw[8 + hlen:]
meta = json.loads(header)

def write(name, head, body, length=None):
    if not isinstance(head, bytes):
        head = json.dumps(head).encode()
    head += b" " * (-len(head) % 8)
    with open(name, "wb") as f:
        f.write(struct.pack("<Q", len(head) if length is None else length))
        f.write(head + body)

def edited(change):
    h = json.loads(header)
    change(h)
    return h

# a byte of the JSON changed so that it is no longer JSON
b = bytearray(raw)
b[8 + header.index(b'"format"')] = ord("x")
open("corrupt.bpm", "wb").write(bytes(b))
b = bytearray(raw)
b[8] = ord("[")
open("corrupt2.bpm", "wb").write(bytes(b))

# a foreign safetensors file: valid layout, metadata of another program
def foreign(h):
    h["__metadata__"] = {"format": "pt"}
write("foreign.bpm", edited(foreign), data)
write("nometa.bpm", edited(lambda h: h.pop("__metadata__")), data)
# a real-looking F32 safetensors file of another program
write("f32.safetensors", json.dumps({"weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}).encode(), b"\0" * 16)

def version(h):
    h["__metadata__"]["format_version"] = "3"
write("version.bpm", edited(version), data)

def shape(h):
    h["layers.1.weight"]["shape"] = [10, 9]
write("shape.bpm", edited(shape), data)
def sizes(h):
    h["__metadata__"]["sizes"] = "2,10,9,1"
write("sizes.bpm", edited(sizes), data)

def dtype(h):
    h["layers.0.weight"]["dtype"] = "F32"
write("dtype.bpm", edited(dtype), data)

# header length larger than the file, and absurd
write("hlen.bpm", header, data, length=len(raw))
write("hlen-huge.bpm", header, data, length=2**64 - 1)

# data_offsets outside the file
def outside(h):
    last = max(h[k]["data_offsets"][1] for k in h if k != "__metadata__")
    h["layers.2.bias"]["data_offsets"] = [last + 80, last + 88]
write("offsets.bpm", edited(outside), data)
def negative(h):
    h["layers.0.weight"]["data_offsets"] = [-8, 152]
write("offsets-negative.bpm", edited(negative), data)

# data cut short: the header promises more than there is
write("short-data.bpm", header, data[:-8])

# an extra tensor
def extra(h):
    h["layers.9.weight"] = {"dtype": "F64", "shape": [1, 1],
                            "data_offsets": [len(data), len(data) + 8]}
write("extra.bpm", edited(extra), data + b"\0" * 8)

# a weight that is not a finite number
nan = bytearray(data)
nan[0:8] = struct.pack("<d", float("nan"))
write("nan-weight.bpm", header, bytes(nan))
EOF
    fail model-files-setup "python3 could not build the bad models: $(tail -n 1 py.err)"
fi

dd if=good.bpm of=truncated.bpm bs=20 count=1 2>/dev/null
: >empty.bpm
mkdir modeldir

bad model-missing "missing.bpm" 0 test --data xor --model missing.bpm
bad model-missing-predict "missing.bpm" 0 predict --model missing.bpm
bad model-truncated "truncated.bpm" 0 test --data xor --model truncated.bpm
bad model-truncated-predict "truncated.bpm" 0 predict --model truncated.bpm
bad model-empty "empty.bpm" 0 test --data xor --model empty.bpm
bad model-empty-predict "empty.bpm" 0 predict --model empty.bpm
bad model-corrupt-header "corrupt.bpm" 0 test --data xor --model corrupt.bpm
bad model-corrupt-header-2 "corrupt2.bpm" 0 test --data xor --model corrupt2.bpm
bad model-foreign "foreign.bpm backprop" 0 test --data xor --model foreign.bpm
bad model-foreign-predict "foreign.bpm" 0 predict --model foreign.bpm
bad model-no-metadata "nometa.bpm" 0 test --data xor --model nometa.bpm
bad model-foreign-f32 "f32.safetensors" 0 test --data xor --model f32.safetensors
bad model-format-version "version.bpm" 0 test --data xor --model version.bpm
bad model-shape-mismatch "shape.bpm layers.1.weight" 0 test --data xor --model shape.bpm
bad model-sizes-mismatch "sizes.bpm" 0 test --data xor --model sizes.bpm
bad model-dtype "dtype.bpm layers.0.weight" 0 test --data xor --model dtype.bpm
bad model-header-too-long "hlen.bpm" 0 test --data xor --model hlen.bpm
bad model-header-huge "hlen-huge.bpm" 0 test --data xor --model hlen-huge.bpm
bad model-offsets-outside "offsets.bpm data_offsets" 0 test --data xor --model offsets.bpm
bad model-offsets-negative "offsets-negative.bpm" 0 test --data xor --model offsets-negative.bpm
bad model-data-short "short-data.bpm" 0 test --data xor --model short-data.bpm
bad model-extra-tensor "extra.bpm" 0 test --data xor --model extra.bpm
bad model-nan-weight "nan-weight.bpm" 0 test --data xor --model nan-weight.bpm
bad model-directory "modeldir" 0 test --data xor --model modeldir
bad model-directory-predict "modeldir" 0 predict --model modeldir

# The reason given for a directory should say what is wrong with it.
"$BP" test --data xor --model modeldir >/dev/null 2>err
if grep -q -i -e 'director' -e 'not a regular file' err; then
    pass model-directory-reason
else
    fail model-directory-reason "the message does not say it is a directory: $(head -n 1 err)"
fi

# ------------------------------------------------------- predict rows

# row_case NAME ROW: the row on line 3 of a file, after a good row and a
# blank line, through --input FILE and through stdin.  --input FILE is read
# as a whole CSV first (as train reads it), so it prints nothing; stdin is
# answered row by row, so the good row's answer comes first.
row_case() {
    printf '0.1,0.2\n\n%s\n0.3,0.3\n' "$2" >rows.txt
    input=/dev/null
    bad "predict-row-$1" "rows.txt:3" 0 predict --model good.bpm --input rows.txt
    input=rows.txt
    bad "predict-row-$1-stdin" "stdin:3" 1 predict --model good.bpm
    input=/dev/null
}

row_case letters 'a,b'
row_case letter-second '0.5,b'
row_case too-few '0.5'
row_case too-many '0.5,0.5,0.5'
row_case nan 'nan,0.5'
row_case nan-second '0.5,NaN'
row_case inf 'inf,0.5'
row_case huge '1e999,0.5'
row_case trailing-comma '0.5,0.5,'
row_case leading-comma ',0.5'
row_case empty-field '0.5,,0.5'
row_case semicolon '0.5;0.5'
row_case trailing-junk '0.5,0.5x'

printf '0.1,0.2\n\n0.5,\0000.5\n' >nul.txt
bad predict-row-nul "nul.txt:3" 0 predict --model good.bpm --input nul.txt

printf 'x,y\n' >first.txt
bad predict-row-first-line "first.txt no data rows" 0 predict --model good.bpm --input first.txt

bad predict-input-missing "nothere.txt" 0 predict --model good.bpm --input nothere.txt

exit "$status"
