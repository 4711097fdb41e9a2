/*
 * fuzz_model.c - libFuzzer harness for the model loader.
 *
 * The input is a candidate model file.  bp_model_load_buffer_extra must
 * either refuse it with an error message or return a network and its
 * extras (classes, standardisation, optimizer state); never crash, leak or
 * allocate without bound (mk/fuzz.mk runs it with -malloc_limit_mb=64).
 * When a network loads, the harness also
 *   - checks that the plain bp_model_load_buffer loads the same network;
 *   - runs bp_predict on a few input rows (0, 1, -1, large, tiny values),
 *     unless a layer list's activations would take more than a few MB (a
 *     small file may describe a 1x4096x4096 input: its predictions are
 *     the caller's memory, not the loader's);
 *   - saves it with its extras (bp_model_save_extra) to a temporary file (in
 *     /dev/shm when it exists, so that fsync costs nothing), loads that file
 *     back and checks that the architecture, every parameter and every
 *     extra are bit-identical;
 *   - saves the reloaded network again and checks that both files have the
 *     same bytes (saving is a function of the network and extras alone).
 * Any disagreement calls abort(), which libFuzzer reports as a crash.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude -Isrc ... (mk/fuzz.mk)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"

static char path_a[256], path_b[256];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL;
    if (!dir)
        dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(path_a, sizeof path_a, "%s/bp-fuzz-model.%ld.a.bpm", dir,
             (long)getpid());
    snprintf(path_b, sizeof path_b, "%s/bp-fuzz-model.%ld.b.bpm", dir,
             (long)getpid());
    return 0;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_model: %s%s%s\n", what, msg ? ": " : "",
            msg ? msg : "");
    abort();
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot reopen the saved model", path);
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    if (!buf)
        die("out of memory", NULL);
    *len = n;
    return buf;
}

static void same_net(const bp_net *a, const bp_net *b)
{
    const bp_arch *x = bp_net_arch(a), *y = bp_net_arch(b);
    if (x->n_layers != y->n_layers || x->hidden != y->hidden ||
        x->bias != y->bias || x->loss != y->loss)
        die("the reloaded architecture differs", NULL);
    for (int l = 0; l <= x->n_layers; l++)
        if (x->sizes[l] != y->sizes[l])
            die("the reloaded layer sizes differ", NULL);
    if (x->input.c != y->input.c || x->input.h != y->input.h ||
        x->input.w != y->input.w || x->output != y->output)
        die("the reloaded input shape or output differs", NULL);
    for (int l = 0; l < x->n_layers; l++) {
        const bp_layer *p = &x->layer[l], *q = &y->layer[l];
        if (p->kind != q->kind || p->units != q->units || p->k != q->k ||
            p->valid != q->valid || p->act != q->act ||
            memcmp(&p->rate, &q->rate, sizeof p->rate) != 0 ||
            (p->kind == BP_LAYER_CONV && p->stride != q->stride))
            die("a reloaded layer differs", NULL);
    }
    size_t n = bp_net_param_count(a);
    if (n != bp_net_param_count(b))
        die("the reloaded parameter count differs", NULL);
    if (memcmp(bp_net_params_const(a), bp_net_params_const(b),
               n * sizeof(double)) != 0)
        die("the reloaded parameters are not bit-identical", NULL);
}

static void same_doubles(const double *a, const double *b, size_t n,
                         const char *what)
{
    if ((a == NULL) != (b == NULL) ||
        (a && n && memcmp(a, b, n * sizeof(double)) != 0))
        die("a reloaded extra differs", what);
}

static void same_extra(const bp_net *net, const bp_model_extra *a,
                       const bp_model_extra *b)
{
    if (a->n_classes != b->n_classes)
        die("a reloaded extra differs", "number of classes");
    for (size_t k = 0; k < a->n_classes; k++)
        if (strcmp(a->class_names[k], b->class_names[k]) != 0)
            die("a reloaded extra differs", "class name");
    size_t d = bp_net_arch(net)->sizes[0];
    same_doubles(a->mean, b->mean, d, "standardize.mean");
    same_doubles(a->std, b->std, d, "standardize.std");
    if (a->state_len != b->state_len)
        die("a reloaded extra differs", "optimizer state length");
    same_doubles(a->state, b->state, a->state_len, "optimizer.state");
    if (a->state && (a->steps != b->steps || a->optimizer != b->optimizer))
        die("a reloaded extra differs", "optimizer or steps");
    if (a->epochs != b->epochs)
        die("a reloaded extra differs", "epochs");
}

static void predict_some(const bp_net *net)
{
    static const double values[] = {0.0, 1.0, -1.0, 0.5, 1e300, -1e-300};
    const size_t rows = sizeof values / sizeof values[0];
    const bp_arch *a = bp_net_arch(net);
    size_t n_in = a->sizes[0], n_out = a->sizes[a->n_layers], width = 0;
    for (int l = 0; l <= a->n_layers; l++)
        width += a->sizes[l];
    if (width > ((size_t)1 << 16))
        return;
    double *x = malloc(rows * n_in * sizeof *x);
    double *out = malloc(rows * n_out * sizeof *out);
    if (!x || !out)
        die("out of memory", NULL);
    for (size_t r = 0; r < rows; r++)
        for (size_t k = 0; k < n_in; k++)
            x[r * n_in + k] = values[(r + k) % rows];
    bp_error err;
    if (bp_predict(net, x, rows, out, &err) != BP_OK)
        die("bp_predict failed on a loaded network", err.msg);
    /* A sigmoid or softmax output outside [0, 1] is wrong (NaN can come
     * from inf - inf in an unbounded hidden layer); a linear one is free. */
    for (size_t k = 0; a->output != BP_OUT_LINEAR && k < rows * n_out; k++)
        if (out[k] < 0.0 || out[k] > 1.0)
            die("a sigmoid or softmax output outside [0, 1]", NULL);
    free(x);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bp_error err;
    memset(&err, 0, sizeof err);
    bp_model_extra extra;
    bp_net *net = bp_model_load_buffer_extra(data, size, &extra, &err);
    if (!net) {
        if (err.code == BP_OK || err.msg[0] == '\0' ||
            memchr(err.msg, '\0', sizeof err.msg) == NULL)
            die("a refused model without a status and message", NULL);
        /* The extras of a refused model are left empty. */
        if (extra.class_names || extra.mean || extra.std || extra.state)
            die("a refused model left extras allocated", NULL);
        return 0;
    }
    bp_net *plain = bp_model_load_buffer(data, size, &err);
    if (!plain)
        die("the plain loader refuses a model the extra loader reads",
            err.msg);
    same_net(net, plain);
    bp_net_free(plain);
    predict_some(net);

    if (bp_model_save_extra(net, &extra, path_a, &err) != BP_OK)
        die("saving a loaded model failed", err.msg);
    bp_model_extra extra_back;
    bp_net *back = bp_model_load_extra(path_a, &extra_back, &err);
    if (!back)
        die("a saved model does not load", err.msg);
    same_net(net, back);
    same_extra(net, &extra, &extra_back);

    if (bp_model_save_extra(back, &extra_back, path_b, &err) != BP_OK)
        die("saving a reloaded model failed", err.msg);
    size_t la, lb;
    unsigned char *fa = read_file(path_a, &la);
    unsigned char *fb = read_file(path_b, &lb);
    if (la != lb || memcmp(fa, fb, la) != 0)
        die("two saves of the same network differ", NULL);
    /* The saved bytes load from a buffer as well as from the file. */
    bp_model_extra extra_again;
    bp_net *again = bp_model_load_buffer_extra(fa, la, &extra_again, &err);
    if (!again)
        die("a saved model does not load from a buffer", err.msg);
    same_net(net, again);
    same_extra(net, &extra, &extra_again);

    free(fa);
    free(fb);
    bp_model_extra_free(&extra_again);
    bp_model_extra_free(&extra_back);
    bp_model_extra_free(&extra);
    bp_net_free(again);
    bp_net_free(back);
    bp_net_free(net);
    unlink(path_a);
    unlink(path_b);
    return 0;
}
