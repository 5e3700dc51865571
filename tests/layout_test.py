#!/usr/bin/env python3
"""The shape of the tree (docs/ARCHITECTURE.md), checked:
1. no header includes itself back, directly or not, and no module (x.c
   with x.h) depends on itself through others;
2. the CLI (host/cli), the benchmarks (bench/) and the kernels (kernels/)
   include only the public headers (include/), host/shared/, and their own
   folder's headers; the MPI and NCCL layers only the public headers;
3. libgcomp.so (argument 1, when given) exports only the public gcomp* API.
Exit status 1 with one line per violation."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCES = ("host", "kernels", "bench", "include")


def files():
    for top in SOURCES:
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in names:
                if n.endswith((".c", ".h", ".cu", ".cuh")):
                    yield os.path.relpath(os.path.join(dirpath, n), ROOT)


def resolve(inc, including):
    """Where `#include "inc"` lands: the including file's folder, then the
    include paths the build gives (include/, host/, kernels/)."""
    for base in (os.path.dirname(including), "include", "host", "kernels"):
        p = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(os.path.join(ROOT, p)):
            return p
    return None


def main():
    graph, problems = {}, []
    for f in files():
        text = open(os.path.join(ROOT, f), errors="replace").read()
        graph[f] = [r for r in (resolve(i, f) for i in INCLUDE.findall(text)) if r]

    # 1. cycles (depth-first search, colours)
    colour = {}

    def visit(f, stack):
        colour[f] = 1
        for g in graph.get(f, []):
            if colour.get(g) == 1:
                cyc = stack[stack.index(g):] + [g] if g in stack else [f, g]
                problems.append("include cycle: " + " -> ".join(cyc))
            elif not colour.get(g):
                visit(g, stack + [g])
        colour[f] = 2

    for f in sorted(graph):
        if not colour.get(f):
            visit(f, [f])

    # ... and between modules (x.c with x.h): a source that includes a header
    # whose own source includes the first one's header back
    modules = {}
    for f, incs in graph.items():
        m = os.path.splitext(f)[0]
        modules.setdefault(m, set()).update(os.path.splitext(g)[0] for g in incs)
    for m in modules:
        modules[m].discard(m)
    colour.clear()

    def visit_module(m, stack):
        colour[m] = 1
        for n in sorted(modules.get(m, ())):
            if colour.get(n) == 1:
                problems.append("module cycle: " + " -> ".join(stack[stack.index(n):] + [n]))
            elif not colour.get(n):
                visit_module(n, stack + [n])
        colour[m] = 2

    for m in sorted(modules):
        if not colour.get(m):
            visit_module(m, [m])

    # 2. who may include what
    for f, incs in sorted(graph.items()):
        # the transport layers are libraries of their own over the public API
        if f.startswith(("host/comm/mpi/", "host/comm/nccl/")):
            for g in incs:
                if not g.startswith("include/"):
                    problems.append(f"{f} includes {g}: a transport layer may include only "
                                    f"include/")
        for top in ("host/cli/", "bench/", "kernels/"):
            if not f.startswith(top):
                continue
            for g in incs:
                if g.startswith(("include/", "host/shared/", top)):
                    continue
                problems.append(f"{f} includes {g}: {top} may include only include/, "
                                f"host/shared/ and {top}")

    # 3. exports
    if len(sys.argv) > 1:
        out = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]], capture_output=True,
                             text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 3 and not re.match(r"gcomp[A-Z]", parts[2]):
                problems.append(f"{os.path.basename(sys.argv[1])} exports {parts[2]}")

    for p in problems:
        print(p)
    print(f"layout: {len(graph)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
