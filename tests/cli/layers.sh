#!/bin/sh
# layers.sh - the network as a list of layers on the command line (#17):
#
#   - train --layers LIST: --hidden 10,10 --activation sigmoid is shorthand
#     for --layers dense:10,sigmoid,dense:10,sigmoid, the same bits either
#     way (models, logs and histories compared with cmp), on the seed's
#     sets and on a CSV file; --layers with --hidden or --activation is
#     refused;
#   - every grammar error exits 2 with its one-line message;
#   - --input-shape CxHxW: malformed shapes and shapes whose product is not
#     the feature count are refused; a flat shape trains the same bits as
#     none; IDX images are 1x28x28;
#   - a list that does not fit its input is refused before training, with
#     the layer, its item and the shapes (and a hint for flat data);
#   - gradcheck --layers with any data (linear, xor, CSV, fashion-mnist
#     --limit) checks every parameter;
#   - --resume compares --layers and --input-shape with the model's;
#   - the help texts document both options.
# The last section trains and checks networks with conv, pool and dropout
# layers: those need the layers' passes in the library (LAYERS_SKIP_CNN=1
# leaves them out where the library does not have them yet).
# One line per check, "PASS name" or "FAIL name: reason"; exit 1 on failure.
set -u
. "$(dirname "$0")/lib.sh"
bp_test_setup layers
cd "$tmp" || exit 1
FASHION=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz

# A CSV of 12 features (3 channels of 2x2 when shaped) and 3 classes.
awk 'BEGIN {
    srand(11); printf "f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12,label\n";
    for (i = 0; i < 60; i++) {
        c = i % 3;
        for (f = 0; f < 12; f++) printf "%.4f,", (f % 3 == c) + rand();
        printf "k%d\n", c;
    }
}' >grid.csv

# ------------------------------------------------------ shorthand = list

# same NAME "ARGS A" "ARGS B": both exit 0, and stdout, the model and the
# history are the same bytes
same() {
    "$BP" $2 --model a.bpm --history a.csv >a.out 2>a.err
    ra=$?
    "$BP" $3 --model b.bpm --history b.csv >b.out 2>b.err
    rb=$?
    if [ $ra -ne 0 ] || [ $rb -ne 0 ]; then
        fail "$1" "exit $ra/$rb: $(first_err a.err) $(first_err b.err)"
    elif [ -z "${SAME_WEIGHTS_ONLY:-}" ] && ! cmp -s a.bpm b.bpm; then
        fail "$1" "the models differ"
    elif [ -n "${SAME_WEIGHTS_ONLY:-}" ] &&
         ! { tail -n +2 grid.csv | cut -d, -f1-12 | "$BP" predict --model a.bpm --proba >a.pred &&
             tail -n +2 grid.csv | cut -d, -f1-12 | "$BP" predict --model b.bpm --proba >b.pred &&
             [ -s a.pred ] && cmp -s a.pred b.pred; }; then
        fail "$1" "the models predict differently"
    elif ! cmp -s a.out b.out || [ ! -s a.out ]; then
        fail "$1" "stdout differs (or is empty)"
    elif ! cmp -s a.csv b.csv; then
        fail "$1" "the histories differ"
    else
        pass "$1"
    fi
    rm -f a.bpm b.bpm a.csv b.csv
}
same shorthand-xor "train --data xor --epochs 300 --hidden 10,10 --activation sigmoid" \
    "train --data xor --epochs 300 --layers dense:10,sigmoid,dense:10,sigmoid"
same shorthand-default "train --data linear --epochs 200" \
    "train --data linear --epochs 200 --layers dense:10,sigmoid,dense:10,sigmoid"
same shorthand-preset-seed "train --data xor --preset seed" \
    "train --data xor --preset seed --layers dense:10,sigmoid,dense:10,sigmoid"
same shorthand-f32-batch "train --data linear --epochs 50 --batch 16 --dtype f32 --optimizer adam --lr 0.01 --hidden 7,5,3 --activation tanh" \
    "train --data linear --epochs 50 --batch 16 --dtype f32 --optimizer adam --lr 0.01 --layers dense:7,tanh,dense:5,tanh,dense:3,tanh"
same shorthand-csv "train --data grid.csv --epochs 20 --hidden 8 --activation relu" \
    "train --data grid.csv --epochs 20 --layers dense:8,relu"
same shorthand-threads "train --data grid.csv --epochs 10 --threads 2 --batch 30 --hidden 6,4" \
    "train --data grid.csv --epochs 10 --threads 2 --batch 30 --layers dense:6,relu,dense:4,relu"
# a flat --input-shape is no shape at all
same flat-shape-csv "train --data grid.csv --epochs 10 --layers dense:5,tanh" \
    "train --data grid.csv --epochs 10 --layers dense:5,tanh --input-shape 12x1x1"
# dense layers read a shaped input flattened: the same network (the file
# of the second also stores its input shape, format 3: same predictions)
SAME_WEIGHTS_ONLY=1 same shaped-dense-csv "train --data grid.csv --epochs 10 --layers dense:5,tanh" \
    "train --data grid.csv --epochs 10 --layers dense:5,tanh --input-shape 3x2x2"

# ------------------------------------------------------------ refusals

# msg NAME EXPECTED ARGS...: exit 2, exactly this one line on stderr,
# nothing on stdout (nothing trained), no model written
msg() {
    name=$1 want=$2
    shift 2
    rm -f m.bpm
    "$BP" "$@" >out 2>err
    rc=$?
    if [ $rc -eq 2 ] && [ "$(cat err)" = "$want" ] && [ ! -s out ] && [ ! -e m.bpm ]; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(head -c 300 err) / stdout: $(head -c 100 out)"
    fi
}
msg layers-and-hidden "backprop: error: options --layers and --hidden cannot be used together: --layers names every hidden layer and its activation" \
    train --data xor --layers dense:4 --hidden 4 --model m.bpm
msg hidden-and-layers "backprop: error: options --layers and --hidden cannot be used together: --layers names every hidden layer and its activation" \
    train --data xor --hidden 4 --layers dense:4 --model m.bpm
msg layers-and-activation "backprop: error: options --layers and --activation cannot be used together: --layers names every hidden layer and its activation" \
    train --data xor --layers dense:4 --activation relu --model m.bpm
msg gradcheck-layers-and-hidden "backprop: error: options --layers and --hidden cannot be used together: --layers names every hidden layer and its activation" \
    gradcheck --layers dense:4 --hidden 4

# the grammar's errors, as the library words them
E="backprop: error: option --layers: layer list item"
KINDS="not a layer (conv:FILTERS:K[:sS][:valid], maxpool:K, avgpool:K, dense:UNITS, dropout:RATE) or an activation (relu, tanh, sigmoid, none)"
msg grammar-unknown "$E 2 \"softmax\": $KINDS" train --data xor --layers dense:4,softmax --model m.bpm
msg grammar-unknown-kind "$E 1 \"fc:4\": $KINDS" train --data xor --layers fc:4 --model m.bpm
msg grammar-dense-units "$E 1 \"dense\": a dense layer takes its units, 1 to 65536 (dense:128)" \
    train --data xor --layers dense --model m.bpm
msg grammar-dense-zero "$E 1 \"dense:0\": a dense layer takes its units, 1 to 65536 (dense:128)" \
    gradcheck --layers dense:0
msg grammar-conv-numbers "$E 1 \"conv:8\": a convolution takes its filters (1 to 4096) and kernel side (1 to 64): conv:32:3, then optionally :sS (stride) and :valid" \
    train --data xor --layers conv:8 --model m.bpm
msg grammar-pool-side "$E 2 \"maxpool\": a pool takes its window side, 1 to 64 (maxpool:2)" \
    train --data xor --layers dense:4,maxpool --model m.bpm
msg grammar-stride "$E 1 \"conv:8:3:s0\": a stride is s followed by 1 to 64 (s2)" \
    train --data xor --layers conv:8:3:s0 --model m.bpm
msg grammar-stride-text "$E 1 \"conv:8:3:sx\": a stride is s followed by 1 to 64 (s2)" \
    gradcheck --layers conv:8:3:sx
msg grammar-conv-extra "$E 1 \"conv:8:3:s2:valid:x:y:z\": after conv:FILTERS:K come at most a stride (s2) and a padding (valid or same)" \
    train --data xor --layers conv:8:3:s2:valid:x:y:z --model m.bpm
msg grammar-activation-first "$E 1 \"relu\": an activation follows the layer it applies to (dense:128,relu)" \
    train --data xor --layers relu,dense:4 --model m.bpm
msg grammar-activation-twice "$E 3 \"tanh\": the layer before already has an activation" \
    train --data xor --layers dense:4,relu,tanh --model m.bpm
msg grammar-activation-after-pool "$E 3 \"relu\": only a dense or conv layer takes an activation" \
    train --data xor --layers conv:2:3,maxpool:2,relu --model m.bpm
msg grammar-activation-after-dropout "$E 3 \"relu\": only a dense or conv layer takes an activation" \
    gradcheck --layers dense:4,dropout:0.5,relu
many=dense:1
for k in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do many=$many,dense:1; done
msg grammar-too-many "$E 16 \"dense:1\": a network has at most 15 layers before its output layer" \
    train --data xor --layers "$many" --model m.bpm
msg grammar-empty-item "$E 2 is empty (in \"dense:4,,relu\")" \
    train --data xor --layers dense:4,,relu --model m.bpm
msg grammar-trailing-comma "$E 2 is empty (in \"dense:4,\")" \
    train --data xor --layers dense:4, --model m.bpm
msg grammar-empty "backprop: error: option --layers: the layer list is empty" \
    train --data xor --layers '' --model m.bpm
msg grammar-rate-one "$E 2 \"dropout:1\": dropout takes the probability of dropping a unit, 0 to less than 1 (dropout:0.5)" \
    train --data xor --layers dense:4,dropout:1 --model m.bpm
msg grammar-rate-nan "$E 1 \"dropout:nan\": dropout takes the probability of dropping a unit, 0 to less than 1 (dropout:0.5)" \
    gradcheck --layers dropout:nan

# --input-shape
S="backprop: error: option --input-shape: expects channels x height x width, each 1 to 65536, like 1x28x28; got"
for v in 1x28 0x28x28 1x28x28x1 axbxc 1x28x 1xx28 x1x1 70000x1x1 1x-2x2 '1 x2x2'; do
    label=$(printf '%s' "$v" | tr -c 'A-Za-z0-9' '_')
    msg "shape-syntax-$label" "$S '$v'" train --data xor --layers dense:4 --input-shape "$v" --model m.bpm
done
msg shape-product-xor "backprop: error: option --input-shape: 1x2x2 is 4 values a sample; --data xor has 2 features" \
    train --data xor --layers dense:4 --input-shape 1x2x2 --model m.bpm
msg shape-product-csv "backprop: error: option --input-shape: 3x3x2 is 18 values a sample; --data grid.csv has 12 features" \
    train --data grid.csv --layers dense:4 --input-shape 3x3x2 --model m.bpm
msg shape-product-gradcheck "backprop: error: option --input-shape: 2x1x2 is 4 values a sample; --data grid.csv has 12 features" \
    gradcheck --data grid.csv --layers dense:4 --input-shape 2x1x2
msg shape-product-trace "backprop: error: option --input-shape: 1x1x9 is 9 values a sample; --data xor has 2 features" \
    trace --data xor --layers conv:2:1,relu --input-shape 1x1x9
msg shape-without-layers "backprop: error: option --input-shape: applies to --layers (a dense network reads its input flat)" \
    train --data grid.csv --input-shape 3x2x2 --hidden 4 --model m.bpm

# lists that do not fit their input, refused before training
L="backprop: error: --layers:"
msg fit-conv-flat "$L layer 1 (conv:4:3) does not fit: a convolution takes images (channels x height x width), and its input is 12 flat values; give --input-shape CxHxW" \
    train --data grid.csv --layers conv:4:3,relu --model m.bpm
msg fit-pool-flat "$L layer 2 (maxpool:2) does not fit: a pool takes images (channels x height x width), and its input is 4 flat values" \
    train --data grid.csv --input-shape 3x2x2 --layers dense:4,maxpool:2 --model m.bpm
msg fit-conv-after-dense "$L layer 2 (conv:2:3) does not fit: a convolution takes images (channels x height x width), and its input is 16 flat values" \
    train --data grid.csv --layers dense:16,relu,conv:2:3 --model m.bpm
msg fit-trace-hint "$L layer 1 (conv:2:3) does not fit: a convolution takes images (channels x height x width), and its input is 2 flat values; give --input-shape CxHxW" \
    trace --data xor --layers conv:2:3
msg fit-pool-larger "$L layer 1 (maxpool:3) does not fit: a 3x3 pool is larger than its 3x2x2 input" \
    train --data grid.csv --input-shape 3x2x2 --layers maxpool:3 --model m.bpm
msg fit-avgpool-larger "$L layer 1 (avgpool:2) does not fit: a 2x2 pool is larger than its 1x1x2 input" \
    gradcheck --data xor --input-shape 1x1x2 --layers avgpool:2
msg fit-valid-kernel "$L layer 1 (conv:2:3:valid) does not fit: a 3x3 kernel without padding does not fit its 3x2x2 input" \
    train --data grid.csv --input-shape 3x2x2 --layers conv:2:3:valid --model m.bpm
msg fit-gradcheck-flat "$L layer 1 (conv:2:3) does not fit: a convolution takes images (channels x height x width), and its input is 2 flat values; give --input-shape CxHxW" \
    gradcheck --data xor --layers conv:2:3
if [ -r "$FASHION" ]; then
    msg fit-fashion-pool "$L layer 3 (maxpool:8) does not fit: a 8x8 pool is larger than its 4x7x7 input" \
        train --data fashion-mnist --limit 50 --layers conv:4:3:s2,maxpool:2,maxpool:8 --model m.bpm
    msg fit-fashion-valid "$L layer 2 (conv:2:15:valid) does not fit: a 15x15 kernel without padding does not fit its 2x14x14 input" \
        gradcheck --data fashion-mnist --limit 4 --layers conv:2:5:s2,conv:2:15:valid
    # an IDX file named by path: its header's rows and columns
    msg fit-idx-file "$L layer 1 (maxpool:29) does not fit: a 29x29 pool is larger than its 1x28x28 input" \
        train --data /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
        --labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz --limit 20 \
        --layers maxpool:29 --model m.bpm
    msg shape-product-fashion "backprop: error: option --input-shape: 1x28x29 is 812 values a sample; --data fashion-mnist has 784 features" \
        train --data fashion-mnist --limit 50 --layers dense:4 --input-shape 1x28x29 --model m.bpm
else
    fail fashion-shapes "dataset-fashion-mnist is not installed (make deps)"
fi

# ------------------------------------------------------------ gradcheck

# gc NAME ARGS...: passes, and names the layers and a parameter count
gc() {
    name=$1
    shift
    "$BP" gradcheck "$@" >gc.out 2>gc.err
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^gradcheck: [0-9]* parameters (.*max relative error' gc.out; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(first_err gc.err) $(head -c 200 gc.out)"
    fi
}
gc gradcheck-layers-xor --layers dense:5,tanh,dense:4,relu
gc gradcheck-layers-linear --data linear --n 30 --layers dense:6,sigmoid,dense:3 --loss mse
gc gradcheck-layers-none --data xor --layers dense:3,none,dense:3,tanh --no-bias
gc gradcheck-layers-csv --data grid.csv --layers dense:6,tanh,dense:5,sigmoid
gc gradcheck-layers-csv-shaped --data grid.csv --input-shape 3x2x2 --layers dense:4,relu
grep -q '(dense:4,relu, ce, bias)' gc.out && pass gradcheck-names-layers ||
    fail gradcheck-names-layers "$(cat gc.out)"
"$BP" gradcheck --layers dense:5,tanh --tolerance 1e-300 >gc.out 2>gc.err
[ $? -eq 1 ] && grep -q 'gradient check failed' gc.err && pass gradcheck-layers-can-fail ||
    fail gradcheck-layers-can-fail "$(first_err gc.err)"
# the shorthand checks the same network as its list
"$BP" gradcheck --hidden 5,4 --activation tanh | sed 's/(tanh,/(L,/' >h.out
"$BP" gradcheck --layers dense:5,tanh,dense:4,tanh | sed 's/(dense:5,tanh,dense:4,tanh,/(L,/' >l.out
cmp -s h.out l.out && [ -s h.out ] && pass gradcheck-shorthand-same || fail gradcheck-shorthand-same "$(cat h.out l.out)"
if [ -r "$FASHION" ]; then
    start=$(date +%s)
    gc gradcheck-fashion-dense --data fashion-mnist --layers dense:8,sigmoid
    end=$(date +%s)
    grep -q '^gradcheck: 6370 parameters' gc.out && pass gradcheck-fashion-limit ||
        fail gradcheck-fashion-limit "$(cat gc.out)"
    [ $((end - start)) -lt 30 ] && pass gradcheck-fashion-seconds ||
        fail gradcheck-fashion-seconds "took $((end - start)) s"
fi

# ------------------------------------------------------------ --resume

"$BP" train --data grid.csv --epochs 3 --layers dense:6,tanh,dense:3,tanh \
    --save-state --model r.bpm >/dev/null 2>r.err
"$BP" train --data grid.csv --epochs 2 --resume r.bpm --layers dense:6,tanh,dense:3,tanh \
    --model r2.bpm >/dev/null 2>r.err && pass resume-same-layers ||
    fail resume-same-layers "$(first_err r.err)"
msg resume-other-layers "backprop: error: option --layers: dense:6,relu contradicts the model r.bpm (dense:6,tanh,dense:3,tanh); leave it out with --resume" \
    train --data grid.csv --epochs 2 --resume r.bpm --layers dense:6,relu --model m.bpm
msg resume-other-shape "backprop: error: option --input-shape: 3x2x2 contradicts the model r.bpm (12x1x1); leave it out with --resume" \
    train --data grid.csv --epochs 2 --resume r.bpm --input-shape 3x2x2 --model m.bpm

# ------------------------------------------------------------ help

helpline() { # helpline NAME CMD OPTION PATTERN
    line=$("$BP" "$2" --help | grep -e "^  --$3 ")
    if printf '%s\n' "$line" | grep -q -e "$4"; then pass "$1"
    else fail "$1" "'$line' does not match '$4'"; fi
}
ANCHOR='conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,dense:128,relu'
for c in train gradcheck; do
    helpline "help-$c-layers" $c 'layers LIST' "conv:FILTERS:K\[:sS\]\[:valid\], maxpool:K, avgpool:K, dense:UNITS, dropout:RATE.*$ANCHOR"
    helpline "help-$c-input-shape" $c 'input-shape CxHxW' "channels x height x width.*IDX file's 1xROWSxCOLUMNS"
done
helpline help-gradcheck-limit gradcheck limit 'first N rows.*\[16\]$'

# ------------------------------------- conv, pool, dropout (library passes)

if [ "${LAYERS_SKIP_CNN:-0}" = 1 ]; then
    echo "(layers.sh: conv, pool and dropout runs skipped: LAYERS_SKIP_CNN=1)"
    exit $status
fi
gc cnn-gradcheck-dropout --layers dense:5,tanh,dropout:0.5,dense:4
gc cnn-gradcheck-csv --data grid.csv --input-shape 3x2x2 \
    --layers conv:4:2,relu,avgpool:1,conv:3:2:valid,tanh,dropout:0.3,dense:5,sigmoid
gc cnn-gradcheck-stride --data grid.csv --input-shape 3x2x2 --layers conv:2:3:s2,tanh,dense:3
if [ -r "$FASHION" ]; then
    # the issue's example
    gc cnn-gradcheck-issue --data fashion-mnist --limit 16 \
        --layers conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,dense:8,sigmoid
    grep -q '(conv:4:3,relu,maxpool:2,conv:6:3:s2:valid,tanh,dense:8,sigmoid, ce, bias)' gc.out &&
        pass cnn-gradcheck-issue-names || fail cnn-gradcheck-issue-names "$(cat gc.out)"
    gc cnn-gradcheck-avgpool --data fashion-mnist --limit 4 \
        --layers conv:3:5:s2,sigmoid,avgpool:2,dropout:0.25,dense:6,tanh
    "$BP" train --data fashion-mnist --limit 200 --epochs 2 --quiet \
        --layers conv:4:3,relu,maxpool:2,dropout:0.2,dense:16,relu --model cnn.bpm \
        >cnn.out 2>cnn.err
    rc=$?
    if [ $rc -eq 0 ] && [ -s cnn.bpm ] && grep -q '^train accuracy' cnn.out; then
        pass cnn-train-fashion
    else
        fail cnn-train-fashion "exit $rc: $(first_err cnn.err)"
    fi
    # a given shape equal to the IDX one changes nothing
    "$BP" train --data fashion-mnist --limit 200 --epochs 2 --quiet --input-shape 1x28x28 \
        --layers conv:4:3,relu,maxpool:2,dropout:0.2,dense:16,relu --model cnn2.bpm \
        >cnn2.out 2>cnn2.err
    cmp -s cnn.bpm cnn2.bpm && cmp -s cnn.out cnn2.out && pass cnn-idx-shape ||
        fail cnn-idx-shape "$(first_err cnn2.err)"
else
    fail cnn-fashion "dataset-fashion-mnist is not installed (make deps)"
fi
exit $status
