"""DistributedDataParallel with the gcomp hook, 2 and 3 CPU ranks over gloo.

Every bucket's result is recomputed here from the ranks' recorded inputs
with the documented rule (seeds from (seed, bucket, step, rank, phase,
chunk), decode-sum in rank order, mean, EF21), and must match bit for bit;
the trained model must be the same bytes on every rank.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import ddp_worker
import gcomp
from conftest import ROOT
from gcomp.torch import payload_seed

HERE = os.path.dirname(os.path.abspath(__file__))
CODEC = gcomp.Codec(**ddp_worker.CODEC)
SEED = ddp_worker.SEED


def run_ranks(world, tmp_path, *args, script=None, timeout=240):
    script = script or [os.path.join(HERE, "ddp_worker.py")]
    env = dict(os.environ, GLOO_SOCKET_IFNAME=os.environ.get("GLOO_SOCKET_IFNAME", "lo"))
    procs = [subprocess.Popen([sys.executable, *script, "--rank", str(r), "--world", str(world),
                               "--init", f"file://{tmp_path}/store",
                               "--out", f"{tmp_path}/rank{r}", *map(str, args)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env=env)
             for r in range(world)]
    outs = [p.communicate(timeout=timeout)[0] for p in procs]
    for r, (p, out) in enumerate(zip(procs, outs)):
        assert p.returncode == 0, f"rank {r} failed:\n{out}"
    return ([dict(np.load(f"{tmp_path}/rank{r}.npz")) for r in range(world)],
            [json.load(open(f"{tmp_path}/rank{r}.json")) for r in range(world)])


def encode(x, index, step, rank, phase, chunk):
    p = CODEC.encode(np.ascontiguousarray(x), seed=payload_seed(SEED, index, step, rank,
                                                                 phase, chunk))
    return bytes(p)


def decode_sum(payloads, n):
    acc = np.empty(n, np.float32)
    for j, p in enumerate(payloads):
        gcomp.decode(p, out=acc, beta=0.0 if j == 0 else 1.0)
    return acc


def reference(records, world, algorithm, ef):
    """Every (step, bucket) result and this rank 0's bytes_sent, recomputed."""
    keys = sorted({k[3:] for k in records[0] if k.startswith("in_")},
                  key=lambda s: tuple(map(int, s.split("_"))))
    g, G, e, results, sent = {}, {}, {}, {}, 0
    for key in keys:
        step, index = map(int, key.split("_"))
        if key == "1_0":  # the hook restarts its feedback once DDP rebuilt its buckets
            g, G, e = {}, {}, {}
        xs = [r["in_" + key] for r in records]
        n = xs[0].size
        if ef and (index not in G or G[index].size != n):
            g[index] = [np.zeros(n, np.float32) for _ in range(world)]
            G[index], e[index] = np.zeros(n, np.float32), {}
        sends = [x - g[index][j] for j, x in enumerate(xs)] if ef else xs
        if algorithm == "allgather":
            payloads = [encode(s, index, step, j, 0, 0) for j, s in enumerate(sends)]
            recv = decode_sum(payloads, n)
            owns = [gcomp.decode(p) for p in payloads]
            sent += 8 + max(map(len, payloads))
        else:
            edges = [r * n // world for r in range(world + 1)]
            chunks = [[encode(s[edges[r]:edges[r + 1]], index, step, j, 1, r)
                       for r in range(world)] for j, s in enumerate(sends)]
            recv = np.empty(n, np.float32)
            recompressed = []
            for r in range(world):
                partial = decode_sum([chunks[j][r] for j in range(world)],
                                     edges[r + 1] - edges[r])
                if ef:
                    partial = partial + e[index].get(r, np.zeros_like(partial))
                recompressed.append(encode(partial, index, step, r, 2, r))
                recv[edges[r]:edges[r + 1]] = gcomp.decode(recompressed[-1])
                if ef:
                    e[index][r] = partial - recv[edges[r]:edges[r + 1]]
            owns = [np.concatenate([gcomp.decode(c) for c in chunks[j]]) for j in range(world)]
            sent += sum(max(len(chunks[j][r]) for j in range(world)) for r in range(1, world))
            sent += 8 * (world + 1) + max(map(len, recompressed))
        if ef:
            for j in range(world):
                g[index][j] += owns[j]
            G[index] += recv
            recv = G[index].copy()
        results[key] = torch.from_numpy(recv).mul_(1.0 / world).numpy()
    return results, sent


@pytest.mark.parametrize("algorithm, ef, world", [
    ("allgather", 0, 2), ("allgather", 1, 2), ("twophase", 0, 2), ("twophase", 1, 3)])
def test_hook_result_is_the_documented_mean(algorithm, ef, world, tmp_path):
    records, summaries = run_ranks(world, tmp_path, "--algorithm", algorithm, "--ef", ef)
    assert len({s["digest"] for s in summaries}) == 1, "ranks ended with different models"
    want, sent = reference(records, world, algorithm, ef)
    assert len(want) == 1 + 2 * 5, "expected 1 bucket, then 2 once DDP rebuilt them"
    for key, value in want.items():
        for r in range(world):
            assert records[r]["out_" + key].tobytes() == value.tobytes(), (key, r)
    assert summaries[0]["steps"] == 6 and summaries[0]["bytes_sent"] == sent


def run_example(hook, tmp_path):
    out = tmp_path / f"{hook}.json"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "ddp_train.py"),
                        "--hook", hook, "--json", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(out.read_text())


def test_digits_sd_matches_no_hook_with_8x_fewer_bytes(tmp_path, capsys):
    """examples/ddp_train.py: 2 ranks, an MLP on scikit-learn's digits."""
    runs = {h: run_example(h, tmp_path) for h in ("none", "sd", "fp32", "bf16")}
    with capsys.disabled():
        print()
        for h, s in runs.items():
            print(f"  digits, 2 ranks, hook {h}: test accuracy {100 * s['accuracy']:.2f}%, "
                  f"{s['bytes_per_step']:.0f} bytes/step/rank "
                  f"({s['fp32_bytes_per_step'] / s['bytes_per_step']:.2f}x fewer than fp32)")
    plain, sd, fp32, bf16 = (runs[h] for h in ("none", "sd", "fp32", "bf16"))
    n = plain["parameters"]
    assert plain["accuracy"] > 0.9, "the baseline itself did not learn"
    assert sd["accuracy"] >= plain["accuracy"] - 0.02
    assert sd["bytes_per_step"] * 8 <= 4 * n
    assert fp32["digests"] == plain["digests"], "fp32_hook is not DDP's own allreduce"
    assert fp32["bytes_per_step"] == 4 * n and bf16["bytes_per_step"] == 2 * n
    assert bf16["accuracy"] >= plain["accuracy"] - 0.02
    for s in runs.values():
        assert len(set(s["digests"])) == 1, f"{s['hook']}: ranks differ"
