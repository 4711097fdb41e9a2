/*
 * model.c - model files in the safetensors layout.
 *
 *   bytes 0..7   N, the header length, unsigned 64-bit little-endian
 *   bytes 8..    N bytes of JSON (padded with spaces to a multiple of 8):
 *                  "__metadata__": string -> string (architecture),
 *                  "layers.L.weight": {"dtype": "F64", "shape": [out, in],
 *                                      "data_offsets": [begin, end]},
 *                  "layers.L.bias":   {... "shape": [out] ...}
 *   then         the tensors' bytes, little-endian IEEE doubles; offsets are
 *                relative to the end of the header and cover it without holes
 *
 * Versions 1 and 2 describe a dense network by its widths ("sizes") and
 * one hidden activation.  Version 3 stores the layer list: "input_shape"
 * ("CxHxW"), "layers" (the hidden layers in the --layers grammar,
 * bp_layers_format) and "sizes" (every layer's flat input size and the
 * outputs, derived, checked on load); the output layer is described as
 * before (the last of "sizes", "output_activation", "loss", "bias").  L
 * counts every layer of the list, and only those with parameters have
 * tensors: a convolution's weight is [filters, channels, k, k], a dense
 * layer's [out, in], a bias [out].  A network versions 1 and 2 describe
 * is still written as they were, byte for byte (bp_model_is_dense_shorthand).
 *
 * Every field is validated on load, so a truncated, corrupted or foreign
 * file gives an error naming what is wrong, never a crash or a huge
 * allocation.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "core/error.h"
#include "io/atomic.h"
#include "io/model.h"
#include "nn/layer.h"
#include "nn/net.h"

#define MODEL_FORMAT "backprop"
#define MODEL_VERSION "1"
/* Version 2 adds a regression target's standardisation, which a reader of
 * version 1 would ignore and then predict in the wrong units: only models
 * that carry it are written as version 2.  Both are read. */
#define MODEL_VERSION_TARGET "2"
/* Version 3 stores the layer list (convolutions, pools, dropout, an
 * activation per layer, an input shape): only networks that versions 1
 * and 2 cannot describe are written as version 3. */
#define MODEL_VERSION_LAYERS "3"
/* The most dimensions a tensor of the network has (a convolution's). */
#define MAX_DIMS 4
/* A header describes at most 2 * BP_MAX_LAYERS tensors; 1 MiB is ample and
 * stops a forged length from asking for gigabytes. */
#define MAX_HEADER_LEN ((uint64_t)1 << 20)

/* --------------------------------------------------------------- writing */

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static char *sizes_string(const bp_arch *a)
{
    /* Sizes are at most 2^24 (a layer list's flat sizes; 5 digits in the
     * dense shorthand), 8 digits plus a comma each. */
    char *s = malloc((size_t)(a->n_layers + 1) * 24 + 1);
    if (!s)
        return NULL;
    size_t len = 0;
    for (int l = 0; l <= a->n_layers; l++)
        len += (size_t)sprintf(s + len, l ? ",%zu" : "%zu", a->sizes[l]);
    return s;
}

/* Adds item (which may be NULL) to obj under name; on failure the item
 * is freed, so nothing leaks when memory runs out.  0 on failure. */
static int attach(cJSON *obj, const char *name, cJSON *item)
{
    if (item && cJSON_AddItemToObject(obj, name, item))
        return 1;
    cJSON_Delete(item);
    return 0;
}

/* Appends a number to a JSON array; 0 when memory runs out. */
static int add_number(cJSON *array, double v)
{
    cJSON *n = cJSON_CreateNumber(v);
    if (n && cJSON_AddItemToArray(array, n))
        return 1;
    cJSON_Delete(n);
    return 0;
}

/* A tensor of the given dimensions (ndims of them) at *offset, which
 * moves past its bytes. */
static cJSON *tensor_dims(const size_t *dims, int ndims, size_t *offset)
{
    cJSON *t = cJSON_CreateObject();
    cJSON *dtype = cJSON_AddStringToObject(t, "dtype", "F64");
    cJSON *shape = cJSON_AddArrayToObject(t, "shape");
    cJSON *offs = cJSON_AddArrayToObject(t, "data_offsets");
    if (!t || !dtype || !shape || !offs) {
        cJSON_Delete(t);
        return NULL;
    }
    size_t bytes = 8;
    for (int d = 0; d < ndims; d++) {
        bytes *= dims[d];
        if (!add_number(shape, (double)dims[d])) {
            cJSON_Delete(t);
            return NULL;
        }
    }
    if (!add_number(offs, (double)*offset) ||
        !add_number(offs, (double)(*offset + bytes))) {
        cJSON_Delete(t);
        return NULL;
    }
    *offset += bytes;
    return t;
}

/* A matrix rows x cols, or a vector of rows when cols is 0. */
static cJSON *tensor_entry(size_t rows, size_t cols, size_t *offset)
{
    size_t dims[2] = {rows, cols};
    return tensor_dims(dims, cols ? 2 : 1, offset);
}

/* The dimensions of layer l's weight tensor (0 dims: it has none). */
static int weight_dims(const bp_net *net, int l, size_t dims[MAX_DIMS])
{
    const bp_layer *L = &net->arch.layer[l];
    if (net->n_w[l] == 0)
        return 0;
    if (L->kind == BP_LAYER_CONV) {
        dims[0] = L->units;
        dims[1] = L->in.c;
        dims[2] = dims[3] = (size_t)L->k;
        return 4;
    }
    dims[0] = net->arch.sizes[l + 1];
    dims[1] = net->arch.sizes[l];
    return 2;
}

int bp_model_is_dense_shorthand(const bp_arch *a)
{
    if (a->input.h != 1 || a->input.w != 1)
        return 0;
    for (int l = 0; l < a->n_layers; l++) {
        if (a->layer[l].kind != BP_LAYER_DENSE)
            return 0;
        if (l + 1 < a->n_layers && a->layer[l].act != a->hidden)
            return 0;
    }
    return 1;
}

/* Shortest text that reads back as the same double. */
static void repr(char *buf, size_t size, double v)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* The CSV layout (label column, delimiter, header) and a regression
 * target's standardisation, as metadata strings; 0 when memory runs out. */
static int add_layout(cJSON *meta, const bp_model_extra *extra)
{
    if (extra->label) {
        char delim[2] = {extra->delimiter ? extra->delimiter : ',', '\0'};
        if (!cJSON_AddStringToObject(meta, "label", extra->label) ||
            !cJSON_AddStringToObject(meta, "delimiter", delim) ||
            !cJSON_AddStringToObject(meta, "header",
                                     extra->header == 1 ? "true" : "false"))
            return 0;
    }
    if (extra->target_std > 0) {
        char mean[32], sd[32];
        repr(mean, sizeof mean, extra->target_mean);
        repr(sd, sizeof sd, extra->target_std);
        if (!cJSON_AddStringToObject(meta, "target_mean", mean) ||
            !cJSON_AddStringToObject(meta, "target_std", sd))
            return 0;
    }
    return 1;
}

/* The JSON header for net and its extras; NULL when memory runs out. */
static char *header_json(const bp_net *net, const bp_model_extra *extra)
{
    const bp_arch *a = &net->arch;
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
    char *sizes = sizes_string(a);
    char *text = NULL;
    if (!root || !meta || !sizes)
        goto done;
    /* every addition can fail when memory runs out: a header missing an
     * entry must never be written */
    const int v3 = !bp_model_is_dense_shorthand(a);
    if (!cJSON_AddStringToObject(meta, "format", MODEL_FORMAT) ||
        !cJSON_AddStringToObject(meta, "format_version",
                                 v3 ? MODEL_VERSION_LAYERS
                                 : extra && extra->target_std > 0
                                     ? MODEL_VERSION_TARGET
                                     : MODEL_VERSION) ||
        !cJSON_AddStringToObject(meta, "sizes", sizes))
        goto done;
    if (v3) {
        /* the hidden layers in the --layers grammar, and the input */
        char shape[96];
        snprintf(shape, sizeof shape, "%zux%zux%zu", a->input.c, a->input.h,
                 a->input.w);
        size_t need = bp_layers_format(a, NULL, 0) + 1;
        char *list = malloc(need);
        if (list)
            bp_layers_format(a, list, need);
        cJSON *item = list ? cJSON_AddStringToObject(meta, "layers", list)
                           : NULL;
        free(list);
        if (!item || !cJSON_AddStringToObject(meta, "input_shape", shape))
            goto done;
    } else if (!cJSON_AddStringToObject(meta, "hidden_activation",
                                        bp_activation_name(a->hidden))) {
        goto done;
    }
    if (!cJSON_AddStringToObject(meta, "output_activation",
                                 bp_output_name(a->output)) ||
        !cJSON_AddStringToObject(meta, "loss", bp_loss_name(a->loss)) ||
        !cJSON_AddStringToObject(meta, "bias", a->bias ? "true" : "false"))
        goto done;
    /* Tensors in parameter order, so the data is one copy of params:
     * a layer without parameters (a pool, dropout) has none. */
    size_t offset = 0;
    for (int l = 0; l < a->n_layers; l++) {
        char name[32];
        size_t dims[MAX_DIMS];
        int ndims = weight_dims(net, l, dims);
        if (ndims == 0)
            continue;
        snprintf(name, sizeof name, "layers.%d.weight", l);
        cJSON *w = tensor_dims(dims, ndims, &offset);
        if (!attach(root, name, w))
            goto done;
        if (net->b_off[l] != BP_NO_BIAS) {
            snprintf(name, sizeof name, "layers.%d.bias", l);
            cJSON *b = tensor_entry(dims[0], 0, &offset);
            if (!attach(root, name, b))
                goto done;
        }
    }
    if (extra && extra->mean && extra->std) {
        cJSON *m = tensor_entry(a->sizes[0], 0, &offset);
        if (!attach(root, "standardize.mean", m))
            goto done;
        cJSON *d = tensor_entry(a->sizes[0], 0, &offset);
        if (!attach(root, "standardize.std", d))
            goto done;
    }
    if (extra && extra->state && extra->state_len) {
        cJSON *t = tensor_entry(extra->state_len, 0, &offset);
        if (!attach(root, "optimizer.state", t))
            goto done;
        char num[32];
        snprintf(num, sizeof num, "%llu", (unsigned long long)extra->steps);
        if (!cJSON_AddStringToObject(meta, "optimizer_steps", num) ||
            !cJSON_AddStringToObject(meta, "optimizer",
                                     bp_optimizer_name(extra->optimizer)))
            goto done;
    }
    if (extra && extra->epochs) {
        char num[32];
        snprintf(num, sizeof num, "%zu", extra->epochs);
        if (!cJSON_AddStringToObject(meta, "epochs", num))
            goto done;
    }
    if (extra && !add_layout(meta, extra))
        goto done;
    if (extra && extra->n_classes) {
        /* metadata values are strings: the names as a JSON array text */
        cJSON *names = cJSON_CreateArray();
        for (size_t k = 0; names && k < extra->n_classes; k++) {
            cJSON *name = cJSON_CreateString(extra->class_names[k]);
            if (!name || !cJSON_AddItemToArray(names, name)) {
                cJSON_Delete(name);
                cJSON_Delete(names);
                names = NULL;
            }
        }
        char *list = names ? cJSON_PrintUnformatted(names) : NULL;
        cJSON_Delete(names);
        if (!list)
            goto done;
        cJSON *item = cJSON_AddStringToObject(meta, "classes", list);
        free(list);
        if (!item)
            goto done;
    }
    text = cJSON_PrintUnformatted(root);
done:
    free(sizes);
    cJSON_Delete(root);
    return text;
}

static int write_doubles(FILE *f, const double *v, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        uint64_t bits;
        unsigned char b[8];
        memcpy(&bits, &v[k], 8);
        put_le64(b, bits);
        if (fwrite(b, 1, 8, f) != 8)
            return 0;
    }
    return 1;
}

bp_status bp_model_save(const bp_net *net, const char *path, bp_error *err)
{
    return bp_model_save_extra(net, NULL, path, err);
}

bp_status bp_model_save_extra(const bp_net *net, const bp_model_extra *extra,
                              const char *path, bp_error *err)
{
    if (!net)
        return bp_fail(err, BP_EINVAL, "no network to save");
    char *json = header_json(net, extra);
    if (!json)
        return bp_fail(err, BP_ENOMEM, "out of memory for the model header");
    size_t json_len = strlen(json);
    size_t padded = (json_len + 7) / 8 * 8;
    bp_atomic_file af;
    bp_status st = bp_atomic_open(&af, path, err);
    if (st) {
        free(json);
        return st;
    }
    unsigned char len8[8];
    put_le64(len8, padded);
    int ok = fwrite(len8, 1, 8, af.f) == 8 &&
             fwrite(json, 1, json_len, af.f) == json_len;
    for (size_t k = json_len; ok && k < padded; k++)
        ok = fputc(' ', af.f) != EOF;
    free(json);
    ok = ok && write_doubles(af.f, net->params, net->n_params);
    if (ok && extra && extra->mean && extra->std)
        ok = write_doubles(af.f, extra->mean, net->arch.sizes[0]) &&
             write_doubles(af.f, extra->std, net->arch.sizes[0]);
    if (ok && extra && extra->state && extra->state_len)
        ok = write_doubles(af.f, extra->state, extra->state_len);
    if (!ok) {
        int e = errno;
        bp_atomic_abort(&af);
        return bp_fail(err, BP_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return bp_atomic_commit(&af, err);
}

/* --------------------------------------------------------------- reading */

static const char *meta_string(const cJSON *meta, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static int json_size(const cJSON *v, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return 0;
    double d = v->valuedouble;
    if (!(d >= 0 && d <= 9007199254740992.0) || d != floor(d))
        return 0;
    *out = (uint64_t)d;
    return 1;
}

/* "sizes": n_layers + 1 whole numbers 1 to max, comma-separated, into
 * a->sizes and a->n_layers. */
static bp_status parse_sizes(const char *text, unsigned long long max,
                             bp_arch *a, bp_error *err)
{
    int count = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        if (*p < '0' || *p > '9')
            break;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno || v == 0 || v > max || count > BP_MAX_LAYERS)
            break;
        a->sizes[count++] = (size_t)v;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            break;
    }
    if (*p || count < 2 || p[-1] == ',')
        return bp_fail(err, BP_EFORMAT, "bad layer sizes \"%.40s\"", text);
    a->n_layers = count - 1;
    return BP_OK;
}

/* "CxHxW", each a whole number from 1 (bp_arch_resolve checks the
 * limits). */
static int parse_shape(const char *text, bp_shape *out)
{
    unsigned long long v[3];
    const char *p = text;
    for (int k = 0; k < 3; k++) {
        char *end;
        if (*p < '0' || *p > '9')
            return 0;
        errno = 0;
        v[k] = strtoull(p, &end, 10);
        if (errno || v[k] == 0 || v[k] > SIZE_MAX)
            return 0;
        p = end;
        if (k < 2 && *p++ != 'x')
            return 0;
    }
    if (*p)
        return 0;
    *out = (bp_shape){(size_t)v[0], (size_t)v[1], (size_t)v[2]};
    return 1;
}

/* Version 3's network: the input shape, the hidden layers' list and the
 * output layer from the last of "sizes"; the other sizes must be the ones
 * the list gives.  Output, loss and bias are set by the caller first. */
static bp_status parse_layer_list(const cJSON *meta, bp_arch *a,
                                  bp_error *err)
{
    const char *sizes = meta_string(meta, "sizes");
    const char *layers = meta_string(meta, "layers");
    const char *input = meta_string(meta, "input_shape");
    if (!sizes || !layers || !input)
        return bp_fail(err, BP_EFORMAT,
                       "the metadata of a version 3 model lacks one of "
                       "sizes, layers, input_shape");
    bp_arch given;
    memset(&given, 0, sizeof given);
    /* a layer list's flat sizes go up to 2^24 (bp_arch_resolve's limit) */
    bp_status st = parse_sizes(sizes, (unsigned long long)1 << 24, &given,
                               err);
    if (st)
        return st;
    if (!parse_shape(input, &a->input))
        return bp_fail(err, BP_EFORMAT, "bad input_shape \"%.40s\" (CxHxW)",
                       input);
    a->n_layers = 0;
    bp_error why;
    if (*layers && bp_layers_parse(layers, a, &why) != BP_OK)
        return bp_fail(err, BP_EFORMAT, "bad layers: %s", why.msg);
    if (a->n_layers + 1 != given.n_layers)
        return bp_fail(err, BP_EFORMAT,
                       "layers names %d layers before the output but sizes "
                       "%d", a->n_layers, given.n_layers - 1);
    a->layer[a->n_layers] = (bp_layer){.kind = BP_LAYER_DENSE,
                                       .units = given.sizes[given.n_layers],
                                       .stride = 1, .act = BP_ACT_NONE};
    a->n_layers++;
    if (bp_arch_resolve(a, &why) != BP_OK)
        return bp_fail(err, BP_EFORMAT, "bad architecture: %s", why.msg);
    for (int l = 0; l <= a->n_layers; l++)
        if (a->sizes[l] != given.sizes[l])
            return bp_fail(err, BP_EFORMAT,
                           "sizes \"%.40s\" are not those of the layers "
                           "(layer %d's input is %zu values, not %zu)", sizes,
                           l + 1, a->sizes[l], given.sizes[l]);
    return BP_OK;
}

static bp_status parse_metadata(const cJSON *root, bp_arch *a, bp_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const char *format = meta_string(meta, "format");
    if (!cJSON_IsObject(meta) || !format || strcmp(format, MODEL_FORMAT) != 0)
        return bp_fail(err, BP_EFORMAT,
                       "not a backprop model (no \"format\": \"backprop\" "
                       "in its metadata)");
    const char *version = meta_string(meta, "format_version");
    if (!version || (strcmp(version, MODEL_VERSION) != 0 &&
                     strcmp(version, MODEL_VERSION_TARGET) != 0 &&
                     strcmp(version, MODEL_VERSION_LAYERS) != 0))
        return bp_fail(err, BP_EFORMAT,
                       "unsupported model format version \"%.20s\" "
                       "(this build reads versions %s, %s and %s)",
                       version ? version : "?", MODEL_VERSION,
                       MODEL_VERSION_TARGET, MODEL_VERSION_LAYERS);
    if (strcmp(version, MODEL_VERSION_LAYERS) == 0) {
        const char *output = meta_string(meta, "output_activation");
        const char *loss = meta_string(meta, "loss");
        const char *bias = meta_string(meta, "bias");
        if (!output || !loss || !bias)
            return bp_fail(err, BP_EFORMAT,
                           "the metadata of a version 3 model lacks one of "
                           "output_activation, loss, bias");
        if (bp_output_parse(output, &a->output))
            return bp_fail(err, BP_EFORMAT,
                           "unknown output activation \"%.20s\"", output);
        if (bp_loss_parse(loss, &a->loss))
            return bp_fail(err, BP_EFORMAT, "unknown loss \"%.20s\"", loss);
        if (strcmp(bias, "true") != 0 && strcmp(bias, "false") != 0)
            return bp_fail(err, BP_EFORMAT,
                           "bias must be \"true\" or \"false\"");
        a->bias = strcmp(bias, "true") == 0;
        return parse_layer_list(meta, a, err);
    }
    const char *sizes = meta_string(meta, "sizes");
    const char *hidden = meta_string(meta, "hidden_activation");
    const char *output = meta_string(meta, "output_activation");
    const char *loss = meta_string(meta, "loss");
    const char *bias = meta_string(meta, "bias");
    if (!sizes || !hidden || !output || !loss || !bias)
        return bp_fail(err, BP_EFORMAT,
                       "the metadata lacks one of sizes, hidden_activation, "
                       "output_activation, loss, bias");
    bp_status st = parse_sizes(sizes, BP_MAX_WIDTH, a, err);
    if (st)
        return st;
    if (bp_activation_parse(hidden, &a->hidden))
        return bp_fail(err, BP_EFORMAT, "unknown hidden activation \"%.20s\"",
                       hidden);
    if (bp_output_parse(output, &a->output))
        return bp_fail(err, BP_EFORMAT, "unknown output activation \"%.20s\"",
                       output);
    if (bp_loss_parse(loss, &a->loss))
        return bp_fail(err, BP_EFORMAT, "unknown loss \"%.20s\"", loss);
    if (strcmp(bias, "true") != 0 && strcmp(bias, "false") != 0)
        return bp_fail(err, BP_EFORMAT, "bias must be \"true\" or \"false\"");
    a->bias = strcmp(bias, "true") == 0;
    bp_error why;
    if (bp_arch_check(a, &why))
        return bp_fail(err, BP_EFORMAT, "bad architecture: %s", why.msg);
    return BP_OK;
}

typedef struct {
    uint64_t begin, end;
} span;

static int span_cmp(const void *x, const void *y)
{
    const span *a = x, *b = y;
    return a->begin < b->begin ? -1 : a->begin > b->begin;
}

/* Checks tensor `name` against its expected shape (ndims dimensions);
 * records its bytes. */
static bp_status check_tensor(const cJSON *root, const char *name,
                              const size_t *dims, int ndims,
                              uint64_t data_len, span *where, bp_error *err)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!cJSON_IsObject(t))
        return bp_fail(err, BP_EFORMAT, "tensor %s is missing", name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(t, "dtype");
    if (!cJSON_IsString(dtype) || strcmp(dtype->valuestring, "F64") != 0)
        return bp_fail(err, BP_EFORMAT, "tensor %s: dtype must be F64", name);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    int same = cJSON_IsArray(shape) && cJSON_GetArraySize(shape) == ndims;
    uint64_t count = 1;
    for (int d = 0; d < ndims; d++) {
        uint64_t v = 0;
        same = same && json_size(cJSON_GetArrayItem(shape, d), &v) &&
               v == dims[d];
        count *= dims[d];
    }
    if (!same) {
        char want[96];
        size_t len = 0;
        for (int d = 0; d < ndims && len < sizeof want; d++)
            len += (size_t)snprintf(want + len, sizeof want - len,
                                    d ? ", %zu" : "%zu", dims[d]);
        return bp_fail(err, BP_EFORMAT,
                       "tensor %s: shape must be [%s] to match the "
                       "architecture", name, want);
    }
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 ||
        !json_size(cJSON_GetArrayItem(offs, 0), &where->begin) ||
        !json_size(cJSON_GetArrayItem(offs, 1), &where->end) ||
        where->begin > where->end || where->end > data_len)
        return bp_fail(err, BP_EFORMAT,
                       "tensor %s: data_offsets missing or outside the file",
                       name);
    if (where->end - where->begin != count * 8)
        return bp_fail(err, BP_EFORMAT,
                       "tensor %s: data_offsets do not match its shape", name);
    return BP_OK;
}

/* Checks tensor name against its dimensions and copies its doubles into
 * dst, refusing values that are not finite. */
static bp_status read_tensor_dims(const cJSON *root, const char *name,
                                  const size_t *dims, int ndims,
                                  const unsigned char *data,
                                  uint64_t data_len, span *where, double *dst,
                                  bp_error *err)
{
    bp_status st = check_tensor(root, name, dims, ndims, data_len, where,
                                err);
    if (st)
        return st;
    size_t n = (size_t)((where->end - where->begin) / 8);
    for (size_t k = 0; k < n; k++) {
        uint64_t bits = get_le64(data + where->begin + 8 * k);
        memcpy(&dst[k], &bits, 8);
        if (!isfinite(dst[k]))
            return bp_fail(err, BP_EFORMAT,
                           "tensor %s holds a value that is not a finite "
                           "number", name);
    }
    return BP_OK;
}

/* The same for a matrix rows x cols, or a vector of rows when cols is 0. */
static bp_status read_tensor(const cJSON *root, const char *name, size_t rows,
                             size_t cols, const unsigned char *data,
                             uint64_t data_len, span *where, double *dst,
                             bp_error *err)
{
    size_t dims[2] = {rows, cols};
    return read_tensor_dims(root, name, dims, cols ? 2 : 1, data, data_len,
                            where, dst, err);
}

/* The optional "classes" metadata: a JSON array of strings as text. */
static bp_status read_classes(const cJSON *root, bp_model_extra *extra,
                              bp_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const char *text = meta_string(meta, "classes");
    if (!text)
        return BP_OK;
    cJSON *list = cJSON_Parse(text);
    int n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
    if (n < 1 || n > 1 << 20) {
        cJSON_Delete(list);
        return bp_fail(err, BP_EFORMAT,
                       "metadata \"classes\" is not a list of names");
    }
    extra->class_names = calloc((size_t)n, sizeof *extra->class_names);
    bp_status st = extra->class_names ? BP_OK
                                      : bp_fail(err, BP_ENOMEM, "out of memory");
    size_t k = 0;
    for (const cJSON *it = list->child; !st && it; it = it->next, k++) {
        if (!cJSON_IsString(it))
            st = bp_fail(err, BP_EFORMAT, "class %zu is not a string", k + 1);
        else if (!(extra->class_names[k] = strdup(it->valuestring)))
            st = bp_fail(err, BP_ENOMEM, "out of memory");
        extra->n_classes = k + 1;
    }
    cJSON_Delete(list);
    return st;
}

/* The optional CSV layout and target standardisation (metadata strings). */
static bp_status read_layout(const cJSON *root, bp_model_extra *extra,
                             bp_error *err)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const char *label = meta_string(meta, "label");
    const char *delim = meta_string(meta, "delimiter");
    const char *header = meta_string(meta, "header");
    const char *mean = meta_string(meta, "target_mean");
    const char *sd = meta_string(meta, "target_std");
    extra->header = -1;
    if (label || delim || header) {
        if (!label || !delim || !header || strlen(delim) != 1 ||
            strchr("\"\r\n", delim[0]) ||
            (strcmp(header, "true") != 0 && strcmp(header, "false") != 0))
            return bp_fail(err, BP_EFORMAT,
                           "metadata label, delimiter (one character) and "
                           "header (true or false) come together");
        if (!(extra->label = strdup(label)))
            return bp_fail(err, BP_ENOMEM, "out of memory");
        extra->delimiter = delim[0];
        extra->header = strcmp(header, "true") == 0;
    }
    if (mean || sd) {
        char *end1 = NULL, *end2 = NULL;
        double m = mean ? strtod(mean, &end1) : NAN;
        double s = sd ? strtod(sd, &end2) : NAN;
        if (!mean || !sd || end1 == mean || *end1 || end2 == sd || *end2 ||
            !isfinite(m) || !isfinite(s) || !(s > 0))
            return bp_fail(err, BP_EFORMAT,
                           "metadata target_mean and target_std must be "
                           "finite numbers, the std > 0");
        extra->target_mean = m;
        extra->target_std = s;
    }
    return BP_OK;
}

/* Parses a whole number stored as metadata text; 0 when absent. */
static int meta_count(const cJSON *root, const char *key, uint64_t *out)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const char *text = meta_string(meta, key);
    *out = 0;
    if (!text)
        return 1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*text < '0' || *text > '9' || *end || errno)
        return 0;
    *out = v;
    return 1;
}

/* The optional optimizer state: a vector tensor whose length is checked
 * against the optimizer named in the metadata. */
static bp_status read_state(const cJSON *root, size_t n_params,
                            const unsigned char *data, uint64_t data_len,
                            span *where, bp_model_extra *extra, bp_error *err)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "optimizer.state");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(t, "shape");
    uint64_t len = 0, steps = 0, epochs = 0;
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "__metadata__");
    const char *name = meta_string(meta, "optimizer");
    bp_optimizer opt;
    if (!name || bp_optimizer_parse(name, &opt))
        return bp_fail(err, BP_EFORMAT,
                       "optimizer.state without a known \"optimizer\"");
    if (!meta_count(root, "optimizer_steps", &steps) ||
        !meta_count(root, "epochs", &epochs))
        return bp_fail(err, BP_EFORMAT,
                       "optimizer_steps and epochs must be whole numbers");
    /* its length is fixed by the optimizer and the network: checked
     * before anything is allocated */
    size_t want = bp_optimizer_state_len(opt, n_params);
    if (!cJSON_IsArray(shape) || cJSON_GetArraySize(shape) != 1 ||
        !json_size(cJSON_GetArrayItem(shape, 0), &len) || len == 0 ||
        len != want || len * 8 > data_len)
        return bp_fail(err, BP_EFORMAT,
                       "optimizer.state: shape must be [%zu] for %s on this "
                       "network", want, name);
    double *state = malloc((size_t)len * sizeof *state);
    if (!state)
        return bp_fail(err, BP_ENOMEM, "out of memory");
    bp_status st = read_tensor(root, "optimizer.state", (size_t)len, 0, data,
                               data_len, where, state, err);
    if (st || !extra) {
        free(state);
        return st;
    }
    extra->state = state;
    extra->state_len = (size_t)len;
    extra->steps = steps;
    extra->epochs = (size_t)epochs;
    extra->optimizer = opt;
    return BP_OK;
}

/* Reads every tensor of net (and, when extra is given, the standardisation)
 * from data (data_len bytes after the header). */
static bp_status read_tensors(const cJSON *root, bp_net *net,
                              const unsigned char *data, uint64_t data_len,
                              bp_model_extra *extra, bp_error *err)
{
    const bp_arch *a = &net->arch;
    span spans[2 * BP_MAX_LAYERS + 3];
    int count = 0;
    bp_status st;
    for (int l = 0; l < a->n_layers; l++) {
        size_t dims[MAX_DIMS];
        int ndims = weight_dims(net, l, dims);
        if (ndims == 0)
            continue;               /* a layer without parameters */
        char name[32];
        snprintf(name, sizeof name, "layers.%d.weight", l);
        if ((st = read_tensor_dims(root, name, dims, ndims, data, data_len,
                                   &spans[count++], net->params + net->w_off[l],
                                   err)))
            return st;
        if (net->b_off[l] == BP_NO_BIAS)
            continue;
        snprintf(name, sizeof name, "layers.%d.bias", l);
        if ((st = read_tensor(root, name, dims[0], 0, data, data_len,
                              &spans[count++], net->params + net->b_off[l],
                              err)))
            return st;
    }
    /* The standardisation of the inputs: both vectors or neither. */
    int has_mean = cJSON_HasObjectItem(root, "standardize.mean");
    int has_std = cJSON_HasObjectItem(root, "standardize.std");
    if (has_mean != has_std)
        return bp_fail(err, BP_EFORMAT,
                       "standardize.mean and standardize.std come together");
    if (has_mean) {
        size_t d = a->sizes[0];
        double *mean = malloc(d * sizeof *mean), *sd = malloc(d * sizeof *sd);
        st = mean && sd ? BP_OK : bp_fail(err, BP_ENOMEM, "out of memory");
        if (!st)
            st = read_tensor(root, "standardize.mean", d, 0, data, data_len,
                             &spans[count++], mean, err);
        if (!st)
            st = read_tensor(root, "standardize.std", d, 0, data, data_len,
                             &spans[count++], sd, err);
        for (size_t k = 0; !st && k < d; k++)
            if (!(sd[k] > 0))
                st = bp_fail(err, BP_EFORMAT,
                             "standardize.std holds a value that is not > 0");
        if (st || !extra) {
            free(mean);
            free(sd);
            if (st)
                return st;
        } else {
            extra->mean = mean;
            extra->std = sd;
        }
    }
    /* The optimizer's state, to resume training. */
    if (cJSON_HasObjectItem(root, "optimizer.state")) {
        bp_status rs = read_state(root, net->n_params, data, data_len,
                                  &spans[count++], extra, err);
        if (rs)
            return rs;
    }
    /* One entry per tensor plus the metadata: nothing unexpected. */
    if (cJSON_GetArraySize(root) != count + 1) {
        for (const cJSON *it = root->child; it; it = it->next) {
            int known = strcmp(it->string, "__metadata__") == 0 ||
                        strcmp(it->string, "optimizer.state") == 0 ||
                        strcmp(it->string, "standardize.mean") == 0 ||
                        strcmp(it->string, "standardize.std") == 0;
            int l;
            char kind[8];
            if (sscanf(it->string, "layers.%d.%7s", &l, kind) == 2 && l >= 0 &&
                l < a->n_layers && net->n_w[l] &&
                (strcmp(kind, "weight") == 0 ||
                 (net->b_off[l] != BP_NO_BIAS && strcmp(kind, "bias") == 0)))
                known = 1;
            if (!known)
                return bp_fail(err, BP_EFORMAT, "unexpected tensor \"%.40s\"",
                               it->string);
        }
        return bp_fail(err, BP_EFORMAT, "duplicate tensor entries");
    }
    /* The data must be covered exactly: no holes, no overlaps. */
    qsort(spans, (size_t)count, sizeof spans[0], span_cmp);
    uint64_t at = 0;
    for (int k = 0; k < count; k++) {
        if (spans[k].begin != at)
            return bp_fail(err, BP_EFORMAT,
                           "tensor data overlaps or leaves a hole at byte %llu",
                           (unsigned long long)at);
        at = spans[k].end;
    }
    if (at != data_len)
        return bp_fail(err, BP_EFORMAT,
                       "%llu bytes after the last tensor",
                       (unsigned long long)(data_len - at));
    if (extra && !extra->state) {
        uint64_t epochs;
        if (meta_count(root, "epochs", &epochs))
            extra->epochs = (size_t)epochs;
    }
    if (!extra)
        return BP_OK;
    bp_status lt = read_layout(root, extra, err);
    return lt ? lt : read_classes(root, extra, err);
}

void bp_model_extra_free(bp_model_extra *extra)
{
    if (!extra)
        return;
    for (size_t k = 0; extra->class_names && k < extra->n_classes; k++)
        free(extra->class_names[k]);
    free(extra->class_names);
    free(extra->mean);
    free(extra->std);
    free(extra->state);
    free(extra->label);
    memset(extra, 0, sizeof *extra);
    extra->header = -1;
}

bp_net *bp_model_load_buffer(const unsigned char *buf, size_t len,
                             bp_error *err)
{
    return bp_model_load_buffer_extra(buf, len, NULL, err);
}

/* The weights an architecture needs must be in the file before they are
 * allocated: a forged "sizes" or layer list in a small file must not cost
 * gigabytes.  The count is the layers' own (a convolution's weights are
 * not sizes[l] x sizes[l + 1]), as bp_net_new will lay them out. */
static bp_status fits_in_file(const bp_arch *arch, uint64_t data_len,
                              bp_error *err)
{
    bp_arch copy = *arch;
    bp_arch *a = &copy;
    bp_error why;
    if (bp_arch_resolve(a, &why))
        return bp_fail(err, BP_EFORMAT, "bad architecture: %s", why.msg);
    uint64_t params = 0;
    for (int l = 0; l < a->n_layers; l++) {
        const bp_layer_ops *ops = bp_layer_ops_of(a->layer[l].kind);
        params += ops->weights(&a->layer[l]);
        if (a->bias && ops->has_params)
            params += ops->biases(&a->layer[l]);
    }
    if (params * 8 > data_len)
        return bp_fail(err, BP_EFORMAT,
                       "the architecture needs %llu bytes of weights but the "
                       "file holds %llu", (unsigned long long)(params * 8),
                       (unsigned long long)data_len);
    return BP_OK;
}

bp_net *bp_model_load_buffer_extra(const unsigned char *buf, size_t len,
                                   bp_model_extra *extra, bp_error *err)
{
    if (extra)
        memset(extra, 0, sizeof *extra);
    if (!buf || len < 8) {
        bp_fail(err, BP_EFORMAT, "too short to be a model file (%zu bytes)",
                len);
        return NULL;
    }
    uint64_t hlen = get_le64(buf);
    if (hlen < 2 || hlen > MAX_HEADER_LEN || hlen > len - 8) {
        bp_fail(err, BP_EFORMAT,
                "header length %llu does not fit in a file of %zu bytes",
                (unsigned long long)hlen, len);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithLength((const char *)buf + 8, (size_t)hlen);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        bp_fail(err, BP_EFORMAT, "the header is not a JSON object");
        return NULL;
    }
    bp_arch arch;
    memset(&arch, 0, sizeof arch);
    bp_net *net = NULL;
    if (parse_metadata(root, &arch, err) == BP_OK &&
        fits_in_file(&arch, len - 8 - hlen, err) == BP_OK &&
        (net = bp_net_new(&arch, err)) != NULL &&
        read_tensors(root, net, buf + 8 + hlen, len - 8 - hlen, extra,
                     err) != BP_OK) {
        bp_net_free(net);
        net = NULL;
        bp_model_extra_free(extra);
    }
    cJSON_Delete(root);
    return net;
}

bp_net *bp_model_load(const char *path, bp_error *err)
{
    return bp_model_load_extra(path, NULL, err);
}

bp_net *bp_model_load_extra(const char *path, bp_model_extra *extra,
                            bp_error *err)
{
    if (extra)
        memset(extra, 0, sizeof *extra);
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f) {
        bp_fail(err, BP_EIO, "cannot open %s: %s", path ? path : "(null)",
                strerror(errno));
        return NULL;
    }
    /* A folder or a device is refused before its "size" is believed. */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        bp_fail(err, BP_EIO, "cannot read %s: not a regular file", path);
        return NULL;
    }
    /* The largest model: BP_MAX_PARAMS doubles plus the header. */
    const long max_len = (long)((uint64_t)BP_MAX_PARAMS * 8 + MAX_HEADER_LEN + 8);
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        bp_fail(err, BP_EIO, "cannot read %s: not a regular file", path);
        return NULL;
    }
    if (len > max_len) {
        fclose(f);
        bp_fail(err, BP_EFORMAT, "%s: %ld bytes is larger than any model",
                path, len);
        return NULL;
    }
    unsigned char *buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        fclose(f);
        bp_fail(err, BP_ENOMEM, "out of memory reading %s", path);
        return NULL;
    }
    size_t got = fread(buf, 1, (size_t)len, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || got != (size_t)len) {
        free(buf);
        bp_fail(err, BP_EIO, "cannot read %s", path);
        return NULL;
    }
    bp_net *net = bp_model_load_buffer_extra(buf, got, extra, err);
    free(buf);
    if (!net && err) {
        /* Name the file in front of the reason. */
        char reason[sizeof err->msg];
        memcpy(reason, err->msg, sizeof reason);
        bp_fail(err, err->code, "%s: %s", path, reason);
    }
    return net;
}
