"""One rank of a DDP run for test_ddp.py: a small MLP on fixed random data,
the gcomp hook, every bucket's input and output recorded."""
import argparse
import gc
import hashlib
import json

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

import gcomp
import gcomp.torch as gt

# rotate=1: the payloads depend on their seeds, so the test checks them
CODEC = {"name": "sd", "nu": 0.2, "packing": "fixed", "rotate": 1}
SEED = 1234


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--world", type=int, required=True)
    p.add_argument("--init", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--algorithm", default="allgather")
    p.add_argument("--ef", type=int, default=0)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--backend", default="gloo")
    a = p.parse_args()
    dist.init_process_group(a.backend, init_method=a.init, rank=a.rank, world_size=a.world)
    device = torch.device("cuda", 0) if a.backend == "nccl" else torch.device("cpu")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(20, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 4)).to(device)
    # Small buckets: DDP starts with one and, rebuilt after the first step,
    # has two (its first bucket has its own cap, documented as tunable so).
    dist._DEFAULT_FIRST_BUCKET_BYTES = 800
    ddp = DDP(model, bucket_cap_mb=0.0008)
    state = gt.GcompState(gcomp.Codec(**CODEC), algorithm=a.algorithm,
                          error_feedback=bool(a.ef), seed=SEED)
    record = {}

    def recording_hook(st, bucket):
        step, index = st.steps, bucket.index()
        record[f"in_{step}_{index}"] = bucket.buffer().detach().cpu().numpy().copy()
        fut = gt.hook(st, bucket)
        record[f"out_{step}_{index}"] = fut.wait().detach().cpu().numpy().copy()
        return fut

    ddp.register_comm_hook(state, recording_hook)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    gen = torch.Generator().manual_seed(100 + a.rank)  # each rank its own data
    for _ in range(a.steps):
        xb = torch.randn(32, 20, generator=gen).to(device)
        yb = torch.randint(0, 4, (32,), generator=gen).to(device)
        loss = torch.nn.functional.cross_entropy(ddp(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    params = torch.cat([q.detach().reshape(-1).cpu() for q in model.parameters()])
    np.savez(a.out + ".npz", **record)
    with open(a.out + ".json", "w") as f:
        json.dump({"digest": hashlib.sha256(params.numpy().tobytes()).hexdigest(),
                   "bytes_sent": state.bytes_sent, "steps": state.steps}, f)
    # The reducer holds the process group: freed last, by a C++ destructor
    # with the GIL held, gloo's threads can deadlock waiting for the GIL
    # (PyTorch 1.13). Free DDP first, then the group through its binding.
    del ddp, recording_hook
    gc.collect()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
