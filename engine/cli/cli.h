/*
 * engine/cli/cli.h -- tranched's command-line tools that sit above the
 * layers: each takes the subcommand's argc/argv (argv[0] is the subcommand's
 * name) and returns the process's exit status.  A layer holds no main; the
 * tools here call the layers' APIs like any other client.
 */
#ifndef TRANCHE_CLI_H
#define TRANCHE_CLI_H

/* `tranched journal check FILE [--json]` and
 * `tranched journal salvage FILE OUT`. */
int journal_cli_main(int argc, char **argv);

#endif
