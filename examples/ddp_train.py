#!/usr/bin/env python3
"""Trains a small MLP on scikit-learn's digits with DistributedDataParallel
and a gradient communication hook, and prints loss, accuracy and the bytes
each rank sends per step.

    pip install .            # from the gcomp repository (or set GCOMP_LIBRARY)
    python3 examples/ddp_train.py --hook sd      # gcomp Sparse Dithering
    python3 examples/ddp_train.py --hook fp32    # float32 allreduce, counted
    python3 examples/ddp_train.py --hook none    # DDP as it comes
    python3 examples/ddp_train.py --hook bf16    # bfloat16 on the wire

Two ranks on the CPU over gloo by default (--nproc, --backend nccl for one
GPU a rank). Started by torchrun (RANK and WORLD_SIZE set) it runs as that
rank instead of starting its own. --json FILE writes rank 0's summary and
every rank's parameter digest.
"""
import argparse
import gc
import hashlib
import json
import os
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hook", choices=("sd", "fp32", "bf16", "none"), default="sd",
                   help="none: DDP without a hook (its own float32 allreduce)")
    p.add_argument("--nu", type=float, default=0.1, help="sd distortion (default 0.1)")
    p.add_argument("--packing", default="auto",
                   help="sd packing: auto (the shortest of each payload), fixed, entropy, ...")
    p.add_argument("--algorithm", choices=("auto", "allgather", "twophase"),
                   default="allgather")
    p.add_argument("--no-ef", dest="ef", action="store_false",
                   help="sd without EF21 error feedback")
    p.add_argument("--backend", choices=("gloo", "nccl"), default="gloo")
    p.add_argument("--nproc", type=int, default=2)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--batch", type=int, default=32, help="per rank")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", help="write the summary here")
    return p.parse_args(argv)


def digits(device):
    """Standardized digits, a fixed 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    x, y = load_digits(return_X_y=True)
    xtr, xte, ytr, yte = train_test_split(x / 16.0, y, test_size=0.2, random_state=0,
                                          stratify=y)
    mean, std = xtr.mean(0), xtr.std(0) + 1e-6
    t = lambda a, dt: torch.tensor(a, dtype=dt, device=device)
    return (t((xtr - mean) / std, torch.float32), t(ytr, torch.int64),
            t((xte - mean) / std, torch.float32), t(yte, torch.int64))


def make_hook(args):
    import gcomp
    import gcomp.torch as gt
    if args.hook == "sd":
        codec = gcomp.Codec("sd", nu=args.nu, packing=args.packing)
        return gt.GcompState(codec, algorithm=args.algorithm, error_feedback=args.ef,
                             seed=args.seed), gt.hook
    if args.hook == "bf16":
        return gt.CountingState(), gt.bf16_hook
    if args.hook == "fp32":
        return gt.CountingState(), gt.fp32_hook
    return None, None


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(rank, world, args, init_method):
    dist.init_process_group(args.backend, init_method=init_method, rank=rank,
                            world_size=world)
    device = torch.device("cuda", rank % torch.cuda.device_count()) \
        if args.backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)  # the same initial model on every rank
    xtr, ytr, xte, yte = digits(device)
    model = torch.nn.Sequential(torch.nn.Linear(64, args.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(args.hidden, 10)).to(device)
    ddp = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    state, hook = make_hook(args)
    if hook is not None:
        ddp.register_comm_hook(state, hook)
    n = sum(p.numel() for p in model.parameters())
    # without a hook DDP allreduces float32 values: 4 bytes each a step
    bytes_per_step = state.bytes_per_step if state is not None else lambda: 4.0 * n
    opt = torch.optim.SGD(ddp.parameters(), lr=args.lr, momentum=0.9)
    shard = torch.arange(rank, xtr.shape[0], world, device=device)  # rank's share
    gen = torch.Generator().manual_seed(args.seed + 1)
    per_step = args.batch
    history = []
    for epoch in range(args.epochs):
        order = shard[torch.randperm(shard.numel(), generator=gen).to(device)]
        steps = xtr.shape[0] // world // per_step  # equal on every rank: no uneven joins
        total = 0.0
        for s in range(steps):
            idx = order[s * per_step:(s + 1) * per_step]
            loss = torch.nn.functional.cross_entropy(ddp(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        acc = accuracy(model, xte, yte)
        history.append({"epoch": epoch + 1, "loss": total / steps, "accuracy": acc})
        if rank == 0:
            print(f"epoch {epoch + 1:2d}  loss {total / steps:.4f}  test accuracy "
                  f"{100 * acc:.2f}%  bytes/step/rank {bytes_per_step():.0f}",
                  flush=True)
    params = torch.cat([p.detach().reshape(-1).cpu() for p in model.parameters()])
    digest = hashlib.sha256(params.numpy().tobytes()).hexdigest()
    digests = [None] * world
    dist.all_gather_object(digests, digest)
    summary = {"hook": args.hook, "world": world, "parameters": n,
               "bytes_per_step": bytes_per_step(), "fp32_bytes_per_step": 4 * n,
               "accuracy": history[-1]["accuracy"],
               "history": history, "digests": digests}
    if rank == 0:
        print(f"{args.hook}: {summary['bytes_per_step']:.0f} bytes/step/rank "
              f"(fp32 {4 * n}: {4 * n / summary['bytes_per_step']:.2f}x fewer), final test "
              f"accuracy {100 * summary['accuracy']:.2f}%, ranks identical: "
              f"{len(set(digests)) == 1}", flush=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(summary, f, indent=1)
    # DDP's reducer holds the process group; destroyed last by it, gloo's
    # threads can wait for the GIL forever (PyTorch 1.13). Free DDP first.
    del ddp, opt
    gc.collect()
    dist.destroy_process_group()


def _spawned(rank, world, args, init_method):
    train(rank, world, args, init_method)


def main(argv=None):
    args = parse_args(argv)
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ:  # torchrun
        train(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args, "env://")
        return 0
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # one machine: loopback
    with tempfile.TemporaryDirectory() as tmp:
        init = "file://" + os.path.join(tmp, "store")
        mp.spawn(_spawned, args=(args.nproc, args, init), nprocs=args.nproc, join=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
