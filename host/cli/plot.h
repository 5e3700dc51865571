/* Line plots through gnuplot, for `gcomp train`: x linear, y logarithmic,
 * one or two panels side by side. */
#ifndef GCOMP_CLI_PLOT_H
#define GCOMP_CLI_PLOT_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
  const char *label;
  const double *x, *y; /* n points */
  uint64_t n;
} plot_curve_t;

typedef struct {
  const char *title, *xlabel, *ylabel;
  const plot_curve_t *curves;
  int ncurves;
  double xmax, ymin; /* axis ranges: [0, xmax] x [ymin, 1] */
  double hline;      /* a dashed horizontal line (the target); 0: none */
} plot_panel_t;

/* 1 if a gnuplot executable is on PATH. */
int cli_have_gnuplot(void);

/* Draws the panels into the PNG `png`. Returns 0, or 1 with one line in err. */
int cli_plot_panels(const char *png, const char *title, const plot_panel_t *panels, int npanels,
                    char *err, int errsize);

/* A new temporary file for gnuplot's data (path: its name, for the script),
 * or NULL. */
FILE *cli_plot_data_file(const char *prefix, char *path, size_t size);

/* Writes the plot commands for one PNG to gnuplot's stdin. */
typedef void (*cli_plot_script_fn)(FILE *gp, const char *data_path, const void *ctx);

/* Closes `data`, runs gnuplot with `script`, removes the data file.
 * Returns 0, or 1 with one line in err. */
int cli_plot_run(FILE *data, const char *data_path, const char *png, cli_plot_script_fn script,
                 const void *ctx, char *err, int errsize);

#endif
