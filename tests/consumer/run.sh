#!/usr/bin/env bash
# Installs the build tree BUILD into a private prefix, then builds and runs
# the consumer against it twice: through find_package(gcomp) and through
# pkg-config. Usage: run.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
# Extra compile and link flags, e.g. -fsanitize=... for a sanitized build.
flags=${GCOMP_CONSUMER_FLAGS:-}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log"

echo "== find_package(gcomp)"
cmake -S "$here" -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/cmake" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/cmake/consumer"
"$work/cmake/consumer_static"
if [ -x "$work/cmake/consumer_mpi" ]; then
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$work/cmake/consumer_mpi"
fi

echo "== pkg-config gcomp"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig
libdir=$(pkg-config --variable=libdir gcomp)
cc -std=c11 -Wall -Werror $flags "$here/consumer.c" $(pkg-config --cflags --libs gcomp) \
  -Wl,-rpath,"$libdir" -o "$work/consumer_pc"
"$work/consumer_pc"
if pkg-config --exists gcomp-mpi; then
  mpicc -std=c11 -Wall -Werror $flags "$here/consumer_mpi.c" $(pkg-config --cflags --libs gcomp-mpi) \
    -Wl,-rpath,"$libdir" -o "$work/consumer_mpi_pc"
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "$work/consumer_mpi_pc"
fi
echo "consumer: find_package and pkg-config builds ran"
