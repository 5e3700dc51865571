/* Encodes, decodes and checks the C(nu) guarantee through an installed
 * gcomp: exit 0 only when everything holds. */
#include <gcomp.h>

#include <stdio.h>
#include <stdlib.h>

int main(void) {
  enum { D = 4096 };
  static float x[D], y[D];
  double xx = 0, err = 0;
  for (int i = 0; i < D; i++) {
    x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    xx += (double)x[i] * x[i];
  }
  gcompCodecConfig_t cfg;
  gcompCodec_t codec = NULL;
  size_t cap = 0, size = 0;
  if (gcompCodecConfigInit(&cfg, "sd") || gcompCodecConfigSetParam(&cfg, "nu", "0.1") ||
      gcompCodecCreate(&codec, &cfg) || gcompEncodeBound(codec, D, &cap)) {
    fprintf(stderr, "consumer: codec: %s\n", gcompGetLastErrorDetail());
    return 1;
  }
  unsigned char *buf = malloc(cap);
  if (!buf || gcompEncode(codec, x, D, 42, buf, cap, &size) ||
      gcompDecode(buf, size, y, D, 0.0f)) {
    fprintf(stderr, "consumer: round trip: %s\n", gcompGetLastErrorDetail());
    return 1;
  }
  for (int i = 0; i < D; i++) err += ((double)y[i] - x[i]) * ((double)y[i] - x[i]);
  double lb = 0;
  gcompAverageCaseBound(0.1, D, &lb);
  printf("consumer: gcomp %d, %zu bytes for %d floats, |C(x)-x|^2/|x|^2 = %.4f, bound %.0f bits\n",
         gcompGetVersion(), size, D, err / xx, lb);
  free(buf);
  gcompCodecFree(codec);
  return err <= 0.1 * xx && size < 4u * D ? 0 : 1;
}
