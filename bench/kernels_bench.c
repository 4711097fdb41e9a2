/*
 * kernels_bench.c - where an epoch of the seed network's training goes:
 * each kernel of one epoch timed alone, for every instruction set the CPU
 * runs, and whole epochs through the library's trainer.
 *
 *   cc -O2 -Iinclude -Isrc bench/kernels_bench.c build/libbackprop.a \
 *      $(pkg-config --libs libcjson) -lm -o build/bench/kernels_bench
 *   build/bench/kernels_bench [--data linear|xor] [--bursts B]
 *                             [--fuse MASK] [--only STAGE]
 *
 * --fuse MASK: bit l set applies layer l's sigmoid inside the product
 * (dense_forward_act_fast) instead of a separate pass (what ws_forward
 * does; kept to re-measure that choice).  --only STAGE: one stage, for a
 * long time, with the library's instruction set (for perf record).
 *
 * Timing: every measurement is repeated in short bursts and the fastest
 * burst is kept, so that a preempted burst (other processes share the
 * machine) does not count.  Times are per epoch, in microseconds.  The
 * weights are fixed pseudo-random values (the data is the real set); the
 * trainer line uses the seed's numpy initial weights.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backprop.h"
#include "nn/kernels.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

enum { H = 10, N_MAX = 100 };

typedef struct {
    size_t n;
    double x[2 * N_MAX], y[N_MAX];             /* [2][n], [1][n] */
    double w1[H * 2], w2[H * H], w3[H];
    double a1[H * N_MAX], a2[H * N_MAX], a3[N_MAX];
    double d3[N_MAX], d2[H * N_MAX], d1[H * N_MAX];
    double g1[H * 2], g2[H * H], g3[H];
} seed_buffers;

static void fill(seed_buffers *b, const bp_dataset *ds)
{
    b->n = ds->n;
    for (size_t s = 0; s < ds->n; s++) {
        b->x[s] = ds->x[2 * s];
        b->x[ds->n + s] = ds->x[2 * s + 1];
        b->y[s] = ds->y[s];
    }
    unsigned v = 12345;
    double *w[3] = {b->w1, b->w2, b->w3};
    size_t c[3] = {2 * H, H * H, H};
    for (int l = 0; l < 3; l++)
        for (size_t k = 0; k < c[l]; k++) {
            v = v * 1103515245u + 12345u;
            w[l][k] = ((double)(v >> 8) / 16777216.0 - 0.5) * 3;
        }
}

/* One kernel stage of an epoch; stage -1 runs all of them. */
static int fuse = 0;          /* bit l: layer l's activation fused */
static double run(seed_buffers *b, bp_isa isa, int stage)
{
    size_t n = b->n;
    double loss = 0;
    if ((stage < 0 || stage == 0) && (fuse & 1))
        dense_forward_act_fast(isa, BP_ACT_SIGMOID, b->a1, b->x, b->w1, NULL,
                               H, 2, n);
    if ((stage < 0 || stage == 2) && (fuse & 2))
        dense_forward_act_fast(isa, BP_ACT_SIGMOID, b->a2, b->a1, b->w2, NULL,
                               H, H, n);
    if ((stage < 0 || stage == 4) && (fuse & 4))
        dense_forward_act_fast(isa, BP_ACT_SIGMOID, b->a3, b->a2, b->w3, NULL,
                               1, H, n);
    if (fuse & 1 && stage >= 0 && stage <= 1)
        return 0;
    if (fuse & 2 && stage >= 2 && stage <= 3)
        return 0;
    if (fuse & 4 && stage >= 4 && stage <= 5)
        return 0;
    if (stage < 0 || stage == 0)
        dense_forward_fast(isa, b->a1, b->x, b->w1, NULL, H, 2, n);
    if (!(fuse & 1) && (stage < 0 || stage == 1))
        activation_forward_fast(isa, BP_ACT_SIGMOID, b->a1, H * n);
    if (!(fuse & 2) && (stage < 0 || stage == 2))
        dense_forward_fast(isa, b->a2, b->a1, b->w2, NULL, H, H, n);
    if (!(fuse & 2) && (stage < 0 || stage == 3))
        activation_forward_fast(isa, BP_ACT_SIGMOID, b->a2, H * n);
    if (!(fuse & 4) && (stage < 0 || stage == 4))
        dense_forward_fast(isa, b->a3, b->a2, b->w3, NULL, 1, H, n);
    if (!(fuse & 4) && (stage < 0 || stage == 5))
        activation_forward_fast(isa, BP_ACT_SIGMOID, b->a3, n);
    if (stage < 0 || stage == 6)
        loss = loss_output_delta_fast(isa, BP_LOSS_BCE, b->d3, b->a3, b->y, n,
                                      1);
    if (stage < 0 || stage == 7)
        dense_backward_params_fast(isa, b->g3, NULL, b->d3, b->a2, 1, H, n);
    if (stage < 0 || stage == 8)
        dense_backward_input_act_fast(isa, BP_ACT_SIGMOID, b->d2, b->w3, b->d3,
                                      b->a2, 1, H, n);
    if (stage < 0 || stage == 10)
        dense_backward_params_fast(isa, b->g2, NULL, b->d2, b->a1, H, H, n);
    if (stage < 0 || stage == 11)
        dense_backward_input_act_fast(isa, BP_ACT_SIGMOID, b->d1, b->w2, b->d2,
                                      b->a1, H, H, n);
    if (stage < 0 || stage == 13)
        dense_backward_params_fast(isa, b->g1, NULL, b->d1, b->x, H, 2, n);
    return loss;
}

static const char *stage_name[] = {
    "z1 = W1 x", "a1 = sigmoid", "z2 = W2 a1", "a2 = sigmoid", "z3 = W3 a2",
    "p = sigmoid", "loss + delta3", "dW3", "d2 = W3'd3 * s'", "-",
    "dW2", "d1 = W2'd2 * s'", "-", "dW1"};

static double best_of(seed_buffers *b, bp_isa isa, int stage, int bursts,
                      int reps)
{
    double best = 1e30, sink = 0;
    for (int k = 0; k < bursts; k++) {
        double t0 = now();
        for (int r = 0; r < reps; r++)
            sink += run(b, isa, stage);
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
    }
    if (sink == 12345.678)
        puts("");
    return best * 1e6;
}

static double trainer_best(const bp_dataset *ds, int bursts, int reps)
{
    bp_arch arch = {.n_layers = 3, .sizes = {2, H, H, 1},
                    .hidden = BP_ACT_SIGMOID, .bias = 0, .loss = BP_LOSS_BCE};
    bp_net *net = bp_net_new(&arch, NULL);
    bp_net_init(net, BP_INIT_NUMPY, 1, NULL);
    bp_train_opts opts = {.optimizer = BP_OPT_MOMENTUM, .lr = 0.1,
                          .momentum = 0.9};
    bp_trainer *tr = bp_trainer_new(net, ds, &opts, NULL);
    double best = 1e30, loss;
    for (int k = 0; k < bursts; k++) {
        double t0 = now();
        for (int r = 0; r < reps; r++)
            bp_trainer_epoch(tr, &loss, NULL);
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
    }
    bp_trainer_free(tr);
    bp_net_free(net);
    return best * 1e6;
}

int main(int argc, char **argv)
{
    const char *data = "linear";
    int bursts = 300, only = -2;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--data") && k + 1 < argc)
            data = argv[++k];
        else if (!strcmp(argv[k], "--only") && k + 1 < argc)
            only = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--fuse") && k + 1 < argc)
            fuse = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--bursts") && k + 1 < argc)
            bursts = atoi(argv[++k]);
        else {
            fprintf(stderr, "usage: %s [--data linear|xor] [--bursts B] "
                            "[--fuse MASK] [--only STAGE]\n", argv[0]);
            return 2;
        }
    }
    bp_dataset *ds = strcmp(data, "xor") ? bp_data_linear(100, 1, 1, NULL)
                                         : bp_data_xor(NULL);
    if (!ds || ds->n > N_MAX)
        return 1;
    static seed_buffers b;
    fill(&b, ds);
    if (only > -2) {            /* for perf: one stage, best isa, a while */
        double t = best_of(&b, bp_isa_best(), only, bursts * 20, 20);
        printf("stage %d: %.3f us\n", only, t);
        return 0;
    }
    const int reps = 20;
    bp_isa isas[3] = {BP_ISA_NAIVE, BP_ISA_AVX2, BP_ISA_AVX512};
    printf("data %s, n = %zu; microseconds per epoch, best of %d bursts of %d;"
           " the library picks %s\n", data, ds->n, bursts, reps,
           bp_isa_name(bp_isa_best()));
    printf("%-18s", "stage");
    for (int i = 0; i < 3; i++)
        if (bp_isa_supported(isas[i]))
            printf(" %10s", bp_isa_name(isas[i]));
    printf("\n");
    for (int st = -1; st < 14; st++) {
        if (st == 9 || st == 12)
            continue;
        printf("%-18s", st < 0 ? "all kernels" : stage_name[st]);
        for (int i = 0; i < 3; i++)
            if (bp_isa_supported(isas[i]))
                printf(" %10.3f", best_of(&b, isas[i], st, bursts, reps));
        printf("\n");
    }
    printf("%-18s %10.3f  (bp_trainer_epoch, numpy init)\n",
           "trainer epoch", trainer_best(ds, bursts, reps));
    bp_dataset_free(ds);
    return 0;
}
