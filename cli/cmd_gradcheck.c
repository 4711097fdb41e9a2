/* cmd_gradcheck.c - analytic gradients against central differences. */
#include <string.h>

#include "cli.h"
#include "data.h"

static const char summary[] =
    "Builds the network the options describe (--hidden and --activation, or\n"
    "any list of --layers), computes the gradient of the mean loss over the\n"
    "data by back-propagation, and compares every parameter's component with\n"
    "the central difference (L(w+h) - L(w-h)) / 2h in double precision.\n"
    "Prints the largest relative error; exits 1 when it is above --tolerance.\n"
    "Files (CSV, IDX, fashion-mnist) give their first --limit rows, shaped\n"
    "as train shapes them (standardised, the output and loss their labels\n"
    "call for, xavier weights unless --init is given); dropout's masks are\n"
    "held fixed while the differences are taken.";

/* The first-layer biases of a network start at zero, which puts ReLU
 * units exactly on their kink at the XOR point (0, 0), where no
 * derivative exists; drawing every bias from U(0.05, 0.5) moves the
 * units off it.  A dense or conv layer has one bias per unit (filter). */
static void draw_biases(bp_net *net, uint64_t seed)
{
    const bp_arch *a = bp_net_arch(net);
    bp_rng rng;
    bp_rng_seed(&rng, BP_RNG_XOSHIRO, seed);
    for (int l = 0; l < a->n_layers; l++) {
        double *b = bp_net_bias(net, l);
        for (size_t j = 0; b && j < a->layer[l].units; j++)
            b[j] = 0.05 + 0.45 * bp_rng_uniform(&rng);
    }
}

int cmd_gradcheck(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    cfg.data = "xor";
    cfg.limit = 16;              /* a file's first rows: seconds, not hours */
    cfg.train_only = 1;
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0 ||
        (rc = cli_parse(argc, argv, CMD_GRADCHECK, summary, &cfg)) >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK)
        return rc;
    if ((rc = cli_check_data_options(&cfg)) != EXIT_OK)
        return rc;
    cli_data d;
    if ((rc = cli_load_data(&cfg, &d)) != EXIT_OK)
        return rc;
    if ((rc = cli_check_loss(&cfg, &d)) != EXIT_OK ||
        (rc = cli_data_shape(&cfg, &d)) != EXIT_OK) {
        cli_data_free(&d);
        return rc;
    }
    if (!d.generated) {
        cfg.output = d.output;
        cfg.loss = d.loss;
        if (!cfg.init_given && !cli_given(&cfg, "preset"))
            cfg.init = BP_INIT_XAVIER;
    }
    const bp_dataset *ds = d.train;
    if ((rc = cli_check_arch(&cfg, ds->n_in, ds->n_out)) != EXIT_OK) {
        cli_data_free(&d);
        return rc;
    }
    bp_error err;
    bp_arch arch;
    cli_arch(&cfg, ds->n_in, ds->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    bp_status st = net ? bp_net_init(net, cfg.init, cfg.seed, &err) : err.code;
    if (st == BP_EINVAL && net) {
        bp_net_free(net);
        cli_data_free(&d);
        return cli_error(EXIT_USAGE, "option --seed: %s", err.msg);
    }
    if (!st && bp_net_arch(net)->bias)
        draw_biases(net, cfg.seed);
    double worst = 0, biggest = 0;
    if (!st)
        st = bp_gradcheck_with(net, cfg.isa, ds, cfg.h, &worst, &biggest,
                               &err);
    if (st) {
        rc = cli_error(cli_exit_code(st), "%s", err.msg);
    } else {
        /* the network as it was asked for: its activation, or its layers */
        char what[512];
        if (cfg.n_layers > 0)
            cli_layers_text(&cfg, what, sizeof what);
        else
            snprintf(what, sizeof what, "%s",
                     bp_activation_name(bp_net_arch(net)->hidden));
        printf("gradcheck: %zu parameters (%s, %s, %s), max relative error "
               "%.3e, largest gradient %.3e, h = %g\n",
               bp_net_param_count(net), what,
               bp_loss_name(bp_net_arch(net)->loss),
               bp_net_arch(net)->bias ? "bias" : "no bias", worst, biggest,
               cfg.h);
        if (biggest == 0)
            rc = cli_error(EXIT_RUNTIME,
                           "the gradient is zero everywhere: nothing checked");
        else if (!(worst <= cfg.tolerance))
            rc = cli_error(EXIT_RUNTIME,
                           "gradient check failed: %.3e > tolerance %g",
                           worst, cfg.tolerance);
        else
            rc = EXIT_OK;
    }
    bp_net_free(net);
    cli_data_free(&d);
    return rc;
}
