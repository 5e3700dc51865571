/* Codec descriptors: names, text parameters, validation into a handle, and
 * the class / omega / alpha / size queries. */
#include "codec.h"

#include "error.h"
#include "wire.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[gcompNumMethods] = {
    [gcompIdentity] = "identity",
    [gcompSparseDithering] = "sd",
    [gcompSparseDitheringUnbiased] = "sd-unbiased",
    [gcompSpherical] = "spherical",
};

static const char *const packing_names[gcompNumPackings] = {
    [gcompPackAuto] = "auto",       [gcompPackFixed] = "fixed",
    [gcompPackEntropy] = "entropy", [gcompPackStructured] = "structured",
    [gcompPackDirect] = "direct",
};

GCOMP_API const char *gcompMethodName(gcompMethod_t method) {
  if ((int)method < 0 || method >= gcompNumMethods) return NULL;
  return method_names[method];
}

const char *gcomp_packing_name(gcompPacking_t p) {
  if ((int)p < 0 || p >= gcompNumPackings) return "?";
  return packing_names[p];
}

GCOMP_API gcompResult_t gcompCodecConfigInit(gcompCodecConfig_t *config,
                                             const char *name) {
  gcomp_clear_error();
  if (!config || !name)
    return gcomp_fail(gcompInvalidArgument, "config and name must not be NULL");
  for (int m = 0; m < gcompNumMethods; m++) {
    if (strcmp(name, method_names[m]) == 0) {
      gcompCodecConfig_t init = GCOMP_CODEC_CONFIG_INITIALIZER;
      init.method = (gcompMethod_t)m;
      *config = init;
      return gcompSuccess;
    }
  }
  return gcomp_fail(gcompInvalidArgument,
                    "unknown codec '%s' (known: identity, sd, sd-unbiased, "
                    "spherical)", name);
}

static gcompResult_t parse_double(const char *name, const char *text,
                                  double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
    return gcomp_fail(gcompInvalidArgument, "%s: '%s' is not a finite number",
                      name, text);
  *out = v;
  return gcompSuccess;
}

static gcompResult_t parse_int(const char *name, const char *text,
                               int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || errno == ERANGE)
    return gcomp_fail(gcompInvalidArgument, "%s: '%s' is not an integer",
                      name, text);
  *out = v;
  return gcompSuccess;
}

/* Which text parameters each method uses. */
static int method_uses(gcompMethod_t m, const char *name) {
  if (strcmp(name, "rotate") == 0 || strcmp(name, "packing") == 0) return 1;
  switch (m) {
  case gcompSparseDithering: return strcmp(name, "nu") == 0;
  case gcompSparseDitheringUnbiased: return strcmp(name, "omega") == 0;
  case gcompSpherical:
    return strcmp(name, "alpha") == 0 || strcmp(name, "block") == 0 ||
           strcmp(name, "max_trials") == 0;
  default: return 0;
  }
}

GCOMP_API gcompResult_t gcompCodecConfigSetParam(gcompCodecConfig_t *config,
                                                 const char *name,
                                                 const char *value) {
  gcomp_clear_error();
  if (!config || !name || !value)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  const char *method = gcompMethodName(config->method);
  if (!method) return gcomp_fail(gcompInvalidArgument, "config has no valid method");
  if (!method_uses(config->method, name))
    return gcomp_fail(gcompInvalidArgument,
                      "codec %s has no parameter '%s'", method, name);
  if (strcmp(name, "nu") == 0) return parse_double(name, value, &config->nu);
  if (strcmp(name, "omega") == 0) return parse_double(name, value, &config->omega);
  if (strcmp(name, "alpha") == 0) return parse_double(name, value, &config->alpha);
  if (strcmp(name, "max_trials") == 0)
    return parse_double(name, value, &config->maxTrials);
  if (strcmp(name, "block") == 0) return parse_int(name, value, &config->block);
  if (strcmp(name, "rotate") == 0) {
    int64_t v = -1;
    GCOMP_TRY(parse_int(name, value, &v));
    if (v != 0 && v != 1)
      return gcomp_fail(gcompInvalidArgument, "rotate must be 0 or 1");
    config->rotate = (int)v;
    return gcompSuccess;
  }
  for (int p = 0; p < gcompNumPackings; p++) {
    if (strcmp(value, packing_names[p]) == 0) {
      config->packing = (gcompPacking_t)p;
      return gcompSuccess;
    }
  }
  return gcomp_fail(gcompInvalidArgument,
                    "packing '%s' unknown (auto, fixed, entropy, structured, "
                    "direct)", value);
}

static int is_default(double v) { return v == (double)GCOMP_DEFAULT; }

/* A parameter of another method set to a non-default value is a mistake the
 * caller wants to hear about, not something to ignore. */
static gcompResult_t reject_foreign(const gcompCodecConfig_t *c) {
  const char *m = method_names[c->method];
  if (c->method != gcompSparseDithering && !is_default(c->nu))
    return gcomp_fail(gcompInvalidArgument, "codec %s does not use nu", m);
  if (c->method != gcompSparseDitheringUnbiased && !is_default(c->omega))
    return gcomp_fail(gcompInvalidArgument, "codec %s does not use omega", m);
  if (c->method != gcompSpherical &&
      (!is_default(c->alpha) || c->block != GCOMP_DEFAULT ||
       !is_default(c->maxTrials)))
    return gcomp_fail(gcompInvalidArgument,
                      "codec %s does not use alpha, block or max_trials", m);
  return gcompSuccess;
}

static gcompResult_t check_packing(gcompCodecConfig_t *c) {
  gcompPacking_t p = c->packing;
  if ((int)p < 0 || p >= gcompNumPackings)
    return gcomp_fail(gcompInvalidArgument, "packing %d unknown", (int)p);
  int ok;
  switch (c->method) {
  case gcompIdentity: ok = p == gcompPackAuto || p == gcompPackDirect; break;
  case gcompSpherical:
    ok = p == gcompPackAuto || p == gcompPackDirect || p == gcompPackStructured;
    break;
  default: ok = 1;
  }
  if (!ok)
    return gcomp_fail(gcompInvalidArgument, "codec %s cannot use packing %s",
                      method_names[c->method], packing_names[p]);
  return gcompSuccess;
}

static gcompResult_t configure(gcompCodecConfig_t *c, struct gcompCodec *out) {
  if (c->size != sizeof(gcompCodecConfig_t))
    return gcomp_fail(gcompInvalidArgument,
                      "config.size is %zu, expected %zu: start from "
                      "GCOMP_CODEC_CONFIG_INITIALIZER",
                      c->size, sizeof(gcompCodecConfig_t));
  if ((int)c->method < 0 || c->method >= gcompNumMethods)
    return gcomp_fail(gcompInvalidArgument, "method %d unknown", (int)c->method);
  if (c->rotate != 0 && c->rotate != 1)
    return gcomp_fail(gcompInvalidArgument, "rotate must be 0 or 1");
  GCOMP_TRY(reject_foreign(c));
  GCOMP_TRY(check_packing(c));
  switch (c->method) {
  case gcompIdentity:
    out->cls = gcompClassExact;
    out->param = 0;
    break;
  case gcompSparseDithering:
    if (is_default(c->nu)) c->nu = 0.1;
    if (!(c->nu > 0 && c->nu < 1))
      return gcomp_fail(gcompParameterOutOfRange, "nu = %g must be in (0, 1)",
                        c->nu);
    out->cls = gcompClassContractive;
    out->param = c->nu;
    break;
  case gcompSparseDitheringUnbiased:
    if (is_default(c->omega)) c->omega = 0.25;
    if (!(c->omega > 0 && c->omega <= 1e6))
      return gcomp_fail(gcompParameterOutOfRange,
                        "omega = %g must be in (0, 1e6]", c->omega);
    out->cls = gcompClassUnbiased;
    out->param = c->omega;
    break;
  case gcompSpherical:
    GCOMP_TRY(gcomp_spherical_configure(c));
    out->cls = gcompClassContractive;
    out->param = c->alpha;
    break;
  default: return gcomp_fail(gcompInternalError, "unreachable method");
  }
  out->config = *c;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecCreate(gcompCodec_t *codec,
                                         const gcompCodecConfig_t *config) {
  gcomp_clear_error();
  if (!codec || !config)
    return gcomp_fail(gcompInvalidArgument, "codec and config must not be NULL");
  *codec = NULL;
  gcompCodecConfig_t c = *config;
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
  *cls = codec->cls;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetOmega(gcompCodec_t codec, double *omega) {
  gcomp_clear_error();
  if (!codec || !omega)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  if (codec->cls != gcompClassUnbiased)
    return gcomp_fail(gcompInvalidArgument, "codec %s is not unbiased",
                      method_names[codec->config.method]);
  *omega = codec->param;
  return gcompSuccess;
}

GCOMP_API gcompResult_t gcompCodecGetAlpha(gcompCodec_t codec, double *alpha) {
  gcomp_clear_error();
  if (!codec || !alpha)
    return gcomp_fail(gcompInvalidArgument, "arguments must not be NULL");
  switch (codec->cls) {
  case gcompClassExact: *alpha = 0; break;
  case gcompClassUnbiased: *alpha = codec->param / (1 + codec->param); break;
  default: *alpha = codec->param;
  }
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
  uint64_t n = gcomp_coded_length(codec->config.rotate, d);
  size_t body;
  switch (codec->config.method) {
  case gcompIdentity: body = gcomp_identity_bound(codec, n); break;
  case gcompSpherical: body = gcomp_spherical_bound(codec, n); break;
  default: body = gcomp_sd_bound(codec, n);
  }
  if (body == 0 || body > SIZE_MAX - GCOMP_HEADER_BYTES)
    return gcomp_fail(gcompSizeOverflow, "payload bound overflows size_t");
  *bound = GCOMP_HEADER_BYTES + body;
  return gcompSuccess;
}
