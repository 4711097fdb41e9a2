/*
 * layers_bench.c - the anchor CNN's layers (conv:32:3,relu,maxpool:2,
 * conv:64:3,relu,maxpool:2,dense:128,relu + dense:10 on 1x28x28), float,
 * a pass of 128 samples, one thread: each row's forward and backward
 * through the layer table (src/nn/conv.c, pool.c), and the convolutions
 * by other ways on the same shapes:
 *   rows     the library's rows (im2col by blocks of positions + the fast
 *            dense kernels; din at stride 1 as a convolution of delta)
 *   whole    im2col of the whole pass, then the fast dense kernels on it
 *            (the first version of the row; dW, then W^T delta + col2im)
 *   direct   a direct convolution, loops over (f, oy, ox, c, ky, kx)
 *            vectorised over the samples (gcc -O3, AVX-512)
 *   openblas cblas_sgemm on the whole pass's im2col (-DBP_BENCH_OPENBLAS)
 *   onednn   oneDNN's convolution primitives in their own formats,
 *            reorders not counted (-DBP_BENCH_ONEDNN; Debian's libdnnl;
 *            run with OMP_NUM_THREADS=1: it is built with OpenMP)
 *   onednn+r the same with the reorders from and to our layout ([c][h][w]
 *            [n], oneDNN's chwn) that a row on oneDNN would need
 * and an estimate of one epoch (60 000 images: 469 passes of 128, every
 * row forward and backward, the dense layers by the fast kernels, Adam
 * not counted).
 *
 *   make layers-bench && build/bench/layers_bench [--reps R]
 *
 * Timing: each measurement is the fastest of R bursts (default 7) of a
 * few calls, so that a burst another process preempted does not count.
 * GFLOP/s counts 2 flops a multiply-add of the convolution (padding's
 * zeros not counted); backward counts dW and, where the row computes it,
 * din.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backprop.h"
#include "nn/kernels.h"
#include "nn/layer.h"

#ifdef BP_BENCH_OPENBLAS
#include <cblas.h>
#endif
#ifdef BP_BENCH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

enum { N = 128 };

static int reps = 7;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x853c49e6748fea9bULL;

static float frand(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(rng >> 11) * 0x1p-53 * 2 - 1);
}

static float *falloc(size_t count)
{
    float *p = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
    if (!p) {
        fprintf(stderr, "layers_bench: out of memory\n");
        exit(1);
    }
    for (size_t k = 0; k < count; k++)
        p[k] = frand();
    return p;
}

/* Seconds of one call of fn(arg): the fastest of reps bursts. */
static double best(void (*fn)(void *), void *arg)
{
    fn(arg);                                    /* warm up */
    double t1 = now();
    fn(arg);
    double one = now() - t1;
    int calls = one > 0.05 ? 1 : (int)(0.05 / (one > 1e-6 ? one : 1e-6)) + 1;
    double b = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (int c = 0; c < calls; c++)
            fn(arg);
        double t = (now() - t0) / calls;
        if (t < b)
            b = t;
    }
    return b;
}

/* --------------------------------------------------------- one layer */

typedef struct {
    bp_layer L;
    bp_layer_run r;
    const bp_layer_ops *ops;
    float *in, *out, *w, *b, *delta, *din, *dw, *db, *scratch;
    int want_din;
    /* the other ways */
    float *patches, *dpatches;
} layer_case;

static void setup(layer_case *c, bp_layer_kind kind, bp_shape in,
                  size_t units, int k, bp_activation act, int want_din)
{
    memset(c, 0, sizeof *c);
    c->L.kind = kind, c->L.units = units, c->L.k = k, c->L.act = act;
    c->L.stride = 1;
    c->ops = bp_layer_ops_of(kind);
    bp_shape out;
    bp_error err;
    if (c->ops->shape(&c->L, in, &out, &err) != BP_OK) {
        fprintf(stderr, "layers_bench: %s\n", err.msg);
        exit(1);
    }
    c->L.in = in, c->L.out = out;
    c->r = (bp_layer_run){.layer = &c->L, .n = N, .isa = bp_isa_best()};
    size_t fin = bp_shape_size(in) * N, fout = bp_shape_size(out) * N;
    size_t nw = c->ops->weights(&c->L), nb = c->ops->biases(&c->L);
    c->in = falloc(fin), c->out = falloc(fout), c->delta = falloc(fout);
    c->din = falloc(fin);
    c->w = falloc(nw ? nw : 1), c->b = falloc(nb ? nb : 1);
    c->dw = falloc(nw ? nw : 1), c->db = falloc(nb ? nb : 1);
    c->scratch = falloc(c->ops->scratch(&c->L) * N + 1);
    c->want_din = want_din;
    if (kind == BP_LAYER_CONV) {
        size_t ckk = in.c * (size_t)k * (size_t)k;
        c->patches = falloc(ckk * out.h * out.w * N);
        c->dpatches = falloc(ckk * out.h * out.w * N);
    }
}

static void row_forward(void *a)
{
    layer_case *c = a;
    c->ops->forward_f32(&c->r, c->out, c->in, c->w, c->b, c->scratch);
}

static void row_backward(void *a)
{
    layer_case *c = a;
    c->ops->backward_f32(&c->r, c->want_din ? c->din : NULL, c->dw, c->db,
                         c->delta, c->in, c->out, c->w, c->scratch);
}

/* ----------------------------------------- whole-pass im2col, direct */

/* patches[(c, ky, kx)][(oy, ox, s)] of the whole pass ("same", stride 1). */
static void im2col_whole(float *p, const float *in, const bp_layer *L)
{
    const size_t C = L->in.c, H = L->in.h, W = L->in.w, k = (size_t)L->k;
    const size_t pad = (k - 1) / 2, OH = L->out.h, OW = L->out.w;
    for (size_t c = 0; c < C; c++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++, p += N) {
                        long iy = (long)(oy + ky) - (long)pad;
                        long ix = (long)(ox + kx) - (long)pad;
                        if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                            memset(p, 0, N * sizeof *p);
                        else
                            memcpy(p, in + ((c * H + (size_t)iy) * W +
                                            (size_t)ix) * N, N * sizeof *p);
                    }
}

static void col2im_whole(float *din, const float *p, const bp_layer *L)
{
    const size_t C = L->in.c, H = L->in.h, W = L->in.w, k = (size_t)L->k;
    const size_t pad = (k - 1) / 2, OH = L->out.h, OW = L->out.w;
    memset(din, 0, C * H * W * N * sizeof *din);
    for (size_t c = 0; c < C; c++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++)
                for (size_t oy = 0; oy < OH; oy++)
                    for (size_t ox = 0; ox < OW; ox++, p += N) {
                        long iy = (long)(oy + ky) - (long)pad;
                        long ix = (long)(ox + kx) - (long)pad;
                        if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                            continue;
                        float *d = din + ((c * H + (size_t)iy) * W +
                                          (size_t)ix) * N;
                        for (size_t s = 0; s < N; s++)
                            d[s] += p[s];
                    }
}

static void whole_forward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    size_t ckk = L->in.c * (size_t)(L->k * L->k), cols = L->out.h * L->out.w * N;
    im2col_whole(c->patches, c->in, L);
    dense_forward_act_fast_f32(c->r.isa, BP_ACT_RELU, c->out, c->patches, c->w,
                               c->b, L->units, ckk, cols);
}

static void whole_backward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    size_t ckk = L->in.c * (size_t)(L->k * L->k), pos = L->out.h * L->out.w;
    im2col_whole(c->patches, c->in, L);
    dense_backward_params_fast_f32(c->r.isa, c->dw, c->db, c->delta,
                                   c->patches, L->units, ckk, pos * N);
    for (size_t q = 0; q < L->units * ckk; q++)
        c->dw[q] *= (float)pos;
    if (c->want_din) {
        dense_backward_input_fast_f32(c->r.isa, c->dpatches, c->w, c->delta,
                                      L->units, ckk, pos * N);
        col2im_whole(c->din, c->dpatches, L);
    }
}

/* The direct convolution: for every output (f, oy, ox), its n sums over
 * (c, ky, kx) in a row of N floats the compiler vectorises. */
#define DIRECT_ATTR __attribute__((target("avx512f,avx512vl,fma"), \
                                   optimize("O3")))

static DIRECT_ATTR void direct_forward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    const long C = (long)L->in.c, H = (long)L->in.h, W = (long)L->in.w;
    const long k = L->k, pad = (k - 1) / 2, F = (long)L->units;
    const long OH = (long)L->out.h, OW = (long)L->out.w;
    for (long f = 0; f < F; f++)
        for (long oy = 0; oy < OH; oy++)
            for (long ox = 0; ox < OW; ox++) {
                float acc[N];
                for (int s = 0; s < N; s++)
                    acc[s] = c->b[f];
                for (long ch = 0; ch < C; ch++)
                    for (long ky = 0; ky < k; ky++) {
                        long iy = oy + ky - pad;
                        if (iy < 0 || iy >= H)
                            continue;
                        for (long kx = 0; kx < k; kx++) {
                            long ix = ox + kx - pad;
                            if (ix < 0 || ix >= W)
                                continue;
                            float wv = c->w[((f * C + ch) * k + ky) * k + kx];
                            const float *x = c->in + ((ch * H + iy) * W + ix) * N;
                            for (int s = 0; s < N; s++)
                                acc[s] += wv * x[s];
                        }
                    }
                float *o = c->out + ((f * OH + oy) * OW + ox) * N;
                for (int s = 0; s < N; s++)
                    o[s] = acc[s] > 0 ? acc[s] : 0;
            }
}

static DIRECT_ATTR void direct_backward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    const long C = (long)L->in.c, H = (long)L->in.h, W = (long)L->in.w;
    const long k = L->k, pad = (k - 1) / 2, F = (long)L->units;
    const long OH = (long)L->out.h, OW = (long)L->out.w;
    /* dW[f][c][ky][kx]: per-lane sums over (oy, ox), then across */
    for (long f = 0; f < F; f++)
        for (long ch = 0; ch < C; ch++)
            for (long ky = 0; ky < k; ky++)
                for (long kx = 0; kx < k; kx++) {
                    float acc[N] = {0};
                    for (long oy = 0; oy < OH; oy++) {
                        long iy = oy + ky - pad;
                        if (iy < 0 || iy >= H)
                            continue;
                        for (long ox = 0; ox < OW; ox++) {
                            long ix = ox + kx - pad;
                            if (ix < 0 || ix >= W)
                                continue;
                            const float *d = c->delta + ((f * OH + oy) * OW + ox) * N;
                            const float *x = c->in + ((ch * H + iy) * W + ix) * N;
                            for (int s = 0; s < N; s++)
                                acc[s] += d[s] * x[s];
                        }
                    }
                    float sum = 0;
                    for (int s = 0; s < N; s++)
                        sum += acc[s];
                    c->dw[((f * C + ch) * k + ky) * k + kx] = sum / N;
                }
    if (!c->want_din)
        return;
    /* din[c][iy][ix] = sum w[f][c][ky][kx] delta[f][iy - ky + pad][...] */
    for (long ch = 0; ch < C; ch++)
        for (long iy = 0; iy < H; iy++)
            for (long ix = 0; ix < W; ix++) {
                float acc[N] = {0};
                for (long f = 0; f < F; f++)
                    for (long ky = 0; ky < k; ky++) {
                        long oy = iy - ky + pad;
                        if (oy < 0 || oy >= OH)
                            continue;
                        for (long kx = 0; kx < k; kx++) {
                            long ox = ix - kx + pad;
                            if (ox < 0 || ox >= OW)
                                continue;
                            float wv = c->w[((f * C + ch) * k + ky) * k + kx];
                            const float *d = c->delta + ((f * OH + oy) * OW + ox) * N;
                            for (int s = 0; s < N; s++)
                                acc[s] += wv * d[s];
                        }
                    }
                memcpy(c->din + ((ch * H + iy) * W + ix) * N, acc, sizeof acc);
            }
}

#ifdef BP_BENCH_OPENBLAS
static void blas_forward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    int ckk = (int)(L->in.c * (size_t)(L->k * L->k));
    int cols = (int)(L->out.h * L->out.w * N), F = (int)L->units;
    im2col_whole(c->patches, c->in, L);
    for (int f = 0; f < F; f++)
        for (int q = 0; q < cols; q++)
            c->out[(size_t)f * (size_t)cols + (size_t)q] = c->b[f];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, F, cols, ckk, 1.0f,
                c->w, ckk, c->patches, cols, 1.0f, c->out, cols);
    size_t all = (size_t)F * (size_t)cols;
    for (size_t q = 0; q < all; q++)
        c->out[q] = c->out[q] > 0 ? c->out[q] : 0;
}

static void blas_backward(void *a)
{
    layer_case *c = a;
    const bp_layer *L = &c->L;
    int ckk = (int)(L->in.c * (size_t)(L->k * L->k));
    int cols = (int)(L->out.h * L->out.w * N), F = (int)L->units;
    im2col_whole(c->patches, c->in, L);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, F, ckk, cols,
                1.0f / N, c->delta, cols, c->patches, cols, 0.0f, c->dw, ckk);
    for (int f = 0; f < F; f++) {
        float s = 0;
        const float *d = c->delta + (size_t)f * (size_t)cols;
        for (int q = 0; q < cols; q++)
            s += d[q];
        c->db[f] = s / N;
    }
    if (c->want_din) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ckk, cols, F,
                    1.0f, c->w, ckk, c->delta, cols, 0.0f, c->dpatches, cols);
        col2im_whole(c->din, c->dpatches, L);
    }
}
#endif

#ifdef BP_BENCH_ONEDNN
/* oneDNN's primitives for one convolution (NCHW problem, formats its
 * own: "any"), timed without the reorders to and from our layout. */
typedef struct {
    dnnl_engine_t eng;
    dnnl_stream_t st;
    dnnl_primitive_t fwd, bwd_d, bwd_w;
    dnnl_memory_t src, wei, bia, dst, dsrc, dwei, dbia, ddst;
    /* our layout, [c][h][w][n] (oneDNN's chwn), and the reorders */
    dnnl_memory_t u_src, u_dst, u_dsrc, u_ddst;
    dnnl_primitive_t r_src, r_dst, r_ddst, r_dsrc;
    int want_din;
} dnn_case;

#define DNN(call)                                                            \
    do {                                                                     \
        dnnl_status_t s_ = (call);                                           \
        if (s_ != dnnl_success) {                                            \
            fprintf(stderr, "layers_bench: oneDNN %s: %d\n", #call, (int)s_); \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

static dnnl_memory_t dnn_mem(dnnl_engine_t eng, const_dnnl_primitive_desc_t pd,
                             dnnl_query_t what, int idx)
{
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, what, idx);
    dnnl_memory_t m;
    DNN(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
    void *h;
    DNN(dnnl_memory_get_data_handle(m, &h));
    size_t bytes = dnnl_memory_desc_get_size(md);
    float *f = h;
    for (size_t q = 0; q < bytes / sizeof(float); q++)
        f[q] = frand();
    return m;
}

static dnnl_primitive_t dnn_reorder(dnnl_engine_t eng, dnnl_memory_t from,
                                    dnnl_memory_t to)
{
    const dnnl_memory_desc_t *a, *b;
    DNN(dnnl_memory_get_memory_desc(from, &a));
    DNN(dnnl_memory_get_memory_desc(to, &b));
    dnnl_primitive_desc_t pd;
    DNN(dnnl_reorder_primitive_desc_create(&pd, a, eng, b, eng, NULL));
    dnnl_primitive_t p;
    DNN(dnnl_primitive_create(&p, pd));
    return p;
}

static void dnn_run_reorder(dnn_case *d, dnnl_primitive_t r,
                            dnnl_memory_t from, dnnl_memory_t to)
{
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    DNN(dnnl_primitive_execute(r, d->st, 2, args));
}

static void dnn_setup(dnn_case *d, const bp_layer *L, int want_din)
{
    memset(d, 0, sizeof *d);
    d->want_din = want_din;
    DNN(dnnl_engine_create(&d->eng, dnnl_cpu, 0));
    DNN(dnnl_stream_create(&d->st, d->eng, dnnl_stream_default_flags));
    dnnl_dims_t sd = {N, (dnnl_dim_t)L->in.c, (dnnl_dim_t)L->in.h,
                      (dnnl_dim_t)L->in.w};
    dnnl_dims_t wd = {(dnnl_dim_t)L->units, (dnnl_dim_t)L->in.c, L->k, L->k};
    dnnl_dims_t bd = {(dnnl_dim_t)L->units};
    dnnl_dims_t dd = {N, (dnnl_dim_t)L->units, (dnnl_dim_t)L->out.h,
                      (dnnl_dim_t)L->out.w};
    dnnl_dims_t strides = {1, 1}, pad = {(L->k - 1) / 2, (L->k - 1) / 2};
    dnnl_memory_desc_t smd, wmd, bmd, dmd;
    DNN(dnnl_memory_desc_init_by_tag(&smd, 4, sd, dnnl_f32, dnnl_format_tag_any));
    DNN(dnnl_memory_desc_init_by_tag(&wmd, 4, wd, dnnl_f32, dnnl_format_tag_any));
    DNN(dnnl_memory_desc_init_by_tag(&bmd, 1, bd, dnnl_f32, dnnl_x));
    DNN(dnnl_memory_desc_init_by_tag(&dmd, 4, dd, dnnl_f32, dnnl_format_tag_any));
    dnnl_convolution_desc_t fd, bdd, bwd;
    DNN(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training,
                                           dnnl_convolution_direct, &smd, &wmd,
                                           &bmd, &dmd, strides, pad, pad));
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    DNN(dnnl_primitive_desc_create(&fpd, &fd, NULL, d->eng, NULL));
    DNN(dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct,
                                                 &smd, &wmd, &dmd, strides, pad,
                                                 pad));
    DNN(dnnl_primitive_desc_create(&bdpd, &bdd, NULL, d->eng, fpd));
    DNN(dnnl_convolution_backward_weights_desc_init(
        &bwd, dnnl_convolution_direct, &smd, &wmd, &bmd, &dmd, strides, pad,
        pad));
    DNN(dnnl_primitive_desc_create(&bwpd, &bwd, NULL, d->eng, fpd));
    DNN(dnnl_primitive_create(&d->fwd, fpd));
    DNN(dnnl_primitive_create(&d->bwd_d, bdpd));
    DNN(dnnl_primitive_create(&d->bwd_w, bwpd));
    d->src = dnn_mem(d->eng, fpd, dnnl_query_src_md, 0);
    d->wei = dnn_mem(d->eng, fpd, dnnl_query_weights_md, 0);
    d->bia = dnn_mem(d->eng, fpd, dnnl_query_weights_md, 1);
    d->dst = dnn_mem(d->eng, fpd, dnnl_query_dst_md, 0);
    d->dsrc = dnn_mem(d->eng, bdpd, dnnl_query_diff_src_md, 0);
    d->ddst = dnn_mem(d->eng, bwpd, dnnl_query_diff_dst_md, 0);
    d->dwei = dnn_mem(d->eng, bwpd, dnnl_query_diff_weights_md, 0);
    d->dbia = dnn_mem(d->eng, bwpd, dnnl_query_diff_weights_md, 1);
    dnnl_memory_desc_t usmd, udmd;
    DNN(dnnl_memory_desc_init_by_tag(&usmd, 4, sd, dnnl_f32, dnnl_chwn));
    DNN(dnnl_memory_desc_init_by_tag(&udmd, 4, dd, dnnl_f32, dnnl_chwn));
    DNN(dnnl_memory_create(&d->u_src, &usmd, d->eng, DNNL_MEMORY_ALLOCATE));
    DNN(dnnl_memory_create(&d->u_dsrc, &usmd, d->eng, DNNL_MEMORY_ALLOCATE));
    DNN(dnnl_memory_create(&d->u_dst, &udmd, d->eng, DNNL_MEMORY_ALLOCATE));
    DNN(dnnl_memory_create(&d->u_ddst, &udmd, d->eng, DNNL_MEMORY_ALLOCATE));
    d->r_src = dnn_reorder(d->eng, d->u_src, d->src);
    d->r_dst = dnn_reorder(d->eng, d->dst, d->u_dst);
    d->r_ddst = dnn_reorder(d->eng, d->u_ddst, d->ddst);
    d->r_dsrc = dnn_reorder(d->eng, d->dsrc, d->u_dsrc);
    const char *impl = NULL;
    dnnl_primitive_desc_query(fpd, dnnl_query_impl_info_str, 0, &impl);
    printf("    (oneDNN %d.%d forward: %s", DNNL_VERSION_MAJOR,
           DNNL_VERSION_MINOR, impl ? impl : "?");
    dnnl_primitive_desc_query(bwpd, dnnl_query_impl_info_str, 0, &impl);
    printf(", backward weights: %s)\n", impl ? impl : "?");
}

static void dnn_forward(void *a)
{
    dnn_case *d = a;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, d->src}, {DNNL_ARG_WEIGHTS, d->wei},
                              {DNNL_ARG_BIAS, d->bia}, {DNNL_ARG_DST, d->dst}};
    DNN(dnnl_primitive_execute(d->fwd, d->st, 4, args));
    DNN(dnnl_stream_wait(d->st));
}

static void dnn_backward(void *a)
{
    dnn_case *d = a;
    dnnl_exec_arg_t wargs[] = {{DNNL_ARG_SRC, d->src},
                               {DNNL_ARG_DIFF_DST, d->ddst},
                               {DNNL_ARG_DIFF_WEIGHTS, d->dwei},
                               {DNNL_ARG_DIFF_BIAS, d->dbia}};
    DNN(dnnl_primitive_execute(d->bwd_w, d->st, 4, wargs));
    if (d->want_din) {
        dnnl_exec_arg_t dargs[] = {{DNNL_ARG_DIFF_DST, d->ddst},
                                   {DNNL_ARG_WEIGHTS, d->wei},
                                   {DNNL_ARG_DIFF_SRC, d->dsrc}};
        DNN(dnnl_primitive_execute(d->bwd_d, d->st, 3, dargs));
    }
    DNN(dnnl_stream_wait(d->st));
}

/* The same with the reorders from and to our layout that a row would
 * need: in and out in forward, delta and din in backward. */
static void dnn_forward_reordered(void *a)
{
    dnn_case *d = a;
    dnn_run_reorder(d, d->r_src, d->u_src, d->src);
    dnn_forward(a);
    dnn_run_reorder(d, d->r_dst, d->dst, d->u_dst);
    DNN(dnnl_stream_wait(d->st));
}

static void dnn_backward_reordered(void *a)
{
    dnn_case *d = a;
    dnn_run_reorder(d, d->r_ddst, d->u_ddst, d->ddst);
    dnn_backward(a);
    if (d->want_din)
        dnn_run_reorder(d, d->r_dsrc, d->dsrc, d->u_dsrc);
    DNN(dnnl_stream_wait(d->st));
}
#endif

/* ------------------------------------------------------------ report */

static double conv_flops(const bp_layer *L)  /* one product, 2 per FMA */
{
    return 2.0 * (double)L->units * (double)(L->in.c * (size_t)(L->k * L->k)) *
           (double)(L->out.h * L->out.w) * N;
}

static void line(const char *layer, const char *way, double fwd, double bwd,
                 double ffl, double bfl)
{
    printf("| %-26s | %-8s | %8.3f | %8.3f | %7.1f | %7.1f |\n", layer, way,
           fwd * 1e3, bwd * 1e3, ffl > 0 ? ffl / fwd * 1e-9 : 0,
           bfl > 0 ? bfl / bwd * 1e-9 : 0);
}

static void dense_pass(void *a);

typedef struct {
    float *x, *w1, *b1, *h, *w2, *b2, *o, *d2, *d1, *g1, *gb1, *g2, *gb2;
    bp_isa isa;
} dense_case;

static void dense_pass(void *a)
{
    dense_case *d = a;
    dense_forward_act_fast_f32(d->isa, BP_ACT_RELU, d->h, d->x, d->w1, d->b1,
                               128, 3136, N);
    dense_forward_fast_f32(d->isa, d->o, d->h, d->w2, d->b2, 10, 128, N);
    dense_backward_params_fast_f32(d->isa, d->g2, d->gb2, d->d2, d->h, 10, 128,
                                   N);
    dense_backward_input_act_fast_f32(d->isa, BP_ACT_RELU, d->d1, d->w2, d->d2,
                                      d->h, 10, 128, N);
    dense_backward_params_fast_f32(d->isa, d->g1, d->gb1, d->d1, d->x, 128,
                                   3136, N);
    dense_backward_input_fast_f32(d->isa, d->x, d->w1, d->d1, 128, 3136, N);
}

int main(int argc, char **argv)
{
    for (int a = 1; a < argc; a++)
        if (!strcmp(argv[a], "--reps") && a + 1 < argc)
            reps = atoi(argv[++a]);
#ifdef BP_BENCH_OPENBLAS
    openblas_set_num_threads(1);
#endif
    printf("anchor CNN layers, float, a pass of %d samples, 1 thread, "
           "kernels %s, best of %d\n\n", N, bp_isa_name(bp_isa_best()), reps);
    printf("| %-26s | %-8s | %8s | %8s | %7s | %7s |\n", "layer", "way",
           "fwd ms", "bwd ms", "fwd GF/s", "bwd GF/s");
    printf("|%s|%s|%s|%s|%s|%s|\n", "----------------------------",
           "----------", "----------", "----------", "---------", "---------");
    static layer_case conv1, pool1, conv2, pool2;
    setup(&conv1, BP_LAYER_CONV, (bp_shape){1, 28, 28}, 32, 3, BP_ACT_RELU, 0);
    setup(&pool1, BP_LAYER_MAXPOOL, (bp_shape){32, 28, 28}, 0, 2, BP_ACT_NONE, 1);
    setup(&conv2, BP_LAYER_CONV, (bp_shape){32, 14, 14}, 64, 3, BP_ACT_RELU, 1);
    setup(&pool2, BP_LAYER_MAXPOOL, (bp_shape){64, 14, 14}, 0, 2, BP_ACT_NONE, 1);
    layer_case *convs[2] = {&conv1, &conv2};
    const char *names[2] = {"conv1 1->32 28x28 (no din)", "conv2 32->64 14x14"};
    double total = 0;
    for (int i = 0; i < 2; i++) {
        layer_case *c = convs[i];
        double ff = conv_flops(&c->L), bf = ff * (c->want_din ? 2 : 1);
        double f = best(row_forward, c), b = best(row_backward, c);
        total += f + b;
        line(names[i], "rows", f, b, ff, bf);
        line(names[i], "whole", best(whole_forward, c), best(whole_backward, c),
             ff, bf);
        line(names[i], "direct", best(direct_forward, c),
             best(direct_backward, c), ff, bf);
#ifdef BP_BENCH_OPENBLAS
        line(names[i], "openblas", best(blas_forward, c),
             best(blas_backward, c), ff, bf);
#endif
#ifdef BP_BENCH_ONEDNN
        dnn_case d;
        dnn_setup(&d, &c->L, c->want_din);
        line(names[i], "onednn", best(dnn_forward, &d), best(dnn_backward, &d),
             ff, bf);
        line(names[i], "onednn+r", best(dnn_forward_reordered, &d),
             best(dnn_backward_reordered, &d), ff, bf);
#endif
    }
    {
        static layer_case c2w;
        setup(&c2w, BP_LAYER_CONV, (bp_shape){32, 14, 14}, 64, 3, BP_ACT_RELU, 0);
        line("conv2 (dW, db only)", "rows", best(row_forward, &c2w),
             best(row_backward, &c2w), conv_flops(&c2w.L), conv_flops(&c2w.L));
    }
    layer_case *pools[2] = {&pool1, &pool2};
    const char *pnames[2] = {"maxpool 2 on 32x28x28", "maxpool 2 on 64x14x14"};
    for (int i = 0; i < 2; i++) {
        double f = best(row_forward, pools[i]), b = best(row_backward, pools[i]);
        total += f + b;
        line(pnames[i], "rows", f, b, 0, 0);
    }
    dense_case d = {.isa = bp_isa_best()};
    d.x = falloc(3136 * N), d.w1 = falloc(128 * 3136), d.b1 = falloc(128);
    d.h = falloc(128 * N), d.w2 = falloc(10 * 128), d.b2 = falloc(10);
    d.o = falloc(10 * N), d.d2 = falloc(10 * N), d.d1 = falloc(128 * N);
    d.g1 = falloc(128 * 3136), d.gb1 = falloc(128), d.g2 = falloc(1280);
    d.gb2 = falloc(10);
    double dt = best(dense_pass, &d);
    total += dt;
    line("dense 3136->128->10", "kernels", dt, 0, 0, 0);
    printf("\nrows + dense, one pass of %d: %.2f ms; an epoch (469 passes): "
           "%.1f s (Adam, softmax, copies not counted)\n", N, total * 1e3,
           total * 469);
    return 0;
}
