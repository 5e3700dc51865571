#!/usr/bin/env bash
# Runs the Python tests (pytest) with Debian's python3 against a build tree,
# without installing anything: the package from python/, the library and
# the CLI from BUILD_DIR (or GCOMP_LIBRARY / GCOMP_CLI).
#   tests/python/run.sh BUILD_DIR [PYTEST ARGS...]     e.g. -m gpu, -k ddp
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: tests/python/run.sh BUILD_DIR [PYTEST ARGS...]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
py=${GCOMP_PYTHON:-/usr/bin/python3}

# Missing modules fail the run: CI installs them (scripts/deps.sh).
missing=$("$py" -c 'import importlib.util as u, sys
print(" ".join(m for m in sys.argv[1:] if u.find_spec(m) is None))' torch numpy pytest sklearn)
if [ -n "$missing" ]; then
  echo "tests/python: $py lacks the modules: $missing" >&2
  echo "tests/python: apt-get install python3-torch python3-numpy python3-pytest python3-sklearn" >&2
  exit 1
fi

export GCOMP_LIBRARY=${GCOMP_LIBRARY:-$build/host/libgcomp.so}
export GCOMP_CLI=${GCOMP_CLI:-$build/gcomp}
export PYTHONPATH=$root/python${PYTHONPATH:+:$PYTHONPATH}
export GLOO_SOCKET_IFNAME=${GLOO_SOCKET_IFNAME:-lo}  # the ranks are local processes
export PYTHONDONTWRITEBYTECODE=1  # nothing written into the source tree
for f in "$GCOMP_LIBRARY" "$GCOMP_CLI"; do
  [ -f "$f" ] || { echo "tests/python: $f not found (build $build first)" >&2; exit 1; }
done
exec "$py" -m pytest -p no:cacheprovider -rs "$here" "$@"
