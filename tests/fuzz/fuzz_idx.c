/*
 * fuzz_idx.c - libFuzzer harness for the IDX reader (raw and gzip).
 *
 * The input is split at its first two bytes' offset into an image file and
 * a label file; either may be gzip data.  The reader must return a table
 * or a message, never crash, hang, leak or allocate more than the data
 * justifies (run with -malloc_limit_mb).
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
    if (size < 2)
        return 0;
    size_t cut = ((size_t)data[0] << 8 | data[1]) % (size - 1);
    data += 2;
    size -= 2;
    char images[] = "/tmp/bp-fuzz-idx-i.XXXXXX";
    char labels[] = "/tmp/bp-fuzz-idx-l.XXXXXX";
    if (!write_temp(images, data, cut))
        return 0;
    if (!write_temp(labels, data + cut, size - cut)) {
        unlink(images);
        return 0;
    }
    bp_error err;
    bp_table *t = bp_idx_read(images, labels, &err);
    unlink(images);
    unlink(labels);
    if (!t) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    for (size_t k = 0; k < t->n * t->d; k++)
        if (!(t->x[k] >= 0 && t->x[k] <= 1))
            abort();
    bp_table_free(t);
    return 0;
}
