/*
 * step_impl.h - one training step's phases, written once and included
 * by trainer.c per real type with REAL, TFN(name) (name or name_f32, which
 * also names the workspace functions of the type), WSOF(share) (the
 * share's workspace of the type) and PARAMS(tr) (the weights the passes
 * read: the net's own, or the float copy).
 *
 * Phase 1 runs on every thread t over its share of the batch: load, forward,
 * loss, backward into the share's gradient (the mean over its samples), in
 * passes of at most tr->chunk samples so that a large batch's activations
 * stay in the caches (their gradients are weighted by their sizes).
 * Phase 2 runs on every thread over its range of the parameters: the
 * batch's gradient as the shares' gradients weighted by their sizes, weight
 * decay, the optimizer's update, and the check that the weights are finite.
 * PANELS (defined for float) adds "by rows" (tr->by_rows, float
 * mini-batches on several threads), four phases:
 *   phase_gather  each thread its share's inputs into the batch's tr->X,
 *                 and packed for the first layer's gradient;
 *   phase_first   each thread its rows of the first layer's output for the
 *                 whole batch into tr->Z, from its rows of the weights;
 *   phase_passes  each thread its share: its columns of tr->Z, the other
 *                 layers forward, the loss, every layer's delta, and the
 *                 inputs of the packed layers packed;
 *   phase_rows    each thread its rows of every layer: their gradient from
 *                 all the shares, weighted as phase 2 weighs them, and
 *                 their update, a block of rows at a time.
 * A thread's rows of the first layer (most of an MLP's weights) are read in
 * phase_first and updated in phase_rows by that thread only, so they and
 * their optimizer state stay in its core's cache: the data-parallel update
 * read them from the shared cache every step (a sixth of the epoch on
 * two threads).  The results are the same bits as the two phases'.
 */

#ifdef PANELS
/* By rows: the share's input of every layer after the first that
 * params_panels_f32 takes, packed once for all the threads that read it
 * (phase_gather packs the first's). */
static void TFN(pack_inputs)(const bp_trainer *tr, const bp_share *sh,
                             size_t m)
{
    const bp_arch *a = &tr->net->arch;
    for (int l = 1; l < a->n_layers; l++)
        if (sh->pack_at[l])
            pack_panels_f32(tr->pisa[l], sh->pack_at[l], WSOF(sh).act[l], m, 0,
                            a->sizes[l], m);
}

/* By rows, before the passes, on every thread t: its share's
 * inputs into tr->X (columns [start, start + m) of rows of tr->m), its
 * targets into its workspace, and its columns packed for layer 0's
 * gradient. */
static void TFN(phase_gather)(void *ctx, int t)
{
    bp_trainer *tr = ctx;
    bp_share *sh = &tr->share[t];
    if (sh->m == 0)
        return;
    const size_t *rows = tr->rows + sh->start;
    TFN(gather_inputs)(tr->X + sh->start, tr->m, tr->ds, rows, 0, sh->m);
    TFN(ws_gather_targets)(&WSOF(sh), tr->ds, rows, 0, sh->m);
    pack_panels_f32(tr->pisa[0], sh->pack_at[0], tr->X, tr->m, sh->start,
                    tr->net->arch.sizes[0], sh->m);
}

/* By rows, then on every thread t: its rows of layer 0's output for the
 * whole batch, from its rows of the weights (the rows it updates). */
static void TFN(phase_first)(void *ctx, int t)
{
    bp_trainer *tr = ctx;
    const size_t out = tr->net->arch.sizes[1], T = (size_t)tr->threads;
    size_t r0 = out * (size_t)t / T, r1 = out * ((size_t)t + 1) / T;
    if (r1 > r0)
        TFN(layer_forward)(tr->net, PARAMS(tr), 0, r0, r1, tr->Z + r0 * tr->m,
                           tr->X, tr->m, WSOF(tr->share).k);
}

/* By rows, in the passes: the share's columns of layer 0's output. */
static void TFN(first_of_share)(const bp_trainer *tr, bp_share *sh)
{
    const size_t h = tr->net->arch.sizes[1];
    REAL *dst = WSOF(sh).act[1];
    for (size_t j = 0; j < h; j++)
        memcpy(dst + j * sh->m, tr->Z + j * tr->m + sh->start,
               sh->m * sizeof *dst);
}
#define PACK_INPUTS(tr, sh, m) TFN(pack_inputs)((tr), (sh), (m))
#define FIRST_OF_SHARE(tr, sh) TFN(first_of_share)((tr), (sh))
#else
#define PACK_INPUTS(tr, sh, m) ((void)0)
#define FIRST_OF_SHARE(tr, sh) ((void)0)
#endif

static void TFN(phase_passes)(void *ctx, int t)
{
    bp_trainer *tr = ctx;
    bp_share *sh = &tr->share[t];
    const bp_net *net = tr->net;
    sh->loss = 0;
    sh->right = 0;
    REAL *g = sh->grad;
    /* the share in passes of at most tr->chunk samples; one pass (the
     * usual case) leaves its loss and gradient as they are, bit for bit */
    for (size_t pos = 0; pos < sh->m; pos += tr->chunk) {
        size_t m = sh->m - pos < tr->chunk ? sh->m - pos : tr->chunk;
        WSOF(sh).step = tr->steps;          /* dropout's masks */
        WSOF(sh).first = sh->start + pos;
        if (tr->by_rows) {
            /* layer 0 is done: its output for the share's samples */
            FIRST_OF_SHARE(tr, sh);
            TFN(ws_forward_from)(net, PARAMS(tr), &WSOF(sh), m, 1);
        } else {
            if (!tr->resident) {
                size_t at = sh->start + pos;
                if (tr->rows)
                    TFN(ws_gather)(&WSOF(sh), tr->ds, tr->rows + at, 0, m);
                else
                    TFN(ws_gather)(&WSOF(sh), tr->ds, NULL, at, m);
            }
        }
        /* by rows: the loss here, the deltas below; else all of the pass */
        double loss = tr->by_rows
                          ? TFN(ws_loss)(net, &WSOF(sh), m)
                          : TFN(ws_pass)(net, PARAMS(tr), &WSOF(sh), m,
                                         pos == 0 ? g : (REAL *)sh->cgrad);
        sh->right += TFN(ws_correct)(net, &WSOF(sh), m);
        if (m == sh->m) {
            sh->loss = loss;
        } else {
            sh->loss += loss * ((double)m / (double)sh->m);
        }
        if (!isfinite(loss))
            return;
        if (tr->by_rows) {
            /* one pass; phase_rows takes the gradient */
            TFN(ws_backward_deltas)(net, PARAMS(tr), &WSOF(sh), m);
            PACK_INPUTS(tr, sh, m);
            continue;
        }
        if (m == sh->m)
            continue;
        /* the share's gradient: the passes' means weighted by their
         * sizes */
        const REAL w = (REAL)m / (REAL)sh->m;
        const size_t n = net->n_params;
        if (pos == 0) {
            for (size_t k = 0; k < n; k++)
                g[k] *= w;
        } else {
            const REAL *c = sh->cgrad;
            for (size_t k = 0; k < n; k++)
                g[k] += w * c[k];
        }
    }
}

/* v[k] * 0 is 0 unless v[k] is NaN or infinite.  A vector's worth of
 * independent sums, so the check costs a fraction of a step. */
BP_ELEMENTWISE
static int TFN(all_finite)(const REAL *v, size_t count)
{
    enum { W = 64 / sizeof(REAL) };     /* one AVX-512 vector of sums */
    REAL acc[W] = {0};
    size_t k = 0;
    for (; k + W <= count; k += W)
        for (int j = 0; j < W; j++)
            acc[j] += v[k + j] * (REAL)0;
    for (; k < count; k++)
        acc[0] += v[k] * (REAL)0;
    for (int w = W / 2; w > 0; w /= 2)        /* a tree: short and vectorised */
        for (int j = 0; j < w; j++)
            acc[j] += acc[j + w];
    return acc[0] == 0;
}

/* sum = w g (first) or sum += w g (sum may be g): one share's part of the
 * batch's gradient, the shares taken in a fixed order. */
BP_ELEMENTWISE
static void TFN(weigh)(REAL *sum, const REAL *g, REAL w, size_t n, int first)
{
    if (first) {
        for (size_t k = 0; k < n; k++)
            sum[k] = w * g[k];
    } else {
        for (size_t k = 0; k < n; k++)
            sum[k] += w * g[k];
    }
}

/* Parameters [lo, hi) from g, their gradient (g[0] is parameter lo's):
 * weight decay added to g for the weights among them (not the biases),
 * the optimizer's step, and whether they are all finite afterwards. */
BP_ELEMENTWISE
static int TFN(apply_update)(bp_trainer *tr, REAL *g, size_t lo, size_t hi)
{
    const bp_net *net = tr->net;
    const bp_arch *a = &net->arch;
    REAL *params = PARAMS(tr);
    if (tr->opts.weight_decay > 0) {
        const REAL wd = (REAL)tr->opts.weight_decay;
        for (int l = 0; l < a->n_layers; l++) {
            size_t off = net->w_off[l], end = off + net->n_w[l];
            size_t from = off > lo ? off : lo, to = end < hi ? end : hi;
            for (size_t k = from; k < to; k++)
                g[k - lo] += wd * params[k];
        }
    }
    TFN(optim_range)(&tr->opts, params, g, (REAL *)tr->state, net->n_params,
                     tr->steps, lo, hi);
    return TFN(all_finite)(params + lo, hi - lo);
}

/* The update of parameters [lo, hi), hi - lo <= UPDATE_BLOCK: every pass
 * over the block while it is in L1, rather than each pass over the whole
 * range.  With several shares (or weight decay) the batch's gradient is
 * summed in a buffer on this thread's stack, so that no thread writes
 * into a buffer another thread fills. */
BP_ELEMENTWISE
static int TFN(update_block)(bp_trainer *tr, size_t lo, size_t hi)
{
    REAL *g = (REAL *)tr->share[0].grad + lo;
    REAL sum[UPDATE_BLOCK];
    const size_t n = hi - lo;
    if (tr->m != tr->share[0].m) {
        /* g = sum over the shares of (m_u / m) g_u; the order of the sum
         * is fixed by u alone.  An idle share (fewer samples than
         * threads) adds nothing: its buffer holds an older step's
         * gradient, possibly not finite. */
        int first = 1;
        for (int u = 0; u < tr->threads; u++) {
            const bp_share *sh = &tr->share[u];
            if (sh->m == 0)
                continue;
            TFN(weigh)(sum, (const REAL *)sh->grad + lo,
                       (REAL)sh->m / (REAL)tr->m, n, first);
            first = 0;
        }
        g = sum;
    }
    if (tr->opts.weight_decay > 0 && g != sum) {
        /* the decay is added to the gradient: not in share 0's buffer */
        memcpy(sum, g, n * sizeof *sum);
        g = sum;
    }
    return TFN(apply_update)(tr, g, lo, hi);
}

static void TFN(phase_update)(void *ctx, int t)
{
    bp_trainer *tr = ctx;
    size_t lo, hi;
    param_range(tr, t, &lo, &hi);
    int finite = 1;
    for (size_t b = lo; b < hi; b += UPDATE_BLOCK)
        finite &= TFN(update_block)(tr, b, hi - b < UPDATE_BLOCK ? hi : b + UPDATE_BLOCK);
    tr->share[t].finite = finite;
}

#ifdef PANELS
/* By rows, float, a layer whose inputs are packed: rows [r0, r1)'s weight
 * gradient straight from the shares' packed inputs and deltas, their bias
 * gradient share by share.  0 when the layer is not packed. */
static int TFN(panel_grad)(const bp_trainer *tr, REAL *sum, int l, size_t r0,
                           size_t r1)
{
    if (!tr->share[0].pack_at[l])
        return 0;
    const bp_net *net = tr->net;
    const size_t in = net->arch.sizes[l], rows = r1 - r0, nw = rows * in;
    const REAL *delta[BP_MAX_THREADS], *pack[BP_MAX_THREADS];
    size_t n[BP_MAX_THREADS];
    REAL c[BP_MAX_THREADS];
    int S = 0;
    for (int u = 0; u < tr->threads; u++) {
        const bp_share *sh = &tr->share[u];
        if (sh->m == 0)
            continue;
        delta[S] = WSOF(sh).delta[l] + r0 * sh->m;
        pack[S] = sh->pack_at[l];
        n[S] = sh->m;
        c[S] = (REAL)sh->m / (REAL)tr->m;
        S++;
    }
    const int one = S == 1 && n[0] == tr->m;    /* no weights */
    params_panels_f32(tr->pisa[l], sum, rows, in, S, delta, n, pack,
                      one ? NULL : c);
    if (net->b_off[l] != BP_NO_BIAS) {
        REAL *part = sum + tr->rows_cap;
        for (int u = 0; u < S; u++) {
            bias_grad_fast_f32(tr->pisa[l], one ? sum + nw : part, delta[u],
                               rows, n[u]);
            if (!one)
                TFN(weigh)(sum + nw, part, c[u], rows, u == 0);
        }
    }
    return 1;
}

/* By rows: rows [r0, r1) of layer l.  Their gradient from every share's
 * deltas (the shares' means weighted by their sizes, in share order, as
 * update_block sums them), weight decay, the optimizer, the check. */
static int TFN(update_rows)(bp_trainer *tr, REAL *sum, int l, size_t r0,
                            size_t r1)
{
    const bp_net *net = tr->net;
    const size_t in = net->arch.sizes[l], rows = r1 - r0;
    const size_t nw = rows * in;
    const int bias = net->b_off[l] != BP_NO_BIAS;
    const size_t count = nw + (bias ? rows : 0);
    REAL *part = sum + tr->rows_cap;
    if (!TFN(panel_grad)(tr, sum, l, r0, r1)) {
        int first = 1;
        for (int u = 0; u < tr->threads; u++) {
            const bp_share *sh = &tr->share[u];
            if (sh->m == 0)
                continue;
            if (sh->m == tr->m) {
                /* one share holds the batch: its gradient as it is */
                TFN(ws_backward_rows)(net, &WSOF(sh), sh->m, l, r0, r1, sum,
                                      sum + nw);
                break;
            }
            REAL *g = first ? sum : part;
            TFN(ws_backward_rows)(net, &WSOF(sh), sh->m, l, r0, r1, g,
                                  g + nw);
            TFN(weigh)(sum, g, (REAL)sh->m / (REAL)tr->m, count, first);
            first = 0;
        }
    }
    const size_t wlo = net->w_off[l] + r0 * in;
    int finite = TFN(apply_update)(tr, sum, wlo, wlo + nw);
    if (bias) {
        const size_t blo = net->b_off[l] + r0;
        finite &= TFN(apply_update)(tr, sum + nw, blo, blo + rows);
    }
    return finite;
}

/* By rows, on every thread t: its rows of each layer (equal parts), in
 * blocks of about ROWS_BYTES of weights. */
static void TFN(phase_rows)(void *ctx, int t)
{
    bp_trainer *tr = ctx;
    const bp_arch *a = &tr->net->arch;
    const size_t T = (size_t)tr->threads;
    REAL *buf = tr->share[t].rows_buf;
    int finite = 1;
    for (int l = 0; l < a->n_layers; l++) {
        size_t out = a->sizes[l + 1];
        size_t lo = out * (size_t)t / T, hi = out * ((size_t)t + 1) / T;
        size_t per = rows_per_block(a->sizes[l], sizeof(REAL));
        size_t blocks = (hi - lo + per - 1) / per;
        for (size_t b = 0; b < blocks; b++)
            finite &= TFN(update_rows)(tr, buf, l,
                                       lo + (hi - lo) * b / blocks,
                                       lo + (hi - lo) * (b + 1) / blocks);
    }
    tr->share[t].finite = finite;
}
#endif /* PANELS */

#undef PACK_INPUTS
#undef FIRST_OF_SHARE
