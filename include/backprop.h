/*
 * backprop.h - the public interface of libbackprop.
 *
 * A small trainer for fully connected networks with hand-written
 * back-propagation.  Conventions used throughout:
 *
 *   - Every function that can fail returns a bp_status and, when the caller
 *     passes a bp_error, fills it with a one-line message naming what was
 *     wrong.  The library never prints, never exits and never aborts.
 *   - Objects come in bp_x_new / bp_x_free pairs; every bp_x_free accepts
 *     NULL.  There is no global state: two networks may train in two threads.
 *   - Matrices in this interface are row-major and batch-major: a data set of
 *     n samples with d features is n x d, sample after sample.  Weights are
 *     stored [out][in], like the seed report's w matrices.
 *   - Numbers are double precision.
 */
#ifndef BACKPROP_H
#define BACKPROP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_VERSION "0.1.0"

/* ---------------------------------------------------------------- errors */

typedef enum {
    BP_OK = 0,
    BP_EINVAL,       /* a bad argument: size, name, option value        */
    BP_ENOMEM,       /* an allocation failed                            */
    BP_EIO,          /* reading or writing a file failed                */
    BP_EFORMAT,      /* a file is not what it claims to be              */
    BP_EDIVERGED     /* training produced a NaN or infinite loss/weight */
} bp_status;

/* Filled by a failing call; msg is one line without a trailing newline. */
typedef struct {
    bp_status code;
    char msg[512];
} bp_error;

/* A short constant name for a status ("invalid argument", ...). */
const char *bp_status_name(bp_status status);

/* ------------------------------------------------------------ enumerations */

typedef enum {
    BP_ACT_SIGMOID = 0,
    BP_ACT_TANH,
    BP_ACT_RELU,
    BP_ACT_NONE,         /* identity: the seed's "without activation" */
    BP_ACT_COUNT         /* how many there are (not an activation)   */
} bp_activation;

typedef enum {
    BP_LOSS_BCE = 0,     /* the seed's cross-entropy with eps = 1e-4       */
    BP_LOSS_MSE,         /* mean squared error                             */
    BP_LOSS_CE,          /* softmax cross-entropy, -log p[target class]    */
    BP_LOSS_COUNT
} bp_loss;

/* The output layer's activation. */
typedef enum {
    BP_OUT_SIGMOID = 0,  /* the seed's: one probability per output         */
    BP_OUT_SOFTMAX,      /* a distribution over classes (with BP_LOSS_CE)  */
    BP_OUT_LINEAR,       /* identity, for regression (with BP_LOSS_MSE)    */
    BP_OUT_COUNT
} bp_output;

typedef enum {
    BP_OPT_SGD = 0,      /* W -= lr * dW                        */
    BP_OPT_MOMENTUM,     /* V = mu V - lr * dW;  W += V         */
    BP_OPT_NESTEROV,     /* V = mu V - lr * dW;  W += mu V - lr dW */
    BP_OPT_RMSPROP,      /* S = rho S + (1-rho) dW^2; W -= lr dW / (sqrt S + eps) */
    BP_OPT_ADAM,         /* Kingma & Ba, with bias correction   */
    BP_OPT_COUNT         /* how many there are (not an optimizer) */
} bp_optimizer;

typedef enum {
    BP_INIT_NORMAL = 0,  /* standard normal (the seed's), xoshiro256** */
    BP_INIT_XAVIER,      /* normal, std sqrt(2 / (fan_in + fan_out))   */
    BP_INIT_HE,          /* normal, std sqrt(2 / fan_in)               */
    BP_INIT_NUMPY,       /* standard normal from numpy's RandomState   */
    BP_INIT_COUNT
} bp_init;

/*
 * The arithmetic a trainer uses.  BP_F32 keeps a float copy of the
 * weights, gradients and optimizer state and runs the passes and the
 * update in float (as PyTorch's float32 does): about twice the speed of
 * double on vector hardware, and about 7 significant digits.  The network
 * and the data set stay double: the trainer reads the net's weights at the
 * start of each epoch and writes them back at its end (float to double is
 * exact), and converts each batch as it loads it.
 */
typedef enum {
    BP_F64 = 0,
    BP_F32,
    BP_DTYPE_COUNT
} bp_dtype;

/*
 * The instruction set of the kernels a trainer runs.  BP_ISA_AUTO takes
 * the widest this CPU supports (bp_isa_best); BP_ISA_NAIVE the reference
 * kernels, plain C with libm's exp and log, for debugging the fast ones;
 * the others the vector kernels, which differ from the reference in
 * rounding only (fused multiply-adds, sums over samples by vector lane,
 * exp and log within 1.5 ulp).  For one instruction set a run repeats
 * bit for bit.  Off x86-64 (or built with -DBP_NO_SIMD) only auto and
 * naive run.
 */
typedef enum {
    BP_ISA_AUTO = 0,     /* the widest supported (the default)          */
    BP_ISA_NAIVE,        /* the reference kernels                        */
    BP_ISA_AVX2,         /* 4 doubles (8 floats) a vector, AVX2 + FMA    */
    BP_ISA_AVX512,       /* 8 doubles (16 floats) a vector, AVX-512F     */
    BP_ISA_COUNT
} bp_isa;

/* Whether this CPU (and its operating system) runs isa; BP_ISA_AUTO and
 * BP_ISA_NAIVE always do. */
int bp_isa_supported(bp_isa isa);
/* The widest supported instruction set: BP_ISA_AVX512, BP_ISA_AVX2 or
 * BP_ISA_NAIVE (never BP_ISA_AUTO). */
bp_isa bp_isa_best(void);

/* Name <-> value for the enumerations above.  Each enumeration ends in its
 * count (BP_ACT_COUNT, ...), which is not a value: the names are one table
 * each in src/core/status.c, indexed by value, so that adding a kind is one
 * enumerator and one name (a compile-time check ties the two).  A name
 * function returns "unknown" for a value out of range.  The parsers return
 * BP_EINVAL for an unknown name and leave *out untouched. */
const char *bp_activation_name(bp_activation a);
const char *bp_loss_name(bp_loss l);
const char *bp_optimizer_name(bp_optimizer o);
const char *bp_init_name(bp_init i);
const char *bp_output_name(bp_output o);
const char *bp_dtype_name(bp_dtype d);            /* "f64", "f32" */
const char *bp_isa_name(bp_isa isa);  /* "auto", "naive", "avx2", "avx512" */
bp_status bp_activation_parse(const char *name, bp_activation *out);
bp_status bp_loss_parse(const char *name, bp_loss *out);
bp_status bp_optimizer_parse(const char *name, bp_optimizer *out);
bp_status bp_init_parse(const char *name, bp_init *out);
bp_status bp_output_parse(const char *name, bp_output *out);
bp_status bp_dtype_parse(const char *name, bp_dtype *out);
bp_status bp_isa_parse(const char *name, bp_isa *out);

/* ------------------------------------------------------------------ limits */

#define BP_MAX_LAYERS 16        /* layers, the output layer included      */
#define BP_MAX_WIDTH  65536     /* units in any one layer                 */
#define BP_MAX_PARAMS (1u << 28) /* parameters in a network (2 GiB of f64) */

/* ------------------------------------------------------- random generators */

/*
 * One generator type with two engines:
 *   - xoshiro256** (Blackman & Vigna), seeded through splitmix64: the
 *     project's generator for everything;
 *   - MT19937 producing exactly numpy.random.RandomState(seed)'s stream:
 *     random_sample() as 53-bit doubles and randn() by the legacy polar
 *     method with its cached second value.
 * The struct is public so that it can live on the stack; treat it as opaque.
 */
typedef enum { BP_RNG_XOSHIRO = 0, BP_RNG_NUMPY } bp_rng_kind;

typedef struct {
    bp_rng_kind kind;
    uint64_t s[4];         /* xoshiro state                          */
    uint32_t mt[624];      /* MT19937 state                          */
    int mti;
    int has_gauss;         /* polar method's cached second value     */
    double gauss;
} bp_rng;

void bp_rng_seed(bp_rng *rng, bp_rng_kind kind, uint64_t seed);
uint64_t bp_rng_u64(bp_rng *rng);        /* 64 random bits (MT: two draws) */
double bp_rng_uniform(bp_rng *rng);      /* [0, 1), 53 bits                */
double bp_rng_normal(bp_rng *rng);       /* standard normal                */
uint64_t bp_rng_below(bp_rng *rng, uint64_t bound); /* [0, bound), unbiased */

/* ---------------------------------------------------------------- networks */

/*
 * A network is a list of layers, each of one kind.  Data between layers
 * has a shape, channels x height x width; flat data (a CSV row, a dense
 * layer's output) is c x 1 x 1, and a dense layer after a spatial one
 * reads its input flattened (channel, then row, then column).
 */
typedef enum {
    BP_LAYER_DENSE = 0,  /* units outputs, weights [units][inputs]       */
    BP_LAYER_CONV,       /* 2-D convolution: units filters of k x k over
                          * every input channel, weights
                          * [units][channels][k][k], stride, zero
                          * padding "same" or none ("valid")             */
    BP_LAYER_MAXPOOL,    /* the largest of each k x k window, stride k   */
    BP_LAYER_AVGPOOL,    /* the mean of each k x k window, stride k      */
    BP_LAYER_DROPOUT,    /* inverted dropout while training, identity
                          * otherwise                                    */
    BP_LAYER_COUNT
} bp_layer_kind;

typedef struct {
    size_t c, h, w;
} bp_shape;

typedef struct {
    bp_layer_kind kind;
    size_t units;        /* dense: outputs; conv: filters                */
    int k;               /* conv: kernel side; pools: window side        */
    int stride;          /* conv: 1 (0 means 1)                          */
    int valid;           /* conv: 0 "same" zero padding (output
                          * ceil(h / stride) x ceil(w / stride)), 1 none */
    double rate;         /* dropout: the probability that a unit is
                          * dropped, in [0, 1)                           */
    bp_activation act;   /* dense and conv: applied to the output (the
                          * output layer's is the arch's output instead) */
    bp_shape in, out;    /* filled by bp_arch_resolve                    */
} bp_layer;

/*
 * The shape of a network, in one of two forms:
 *   - dense shorthand: sizes[0] inputs, sizes[1..n_layers-1] hidden
 *     units, sizes[n_layers] outputs, every hidden layer with activation
 *     `hidden`, layer[] left zero.  The seed's network is
 *     { .n_layers = 3, .sizes = {2, 10, 10, 1}, .hidden = BP_ACT_SIGMOID,
 *       .bias = 0, .loss = BP_LOSS_BCE } (output left zero: sigmoid);
 *   - layer list: input (the shape of a sample) and layer[0..n_layers-1],
 *     the last a dense layer of the outputs; sizes[] is then derived.
 * bp_arch_resolve (which bp_net_new calls) fills in the other form:
 * after it, layer[l] describes layer l with its shapes, sizes[l] is the
 * flat size of layer l's input (sizes[n_layers]: the outputs), and
 * `hidden` the first hidden activation (for display).
 * Valid output/loss pairs: sigmoid with bce or mse, softmax with ce (at
 * least two outputs), linear with mse.
 */
typedef struct {
    int n_layers;
    size_t sizes[BP_MAX_LAYERS + 1];
    bp_activation hidden;
    int bias;
    bp_loss loss;
    bp_output output;
    bp_shape input;                 /* layer list: a sample's shape     */
    bp_layer layer[BP_MAX_LAYERS];  /* layer list: the layers           */
} bp_arch;

/* Name <-> value of a layer kind ("dense", "conv", "maxpool", "avgpool",
 * "dropout"), as the enumerations above. */
const char *bp_layer_kind_name(bp_layer_kind k);
bp_status bp_layer_kind_parse(const char *name, bp_layer_kind *out);

/*
 * Fills the form of arch that is missing (see bp_arch) and checks it:
 * every layer fits its input (BP_EINVAL naming the layer, counted from 1,
 * and the shapes when one does not), the limits, the output/loss pair.
 */
bp_status bp_arch_resolve(bp_arch *arch, bp_error *err);

/*
 * The --layers grammar: comma-separated items, each a kind with its
 * numbers joined by colons or an activation name that applies to the
 * layer before it:
 *   conv:FILTERS:K[:sS][:valid]  maxpool:K  avgpool:K  dense:UNITS
 *   dropout:RATE  relu  tanh  sigmoid  none
 * bp_layers_parse appends the hidden layers of text to arch's layer list
 * (n_layers of them so far, as the CLI builds it; the output layer is the
 * caller's to add); a layer with no activation named has none.
 * bp_layers_format writes arch's layers but the output one in that
 * grammar (NUL-terminated, truncated to size; returns the length it
 * needed, as snprintf does).
 */
bp_status bp_layers_parse(const char *text, bp_arch *arch, bp_error *err);
size_t bp_layers_format(const bp_arch *arch, char *buf, size_t size);

typedef struct bp_net bp_net;

/* Check an architecture against the documented limits. */
bp_status bp_arch_check(const bp_arch *arch, bp_error *err);

/* A network with all parameters zero.  Returns NULL and fills err on a bad
 * architecture or when memory runs out.  Free with bp_net_free. */
bp_net *bp_net_new(const bp_arch *arch, bp_error *err);
void bp_net_free(bp_net *net);
bp_net *bp_net_clone(const bp_net *net, bp_error *err);

const bp_arch *bp_net_arch(const bp_net *net);

/*
 * All parameters in one contiguous block, layer after layer: W1 [out][in],
 * b1 [out] (when the network has biases), W2, b2, ...  The gradient and the
 * optimizer state use the same layout.
 */
size_t bp_net_param_count(const bp_net *net);
double *bp_net_params(bp_net *net);
const double *bp_net_params_const(const bp_net *net);
/* Layer l (0-based) weight matrix and bias vector (NULL without bias). */
double *bp_net_weight(bp_net *net, int l);
double *bp_net_bias(bp_net *net, int l);

/* Draw the weights (biases become zero).  For BP_INIT_NUMPY the weights are
 * drawn as numpy's w1 = rng.randn(h1, in); w2 = rng.randn(h2, h1); ... */
bp_status bp_net_init(bp_net *net, bp_init init, uint64_t seed,
                      bp_error *err);

/* --------------------------------------------------------------- data sets */

/* n samples, x is n x n_in, y is n x n_out (targets in [0,1]). */
typedef struct {
    size_t n, n_in, n_out;
    double *x;
    double *y;
} bp_dataset;

bp_dataset *bp_dataset_new(size_t n, size_t n_in, size_t n_out, bp_error *err);
void bp_dataset_free(bp_dataset *ds);

/* n points uniform in [0,1]^2, label 0 if x > y else 1.  With numpy != 0 the
 * points are numpy's RandomState(seed).uniform(0, 1, (n, 2)). */
bp_dataset *bp_data_linear(size_t n, uint64_t seed, int numpy, bp_error *err);
/* The seed's 21 XOR points in the seed's order. */
bp_dataset *bp_data_xor(bp_error *err);

/* The generated data sets, one row each of a table (src/data/dataset.c:
 * name and generator) ending in the count. */
typedef enum {
    BP_GEN_LINEAR = 0,   /* bp_data_linear */
    BP_GEN_XOR,          /* bp_data_xor (n, seed and numpy unused) */
    BP_GEN_COUNT
} bp_generated;

/* "linear", "xor"; "unknown" out of range. */
const char *bp_generated_name(bp_generated g);
/* BP_EINVAL for a name that is no generated set (*out untouched). */
bp_status bp_generated_parse(const char *name, bp_generated *out);
/* Set g with n points from seed (numpy: numpy's stream), as its own
 * function above makes it. */
bp_dataset *bp_generate(bp_generated g, size_t n, uint64_t seed, int numpy,
                        bp_error *err);

/* ------------------------------------------------------------ reading data */

/*
 * A table read from a file: n rows of d numeric features, and one target
 * per row.  For classification the target is a class index 0..n_classes-1,
 * with the classes' original text in class_names (so that predictions can
 * print the original label).  A CSV's classes are ordered by value when
 * every label is a number ("0", "1", "2", "10", as scikit-learn's classes_),
 * by their bytes otherwise; an IDX file's are its labels 0, 1, 2, ....
 * label_value keeps each row's label as a number (NaN where the label text
 * is not a finite number), for a caller that decides to treat a numeric
 * label column as a regression target.  A table with a single class is
 * returned as it is: whether one class is enough is the caller's business.
 * All strings and arrays are owned by the table; free with bp_table_free.
 */
typedef struct {
    size_t n, d;
    double *x;               /* n x d, row-major                          */
    double *target;          /* n: class index, or the numeric value      */
    size_t n_classes;        /* distinct labels                           */
    char **class_names;      /* n_classes labels as they appear in the file */
    char **feature_names;    /* d names (header names, or "x1", "x2", ...) */
    int labels_numeric;      /* every label parses as a finite number     */
    double *label_value;     /* n: the label as a number, NaN if it is not */
    /* How a CSV was read, for a model to remember (zero for IDX files):
     * the label column's header name, or its 0-based index as text (NULL
     * when read with no_label); the delimiter used; 1 when the first row
     * was a header. */
    char *label_name;
    char delimiter;
    int header;
} bp_table;

/* Limits of the readers, so that a forged or mistaken file cannot ask for an
 * absurd allocation.  A table holds at most BP_MAX_TABLE_VALUES features in
 * all (n x d, 2 GiB of doubles, the data sets' cap); a CSV row has at most
 * BP_MAX_CSV_COLUMNS fields of at most BP_MAX_CSV_FIELD bytes each; an IDX
 * file has at most BP_MAX_IDX_ITEMS images (or labels) of at most
 * BP_MAX_IDX_PIXELS pixels. */
#define BP_MAX_TABLE_VALUES ((size_t)1 << 28)
#define BP_MAX_CSV_COLUMNS  ((size_t)1 << 20)
#define BP_MAX_CSV_FIELD    ((size_t)1 << 20)
#define BP_MAX_IDX_ITEMS    ((size_t)10000000)
#define BP_MAX_IDX_PIXELS   ((size_t)1 << 16)

void bp_table_free(bp_table *t);

typedef struct {
    int header;              /* -1: detect (default), 0: no header, 1: header */
    char delimiter;          /* field separator; 0: detected (below)       */
    const char *label;       /* label column: a header name or a 0-based
                                index as text; NULL: the last column       */
    int no_label;            /* 1: no label column, every column is a
                                feature (rows to predict); target 0 and
                                label_value NaN, no classes               */
} bp_csv_opts;

/*
 * Reads a CSV file (opts NULL: the defaults above; note that the zero
 * struct means "no header", so start from {.header = -1}).  With delimiter
 * 0 the delimiter is the one of comma, tab and semicolon found most often
 * outside quotes on the first line (comma on a tie or when none is); a
 * file that this reads as one column is an error that names the
 * delimiter.  Tokenised by
 * libcsv in strict mode: quoted fields (with "" for a quote, and line breaks
 * inside), CRLF line ends, a UTF-8 byte order mark and blank lines anywhere
 * are accepted; spaces and tabs around unquoted fields are dropped; a stray
 * quote is an error.
 *
 * The label: a label made only of digits is a 0-based column index; any
 * other text is a header name (and implies a header).  Each row's label text
 * is a class (ordered as said above); an empty label is an error.  Every other column is a feature: the field, spaces trimmed, must
 * be all of one strtod number (C locale) and finite; "nan", "inf" and ""
 * are errors.
 *
 * Header detection (header == -1): the first row is a header when one of
 * its feature fields is not a number while every feature field of the
 * second row is one; a file of one row is a header (and then an error, no
 * data) when one of its feature fields is not a number.
 *
 * Errors name the file, the line (counted by '\n', 1-based, the line where
 * the field starts) and the column (1-based field number) where there is
 * one: "iris.csv:12:3: feature 'petal_length' is not a number: 'abc'",
 * "iris.csv:7: expected 5 fields, got 4", "iris.csv: no column 'foo'
 * (columns: a, b, c)", "iris.csv: empty file".
 */
bp_table *bp_csv_read(const char *path, const bp_csv_opts *opts,
                      bp_error *err);

/*
 * Reads an IDX image file and its IDX label file (the MNIST family's
 * format), raw or gzip-compressed (by content, not by name).  Images must be
 * unsigned bytes (type 0x08) with 3 dimensions (count, rows, columns),
 * labels unsigned bytes with 1 dimension, and the two counts must agree.
 * Pixels are scaled to [0, 1] (p / 255.0) into x, n x (rows * columns);
 * target and label_value are the labels, n_classes is the largest label + 1
 * with names "0", "1", ...; feature_names are "px1", "px2", ....
 * Sizes in the headers are checked against the limits above before anything
 * is allocated, and the data is read (as bytes, in a buffer that grows as
 * data arrives) before the doubles are allocated, so a forged header in a
 * small file costs no large allocation.  A file with less data than its
 * header says, a truncated gzip stream, or bytes after the announced data
 * are errors (data after the end of a gzip stream is ignored by zlib).
 */
bp_table *bp_idx_read(const char *images_path, const char *labels_path,
                      bp_error *err);

/* ---------------------------------------------------------------- training */

/* Forward pass: out (n x n_out, row-major) = net(x). */
bp_status bp_predict(const bp_net *net, const double *x, size_t n,
                     double *out, bp_error *err);

/* Mean loss and accuracy (percent, 0..100) of the network on a data set.
 * A sample is right when p > 0.5 matches its 0/1 target (one output) or
 * when the largest output is the largest target (several outputs). */
bp_status bp_evaluate(const bp_net *net, const bp_dataset *ds,
                      double *loss, double *accuracy, bp_error *err);

/* Loss of predictions p against targets y, n samples of k values each (in
 * either layout): BCE and MSE are the mean over all k n values, CE the mean
 * over the samples of -sum_k y log p. */
double bp_loss_value(bp_loss loss, const double *p, const double *y,
                     size_t k, size_t n);

/*
 * How bp_predict_with and bp_evaluate_with run: the kernels' instruction
 * set, as bp_train_opts.isa chooses a trainer's (BP_ISA_AUTO the widest
 * this CPU runs, what bp_predict and bp_evaluate run; BP_ISA_NAIVE the
 * reference kernels, whose results are the same bits on every machine),
 * and the arithmetic: BP_F32 runs the passes in float, as a float trainer
 * does (a network trained in float, evaluated at its training's
 * precision and about twice the speed; the inputs converted as they are
 * loaded, the outputs widened).  Zero is auto and double.
 */
typedef struct {
    bp_isa isa;
    bp_dtype dtype;
} bp_eval_opts;

/* bp_predict and bp_evaluate run as `run` says.  No global state: each
 * call takes its own.  An isa out of range or that this CPU does not run,
 * or an unknown dtype, is BP_EINVAL with a message naming it. */
bp_status bp_predict_with(const bp_net *net, bp_eval_opts run,
                          const double *x, size_t n, double *out,
                          bp_error *err);
bp_status bp_evaluate_with(const bp_net *net, bp_eval_opts run,
                           const bp_dataset *ds, double *loss,
                           double *accuracy, bp_error *err);

#define BP_MAX_THREADS 64

/*
 * Training options.  Fields after momentum may be left zero: a zero means
 * the default given beside it, so {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,
 * .momentum = 0.9} is the seed's training.
 */
typedef struct {
    bp_optimizer optimizer;
    double lr;
    double momentum;     /* mu of momentum and Nesterov, in [0, 1)      */
    double beta1;        /* Adam's first-moment decay [0.9]             */
    double beta2;        /* Adam's second-moment decay [0.999]          */
    double rho;          /* RMSprop's decay [0.99]                      */
    double eps;          /* RMSprop's and Adam's epsilon [1e-8]         */
    double weight_decay; /* L2 penalty on the weights (not biases) [0]  */
    size_t batch;        /* samples per step; 0 or >= n: full batch     */
    uint64_t shuffle_seed; /* mini-batch order, reshuffled every epoch  */
    bp_dtype dtype;      /* arithmetic of the passes and the update [f64] */
    int threads;         /* threads sharing each batch [1], at most
                          * BP_MAX_THREADS                              */
    bp_isa isa;          /* the kernels' instruction set, chosen once
                          * for the trainer [auto]; one this CPU lacks
                          * is refused (BP_EINVAL)                      */
} bp_train_opts;

/*
 * The command's training defaults for a C caller: momentum 0.9 at lr 0.1
 * (the seed's optimizer), Adam's beta1 0.9, beta2 0.999, RMSprop's rho
 * 0.99, eps 1e-8, full batch, f64, one thread.  Start from it and change
 * what you need: a zero struct means plain SGD at lr 0, which the trainer
 * refuses.
 */
bp_train_opts bp_train_opts_default(void);
#define BP_TRAIN_OPTS_DEFAULT                                                \
    ((bp_train_opts){.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,                \
                     .momentum = 0.9, .beta1 = 0.9, .beta2 = 0.999,          \
                     .rho = 0.99, .eps = 1e-8, .threads = 1})

typedef struct bp_trainer bp_trainer;

/*
 * A trainer owns every buffer a full-batch epoch needs, so that training
 * allocates nothing per epoch.  It keeps pointers to net and ds, which must
 * outlive it.
 */
bp_trainer *bp_trainer_new(bp_net *net, const bp_dataset *ds,
                           const bp_train_opts *opts, bp_error *err);
void bp_trainer_free(bp_trainer *tr);

/*
 * One epoch.  Full batch (the seed's way): forward over the whole set, loss,
 * backward, gradient averaged over the samples, one optimizer step; *loss
 * receives the loss of this epoch's forward pass (before the step).  With
 * mini-batches: the samples are reshuffled (from opts.shuffle_seed and the
 * epoch's number, so runs repeat exactly), and each batch takes one step; *loss is the mean over the
 * epoch's batches, weighted by their sizes.  Returns BP_EDIVERGED when a
 * loss or an updated weight is not finite.
 */
bp_status bp_trainer_epoch(bp_trainer *tr, double *loss, bp_error *err);

/* Called by bp_trainer_epoch after each mini-batch but the epoch's last,
 * on the caller's thread, with the samples done and the epoch's total: a
 * command shows progress within a long epoch with it.  NULL: none (the
 * default). */
typedef void (*bp_batch_fn)(void *ctx, size_t done, size_t total);
void bp_trainer_on_batch(bp_trainer *tr, bp_batch_fn fn, void *ctx);

/* The optimizer's state (bp_optimizer_state_len doubles) and the number of
 * steps taken, for saving a run that will be resumed.  A float trainer
 * widens its state into a buffer of its own here: the pointer stays valid
 * until the next call on the trainer, and two threads must not call this
 * on one trainer at once. */
const double *bp_trainer_state(const bp_trainer *tr, size_t *len,
                               uint64_t *steps);
/* Restores a state saved from a trainer with the same optimizer and
 * network shape, after `epochs` epochs (which fixes the mini-batch order
 * of the epochs to come); BP_EINVAL when the length does not match. */
bp_status bp_trainer_restore(bp_trainer *tr, const double *state, size_t len,
                             uint64_t steps, size_t epochs, bp_error *err);

/* Accuracy in percent of the last epoch's forward passes (each before its
 * update), as bp_evaluate counts it; 0 before the first epoch. */
double bp_trainer_accuracy(const bp_trainer *tr);

/* Gradient of the mean loss over ds at the net's current weights, into grad
 * (bp_net_param_count long, the parameter layout). *loss receives the loss.
 * Dropout layers drop as in training, with the masks of step 0 of seed 0
 * (bp_gradcheck holds them so while it moves the weights). */
bp_status bp_gradient(const bp_net *net, const bp_dataset *ds, double *grad,
                      double *loss, bp_error *err);
/* The same with the kernels' instruction set (as bp_eval_opts.isa; the
 * gradient is always taken in double). */
bp_status bp_gradient_with(const bp_net *net, bp_isa isa,
                           const bp_dataset *ds, double *grad, double *loss,
                           bp_error *err);

/* Doubles of optimizer state for count parameters (Adam keeps two
 * moments, the others one vector or none). */
size_t bp_optimizer_state_len(bp_optimizer o, size_t count);

/* Step t (1-based) of the optimizer on params with gradient grad (the
 * gradient of the mean loss).  state holds bp_optimizer_state_len doubles,
 * zero before the first step. */
void bp_optimizer_step(const bp_train_opts *opts, double *params,
                       const double *grad, double *state, size_t count,
                       uint64_t t);

/*
 * Finite-difference check: for every parameter, compares the analytic
 * gradient with (L(p+h) - L(p-h)) / 2h.  *max_rel_err is the largest
 * |a - n| / max(|a|, |n|, 1e-4); *max_abs_grad the largest |a| (so that a
 * caller can refuse a trivially zero gradient).
 */
bp_status bp_gradcheck(const bp_net *net, const bp_dataset *ds, double h,
                       double *max_rel_err, double *max_abs_grad,
                       bp_error *err);
/* The same with the kernels' instruction set (as bp_gradient_with). */
bp_status bp_gradcheck_with(const bp_net *net, bp_isa isa,
                            const bp_dataset *ds, double h,
                            double *max_rel_err, double *max_abs_grad,
                            bp_error *err);

/* ------------------------------------------------------------- model files */

/*
 * Model files use the safetensors layout: an 8-byte little-endian header
 * length, a JSON header naming each tensor's dtype, shape and data offsets,
 * then the raw little-endian data.  The architecture is in __metadata__.
 * bp_model_save writes atomically: a temporary file in the same folder,
 * fsync, then rename, so a crash never leaves a half-written model.
 */
bp_status bp_model_save(const bp_net *net, const char *path, bp_error *err);
bp_net *bp_model_load(const char *path, bp_error *err);
/* The same from a buffer (for tests and fuzzing). */
bp_net *bp_model_load_buffer(const unsigned char *buf, size_t len,
                             bp_error *err);

/*
 * What a model needs beyond its weights to predict from raw data: the class
 * names, in class-index order (metadata "classes", a JSON array as text),
 * and the inputs' standardisation x' = (x - mean) / std (tensors
 * "standardize.mean" and "standardize.std", sizes[0] each).  Each part is
 * optional (NULL / 0).  The loaders fill it (owned by the caller: free with
 * bp_model_extra_free); the plain loaders ignore it.
 */
typedef struct {
    size_t n_classes;
    char **class_names;
    double *mean, *std;
    /* To resume training (metadata "optimizer", "optimizer_steps",
     * "epochs" and the tensor "optimizer.state"); state NULL when the
     * model was saved without it. */
    double *state;
    size_t state_len;
    uint64_t steps;
    size_t epochs;            /* epochs trained so far (0: unknown)     */
    bp_optimizer optimizer;
    /* How the training CSV was read, so that test and predict need none
     * of train's options (metadata "label", "delimiter", "header"; saved
     * when label is not NULL): the label column's header name or 0-based
     * index as text, the delimiter, and header 1 or 0 (-1: not known). */
    char *label;
    char delimiter;
    int header;
    /* A regression target's standardisation y' = (y - target_mean) /
     * target_std (metadata "target_mean", "target_std"; target_std 0:
     * none).  The network predicts y'; bp_model_predict answers y. */
    double target_mean, target_std;
} bp_model_extra;

bp_status bp_model_save_extra(const bp_net *net, const bp_model_extra *extra,
                              const char *path, bp_error *err);
bp_net *bp_model_load_extra(const char *path, bp_model_extra *extra,
                            bp_error *err);
bp_net *bp_model_load_buffer_extra(const unsigned char *buf, size_t len,
                                   bp_model_extra *extra, bp_error *err);
void bp_model_extra_free(bp_model_extra *extra);

/*
 * Predictions from raw inputs, as the command's predict makes them: the
 * inputs x (n x sizes[0], row-major, in the file's units) are standardised
 * with extra's mean and std (when it has them), the network runs (as
 * bp_predict), and a regression's outputs are brought back to the target's
 * units with extra's target_mean and target_std.  extra NULL: bp_predict.
 * bp_predict itself stays the network's forward pass on inputs that are
 * already standardised (as the trainer and bp_evaluate see them).
 */
bp_status bp_model_predict(const bp_net *net, const bp_model_extra *extra,
                           const double *x, size_t n, double *out,
                           bp_error *err);
/* The same run as `run` says (as bp_predict_with). */
bp_status bp_model_predict_with(const bp_net *net,
                                const bp_model_extra *extra, bp_eval_opts run,
                                const double *x, size_t n, double *out,
                                bp_error *err);

/* (x - mean[f]) / std[f] in place, for n rows of d features (row-major),
 * as bp_prepare and bp_model_predict standardise: a difference that would
 * overflow is taken as x / std - mean / std, and an infinite result is
 * clamped to +-DBL_MAX. */
void bp_standardize(double *x, size_t n, size_t d, const double *mean,
                    const double *std);

/* ------------------------------------------------- tables to training sets */

typedef enum {
    BP_TASK_AUTO = 0,         /* regression when bp_task_detect says so */
    BP_TASK_CLASSIFICATION,
    BP_TASK_REGRESSION
} bp_task;

/*
 * Whether a table's labels are a regression target: every label is a
 * number, and either one of them is not a whole number (scikit-learn's
 * "continuous"), or there are too many distinct values to learn as
 * classes from the rows: more than 20 with fewer than 10 rows each on
 * average, or more than 2 with fewer than 2 rows each.
 * Returns BP_TASK_REGRESSION or BP_TASK_CLASSIFICATION.
 */
bp_task bp_task_detect(const bp_table *t);

/*
 * How bp_prepare turns a table into data sets, as the command does.  The
 * zero struct is the command's default: task detected, inputs (and a
 * regression target) standardised, no test set, every row.
 */
typedef struct {
    bp_task task;
    int no_standardize;      /* 1: keep inputs and targets as they are    */
    double split;            /* fraction of rows held out as the test set,
                                shuffled from split_seed (0: none)         */
    uint64_t split_seed;
    size_t limit;            /* keep the first rows of each set (0: all)   */
} bp_prepare_opts;

/* What bp_prepare makes; free with bp_prepared_free. */
typedef struct {
    bp_dataset *train;       /* the rows to learn from                    */
    bp_dataset *test;        /* the held-out rows, or NULL                */
    bp_task task;            /* classification or regression, decided     */
    int task_detected;       /* 1: AUTO chose regression from the labels  */
    bp_output output;        /* the output layer and the loss the task    */
    bp_loss loss;            /* calls for (see below)                     */
    bp_model_extra extra;    /* class names, standardisation, the CSV's
                                label column and delimiter: save it with
                                the network (bp_model_save_extra)         */
} bp_prepared;

/*
 * Turns table t into data sets.  Classification: two classes give one
 * 0/1 target (sigmoid output, BCE), more give one-hot targets (softmax,
 * CE); a single class is an error.  Regression (numeric labels only): the
 * label value, linear output, MSE.  The split (when asked) comes first,
 * then the limit; then each feature's mean and standard deviation on the
 * training rows standardise both sets (a constant feature keeps std 1),
 * and a regression target is standardised the same way; the statistics
 * are computed so that no value a CSV can hold makes them overflow.  The
 * features move out of t (t->x becomes NULL); free t as usual.
 */
bp_status bp_prepare(bp_table *t, const bp_prepare_opts *opts,
                     bp_prepared *out, bp_error *err);

/*
 * Shapes table t for a model that was trained as described by extra and
 * net: its class names map the labels (a class the model never saw is an
 * error naming it and the model's classes), its standardisation is
 * applied to the inputs and a regression target.  limit as above.
 */
bp_dataset *bp_prepare_for_model(bp_table *t, const bp_net *net,
                                 const bp_model_extra *extra, size_t limit,
                                 bp_error *err);

/* A test set from another file (table t, same columns) for a prepared
 * training set: classes matched by name (a class the training data lacks
 * is an error that names it), p's standardisation applied, into p->test
 * (which must be empty).  limit as above. */
bp_status bp_prepare_test(bp_prepared *p, bp_table *t, size_t limit,
                          bp_error *err);

/* Moves a shuffled fraction (0 < fraction < 1) of *from into a new set
 * *held; *from is replaced by the rest.  The shuffle is seeded: the same
 * seed holds out the same rows.  Fails when either part would be empty. */
bp_status bp_dataset_split(bp_dataset **from, bp_dataset **held,
                           double fraction, uint64_t seed, bp_error *err);

void bp_prepared_free(bp_prepared *p);

#ifdef __cplusplus
}
#endif

#endif /* BACKPROP_H */
