/* trace.h - one sample through the network, every quantity printed. */
#ifndef BP_CLI_TRACE_H
#define BP_CLI_TRACE_H

#include <stdio.h>

#include "cli.h"

/* Prints the trace of cfg->sample of cfg->data through the network cfg
 * describes (as text, or Markdown with cfg->markdown).  Returns an exit
 * code; 1 when back-propagation and the central differences disagree by
 * more than cfg->tolerance (relative). */
int trace_write(FILE *out, const cli_config *cfg);

#endif
