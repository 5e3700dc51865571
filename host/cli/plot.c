/* gnuplot driver: the data goes to a temporary file (one block per curve),
 * the script down a pipe, so nothing depends on gnuplot's inline-data
 * quirks and no shell ever sees a user-supplied name. */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_POINTS 4000 /* per curve: enough for a smooth line, small files */

int cli_have_gnuplot(void) {
  const char *path = getenv("PATH");
  char buf[4096];
  for (const char *c = path ? path : ""; *c;) {
    size_t len = strcspn(c, ":");
    /* an empty PATH entry means the current directory */
    if (snprintf(buf, sizeof buf, "%.*s/gnuplot", len ? (int)len : 1, len ? c : ".") <
            (int)sizeof buf &&
        access(buf, X_OK) == 0)
      return 1;
    c += len + (c[len] == ':');
  }
  return 0;
}

/* gnuplot's single-quoted string: '' stands for ' and nothing else is special. */
static void put_quoted(FILE *f, const char *s) {
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'') fputc('\'', f);
    fputc(*s, f);
  }
  fputc('\'', f);
}

static void write_data(FILE *f, const plot_panel_t *panels, int npanels) {
  for (int p = 0; p < npanels; p++)
    for (int c = 0; c < panels[p].ncurves; c++) {
      const plot_curve_t *cv = &panels[p].curves[c];
      uint64_t stride = cv->n / MAX_POINTS + 1;
      for (uint64_t i = 0; i < cv->n; i++)
        if (i % stride == 0 || i + 1 == cv->n) fprintf(f, "%.10g %.10g\n", cv->x[i], cv->y[i]);
      fputs("\n\n", f);
    }
}

static void write_script(FILE *gp, const char *png, const char *title, const char *data,
                         const plot_panel_t *panels, int npanels) {
  static const char *const colors[] = {"#000000", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e",
                                       "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
  int ncolors = (int)(sizeof colors / sizeof colors[0]);
  fprintf(gp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
              "{ set terminal pngcairo size %d,700 font ',11' } "
              "else { set terminal png size %d,700 }\nset output ",
          700 * npanels, 700 * npanels);
  put_quoted(gp, png);
  fputs("\nset multiplot layout 1,", gp);
  fprintf(gp, "%d title ", npanels);
  put_quoted(gp, title);
  /* names such as heart_scale must not turn into subscripts */
  fputs(" noenhanced\nset logscale y\nset format y '10^{%L}'\nset grid\nset key top right box\n", gp);
  int block = 0;
  for (int p = 0; p < npanels; p++) {
    const plot_panel_t *pn = &panels[p];
    fputs("set title ", gp);
    put_quoted(gp, pn->title);
    fputs("\nset xlabel ", gp);
    put_quoted(gp, pn->xlabel);
    fputs("\nset ylabel ", gp);
    put_quoted(gp, pn->ylabel);
    fprintf(gp, "\nset xrange [0:%.10g]\nset yrange [%.10g:1]\nplot ", pn->xmax, pn->ymin);
    for (int c = 0; c < pn->ncurves; c++) {
      put_quoted(gp, data);
      fprintf(gp, " index %d using 1:2 with lines lw 2 lc rgb '%s' title ", block++,
              colors[c % ncolors]);
      put_quoted(gp, pn->curves[c].label);
      fputs(" noenhanced, ", gp);
    }
    if (pn->hline > 0) fprintf(gp, "%.10g with lines dt 2 lc rgb 'gray' notitle", pn->hline);
    else fputs("1 with lines lc rgb 'gray' notitle", gp);
    fputc('\n', gp);
  }
  fputs("unset multiplot\n", gp);
}

FILE *cli_plot_data_file(const char *prefix, char *path, size_t size) {
  const char *tmp = getenv("TMPDIR");
  snprintf(path, size, "%s/%s_XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
  int fd = mkstemp(path);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
  if (!f && fd >= 0) {
    close(fd);
    unlink(path);
  }
  return f;
}

int cli_plot_run(FILE *data, const char *data_path, const char *png, cli_plot_script_fn script,
                 const void *ctx, char *err, int errsize) {
  int rc = 0;
  if (fclose(data)) rc = 1, snprintf(err, (size_t)errsize, "cannot write gnuplot's data");
  /* if gnuplot dies early, a write must fail rather than kill us */
  struct sigaction ign, old;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  FILE *gp = rc ? NULL : popen("gnuplot", "w");
  if (!rc && !gp) rc = 1, snprintf(err, (size_t)errsize, "cannot start gnuplot");
  if (gp) {
    script(gp, data_path, ctx);
    int st = pclose(gp);
    if (st != 0)
      rc = 1, snprintf(err, (size_t)errsize, "gnuplot failed drawing %s (status %d)", png, st);
  }
  sigaction(SIGPIPE, &old, NULL);
  unlink(data_path);
  return rc;
}

typedef struct {
  const char *png, *title;
  const plot_panel_t *panels;
  int npanels;
} panels_job_t;

static void panels_script(FILE *gp, const char *data_path, const void *ctx) {
  const panels_job_t *j = ctx;
  write_script(gp, j->png, j->title, data_path, j->panels, j->npanels);
}

int cli_plot_panels(const char *png, const char *title, const plot_panel_t *panels, int npanels,
                    char *err, int errsize) {
  if (!cli_have_gnuplot()) {
    snprintf(err, (size_t)errsize, "--plot needs gnuplot: install gnuplot-nox "
             "(apt-get install gnuplot-nox, or run scripts/train.sh)");
    return 1;
  }
  char data[4096];
  FILE *f = cli_plot_data_file("gcomp_plot", data, sizeof data);
  if (!f) {
    snprintf(err, (size_t)errsize, "cannot create a temporary file for gnuplot's data");
    return 1;
  }
  write_data(f, panels, npanels);
  panels_job_t job = {png, title, panels, npanels};
  return cli_plot_run(f, data, png, panels_script, &job, err, errsize);
}
