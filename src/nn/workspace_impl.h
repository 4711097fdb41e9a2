/*
 * workspace_impl.h - the forward and backward pass over a batch, written
 * once and included by workspace.c per real type with REAL, WS (the
 * workspace type) and WFN(name) (name, or name_f32, which also names the
 * fast kernels and output functions of that type).
 */

bp_status WFN(ws_init)(WS *ws, const bp_arch *arch, size_t cap,
                       bp_error *err)
{
    memset(ws, 0, sizeof *ws);
    if (cap == 0)
        return bp_fail(err, BP_EINVAL, "a batch needs at least one sample");
    size_t total;
    if (!bp_mul_size(ws_units(arch), cap, &total) ||
        !bp_mul_size(total, sizeof(REAL), &total))
        return bp_fail(err, BP_ENOMEM, "a batch of %zu samples is too large",
                       cap);
    ws->block = malloc(total);
    if (!ws->block)
        return bp_fail(err, BP_ENOMEM,
                       "out of memory for a batch of %zu samples", cap);
    REAL *p = ws->block;
    for (int l = 0; l <= arch->n_layers; l++) {
        ws->act[l] = p;
        p += arch->sizes[l] * cap;
    }
    for (int l = 0; l < arch->n_layers; l++) {
        ws->delta[l] = p;
        p += arch->sizes[l + 1] * cap;
    }
    ws->target = p;
    p += arch->sizes[arch->n_layers] * cap;
    ws->scratch = ws_scratch(arch) ? p : NULL;
    ws->cap = cap;
    WFN(ws_set_isa)(ws, bp_isa_best());
    return BP_OK;
}

void WFN(ws_set_isa)(WS *ws, bp_isa isa)
{
    ws->isa = isa;
    ws->k = KERNELS(isa);
}

void WFN(ws_free)(WS *ws)
{
    free(ws->block);
    memset(ws, 0, sizeof *ws);
}

/* dst[f][s] = src row (rows ? rows[s] : start + s), column f, for f < d
 * and s < n (dst's row stride ld): rows of the row-major src (stride d)
 * become feature-major.
 * 16 samples at a time, so that each feature's 16 values are written side
 * by side (a cache line of floats) instead of n apart: the transposition
 * of Fashion-MNIST's 784 features was a tenth of an epoch the plain way. */
static void WFN(transpose_rows)(REAL *dst, size_t ld, const double *src,
                                size_t d, const size_t *rows, size_t start,
                                size_t n)
{
    enum { B = 16, LINE = 64 / sizeof(double) };
    const size_t lines = (d + LINE - 1) / LINE;     /* of a source row */
    for (size_t s0 = 0; s0 < n; s0 += B) {
        size_t b = n - s0 < B ? n - s0 : B;
        const double *from[B], *next[B];
        for (size_t j = 0; j < b; j++)
            from[j] = src + (rows ? rows[s0 + j] : start + s0 + j) * d;
        /* the next block's rows, a few cache lines each feature: the
         * rows of a shuffled batch are far apart, and the hardware
         * prefetchers follow 16 of them at once poorly */
        size_t nb = n - s0 - b < B ? n - s0 - b : B;
        for (size_t j = 0; j < nb; j++)
            next[j] = src + (rows ? rows[s0 + b + j] : start + s0 + b + j) * d;
        const size_t total = nb * lines;  /* spread evenly over the d */
        for (size_t f = 0, q = 0, due = 0; f < d; f++) {
            for (due += total; due >= d; due -= d, q++)
                __builtin_prefetch(next[q % nb] + q / nb * LINE);
            for (size_t j = 0; j < b; j++)
                dst[f * ld + s0 + j] = (REAL)from[j][f];
        }
    }
}

void WFN(ws_gather)(WS *ws, const bp_dataset *ds, const size_t *rows,
                    size_t start, size_t n)
{
    WFN(transpose_rows)(ws->act[0], n, ds->x, ds->n_in, rows, start, n);
    WFN(ws_gather_targets)(ws, ds, rows, start, n);
}

void WFN(ws_gather_targets)(WS *ws, const bp_dataset *ds, const size_t *rows,
                            size_t start, size_t n)
{
    WFN(transpose_rows)(ws->target, n, ds->y, ds->n_out, rows, start, n);
}

void WFN(gather_inputs)(REAL *dst, size_t ld, const bp_dataset *ds,
                        const size_t *rows, size_t start, size_t n)
{
    WFN(transpose_rows)(dst, ld, ds->x, ds->n_in, rows, start, n);
}

void WFN(ws_load_inputs)(WS *ws, const double *x, size_t n_in, size_t n)
{
    WFN(transpose_rows)(ws->act[0], n, x, n_in, NULL, 0, n);
}

static const REAL *WFN(bias_of)(const bp_net *net, const REAL *params, int l)
{
    return net->b_off[l] == BP_NO_BIAS ? NULL : params + net->b_off[l];
}

void WFN(layer_forward)(const bp_net *net, const REAL *params, int l,
                        size_t r0, size_t r1, REAL *out, const REAL *in,
                        size_t n, const KT *k)
{
    const bp_arch *a = &net->arch;
    const size_t n_in = a->sizes[l], rows = r1 - r0;
    const REAL *w = params + net->w_off[l] + r0 * n_in;
    const REAL *b = WFN(bias_of)(net, params, l);
    if (b)
        b += r0;
    /* the output layer: sigmoid (the seed's), or the linear sums that
     * softmax then normalises, or plain linear */
    bp_activation f = l + 1 < a->n_layers ? a->layer[l].act
                      : a->output == BP_OUT_SIGMOID ? BP_ACT_SIGMOID
                                                    : BP_ACT_NONE;
    DENSE_ACT_FORWARD(k, f, out, in, w, b, rows, n_in, n);
}

/* Layer l of a pass of n samples, as its row of the layer table sees it. */
static bp_layer_run WFN(run_of)(const bp_net *net, const WS *ws, int l,
                                size_t n)
{
    return (bp_layer_run){.layer = &net->arch.layer[l], .index = l, .n = n,
                          .isa = ws->isa, .train = ws->train,
                          .seed = ws->seed, .step = ws->step,
                          .first = ws->first};
}

/* Layers [first, end) forward, whole, act[first] already there: a dense
 * layer by layer_forward (the output layer's activation is the arch's),
 * any other by its row of the table. */
static void WFN(layers_forward)(const bp_net *net, const REAL *params, WS *ws,
                                size_t n, int first, int end)
{
    for (int l = first; l < end; l++) {
        if (net->arch.layer[l].kind == BP_LAYER_DENSE) {
            WFN(layer_forward)(net, params, l, 0, net->arch.sizes[l + 1],
                               ws->act[l + 1], ws->act[l], n, ws->k);
        } else {
            bp_layer_run r = WFN(run_of)(net, ws, l, n);
            LAYER_PASS(net->ops[l], forward)(&r, ws->act[l + 1], ws->act[l],
                                             params + net->w_off[l],
                                             WFN(bias_of)(net, params, l),
                                             ws->scratch);
        }
    }
}

const REAL *WFN(ws_forward_from)(const bp_net *net, const REAL *params,
                                 WS *ws, size_t n, int first)
{
    const bp_arch *a = &net->arch;
    WFN(layers_forward)(net, params, ws, n, first, a->n_layers);
    if (a->output == BP_OUT_SOFTMAX)
        WFN(softmax_forward)(ws->act[a->n_layers], a->sizes[a->n_layers], n);
    return ws->act[a->n_layers];
}

const REAL *WFN(ws_forward)(const bp_net *net, const REAL *params, WS *ws,
                            size_t n)
{
    return WFN(ws_forward_from)(net, params, ws, n, 0);
}

void WFN(ws_predict)(const bp_net *net, const REAL *params, WS *ws,
                     const double *x, size_t n, double *out)
{
    const bp_arch *a = &net->arch;
    const size_t n_in = a->sizes[0], n_out = a->sizes[a->n_layers];
    for (size_t start = 0; start < n; start += ws->cap) {
        size_t m = n - start < ws->cap ? n - start : ws->cap;
        WFN(ws_load_inputs)(ws, x + start * n_in, n_in, m);
        const REAL *p = WFN(ws_forward)(net, params, ws, m); /* [n_out][m] */
        for (size_t s = 0; s < m; s++)
            for (size_t k = 0; k < n_out; k++)
                out[(start + s) * n_out + k] = p[k * m + s];
    }
}

double WFN(ws_loss)(const bp_net *net, const WS *ws, size_t n)
{
    const bp_arch *a = &net->arch;
    if (a->loss == BP_LOSS_CE)
        return WFN(cross_entropy)(ws->act[a->n_layers], ws->target,
                                  a->sizes[a->n_layers], n);
    return ws->k->loss_value(a->loss, ws->act[a->n_layers], ws->target,
                             a->sizes[a->n_layers] * n);
}

size_t WFN(ws_class_at)(const REAL *v, size_t k, size_t step)
{
    if (k == 1)
        return v[0] > (REAL)0.5;
    size_t best = 0;
    for (size_t i = 1; i < k; i++)
        if (v[i * step] > v[best * step])
            best = i;
    return best;
}

BP_ELEMENTWISE
size_t WFN(ws_correct)(const bp_net *net, const WS *ws, size_t n)
{
    const bp_arch *a = &net->arch;
    const size_t k = a->sizes[a->n_layers];
    const REAL *p = ws->act[a->n_layers];
    size_t right = 0;
    if (k == 1) {
        /* ws_class_at's rule for one output, in a loop gcc vectorises
         * (the seed's network spent a twentieth of an epoch here) */
        const REAL half = (REAL)0.5;
        for (size_t s = 0; s < n; s++)
            right += (p[s] > half) == (ws->target[s] > half);
        return right;
    }
    for (size_t s = 0; s < n; s++)
        right += WFN(ws_class_at)(p + s, k, n) ==
                 WFN(ws_class_at)(ws->target + s, k, n);
    return right;
}

static void WFN(ws_output_delta)(const bp_net *net, WS *ws, size_t n);

/* The deltas of layers top - 1 down to 0 from layer top's: dJ/da of
 * layer l's input, then dJ/dz through its activation. */
static void WFN(deltas_below)(const bp_net *net, const REAL *params, WS *ws,
                              size_t n, int top)
{
    const bp_arch *a = &net->arch;
    const KT *k = ws->k;
    for (int l = top; l > 0; l--)
        k->dense_backward_input_act(a->layer[l - 1].act, ws->delta[l - 1],
                                    params + net->w_off[l], ws->delta[l],
                                    ws->act[l], a->sizes[l + 1], a->sizes[l],
                                    n);
}

void WFN(ws_backward_deltas)(const bp_net *net, const REAL *params, WS *ws,
                             size_t n)
{
    WFN(ws_output_delta)(net, ws, n);
    WFN(deltas_below)(net, params, ws, n, net->arch.n_layers - 1);
}

void WFN(ws_backward_rows)(const bp_net *net, const WS *ws, size_t n, int l,
                           size_t r0, size_t r1, REAL *dw, REAL *db)
{
    const size_t in = net->arch.sizes[l];
    if (net->b_off[l] == BP_NO_BIAS)
        db = NULL;
    ws->k->dense_backward_params(dw, db, ws->delta[l] + r0 * n, ws->act[l],
                                 r1 - r0, in, n);
}

/* The gradient of layers top - 1 down to 0 into grad, their deltas in
 * ws. */
static void WFN(grads_below)(const bp_net *net, const WS *ws, size_t n,
                             REAL *grad, int top)
{
    const bp_arch *a = &net->arch;
    for (int l = top - 1; l >= 0; l--) {
        REAL *db = net->b_off[l] == BP_NO_BIAS ? NULL : grad + net->b_off[l];
        WFN(ws_backward_rows)(net, ws, n, l, 0, a->sizes[l + 1],
                              grad + net->w_off[l], db);
    }
}

/* The output layer's delta, dJ/dz of the outputs, into delta[L - 1]. */
static void WFN(ws_output_delta)(const bp_net *net, WS *ws, size_t n)
{
    const bp_arch *a = &net->arch;
    const int L = a->n_layers;
    const size_t n_out = a->sizes[L];
    REAL *delta = ws->delta[L - 1];
    if (a->output == BP_OUT_SOFTMAX)
        WFN(cross_entropy_delta)(delta, ws->act[L], ws->target, n_out * n);
    else if (a->output == BP_OUT_LINEAR)
        WFN(linear_mse_delta)(delta, ws->act[L], ws->target, n_out * n,
                              n_out);
    else
        ws->k->output_delta(a->loss, delta, ws->act[L], ws->target,
                            n_out * n, n_out);
}

/* The backward pass of a network with layers other than dense ones: each
 * layer from the top by its row of the table, its parameters' gradient
 * and the delta of the layer below in one call, then that layer's
 * activation's derivative. */
static void WFN(layers_backward)(const bp_net *net, const REAL *params,
                                 WS *ws, size_t n, REAL *grad)
{
    WFN(ws_output_delta)(net, ws, n);
    for (int l = net->arch.n_layers - 1; l >= 0; l--) {
        bp_layer_run r = WFN(run_of)(net, ws, l, n);
        REAL *din = l > 0 ? ws->delta[l - 1] : NULL;
        REAL *db = net->b_off[l] == BP_NO_BIAS ? NULL : grad + net->b_off[l];
        LAYER_PASS(net->ops[l], backward)(&r, din, grad + net->w_off[l], db,
                                          ws->delta[l], ws->act[l],
                                          ws->act[l + 1],
                                          params + net->w_off[l],
                                          ws->scratch);
        bp_activation below = l > 0 ? net->arch.layer[l - 1].act : BP_ACT_NONE;
        if (din && below != BP_ACT_NONE)
            ws->k->activation_backward(below, din, ws->act[l],
                                       net->arch.sizes[l] * n);
    }
}

void WFN(ws_backward)(const bp_net *net, const REAL *params, WS *ws,
                      size_t n, REAL *grad)
{
    if (!bp_arch_is_dense(&net->arch)) {
        WFN(layers_backward)(net, params, ws, n, grad);
        return;
    }
    WFN(ws_backward_deltas)(net, params, ws, n);
    WFN(grads_below)(net, ws, n, grad, net->arch.n_layers);
}

/* Forward, loss and gradient into grad: a network whose output is one
 * sigmoid unit takes its output layer in one go (output1_fast, double
 * only); the same bits as ws_forward, ws_loss and ws_backward in turn,
 * which the others take. */
double WFN(ws_pass)(const bp_net *net, const REAL *params, WS *ws, size_t n,
                    REAL *grad)
{
    const bp_arch *a = &net->arch;
#ifdef WS_OUTPUT1
    const int L = a->n_layers;
    if (a->output == BP_OUT_SIGMOID && a->sizes[L] == 1 &&
        (a->loss == BP_LOSS_BCE || a->loss == BP_LOSS_MSE) &&
        bp_arch_is_dense(a)) {
        WFN(layers_forward)(net, params, ws, n, 0, L - 1);
        REAL *db = net->b_off[L - 1] == BP_NO_BIAS ? NULL
                                                   : grad + net->b_off[L - 1];
        double loss = ws->k->output1(
            a->loss, L > 1 ? a->layer[L - 2].act : BP_ACT_NONE,
            ws->act[L], ws->delta[L - 1],
            grad + net->w_off[L - 1], db, L > 1 ? ws->delta[L - 2] : NULL,
            ws->act[L - 1], params + net->w_off[L - 1],
            WFN(bias_of)(net, params, L - 1), ws->target, a->sizes[L - 1], n);
        WFN(deltas_below)(net, params, ws, n, L - 2);
        WFN(grads_below)(net, ws, n, grad, L - 1);
        return loss;
    }
#else
    (void)a;
#endif
    WFN(ws_forward)(net, params, ws, n);
    double loss = WFN(ws_loss)(net, ws, n);
    WFN(ws_backward)(net, params, ws, n, grad);
    return loss;
}
