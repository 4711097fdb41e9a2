/*
 * step_impl.h - one training step's two phases, written once and included
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
 */

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
        if (!tr->resident) {
            size_t at = sh->start + pos;
            if (tr->rows)
                TFN(ws_gather)(&WSOF(sh), tr->ds, tr->rows + at, 0, m);
            else
                TFN(ws_gather)(&WSOF(sh), tr->ds, NULL, at, m);
        }
        TFN(ws_forward)(net, PARAMS(tr), &WSOF(sh), m);
        double loss = TFN(ws_loss)(net, &WSOF(sh), m);
        sh->right += TFN(ws_correct)(net, &WSOF(sh), m);
        if (m == sh->m) {
            sh->loss = loss;
        } else {
            sh->loss += loss * ((double)m / (double)sh->m);
        }
        if (!isfinite(loss))
            return;
        TFN(ws_backward)(net, PARAMS(tr), &WSOF(sh), m,
                         pos == 0 ? g : (REAL *)sh->cgrad);
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

/* The update of parameters [lo, hi), hi - lo <= UPDATE_BLOCK: every pass
 * over the block while it is in L1, rather than each pass over the whole
 * range.  With several shares (or weight decay) the batch's gradient is
 * summed in a buffer on this thread's stack, so that no thread writes
 * into a buffer another thread fills. */
BP_ELEMENTWISE
static int TFN(update_block)(bp_trainer *tr, size_t lo, size_t hi)
{
    const bp_net *net = tr->net;
    const bp_arch *a = &net->arch;
    const REAL *g = (const REAL *)tr->share[0].grad + lo;
    REAL *params = PARAMS(tr);
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
            const REAL *gu = (const REAL *)sh->grad + lo;
            const REAL wu = (REAL)sh->m / (REAL)tr->m;
            if (first) {
                for (size_t k = 0; k < n; k++)
                    sum[k] = wu * gu[k];
            } else {
                for (size_t k = 0; k < n; k++)
                    sum[k] += wu * gu[k];
            }
            first = 0;
        }
        g = sum;
    }
    if (tr->opts.weight_decay > 0) {
        const REAL wd = (REAL)tr->opts.weight_decay;
        if (g != sum) {
            memcpy(sum, g, n * sizeof *sum);
            g = sum;
        }
        for (int l = 0; l < a->n_layers; l++) {
            size_t off = net->w_off[l], end = off + a->sizes[l] * a->sizes[l + 1];
            size_t from = off > lo ? off : lo, to = end < hi ? end : hi;
            for (size_t k = from; k < to; k++)
                sum[k - lo] += wd * params[k];
        }
    }
    TFN(optim_range)(&tr->opts, params, g, (REAL *)tr->state, net->n_params,
                     tr->steps, lo, hi);
    return TFN(all_finite)(params + lo, n);
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
