/* status.c - errors and the names of the enumerations. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

bp_status bp_fail(bp_error *err, bp_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

char *bp_mask_controls(char *s)
{
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return s;
}

const char *bp_excerpt(char out[48], const char *s)
{
    size_t len = strlen(s), keep = len > 40 ? 40 : len;
    while (keep < len && keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--;
    memcpy(out, s, keep);
    strcpy(out + keep, keep < len ? "..." : "");
    return bp_mask_controls(out);
}

const char *bp_status_name(bp_status status)
{
    switch (status) {
    case BP_OK: return "ok";
    case BP_EINVAL: return "invalid argument";
    case BP_ENOMEM: return "out of memory";
    case BP_EIO: return "input/output error";
    case BP_EFORMAT: return "bad file format";
    case BP_EDIVERGED: return "training diverged";
    }
    return "unknown status";
}

/* One table per enumeration: the value's index is its name's index, and
 * each has exactly the enumeration's count of names (checked below, so
 * that a new enumerator without its name, or a name too many, does not
 * compile). */
static const char *const activation_names[] = {"sigmoid", "tanh", "relu", "none"};
static const char *const loss_names[] = {"bce", "mse", "ce"};
static const char *const output_names[] = {"sigmoid", "softmax", "linear"};
static const char *const optimizer_names[] = {"sgd", "momentum", "nesterov",
                                              "rmsprop", "adam"};
static const char *const init_names[] = {"normal", "xavier", "he", "numpy"};
static const char *const dtype_names[] = {"f64", "f32"};
static const char *const isa_names[] = {"auto", "naive", "avx2", "avx512"};
static const char *const layer_kind_names[] = {"dense", "conv", "maxpool",
                                               "avgpool", "dropout"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define NAMES_MATCH(table, count)                                        \
    _Static_assert(COUNT(table) == (count), #table " must have " #count  \
                                            " names, in the enum's order")
NAMES_MATCH(activation_names, BP_ACT_COUNT);
NAMES_MATCH(loss_names, BP_LOSS_COUNT);
NAMES_MATCH(output_names, BP_OUT_COUNT);
NAMES_MATCH(optimizer_names, BP_OPT_COUNT);
NAMES_MATCH(init_names, BP_INIT_COUNT);
NAMES_MATCH(dtype_names, BP_DTYPE_COUNT);
NAMES_MATCH(isa_names, BP_ISA_COUNT);
NAMES_MATCH(layer_kind_names, BP_LAYER_COUNT);

static const char *name_of(const char *const *names, size_t count, int value)
{
    return value >= 0 && (size_t)value < count ? names[value] : "unknown";
}

static bp_status parse_name(const char *const *names, size_t count,
                            const char *name, int *out)
{
    for (size_t i = 0; name && i < count; i++) {
        if (strcmp(names[i], name) == 0) {
            *out = (int)i;
            return BP_OK;
        }
    }
    return BP_EINVAL;
}

const char *bp_activation_name(bp_activation a)
{
    return name_of(activation_names, COUNT(activation_names), (int)a);
}
const char *bp_loss_name(bp_loss l)
{
    return name_of(loss_names, COUNT(loss_names), (int)l);
}
const char *bp_optimizer_name(bp_optimizer o)
{
    return name_of(optimizer_names, COUNT(optimizer_names), (int)o);
}
const char *bp_init_name(bp_init i)
{
    return name_of(init_names, COUNT(init_names), (int)i);
}
const char *bp_output_name(bp_output o)
{
    return name_of(output_names, COUNT(output_names), (int)o);
}

const char *bp_dtype_name(bp_dtype d)
{
    return name_of(dtype_names, COUNT(dtype_names), (int)d);
}

const char *bp_isa_name(bp_isa isa)
{
    return name_of(isa_names, COUNT(isa_names), (int)isa);
}

const char *bp_layer_kind_name(bp_layer_kind k)
{
    return name_of(layer_kind_names, COUNT(layer_kind_names), (int)k);
}

#define DEFINE_PARSE(fn, type, table)                                   \
    bp_status fn(const char *name, type *out)                           \
    {                                                                   \
        int v;                                                          \
        if (parse_name(table, COUNT(table), name, &v) != BP_OK)         \
            return BP_EINVAL;                                           \
        *out = (type)v;                                                 \
        return BP_OK;                                                   \
    }

DEFINE_PARSE(bp_activation_parse, bp_activation, activation_names)
DEFINE_PARSE(bp_loss_parse, bp_loss, loss_names)
DEFINE_PARSE(bp_optimizer_parse, bp_optimizer, optimizer_names)
DEFINE_PARSE(bp_init_parse, bp_init, init_names)
DEFINE_PARSE(bp_output_parse, bp_output, output_names)
DEFINE_PARSE(bp_dtype_parse, bp_dtype, dtype_names)
DEFINE_PARSE(bp_isa_parse, bp_isa, isa_names)
DEFINE_PARSE(bp_layer_kind_parse, bp_layer_kind, layer_kind_names)
