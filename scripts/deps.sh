# Sourced by the set-up scripts: finds what the build needs and installs what
# is missing (apt-get, when run as root), or says exactly what to install.

# command -> Debian package providing it
declare -A GCOMP_TOOL_PKG=(
  [cmake]=cmake [ninja]=ninja-build [gcc]=gcc [g++]=g++ [clang]=clang
)

gcomp_missing_pkgs=()

gcomp_need_tool() {
  command -v "$1" >/dev/null 2>&1 || gcomp_missing_pkgs+=("${GCOMP_TOOL_PKG[$1]}")
}

# What building gcomp needs at the least.
gcomp_need_build_tools() {
  for t in cmake ninja gcc g++; do gcomp_need_tool "$t"; done
}

# Configures the default preset and builds the gcomp command line
# (build/default/gcomp).
gcomp_build_cli() {
  cmake --preset default >/dev/null
  cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" --target gcomp_cli
}

# OpenMPI: the CPU engine of the collectives and their tests.
gcomp_need_mpi() {
  command -v mpirun >/dev/null 2>&1 && command -v mpicc >/dev/null 2>&1 ||
    gcomp_missing_pkgs+=(libopenmpi-dev openmpi-bin)
}

gcomp_need_gtest() {
  if [ ! -f /usr/src/googletest/CMakeLists.txt ] &&
     [ ! -f /usr/include/gtest/gtest.h ] &&
     [ ! -f third_party_src/googletest/CMakeLists.txt ]; then
    gcomp_missing_pkgs+=(googletest libgtest-dev)
  fi
}

# gnuplot draws `gcomp bench-bits --frontier --plot`; the -nox build is
# enough for PNG output and pulls in no X11.
gcomp_need_gnuplot() {
  command -v gnuplot >/dev/null 2>&1 || gcomp_missing_pkgs+=(gnuplot-nox)
}

# The heart_scale LibSVM file ships in liblinear-tools' examples.
GCOMP_HEART_SCALE_SYSTEM=/usr/share/doc/liblinear-tools/examples/heart_scale

gcomp_need_heart_scale() {
  [ -f "$GCOMP_HEART_SCALE_SYSTEM" ] || [ -f .deps/heart_scale ] ||
    gcomp_missing_pkgs+=(liblinear-tools)
}

# The Python tests (tests/python/run.sh) run with Debian's python3 and
# these of its packages (module -> package).
declare -A GCOMP_PY_PKG=(
  [torch]=python3-torch [numpy]=python3-numpy [pytest]=python3-pytest
  [sklearn]=python3-sklearn
)

gcomp_need_python_tests() {
  local missing m
  if [ ! -x /usr/bin/python3 ]; then
    gcomp_missing_pkgs+=("${GCOMP_PY_PKG[@]}")
    return
  fi
  missing=$(/usr/bin/python3 -c 'import importlib.util as u, sys
print(" ".join(m for m in sys.argv[1:] if u.find_spec(m) is None))' "${!GCOMP_PY_PKG[@]}")
  for m in $missing; do gcomp_missing_pkgs+=("${GCOMP_PY_PKG[$m]}"); done
}

gcomp_install_missing() {
  [ ${#gcomp_missing_pkgs[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "set-up: installing ${gcomp_missing_pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${gcomp_missing_pkgs[@]}" >&2 ||
      { apt-get update >&2 &&
        apt-get install -y --no-install-recommends "${gcomp_missing_pkgs[@]}" >&2; } ||
      { echo "set-up: apt-get could not install: ${gcomp_missing_pkgs[*]}" >&2; return 1; }
  else
    echo "set-up: missing Debian packages: ${gcomp_missing_pkgs[*]}" >&2
    echo "set-up: run as root, or: sudo apt-get install ${gcomp_missing_pkgs[*]}" >&2
    return 1
  fi
}

# Images that strip /usr/share/doc leave the package installed but the file
# gone: then take it from the package archive itself.
gcomp_fetch_heart_scale() {
  [ -f "$GCOMP_HEART_SCALE_SYSTEM" ] && return 0
  [ -f .deps/heart_scale ] && return 0
  mkdir -p .deps/pkg
  (cd .deps/pkg && apt-get download liblinear-tools >/dev/null 2>&1) &&
    dpkg -x .deps/pkg/liblinear-tools_*.deb .deps/pkg/root &&
    cp .deps/pkg/root/usr/share/doc/liblinear-tools/examples/heart_scale .deps/ ||
    { echo "set-up: could not obtain heart_scale (liblinear-tools)" >&2; return 1; }
}
