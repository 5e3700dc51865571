/* gcomp bench-bits --frontier (frontier.c). */
#ifndef GCOMP_CLI_FRONTIER_H
#define GCOMP_CLI_FRONTIER_H

/* argv holds every bench-bits argument, "--frontier" included. */
int gcomp_cmd_frontier(int argc, char **argv);

#endif
