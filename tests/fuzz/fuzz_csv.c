/*
 * fuzz_csv.c - libFuzzer harness for the CSV reader.
 *
 * The input is a CSV file; its first byte picks the options (header mode,
 * delimiter, label by index or by name) so that every path of bp_csv_read
 * is reached.  The reader must return a table or a message, never crash,
 * hang or leak; a table it returns must hold what it promises.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char delims[] = {',', ';', '\t', ' '};
    static const char *const labels[] = {NULL, "0", "1", "y", "label"};
    bp_csv_opts o = {.header = (int)(data[0] % 3) - 1,
                     .delimiter = delims[(data[0] >> 2) % 4],
                     .label = labels[(data[0] >> 4) % 5]};
    char path[] = "/tmp/bp-fuzz-csv.XXXXXX";
    if (!write_temp(path, data + 1, size - 1))
        return 0;
    bp_error err;
    bp_table *t = bp_csv_read(path, &o, &err);
    unlink(path);
    if (!t) {
        if (err.msg[0] == '\0')
            abort();                  /* a failure must say why */
        return 0;
    }
    /* what a table promises: n x d finite features, targets in range */
    for (size_t k = 0; k < t->n * t->d; k++)
        if (!(t->x[k] == t->x[k]) || t->x[k] - t->x[k] != 0)
            abort();
    for (size_t s = 0; s < t->n; s++)
        if (!(t->target[s] >= 0 && t->target[s] < (double)t->n_classes))
            abort();
    for (size_t c = 0; c < t->n_classes; c++)
        if (!t->class_names[c])
            abort();
    bp_table_free(t);
    return 0;
}
