/*
 * kernels_bench.c - where an epoch of the seed network's training goes:
 * each kernel of one epoch timed alone, for every instruction set the CPU
 * runs, and whole epochs through the library's trainer.
 *
 *   cc -O2 -Iinclude -Isrc bench/kernels_bench.c build/libbackprop.a \
 *      $(pkg-config --libs libcjson) -lm -o build/bench/kernels_bench
 *   build/bench/kernels_bench [--data linear|xor] [--bursts B]
 *                             [--fuse MASK] [--only STAGE] [--mlp|--seed]
 *
 * Then the same epoch in float (the _fast_f32 kernels), and the Fashion-
 * MNIST MLP's layers (784-256-128-10, ReLU, a mini-batch of 128) in
 * GFLOP/s: the fast f32 and f64 kernels, and OpenBLAS's sgemm and dgemm on
 * the same products when built with -DBP_BENCH_OPENBLAS -lopenblas (one
 * thread; `make kernels-bench` does).  --mlp / --seed print only one part.
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

#ifdef BP_BENCH_OPENBLAS
#include <cblas.h>
#endif

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

/* ------------------------------------------------ the seed's net, float */

typedef struct {
    size_t n;
    float x[2 * N_MAX], y[N_MAX];
    float w1[H * 2], w2[H * H], w3[H];
    float a1[H * N_MAX], a2[H * N_MAX], a3[N_MAX];
    float d3[N_MAX], d2[H * N_MAX], d1[H * N_MAX];
    float g1[H * 2], g2[H * H], g3[H];
} seed_buffers_f32;

static void fill_f32(seed_buffers_f32 *f, const seed_buffers *b)
{
    f->n = b->n;
    for (size_t k = 0; k < 2 * N_MAX; k++)
        f->x[k] = (float)b->x[k];
    for (size_t k = 0; k < N_MAX; k++)
        f->y[k] = (float)b->y[k];
    for (size_t k = 0; k < H * 2; k++)
        f->w1[k] = (float)b->w1[k];
    for (size_t k = 0; k < H * H; k++)
        f->w2[k] = (float)b->w2[k];
    for (size_t k = 0; k < H; k++)
        f->w3[k] = (float)b->w3[k];
}

/* The epoch of run() in float (stage -1: all; 0-2 the layers' forward
 * passes, product and sigmoid, fused into one kernel for the layers in
 * --fuse; 3 loss and delta, 4-8 backward). */
static double run_f32(seed_buffers_f32 *b, bp_isa isa, int stage)
{
    size_t n = b->n;
    double loss = 0;
    float *out[3] = {b->a1, b->a2, b->a3};
    const float *in[3] = {b->x, b->a1, b->a2}, *w[3] = {b->w1, b->w2, b->w3};
    const size_t rows[3] = {H, H, 1}, cols[3] = {2, H, H};
    for (int l = 0; l < 3; l++)
        if (stage < 0 || stage == l) {
            if (fuse & (1 << l)) {
                dense_forward_act_fast_f32(isa, BP_ACT_SIGMOID, out[l], in[l],
                                           w[l], NULL, rows[l], cols[l], n);
            } else {
                dense_forward_fast_f32(isa, out[l], in[l], w[l], NULL,
                                       rows[l], cols[l], n);
                activation_forward_fast_f32(isa, BP_ACT_SIGMOID, out[l],
                                            rows[l] * n);
            }
        }
    if (stage < 0 || stage == 3) {
        loss = loss_value_fast_f32(isa, BP_LOSS_BCE, b->a3, b->y, n);
        output_delta_fast_f32(isa, BP_LOSS_BCE, b->d3, b->a3, b->y, n, 1);
    }
    if (stage < 0 || stage == 4)
        dense_backward_params_fast_f32(isa, b->g3, NULL, b->d3, b->a2, 1, H,
                                       n);
    if (stage < 0 || stage == 5)
        dense_backward_input_act_fast_f32(isa, BP_ACT_SIGMOID, b->d2, b->w3,
                                          b->d3, b->a2, 1, H, n);
    if (stage < 0 || stage == 6)
        dense_backward_params_fast_f32(isa, b->g2, NULL, b->d2, b->a1, H, H,
                                       n);
    if (stage < 0 || stage == 7)
        dense_backward_input_act_fast_f32(isa, BP_ACT_SIGMOID, b->d1, b->w2,
                                          b->d2, b->a1, H, H, n);
    if (stage < 0 || stage == 8)
        dense_backward_params_fast_f32(isa, b->g1, NULL, b->d1, b->x, H, 2,
                                       n);
    return loss;
}

static const char *stage_name_f32[] = {
    "a1 = s(W1 x)", "a2 = s(W2 a1)", "p = s(W3 a2)", "loss + delta3", "dW3",
    "d2 = W3'd3 * s'", "dW2", "d1 = W2'd2 * s'", "dW1"};

static double best_of_f32(seed_buffers_f32 *b, bp_isa isa, int stage,
                          int bursts, int reps)
{
    double best = 1e30, sink = 0;
    for (int k = 0; k < bursts; k++) {
        double t0 = now();
        for (int r = 0; r < reps; r++)
            sink += run_f32(b, isa, stage);
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
    }
    if (sink == 12345.678)
        puts("");
    return best * 1e6;
}

static void seed_f32_table(const seed_buffers *b64, int bursts)
{
    static seed_buffers_f32 b;
    fill_f32(&b, b64);
    const int reps = 20;
    bp_isa isas[3] = {BP_ISA_NAIVE, BP_ISA_AVX2, BP_ISA_AVX512};
    printf("\nfloat (the _fast_f32 kernels, --fuse %d), n = %zu; "
           "microseconds per epoch\n%-18s", fuse, b.n, "stage");
    for (int i = 0; i < 3; i++)
        if (bp_isa_supported(isas[i]))
            printf(" %10s", bp_isa_name(isas[i]));
    printf("\n");
    for (int st = -1; st < 9; st++) {
        printf("%-18s", st < 0 ? "all kernels" : stage_name_f32[st]);
        for (int i = 0; i < 3; i++)
            if (bp_isa_supported(isas[i]))
                printf(" %10.3f", best_of_f32(&b, isas[i], st, bursts, reps));
        printf("\n");
    }
}

/* ------------------------------------------------ the Fashion-MNIST MLP */

enum { MLP_N = 128, MLP_LAYERS = 3 };
static const size_t mlp_sizes[MLP_LAYERS + 1] = {784, 256, 128, 10};

/* The kernels of one layer l: 0 forward (ReLU fused), 1 parameter
 * gradients, 2 backward into the inputs through ReLU'. */
enum { K_FWD, K_PARAMS, K_BWD, N_KINDS };
static const char *kind_name[N_KINDS] = {"fwd+relu", "dW,db", "bwd*relu'"};

/* The implementations timed. */
enum { I_F32_AVX512, I_F32_AVX2, I_F64_AVX512, I_SGEMM, I_DGEMM, N_IMPLS };
static const char *impl_name[N_IMPLS] = {"f32 avx512", "f32 avx2",
                                         "f64 avx512", "sgemm", "dgemm"};

typedef struct {
    float *x[MLP_LAYERS + 1], *w[MLP_LAYERS], *b[MLP_LAYERS];
    float *d[MLP_LAYERS + 1], *gw[MLP_LAYERS], *gb[MLP_LAYERS];
    double *xd[MLP_LAYERS + 1], *wd[MLP_LAYERS], *bd[MLP_LAYERS];
    double *dd[MLP_LAYERS + 1], *gwd[MLP_LAYERS], *gbd[MLP_LAYERS];
} mlp_buffers;

static void *alloc64(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p) {
        perror("aligned_alloc");
        exit(1);
    }
    return p;
}

static void mlp_alloc(mlp_buffers *m)
{
    unsigned v = 777;
    for (int l = 0; l <= MLP_LAYERS; l++) {
        size_t c = mlp_sizes[l] * MLP_N;
        m->x[l] = alloc64(c * sizeof(float));
        m->d[l] = alloc64(c * sizeof(float));
        m->xd[l] = alloc64(c * sizeof(double));
        m->dd[l] = alloc64(c * sizeof(double));
        for (size_t k = 0; k < c; k++) {
            v = v * 1103515245u + 12345u;
            double r = (double)(v >> 8) / 16777216.0 - 0.5;
            m->x[l][k] = (float)r;
            m->xd[l][k] = r;
            m->d[l][k] = (float)(r * 0.1);
            m->dd[l][k] = r * 0.1;
        }
    }
    for (int l = 0; l < MLP_LAYERS; l++) {
        size_t c = mlp_sizes[l] * mlp_sizes[l + 1], o = mlp_sizes[l + 1];
        m->w[l] = alloc64(c * sizeof(float));
        m->gw[l] = alloc64(c * sizeof(float));
        m->wd[l] = alloc64(c * sizeof(double));
        m->gwd[l] = alloc64(c * sizeof(double));
        m->b[l] = alloc64(o * sizeof(float));
        m->gb[l] = alloc64(o * sizeof(float));
        m->bd[l] = alloc64(o * sizeof(double));
        m->gbd[l] = alloc64(o * sizeof(double));
        for (size_t k = 0; k < c; k++) {
            v = v * 1103515245u + 12345u;
            double r = ((double)(v >> 8) / 16777216.0 - 0.5) * 0.1;
            m->w[l][k] = (float)r;
            m->wd[l][k] = r;
        }
        for (size_t k = 0; k < o; k++)
            m->b[l][k] = 0.01f, m->bd[l][k] = 0.01;
    }
}

/* One kernel of layer l with implementation impl; 0 if not available. */
static int mlp_kernel(mlp_buffers *m, int impl, int kind, int l)
{
    const size_t n_in = mlp_sizes[l], n_out = mlp_sizes[l + 1], n = MLP_N;
    bp_isa isa = impl == I_F32_AVX2 ? BP_ISA_AVX2 : BP_ISA_AVX512;
    switch (impl) {
    case I_F32_AVX512:
    case I_F32_AVX2:
        if (kind == K_FWD)
            dense_forward_act_fast_f32(isa, BP_ACT_RELU, m->x[l + 1], m->x[l],
                                       m->w[l], m->b[l], n_out, n_in, n);
        else if (kind == K_PARAMS)
            dense_backward_params_fast_f32(isa, m->gw[l], m->gb[l],
                                           m->d[l + 1], m->x[l], n_out, n_in,
                                           n);
        else
            dense_backward_input_act_fast_f32(isa, BP_ACT_RELU, m->d[l],
                                              m->w[l], m->d[l + 1], m->x[l],
                                              n_out, n_in, n);
        return 1;
    case I_F64_AVX512:
        if (kind == K_FWD)
            dense_forward_act_fast(isa, BP_ACT_RELU, m->xd[l + 1], m->xd[l],
                                   m->wd[l], m->bd[l], n_out, n_in, n);
        else if (kind == K_PARAMS)
            dense_backward_params_fast(isa, m->gwd[l], m->gbd[l],
                                       m->dd[l + 1], m->xd[l], n_out, n_in,
                                       n);
        else
            dense_backward_input_act_fast(isa, BP_ACT_RELU, m->dd[l],
                                          m->wd[l], m->dd[l + 1], m->xd[l],
                                          n_out, n_in, n);
        return 1;
#ifdef BP_BENCH_OPENBLAS
    /* The products alone (no bias, activation or db). */
    case I_SGEMM:
        if (kind == K_FWD)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        (int)n_out, (int)n, (int)n_in, 1.0f, m->w[l],
                        (int)n_in, m->x[l], (int)n, 0.0f, m->x[l + 1], (int)n);
        else if (kind == K_PARAMS)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_out,
                        (int)n_in, (int)n, 1.0f / (float)n, m->d[l + 1],
                        (int)n, m->x[l], (int)n, 0.0f, m->gw[l], (int)n_in);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_in,
                        (int)n, (int)n_out, 1.0f, m->w[l], (int)n_in,
                        m->d[l + 1], (int)n, 0.0f, m->d[l], (int)n);
        return 1;
    case I_DGEMM:
        if (kind == K_FWD)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                        (int)n_out, (int)n, (int)n_in, 1.0, m->wd[l],
                        (int)n_in, m->xd[l], (int)n, 0.0, m->xd[l + 1],
                        (int)n);
        else if (kind == K_PARAMS)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n_out,
                        (int)n_in, (int)n, 1.0 / (double)n, m->dd[l + 1],
                        (int)n, m->xd[l], (int)n, 0.0, m->gwd[l], (int)n_in);
        else
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_in,
                        (int)n, (int)n_out, 1.0, m->wd[l], (int)n_in,
                        m->dd[l + 1], (int)n, 0.0, m->dd[l], (int)n);
        return 1;
#endif
    }
    return 0;
}

/* Seconds per call, the best of `bursts` bursts; < 0 if not available. */
static double mlp_time(mlp_buffers *m, int impl, int kind, int l, int bursts)
{
    if ((impl == I_F32_AVX512 || impl == I_F64_AVX512) &&
        !bp_isa_supported(BP_ISA_AVX512))
        return -1;
    if (impl == I_F32_AVX2 && !bp_isa_supported(BP_ISA_AVX2))
        return -1;
    if (!mlp_kernel(m, impl, kind, l))
        return -1;
    const double flop = 2.0 * (double)mlp_sizes[l] *
                        (double)mlp_sizes[l + 1] * MLP_N;
    int reps = (int)(2e6 / flop) + 1;    /* bursts of about 20 us */
    double best = 1e30;
    for (int k = 0; k < bursts; k++) {
        double t0 = now();
        for (int r = 0; r < reps; r++)
            mlp_kernel(m, impl, kind, l);
        double t = (now() - t0) / reps;
        if (t < best)
            best = t;
    }
    return best;
}

static void mlp_table(int bursts)
{
    static mlp_buffers m;
    mlp_alloc(&m);
#ifdef BP_BENCH_OPENBLAS
    openblas_set_num_threads(1);
#endif
    printf("\nFashion-MNIST MLP 784-256-128-10, ReLU, n = %d samples; "
           "GFLOP/s (2 n_in n_out n per kernel), best of %d bursts\n",
           MLP_N, bursts);
    printf("%-10s %-10s %8s", "layer", "kernel", "MFLOP");
    for (int i = 0; i < N_IMPLS; i++)
        printf(" %11s", impl_name[i]);
    printf("\n");
    double total_t[N_IMPLS] = {0}, total_flop = 0;
    int have[N_IMPLS];
    for (int i = 0; i < N_IMPLS; i++)
        have[i] = 1;
    for (int l = 0; l < MLP_LAYERS; l++)
        for (int kind = 0; kind < N_KINDS; kind++) {
            char layer[32];
            snprintf(layer, sizeof layer, "%zu->%zu", mlp_sizes[l],
                     mlp_sizes[l + 1]);
            double flop = 2.0 * (double)mlp_sizes[l] *
                          (double)mlp_sizes[l + 1] * MLP_N;
            printf("%-10s %-10s %8.2f", layer, kind_name[kind], flop * 1e-6);
            /* a training step does not need the gradient of the input */
            int in_step = !(l == 0 && kind == K_BWD);
            if (in_step)
                total_flop += flop;
            for (int i = 0; i < N_IMPLS; i++) {
                double t = mlp_time(&m, i, kind, l, bursts);
                if (t < 0) {
                    printf(" %11s", "-");
                    have[i] = 0;
                } else {
                    printf(" %11.1f", flop / t * 1e-9);
                    if (in_step)
                        total_t[i] += t;
                }
            }
            printf("\n");
        }
    printf("%-10s %-10s %8.2f", "step", "(no dX0)", total_flop * 1e-6);
    for (int i = 0; i < N_IMPLS; i++) {
        if (have[i])
            printf(" %11.1f", total_flop / total_t[i] * 1e-9);
        else
            printf(" %11s", "-");
    }
    printf("\n%-10s %-10s %8s", "step", "us", "");
    for (int i = 0; i < N_IMPLS; i++) {
        if (have[i])
            printf(" %11.1f", total_t[i] * 1e6);
        else
            printf(" %11s", "-");
    }
    printf("\n(sgemm and dgemm: OpenBLAS, one thread, the products alone%s)\n",
#ifdef BP_BENCH_OPENBLAS
           ""
#else
           "; not built in: -DBP_BENCH_OPENBLAS -lopenblas"
#endif
    );
}

int main(int argc, char **argv)
{
    const char *data = "linear";
    int bursts = 300, only = -2, part = 0;  /* 0 all, 1 MLP, 2 seed */
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--data") && k + 1 < argc)
            data = argv[++k];
        else if (!strcmp(argv[k], "--only") && k + 1 < argc)
            only = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--fuse") && k + 1 < argc)
            fuse = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--bursts") && k + 1 < argc)
            bursts = atoi(argv[++k]);
        else if (!strcmp(argv[k], "--mlp"))
            part = 1;
        else if (!strcmp(argv[k], "--seed"))
            part = 2;
        else {
            fprintf(stderr, "usage: %s [--data linear|xor] [--bursts B] "
                            "[--fuse MASK] [--only STAGE] [--mlp|--seed]\n",
                    argv[0]);
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
    if (part == 1) {
        mlp_table(bursts);
        bp_dataset_free(ds);
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
    seed_f32_table(&b, bursts);
    if (part == 0)
        mlp_table(bursts);
    bp_dataset_free(ds);
    return 0;
}
