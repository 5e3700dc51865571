#!/usr/bin/env python3
"""Mutation testing: plants each mutant of a list, one at a time, rebuilds,
runs the CPU test suite (ctest, stopping at the first failure) and reports
the mutants no test killed.

    scripts/mutate.py [--list FILE] [--only NAME,...] [--build DIR] [--timeout S]

The list (tests/mutants.txt by default) holds blocks separated by blank
lines:

    name: qsgd-omega-d-over-s
    file: host/codecs/qsgd.c
    find: d / (s * s)
    replace: d / s

`find` must occur exactly once in `file`; a literal \\n in a value is a
line break. An optional `equivalent: WHY` marks a mutant shown to behave
as the original on every input: it still runs, but a survivor of that kind
is reported apart and left out of the score (and one that is killed is
reported too, since then the WHY is wrong). The source is restored after each
mutant, also on Ctrl-C. A mutant that does not compile counts as killed by
the compiler and is reported apart (a list should not hold many).
"""
import argparse
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse(path):
    mutants, cur = [], {}
    with open(path) as f:
        for raw in f.read().split("\n") + [""]:
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                if cur:
                    mutants.append(cur)
                    cur = {}
                continue
            key, _, value = line.partition(":")
            if key not in ("name", "file", "find", "replace", "equivalent"):
                sys.exit(f"mutate: {path}: unknown key in line {line!r}")
            value = value[1:] if value.startswith(" ") else value
            cur[key] = value.replace("\\n", "\n")  # \n in a value: a line break
    for m in mutants:
        missing = {"name", "file", "find", "replace"} - m.keys()
        if missing:
            sys.exit(f"mutate: mutant {m.get('name', '?')} lacks {', '.join(sorted(missing))}")
    return mutants


def run(cmd, timeout=None, quiet=True):
    out = subprocess.DEVNULL if quiet else None
    try:
        return subprocess.run(cmd, cwd=ROOT, stdout=out, stderr=out, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", default=os.path.join(ROOT, "tests", "mutants.txt"))
    ap.add_argument("--only", default="")
    ap.add_argument("--build", default="build/mutate")
    ap.add_argument("--timeout", type=int, default=900, help="seconds for one suite run")
    args = ap.parse_args()
    mutants = parse(args.list)
    if args.only:
        keep = set(args.only.split(","))
        mutants = [m for m in mutants if m["name"] in keep]
    for m in mutants:  # validate everything before touching anything
        path = os.path.join(ROOT, m["file"])
        if not os.path.exists(path):
            sys.exit(f"mutate: {m['name']}: no file {m['file']}")
        n = open(path).read().count(m["find"])
        if n != 1:
            sys.exit(f"mutate: {m['name']}: 'find' occurs {n} times in {m['file']}, not once")

    jobs = str(os.cpu_count() or 2)
    if run(["cmake", "-S", ".", "-B", args.build, "-G", "Ninja", "-DGCOMP_WITH_CUDA=OFF",
            "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]) != 0:
        sys.exit("mutate: configure failed")
    if run(["cmake", "--build", args.build, "-j", jobs]) != 0:
        sys.exit("mutate: the unmutated tree does not build")

    state = {"path": None, "text": None}

    def restore(*_):
        if state["path"]:
            with open(state["path"], "w") as f:
                f.write(state["text"])
            state["path"] = None

    def interrupted(*_):
        restore()
        sys.exit("mutate: interrupted, source restored")

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)

    killed, survived, no_build, equivalent = [], [], [], []
    for i, m in enumerate(mutants, 1):
        path = os.path.join(ROOT, m["file"])
        text = open(path).read()
        state.update(path=path, text=text)
        t0 = time.time()
        try:
            with open(path, "w") as f:
                f.write(text.replace(m["find"], m["replace"], 1))
            if run(["cmake", "--build", args.build, "-j", jobs]) != 0:
                verdict = "does not build"
                no_build.append(m["name"])
            else:
                rc = run(["ctest", "--test-dir", args.build, "-j", jobs, "--stop-on-failure",
                          "--timeout", "300"], timeout=args.timeout)
                if "equivalent" in m:
                    verdict = ("killed, but listed as equivalent" if rc != 0
                               else "survived (equivalent)")
                    equivalent.append((m["name"], rc != 0))
                else:
                    verdict = "killed" if rc != 0 else "SURVIVED"
                    (killed if rc != 0 else survived).append(m["name"])
        finally:
            restore()
        print(f"[{i}/{len(mutants)}] {m['name']}: {verdict} ({time.time() - t0:.0f} s)",
              flush=True)
    run(["cmake", "--build", args.build, "-j", jobs])  # leave the build unmutated
    tested = len(killed) + len(survived)
    print(f"\nmutants: {len(mutants)}, built: {tested + len(equivalent)}, "
          f"killed: {len(killed)}, survived: {len(survived)}, "
          f"listed as equivalent: {len(equivalent)}, not building: {len(no_build)}")
    if tested:
        print(f"score: {100.0 * len(killed) / tested:.1f}% of the mutants that build")
    for name in survived:
        print(f"  survivor: {name}")
    wrong = [name for name, was_killed in equivalent if was_killed]
    for name in wrong:
        print(f"  killed though listed as equivalent (fix its reason): {name}")
    return 1 if survived or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
