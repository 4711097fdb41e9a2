/* layer.c - the table of layer kinds and the --layers grammar. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "nn/layer.h"

static const bp_layer_ops *const kinds[] = {
    [BP_LAYER_DENSE] = &bp_dense_ops,
    [BP_LAYER_CONV] = &bp_conv_ops,
    [BP_LAYER_MAXPOOL] = &bp_maxpool_ops,
    [BP_LAYER_AVGPOOL] = &bp_avgpool_ops,
    [BP_LAYER_DROPOUT] = &bp_dropout_ops,
};
_Static_assert(sizeof kinds / sizeof kinds[0] == BP_LAYER_COUNT,
               "one row of the layer table per bp_layer_kind");

const bp_layer_ops *bp_layer_ops_of(bp_layer_kind kind)
{
    return (unsigned)kind < BP_LAYER_COUNT ? kinds[kind] : NULL;
}

size_t bp_layer_none(const bp_layer *L)
{
    (void)L;
    return 0;
}

void bp_layer_no_fans(const bp_layer *L, double *fan_in, double *fan_out)
{
    (void)L;
    *fan_in = *fan_out = 0;
}

/* ------------------------------------------------------------ the grammar */

/* One layer as its item, "conv:32:3:s2:valid", without its activation. */
static size_t format_item(const bp_layer *L, char *buf, size_t size)
{
    const char *name = bp_layer_kind_name(L->kind);
    int len = 0;
    switch (L->kind) {
    case BP_LAYER_DENSE:
        len = snprintf(buf, size, "%s:%zu", name, L->units);
        break;
    case BP_LAYER_CONV:
        len = snprintf(buf, size, "%s:%zu:%d%s%.0d%s", name, L->units, L->k,
                       L->stride > 1 ? ":s" : "", L->stride > 1 ? L->stride : 0,
                       L->valid ? ":valid" : "");
        break;
    case BP_LAYER_MAXPOOL:
    case BP_LAYER_AVGPOOL:
        len = snprintf(buf, size, "%s:%d", name, L->k);
        break;
    case BP_LAYER_DROPOUT: {
        /* the shortest decimal that reads back as the same double */
        char rate[32];
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(rate, sizeof rate, "%.*g", digits, L->rate);
            if (strtod(rate, NULL) == L->rate)
                break;
        }
        len = snprintf(buf, size, "%s:%s", name, rate);
        break;
    }
    default:
        len = snprintf(buf, size, "%s", name);
        break;
    }
    return len < 0 ? 0 : (size_t)len;
}

size_t bp_layer_item(const bp_layer *L, char *buf, size_t size)
{
    return format_item(L, buf, size);
}

size_t bp_layers_format(const bp_arch *arch, char *buf, size_t size)
{
    size_t need = 0;
    char item[96];
    if (size)
        buf[0] = '\0';
    for (int l = 0; l + 1 < arch->n_layers; l++) {
        const bp_layer *L = &arch->layer[l];
        size_t len = format_item(L, item, sizeof item);
        const bp_layer_ops *ops = bp_layer_ops_of(L->kind);
        char with_act[128];
        int n = snprintf(with_act, sizeof with_act, "%s%.*s%s%s",
                         l ? "," : "", (int)len, item,
                         ops && ops->has_act && L->act != BP_ACT_NONE ? "," : "",
                         ops && ops->has_act && L->act != BP_ACT_NONE
                             ? bp_activation_name(L->act) : "");
        if (n < 0)
            continue;
        /* as snprintf: what fits, always terminated */
        if (need + 1 < size) {
            size_t room = size - need - 1;
            size_t copy = (size_t)n < room ? (size_t)n : room;
            memcpy(buf + need, with_act, copy);
            buf[need + copy] = '\0';
        }
        need += (size_t)n;
    }
    return need;
}

/* A whole number in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    return v;
}

/* The fields of one item, split at the colons: their count, or
 * MAX_FIELDS + 1 when there are more than MAX_FIELDS (field[] then holds
 * the first MAX_FIELDS). */
#define MAX_FIELDS 6
static int split_fields(char *item, char *field[MAX_FIELDS])
{
    int count = 0;
    for (char *p = item;; ) {
        if (count == MAX_FIELDS)
            return MAX_FIELDS + 1;
        field[count++] = p;
        char *colon = strchr(p, ':');
        if (!colon)
            break;
        *colon = '\0';
        p = colon + 1;
    }
    return count;
}

#define MAX_UNITS BP_MAX_WIDTH
#define MAX_FILTERS 4096
#define MAX_SIDE 64

static bp_status item_error(bp_error *err, int at, const char *item,
                            const char *why)
{
    char shown[48];
    return bp_fail(err, BP_EINVAL, "layer list item %d \"%s\": %s", at,
                   bp_excerpt(shown, item), why);
}

/* Parses one item other than an activation into L. */
static bp_status parse_layer(char *item, const char *text, int at,
                             bp_layer *L, bp_error *err)
{
    char *f[MAX_FIELDS];
    int count = split_fields(item, f);
    bp_layer_kind kind;
    if (bp_layer_kind_parse(f[0], &kind) != BP_OK)
        return item_error(err, at, text,
                          "not a layer (conv:FILTERS:K[:sS][:valid], "
                          "maxpool:K, avgpool:K, dense:UNITS, dropout:RATE) "
                          "or an activation (relu, tanh, sigmoid, none)");
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->act = BP_ACT_NONE;
    L->stride = 1;
    switch (kind) {
    case BP_LAYER_DENSE: {
        long u = count == 2 ? number(f[1], 1, MAX_UNITS) : -1;
        if (u < 0)
            return item_error(err, at, text,
                              "a dense layer takes its units, 1 to 65536 "
                              "(dense:128)");
        L->units = (size_t)u;
        return BP_OK;
    }
    case BP_LAYER_CONV: {
        long u = count >= 3 ? number(f[1], 1, MAX_FILTERS) : -1;
        long k = count >= 3 ? number(f[2], 1, MAX_SIDE) : -1;
        if (u < 0 || k < 0)
            return item_error(err, at, text,
                              "a convolution takes its filters (1 to 4096) "
                              "and kernel side (1 to 64): conv:32:3, "
                              "then optionally :sS (stride) and :valid");
        L->units = (size_t)u;
        L->k = (int)k;
        int seen_stride = 0, seen_pad = 0;
        /* (more than MAX_FIELDS fields: the first extra one is refused
         * below, and f[] holds no more) */
        for (int i = 3; i < count && i < MAX_FIELDS; i++) {
            /* "same" starts with an s too: it is no stride */
            if (f[i][0] == 's' && !seen_stride && strcmp(f[i], "same") != 0) {
                long s = number(f[i] + 1, 1, MAX_SIDE);
                if (s < 0)
                    return item_error(err, at, text,
                                      "a stride is s followed by 1 to 64 (s2)");
                L->stride = (int)s;
                seen_stride = 1;
            } else if (!seen_pad && (strcmp(f[i], "valid") == 0 ||
                                     strcmp(f[i], "same") == 0)) {
                L->valid = f[i][0] == 'v';
                seen_pad = 1;
            } else {
                return item_error(err, at, text,
                                  "after conv:FILTERS:K come at most a "
                                  "stride (s2) and a padding (valid or "
                                  "same)");
            }
        }
        return BP_OK;
    }
    case BP_LAYER_MAXPOOL:
    case BP_LAYER_AVGPOOL: {
        long k = count == 2 ? number(f[1], 1, MAX_SIDE) : -1;
        if (k < 0)
            return item_error(err, at, text,
                              "a pool takes its window side, 1 to 64 "
                              "(maxpool:2)");
        L->k = (int)k;
        return BP_OK;
    }
    case BP_LAYER_DROPOUT: {
        /* a plain decimal: strtod alone would take " 0.5", "nan" and
         * hexadecimal too */
        char *end = NULL;
        int plain = count == 2 && f[1][0] &&
                    strspn(f[1], "0123456789.eE+-") == strlen(f[1]) &&
                    (f[1][0] == '.' || (f[1][0] >= '0' && f[1][0] <= '9'));
        double r = plain ? strtod(f[1], &end) : -1;
        if (!end || *end || !(r >= 0 && r < 1))
            return item_error(err, at, text,
                              "dropout takes the probability of dropping a "
                              "unit, 0 to less than 1 (dropout:0.5)");
        L->rate = r;
        return BP_OK;
    }
    default:
        break;
    }
    return item_error(err, at, text, "unknown layer kind");
}

bp_status bp_layers_parse(const char *text, bp_arch *arch, bp_error *err)
{
    if (!text || !arch)
        return bp_fail(err, BP_EINVAL, "no layer list given");
    if (!*text)
        return bp_fail(err, BP_EINVAL, "the layer list is empty");
    bp_arch a = *arch;
    int at = 0, act_named = 0;
    for (const char *p = text;; ) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        at++;
        if (len == 0 || len >= sizeof item) {
            char shown[48];
            return bp_fail(err, BP_EINVAL, len ? "layer list item %d is too long"
                                               : "layer list item %d is empty (in \"%s\")",
                           at, bp_excerpt(shown, text));
        }
        memcpy(item, p, len);
        item[len] = '\0';
        char shown_item[128];
        memcpy(shown_item, item, len + 1);
        bp_activation act;
        if (bp_activation_parse(item, &act) == BP_OK) {
            const bp_layer *prev = a.n_layers > 0 ? &a.layer[a.n_layers - 1] : NULL;
            const bp_layer_ops *ops = prev ? bp_layer_ops_of(prev->kind) : NULL;
            if (!prev || a.n_layers <= arch->n_layers)
                return item_error(err, at, shown_item,
                                  "an activation follows the layer it "
                                  "applies to (dense:128,relu)");
            if (!ops || !ops->has_act)
                return item_error(err, at, shown_item,
                                  "only a dense or conv layer takes an "
                                  "activation");
            if (act_named)
                return item_error(err, at, shown_item,
                                  "the layer before already has an "
                                  "activation");
            a.layer[a.n_layers - 1].act = act;
            act_named = 1;
        } else {
            if (a.n_layers >= BP_MAX_LAYERS - 1) {
                char why[80];
                snprintf(why, sizeof why, "a network has at most %d layers "
                         "before its output layer", BP_MAX_LAYERS - 1);
                return item_error(err, at, shown_item, why);
            }
            bp_status st = parse_layer(item, shown_item, at,
                                       &a.layer[a.n_layers], err);
            if (st)
                return st;
            a.n_layers++;
            act_named = 0;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    *arch = a;
    return BP_OK;
}
