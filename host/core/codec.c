/* Codec descriptors: names, text parameters, validation into a handle, and
 * the class / omega / alpha / size queries. Per-method knowledge lives in
 * the method table (codec.h); this file is generic. */
#include "core/codec.h"

#include "shared/check.h"
#include "shared/bits.h"
#include "shared/wire_layout.h"
#include "core/pool.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const packing_names[gcompNumPackings] = {
    [gcompPackAuto] = "auto",       [gcompPackFixed] = "fixed",
    [gcompPackEntropy] = "entropy", [gcompPackStructured] = "structured",
    [gcompPackDirect] = "direct",
};

const char *gcomp_packing_name(gcompPacking_t p) {
  if ((int)p < 0 || p >= gcompNumPackings) return "?";
  return packing_names[p];
}

void gcomp_codec_view_of(gcompCodec_t codec, gcomp_codec_view *v) {
  v->method = codec->config.method;
  v->packing = codec->config.packing;
  v->rotate = codec->config.rotate != 0;
  v->param = codec->param;
  v->iparam = codec->iparam;
  v->packings = codec->m->packings;
}

uint32_t gcomp_known_methods(void) {
  uint32_t mask = 0;
  for (int id = 0; id < 32; id++)
    if (gcomp_method_of((gcompMethod_t)id)) mask |= 1u << id;
  return mask;
}

GCOMP_API const char *gcompMethodName(gcompMethod_t method) {
  const gcomp_method *m = gcomp_method_of(method);
  return m ? m->name : NULL;
}

/* ------------------------------------------------------ text parameters */

typedef enum { REAL, INTEGER } param_type;

/* Every method-specific field of gcompCodecConfig_t, by its text name. */
static const struct {
  const char *name;
  param_type type;
  size_t offset;
} fields[] = {
    {"nu", REAL, offsetof(gcompCodecConfig_t, nu)},
    {"omega", REAL, offsetof(gcompCodecConfig_t, omega)},
    {"alpha", REAL, offsetof(gcompCodecConfig_t, alpha)},
    {"max_trials", REAL, offsetof(gcompCodecConfig_t, maxTrials)},
    {"block", INTEGER, offsetof(gcompCodecConfig_t, block)},
    {"levels", INTEGER, offsetof(gcompCodecConfig_t, levels)},
    {"k", INTEGER, offsetof(gcompCodecConfig_t, k)},
};
#define NUM_FIELDS (sizeof fields / sizeof fields[0])

/* The method's range for a field; NULL when the method does not use it. */
static const gcomp_param *param_of(const gcomp_method *m, const char *name) {
  for (const gcomp_param *p = m->params; p && p->name; p++)
    if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

/* NaN is in no range. */
static int in_range(const gcomp_param *p, double v) {
  return (p->lo_open ? v > p->lo : v >= p->lo) && (p->hi_open ? v < p->hi : v <= p->hi);
}

static double *real_field(gcompCodecConfig_t *c, size_t i) {
  return (double *)((char *)c + fields[i].offset);
}

static int64_t *int_field(gcompCodecConfig_t *c, size_t i) {
  return (int64_t *)((char *)c + fields[i].offset);
}

/* Beyond 2^53 an int64 rounds, but every range ends far below that. */
static double field_value(gcompCodecConfig_t *c, size_t i) {
  return fields[i].type == REAL ? *real_field(c, i) : (double)*int_field(c, i);
}

static int field_is_default(gcompCodecConfig_t *c, size_t i) {
  return fields[i].type == REAL ? *real_field(c, i) == (double)GCOMP_DEFAULT
                                : *int_field(c, i) == GCOMP_DEFAULT;
}

/* The user's text inside quotes, on one line whatever it holds: bytes
 * outside printable ASCII as \xNN, long text cut with "...". */
static const char *quoted(const char *text, char *buf, size_t cap) {
  const unsigned char *t = (const unsigned char *)text;
  size_t n = 0;
  buf[0] = '\0';
  for (; *t && n + 8 < cap; t++)
    n += (size_t)snprintf(buf + n, cap - n, *t >= 0x20 && *t < 0x7f ? "%c" : "\\x%02x", *t);
  if (*t) snprintf(buf + n, cap - n, "...");
  return buf;
}

/* Text from a user (the CLI's -p) into a field: a plain decimal number (a
 * real may use exponent or hex-float notation) within the method's range;
 * anything else is refused, quoted. So no text can store GCOMP_DEFAULT,
 * nor mean "default" by accident. */
static gcompResult_t parse_field(gcompCodecConfig_t *c, size_t i, const gcomp_param *p,
                                 const char *text) {
  char q[96];
  char *end = NULL;
  double v = 0;
  long long iv = 0;
  int syntax_ok = *text && !isspace((unsigned char)*text);
  errno = 0;
  if (syntax_ok && fields[i].type == REAL) {
    v = strtod(text, &end);
    /* ERANGE on underflow leaves a tiny or zero v for the range to judge. */
    syntax_ok = end != text && *end == '\0' && isfinite(v);
  } else if (syntax_ok) {
    iv = strtoll(text, &end, 10);
    syntax_ok = end != text && *end == '\0';
    /* Past int64: a number, out of every range. */
    v = errno == ERANGE ? (iv < 0 ? -HUGE_VAL : HUGE_VAL) : (double)iv;
  }
  if (!syntax_ok)
    return gcomp_fail(gcompInvalidArgument, "%s: '%s' is not %s", p->name,
                      quoted(text, q, sizeof q),
                      fields[i].type == REAL ? "a finite number" : "an integer");
  if (!in_range(p, v))
    return gcomp_fail(gcompParameterOutOfRange, "%s: '%s' must be in %s", p->name,
                      quoted(text, q, sizeof q), p->range);
  if (fields[i].type == REAL)
    *real_field(c, i) = v;
  else
    *int_field(c, i) = iv;
  return gcompSuccess;
}

/* The 0.1.0 struct ended before `threads`. */
#define CONFIG_SIZE_0_1 offsetof(gcompCodecConfig_t, threads)

static int threads_ok(int64_t t) { return t == GCOMP_DEFAULT || (t >= 1 && t <= GCOMP_MAX_THREADS); }

/* "threads": an integer in 1..GCOMP_MAX_THREADS, like the fields above. */
static gcompResult_t parse_threads(gcompCodecConfig_t *c, const char *text) {
  char q[96];
  char *end = NULL;
  errno = 0;
  long long v = *text && !isspace((unsigned char)*text) ? strtoll(text, &end, 10) : 0;
  if (!end || end == text || *end != '\0')
    return gcomp_fail(gcompInvalidArgument, "threads: '%s' is not an integer",
                      quoted(text, q, sizeof q));
  if (errno == ERANGE || v < 1 || v > GCOMP_MAX_THREADS)
    return gcomp_fail(gcompParameterOutOfRange, "threads: '%s' must be in 1..%d",
                      quoted(text, q, sizeof q), GCOMP_MAX_THREADS);
  if (c->size < sizeof(gcompCodecConfig_t))
    return gcomp_fail(gcompInvalidArgument,
                      "threads: config.size %zu predates the field (start from "
                      "GCOMP_CODEC_CONFIG_INITIALIZER)", c->size);
  c->threads = (int)v;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompSetThreads(int threads) {
  gcomp_clear_error();
  if (!threads_ok(threads))
    return gcomp_fail(gcompParameterOutOfRange, "threads = %d must be in 1..%d or GCOMP_DEFAULT",
                      threads, GCOMP_MAX_THREADS);
  gcomp_par_set_default(threads);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecConfigInit(gcompCodecConfig_t *config,
                                             const char *name) {
  gcomp_clear_error();
  if (!config || !name)
    return gcomp_fail(gcompInvalidArgument, "config and name must not be NULL");
  for (int id = 0; id < gcompNumMethods; id++) {
    const gcomp_method *m = gcomp_method_of((gcompMethod_t)id);
    if (m && strcmp(name, m->name) == 0) {
      gcompCodecConfig_t init = GCOMP_CODEC_CONFIG_INITIALIZER;
      init.method = m->id;
      *config = init;
      return gcompSuccess;
    }
  }
  char q[96];
  return gcomp_fail(gcompInvalidArgument, "unknown codec '%s' (gcomp --help lists them)",
                    quoted(name, q, sizeof q));
}

GCOMP_API gcompResult_t gcompCodecConfigSetParam(gcompCodecConfig_t *config,
                                                 const char *name,
                                                 const char *value) {
  gcomp_clear_error();
  if (!config || !name || !value)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  const gcomp_method *m = gcomp_method_of(config->method);
  if (!m) return gcomp_fail(gcompInvalidArgument, "config has no valid method");
  char q[96];
  if (strcmp(name, "rotate") == 0) {
    if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
      return gcomp_fail(gcompInvalidArgument, "rotate: '%s' must be 0 or 1",
                        quoted(value, q, sizeof q));
    config->rotate = value[0] == '1';
    return gcompSuccess;
  }
  if (strcmp(name, "threads") == 0) return parse_threads(config, value);
  if (strcmp(name, "packing") == 0) {
    for (int p = 0; p < gcompNumPackings; p++) {
      if (strcmp(value, packing_names[p]) == 0) {
        config->packing = (gcompPacking_t)p;
        return gcompSuccess;
      }
    }
    return gcomp_fail(gcompInvalidArgument,
                      "packing: '%s' unknown (auto, fixed, entropy, structured, direct)",
                      quoted(value, q, sizeof q));
  }
  const gcomp_param *p = param_of(m, name);
  for (size_t i = 0; p && i < NUM_FIELDS; i++)
    if (strcmp(name, fields[i].name) == 0) return parse_field(config, i, p, value);
  return gcomp_fail(gcompInvalidArgument, "codec %s has no parameter '%s'", m->name,
                    quoted(name, q, sizeof q));
}

/* ----------------------------------------------------------- validation */

/* A struct field holds GCOMP_DEFAULT (-1 exactly) or a value in the
 * method's range. Any other negative value is out of range even in a field
 * the method does not use; a parameter of another method set to a
 * non-default value is a mistake the caller wants to hear about. */
static gcompResult_t check_field(gcompCodecConfig_t *c, size_t i, const gcomp_method *m) {
  if (field_is_default(c, i)) return gcompSuccess;
  const gcomp_param *p = param_of(m, fields[i].name);
  double v = field_value(c, i);
  char text[32];
  if (fields[i].type == REAL)
    snprintf(text, sizeof text, "%g", v);
  else
    snprintf(text, sizeof text, "%lld", (long long)*int_field(c, i));
  if (!p && (fields[i].type == REAL ? signbit(v) : v < 0))
    return gcomp_fail(gcompParameterOutOfRange,
                      "%s = %s is negative and not GCOMP_DEFAULT (-1); codec %s does not "
                      "use it", fields[i].name, text, m->name);
  if (!p)
    return gcomp_fail(gcompInvalidArgument, "codec %s does not use %s", m->name,
                      fields[i].name);
  if (!in_range(p, v))
    return gcomp_fail(gcompParameterOutOfRange, "%s = %s must be in %s", p->name, text,
                      p->range);
  return gcompSuccess;
}

static gcompResult_t configure(gcompCodecConfig_t *c, struct gcompCodec *out) {
  const gcomp_method *m = gcomp_method_of(c->method);
  if (!m) return gcomp_fail(gcompInvalidArgument, "method %d unknown", (int)c->method);
  if (c->rotate != 0 && c->rotate != 1)
    return gcomp_fail(gcompInvalidArgument, "rotate must be 0 or 1");
  for (size_t i = 0; i < NUM_FIELDS; i++) GCOMP_TRY(check_field(c, i, m));
  if (!threads_ok(c->threads))
    return gcomp_fail(gcompParameterOutOfRange, "threads = %d must be in 1..%d or GCOMP_DEFAULT",
                      c->threads, GCOMP_MAX_THREADS);
  if (c->threads == GCOMP_DEFAULT) c->threads = gcomp_par_default();
  if ((int)c->packing < 0 || c->packing >= gcompNumPackings)
    return gcomp_fail(gcompInvalidArgument, "packing %d unknown", (int)c->packing);
  if (c->packing != gcompPackAuto && !(m->packings & GCOMP_PACKING_BIT(c->packing)))
    return gcomp_fail(gcompInvalidArgument, "codec %s cannot use packing %s", m->name,
                      packing_names[c->packing]);
  out->m = m;
  GCOMP_TRY(m->configure(c, &out->param, &out->iparam));
  out->config = *c;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecCreate(gcompCodec_t *codec,
                                         const gcompCodecConfig_t *config) {
  gcomp_clear_error();
  if (!codec || !config)
    return gcomp_fail(gcompInvalidArgument, "codec and config must not be NULL");
  *codec = NULL;
  /* Read no byte past the caller's struct: a 0.1.0 one is shorter. */
  size_t size = config->size;
  if (size != sizeof(gcompCodecConfig_t) && size != CONFIG_SIZE_0_1)
    return gcomp_fail(gcompInvalidArgument,
                      "config.size is %zu, expected %zu: start from "
                      "GCOMP_CODEC_CONFIG_INITIALIZER",
                      size, sizeof(gcompCodecConfig_t));
  gcompCodecConfig_t c = GCOMP_CODEC_CONFIG_INITIALIZER;
  memcpy(&c, config, size);
  c.size = sizeof c;
  struct gcompCodec tmp;
  memset(&tmp, 0, sizeof tmp);
  GCOMP_TRY(configure(&c, &tmp));
  struct gcompCodec *h = malloc(sizeof *h);
  if (!h) return gcomp_fail(gcompOutOfMemory, "codec allocation failed");
  *h = tmp;
  *codec = h;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecFree(gcompCodec_t codec) {
  gcomp_clear_error();
  free(codec);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetConfig(gcompCodec_t codec,
                                            gcompCodecConfig_t *config) {
  gcomp_clear_error();
  if (!codec || !config)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  *config = codec->config;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetClass(gcompCodec_t codec,
                                           gcompClass_t *cls) {
  gcomp_clear_error();
  if (!codec || !cls)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  *cls = codec->m->cls;
  return gcompSuccess;
}

static gcompResult_t check_query(gcompCodec_t codec, uint64_t d, const double *out) {
  if (!codec || !out) return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  if (d == 0 || d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompInvalidArgument, "d = %llu outside 1..2^40", (unsigned long long)d);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetOmega(gcompCodec_t codec, uint64_t d,
                                           double *omega) {
  gcomp_clear_error();
  GCOMP_TRY(check_query(codec, d, omega));
  if (codec->m->cls != gcompClassUnbiased)
    return gcomp_fail(gcompInvalidArgument, "codec %s is not unbiased", codec->m->name);
  *omega = codec->m->theory(codec, d);
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetAlpha(gcompCodec_t codec, uint64_t d,
                                           double *alpha) {
  gcomp_clear_error();
  GCOMP_TRY(check_query(codec, d, alpha));
  double t = codec->m->cls == gcompClassExact ? 0.0 : codec->m->theory(codec, d);
  *alpha = codec->m->cls == gcompClassUnbiased ? t / (1 + t) : t;
  return gcompSuccess;
}

uint64_t gcomp_coded_length(int rotate, uint64_t d) {
  if (!rotate) return d;
  uint64_t n = 1;
  while (n < d) n <<= 1;
  return n;
}

GCOMP_API gcompResult_t gcompEncodeBound(gcompCodec_t codec, uint64_t d,
                                         size_t *bound) {
  gcomp_clear_error();
  if (!codec || !bound)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  if (d == 0) return gcomp_fail(gcompInvalidArgument, "d must be > 0");
  if (d > GCOMP_MAX_DIM)
    return gcomp_fail(gcompSizeOverflow, "d = %llu exceeds GCOMP_MAX_DIM",
                      (unsigned long long)d);
  size_t body = codec->m->bound(codec, gcomp_coded_length(codec->config.rotate, d));
  if (body == 0 || body > SIZE_MAX - GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompSizeOverflow, "payload bound overflows size_t");
  *bound = GCOMP_HEADER_BYTES + body;
  return gcompSuccess;
}

int gcomp_header_no_params(double param, uint64_t iparam, uint64_t n) {
  (void)n;
  return gcomp_is_plus_zero(param) && iparam == 0;
}
