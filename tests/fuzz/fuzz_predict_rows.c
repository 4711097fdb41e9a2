/*
 * fuzz_predict_rows.c - libFuzzer harness for `backprop predict`'s row
 * reader.
 *
 * The row parser (parse_row in cli/cmd_predict.c) is static, so the harness
 * drives the whole command instead, through its public entry point
 * cmd_predict (cli/cmd_predict.c, cli/options.c and cli/format.c linked in
 * as they are):
 *   - at start-up it saves three tiny models (1, 2 and 3 inputs; 1, 1 and 2
 *     outputs) to /dev/shm (or $TMPDIR);
 *   - per input, the first byte picks the model and the rest becomes the
 *     command's standard input through fmemopen;
 *   - cmd_predict({"predict", "--model", FILE}) must return 0 (every row
 *     read) or 2 (a malformed row, reported as FILE:LINE: reason), never 1
 *     or a crash.
 * Predictions go to /dev/null; run with -close_fd_mask=2 to silence the
 * error lines (mk/fuzz.mk does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backprop.h"
#include "cli.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MODELS 3
static char paths[N_MODELS][256];

static void remove_models(void)
{
    for (int k = 0; k < N_MODELS; k++)
        unlink(paths[k]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const size_t shapes[N_MODELS][3] = {{1, 3, 1}, {2, 4, 1}, {3, 2, 2}};
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NULL;
    if (!dir)
        dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int k = 0; k < N_MODELS; k++) {
        bp_arch a = {.n_layers = 2,
                     .sizes = {shapes[k][0], shapes[k][1], shapes[k][2]},
                     .hidden = (bp_activation)k, .bias = k != 1,
                     .loss = BP_LOSS_BCE};
        bp_error err;
        bp_net *net = bp_net_new(&a, &err);
        if (!net || bp_net_init(net, BP_INIT_NORMAL, (uint64_t)k + 1, &err)) {
            fprintf(stderr, "fuzz_predict_rows: %s\n", err.msg);
            exit(1);
        }
        snprintf(paths[k], sizeof paths[k], "%s/bp-fuzz-rows.%ld.%d.bpm", dir,
                 (long)getpid(), k);
        if (bp_model_save(net, paths[k], &err)) {
            fprintf(stderr, "fuzz_predict_rows: %s\n", err.msg);
            exit(1);
        }
        bp_net_free(net);
    }
    atexit(remove_models);
    if (!freopen("/dev/null", "w", stdout)) {
        perror("fuzz_predict_rows: /dev/null");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)    /* fmemopen refuses an empty buffer */
        return 0;
    char *text = malloc(size - 1);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    FILE *in = fmemopen(text, size - 1, "r");
    if (!in) {
        free(text);
        return 0;
    }
    FILE *saved = stdin;
    stdin = in;
    char *argv[] = {"predict", "--model", paths[data[0] % N_MODELS], NULL};
    int rc = cmd_predict(3, argv);
    stdin = saved;
    fclose(in);
    free(text);
    if (rc != EXIT_OK && rc != EXIT_USAGE) {
        fprintf(stderr, "fuzz_predict_rows: cmd_predict returned %d\n", rc);
        abort();
    }
    return 0;
}
