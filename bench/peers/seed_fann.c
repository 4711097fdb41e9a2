/*
 * seed_fann.c - the seed report's 2-10-10-1 sigmoid network trained by FANN.
 *
 * FANN (libfann-dev, double precision through doublefann.h) the way its
 * manual shows: fann_create_standard(4, 2, 10, 10, 1), FANN_SIGMOID on the
 * hidden and output layers, FANN_TRAIN_BATCH, learning rate 0.1, and
 * fann_train_epoch over the whole data set for a fixed number of epochs.
 *
 * What differs from the report, and cannot be switched off in FANN:
 *   - every layer has a bias (FANN's bias neurons); with --weights they start
 *     at 0, but they train;
 *   - FANN trains on its own squared error, not on cross-entropy: the output
 *     delta is sigmoid'(z) * e, where e is (target - output) passed through
 *     the default FANN_ERRORFUNC_TANH, e' = log((1 + e) / (1 - e)), or plain
 *     e with --errorfunc linear.  FANN clips the sigmoid's derivative to
 *     outputs in [0.01, 0.99];
 *   - FANN_TRAIN_BATCH has no momentum: w += lr * (summed slope) / n.
 *     FANN's momentum only acts in FANN_TRAIN_INCREMENTAL (one update per
 *     sample); --algorithm incremental --momentum 0.9 selects it.
 * The loss printed is the value fann_train_epoch returns: FANN's MSE of the
 * last epoch (from that epoch's forward pass, before its update).
 *
 *   seed_fann --train FILE [--weights FILE] [--seed S] [--epochs E]
 *             [--lr LR] [--algorithm batch|incremental|rprop|quickprop]
 *             [--momentum M] [--errorfunc tanh|linear]
 *
 * --train is a data file in FANN's format; --weights holds w1, w2, w3
 * row-major [out][in] after a shape line (seed_numpy.py --export-weights).
 * Without --weights the weights are FANN's uniform [-0.1, 0.1] drawn with
 * rand() after srand(seed), so a run is repeatable.
 *
 * Prints train_seconds (CLOCK_MONOTONIC around the epochs only), final_loss
 * and accuracy (fann_run on every point, output > 0.5 against the label).
 */
#define _POSIX_C_SOURCE 200809L

#include <doublefann.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_LAYERS 4

static const unsigned int layer_sizes[N_LAYERS] = {2, 10, 10, 1};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: seed_fann --train FILE [--weights FILE] [--seed S]\n"
            "                 [--epochs E] [--lr LR] [--momentum M]\n"
            "                 [--algorithm batch|incremental|rprop|quickprop]\n"
            "                 [--errorfunc tanh|linear]\n"
            "defaults: --seed 1 --epochs 5000 --lr 0.1 --momentum 0\n"
            "          --algorithm batch --errorfunc tanh (FANN's default)\n");
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == '\0';
}

static int parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0';
}

/* The neuron number of unit 0 in each layer: FANN numbers every neuron,
 * bias neurons included, one layer after the other. */
static void layer_starts(struct fann *ann, unsigned int start[N_LAYERS])
{
    unsigned int layers[N_LAYERS], bias[N_LAYERS];
    fann_get_layer_array(ann, layers);
    fann_get_bias_array(ann, bias);
    start[0] = 0;
    for (int l = 1; l < N_LAYERS; l++)
        start[l] = start[l - 1] + layers[l - 1] + bias[l - 1];
}

/* Reads w1 (10x2), w2 (10x10), w3 (1x10) into the network; biases get 0. */
static int load_weights(struct fann *ann, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "seed_fann: cannot open %s: %s\n", path,
                strerror(errno));
        return 0;
    }
    double *w[N_LAYERS - 1] = {0};
    int ok = 1;
    char shape[256];
    if (!fgets(shape, sizeof shape, f))
        ok = 0;
    for (int l = 0; ok && l < N_LAYERS - 1; l++) {
        size_t count = (size_t)layer_sizes[l + 1] * layer_sizes[l];
        w[l] = malloc(count * sizeof *w[l]);
        if (!w[l]) {
            ok = 0;
            break;
        }
        for (size_t k = 0; ok && k < count; k++)
            ok = fscanf(f, "%lf", &w[l][k]) == 1;
    }
    fclose(f);
    if (!ok) {
        fprintf(stderr, "seed_fann: %s: expected a shape line and %s\n",
                path, "10*2 + 10*10 + 1*10 numbers");
    } else {
        unsigned int start[N_LAYERS];
        layer_starts(ann, start);
        unsigned int n_con = fann_get_total_connections(ann);
        struct fann_connection *con = malloc(n_con * sizeof *con);
        if (!con) {
            ok = 0;
        } else {
            fann_get_connection_array(ann, con);
            for (unsigned int c = 0; c < n_con; c++) {
                int to_layer = N_LAYERS - 1;
                while (to_layer > 0 && con[c].to_neuron < start[to_layer])
                    to_layer--;
                int from_layer = to_layer - 1;
                unsigned int j = con[c].to_neuron - start[to_layer];
                unsigned int i = con[c].from_neuron - start[from_layer];
                if (from_layer < 0 || j >= layer_sizes[to_layer]
                    || i > layer_sizes[from_layer]) {
                    fprintf(stderr, "seed_fann: unexpected connection "
                            "%u -> %u\n", con[c].from_neuron,
                            con[c].to_neuron);
                    ok = 0;
                    break;
                }
                con[c].weight = i == layer_sizes[from_layer]
                    ? 0.0 /* bias */
                    : w[from_layer][(size_t)j * layer_sizes[from_layer] + i];
            }
            if (ok)
                fann_set_weight_array(ann, con, n_con);
            free(con);
        }
    }
    for (int l = 0; l < N_LAYERS - 1; l++)
        free(w[l]);
    return ok;
}

static double seconds_between(const struct timespec *a,
                              const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec)
        + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv)
{
    const char *train_path = NULL, *weights_path = NULL;
    const char *algorithm = "batch", *errorfunc = "tanh";
    long seed = 1, epochs = 5000;
    double lr = 0.1, momentum = 0.0;

    for (int a = 1; a < argc; a++) {
        const char *opt = argv[a];
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage(stdout);
            return 0;
        }
        if (a + 1 >= argc) {
            fprintf(stderr, "seed_fann: %s needs a value\n", opt);
            usage(stderr);
            return 2;
        }
        const char *val = argv[++a];
        int ok = 1;
        if (!strcmp(opt, "--train"))
            train_path = val;
        else if (!strcmp(opt, "--weights"))
            weights_path = val;
        else if (!strcmp(opt, "--algorithm"))
            algorithm = val;
        else if (!strcmp(opt, "--errorfunc"))
            errorfunc = val;
        else if (!strcmp(opt, "--seed"))
            ok = parse_long(val, &seed) && seed >= 0;
        else if (!strcmp(opt, "--epochs"))
            ok = parse_long(val, &epochs) && epochs >= 0;
        else if (!strcmp(opt, "--lr"))
            ok = parse_double(val, &lr) && lr > 0;
        else if (!strcmp(opt, "--momentum"))
            ok = parse_double(val, &momentum) && momentum >= 0;
        else {
            fprintf(stderr, "seed_fann: unknown option %s\n", opt);
            usage(stderr);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "seed_fann: bad value for %s: %s\n", opt, val);
            return 2;
        }
    }
    if (!train_path) {
        fprintf(stderr, "seed_fann: --train FILE is required\n");
        usage(stderr);
        return 2;
    }

    enum fann_train_enum algo;
    if (!strcmp(algorithm, "batch"))
        algo = FANN_TRAIN_BATCH;
    else if (!strcmp(algorithm, "incremental"))
        algo = FANN_TRAIN_INCREMENTAL;
    else if (!strcmp(algorithm, "rprop"))
        algo = FANN_TRAIN_RPROP;
    else if (!strcmp(algorithm, "quickprop"))
        algo = FANN_TRAIN_QUICKPROP;
    else {
        fprintf(stderr, "seed_fann: unknown --algorithm %s\n", algorithm);
        return 2;
    }
    enum fann_errorfunc_enum errfn;
    if (!strcmp(errorfunc, "tanh"))
        errfn = FANN_ERRORFUNC_TANH;
    else if (!strcmp(errorfunc, "linear"))
        errfn = FANN_ERRORFUNC_LINEAR;
    else {
        fprintf(stderr, "seed_fann: unknown --errorfunc %s\n", errorfunc);
        return 2;
    }

    struct fann_train_data *data = fann_read_train_from_file(train_path);
    if (!data) {
        fprintf(stderr, "seed_fann: cannot read training data %s\n",
                train_path);
        return 2;
    }
    if (fann_num_input_train_data(data) != layer_sizes[0]
        || fann_num_output_train_data(data) != layer_sizes[N_LAYERS - 1]) {
        fprintf(stderr, "seed_fann: %s: expected %u inputs and %u output\n",
                train_path, layer_sizes[0], layer_sizes[N_LAYERS - 1]);
        fann_destroy_train(data);
        return 2;
    }

    struct fann *ann = fann_create_standard(N_LAYERS, layer_sizes[0],
                                            layer_sizes[1], layer_sizes[2],
                                            layer_sizes[3]);
    if (!ann) {
        fprintf(stderr, "seed_fann: fann_create_standard failed\n");
        fann_destroy_train(data);
        return 1;
    }
    fann_set_activation_function_hidden(ann, FANN_SIGMOID);
    fann_set_activation_function_output(ann, FANN_SIGMOID);
    fann_set_training_algorithm(ann, algo);
    fann_set_learning_rate(ann, (float)lr);
    fann_set_learning_momentum(ann, (float)momentum);
    fann_set_train_error_function(ann, errfn);
    if (weights_path) {
        if (!load_weights(ann, weights_path)) {
            fann_destroy(ann);
            fann_destroy_train(data);
            return 2;
        }
    } else {
        srand((unsigned int)seed);
        fann_randomize_weights(ann, -0.1, 0.1);
    }

    float mse = 0.0f;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long e = 0; e < epochs; e++)
        mse = fann_train_epoch(ann, data);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    unsigned int n = fann_length_train_data(data), correct = 0;
    for (unsigned int k = 0; k < n; k++) {
        const fann_type *out = fann_run(ann, data->input[k]);
        int predicted = out[0] > 0.5;
        int label = data->output[k][0] > 0.5;
        correct += predicted == label;
    }

    printf("train_seconds %.6f\n", seconds_between(&t0, &t1));
    printf("final_loss %.9g\n", (double)mse);
    printf("accuracy %.4f\n", 100.0 * correct / n);
    printf("loss_name fann-mse(errorfunc=%s)\n", errorfunc);
    printf("fann algorithm %s lr %g momentum %g init %s\n", algorithm, lr,
           momentum, weights_path ? "numpy" : "fann-uniform0.1");

    fann_destroy(ann);
    fann_destroy_train(data);
    return 0;
}
