/* cmd_gradcheck.c - analytic gradients against central differences. */
#include "cli.h"

static const char summary[] =
    "Builds the network the options describe, computes the gradient of the\n"
    "mean loss by back-propagation, and compares every component with the\n"
    "central difference (L(w+h) - L(w-h)) / 2h in double precision.  Prints\n"
    "the largest relative error; exits 1 when it is above --tolerance.";

int cmd_gradcheck(int argc, char **argv)
{
    cli_config cfg;
    cli_defaults(&cfg);
    cfg.data = "xor";
    int rc = cli_isa_from_env(&cfg);
    if (rc >= 0 ||
        (rc = cli_parse(argc, argv, CMD_GRADCHECK, summary, &cfg)) >= 0)
        return rc;
    if ((rc = cli_check_isa(&cfg)) != EXIT_OK)
        return rc;
    bp_dataset *ds = cli_dataset(&cfg);
    if (!ds)
        return EXIT_USAGE;
    bp_error err;
    bp_arch arch;
    cli_arch(&cfg, ds->n_in, ds->n_out, &arch);
    bp_net *net = bp_net_new(&arch, &err);
    bp_status st = net ? bp_net_init(net, cfg.init, cfg.seed, &err) : err.code;
    if (st == BP_EINVAL && net) {
        bp_net_free(net);
        bp_dataset_free(ds);
        return cli_error(EXIT_USAGE, "option --seed: %s", err.msg);
    }
    /* Biases start at zero, which puts ReLU units exactly on their kink
     * at the XOR point (0, 0) where no derivative exists; drawing them
     * from U(0.05, 0.5) moves every unit off it. */
    if (!st && arch.bias) {
        bp_rng rng;
        bp_rng_seed(&rng, BP_RNG_XOSHIRO, cfg.seed);
        for (int l = 0; l < arch.n_layers; l++)
            for (size_t j = 0; j < arch.sizes[l + 1]; j++)
                bp_net_bias(net, l)[j] = 0.05 + 0.45 * bp_rng_uniform(&rng);
    }
    double worst = 0, biggest = 0;
    if (!st)
        st = bp_gradcheck_with(net, cfg.isa, ds, cfg.h, &worst, &biggest,
                               &err);
    if (st) {
        rc = cli_error(cli_exit_code(st), "%s", err.msg);
    } else {
        printf("gradcheck: %zu parameters (%s, %s, %s), max relative error "
               "%.3e, largest gradient %.3e, h = %g\n",
               bp_net_param_count(net), bp_activation_name(arch.hidden),
               bp_loss_name(arch.loss), arch.bias ? "bias" : "no bias", worst,
               biggest, cfg.h);
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
    bp_dataset_free(ds);
    return rc;
}
