/* One MPI rank (a singleton launch), one compressed allreduce through the
 * installed MPI layer. */
#include <gcomp_mpi.h>

#include <stdio.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  float x[1000], y[1000];
  for (int i = 0; i < 1000; i++) x[i] = (float)i;
  gcompCodecConfig_t cfg;
  gcompCodec_t codec = NULL;
  gcompComm_t comm = NULL;
  int rc = gcompCodecConfigInit(&cfg, "sd") || gcompCodecCreate(&codec, &cfg) ||
           gcompCommCreateMpi(&comm, MPI_COMM_WORLD, NULL) ||
           gcompAllReduce(x, y, 1000, codec, gcompSum, comm, NULL);
  if (rc) fprintf(stderr, "consumer_mpi: %s\n", gcompGetLastErrorDetail());
  else printf("consumer_mpi: allreduce over MPI ok, y[999] = %g\n", (double)y[999]);
  gcompCommFree(comm);
  gcompCodecFree(codec);
  MPI_Finalize();
  return rc;
}
