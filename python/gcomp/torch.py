"""DistributedDataParallel communication hooks over gcomp codecs.

    import gcomp.torch as gt
    state = gt.GcompState(gcomp.Codec("sd", nu=0.1, packing="fixed"),
                          error_feedback=True)
    ddp_model.register_comm_hook(state, gt.hook)

The hook encodes the bucket's flat gradient, moves the payloads with
torch.distributed collectives (gloo on CPU, NCCL on GPU; only calls that
PyTorch 1.13 and 2.x both have), decodes and sums them in rank order and
returns the mean, so every rank gets the same bits. Payload seeds are
derived from (base seed, bucket index, step, rank, phase, chunk), never
sent and never taken from a clock. The algorithms and the error feedback
are those of docs/COLLECTIVES.md. The hook is synchronous: it returns a
completed future (its collectives run before it returns).
"""
import torch
import torch.distributed as dist
from torch.distributed.algorithms.ddp_comm_hooks import default_hooks

from . import _device
from ._codec import Codec, decode
from ._errors import GcompError, Result

ALGORITHMS = ("auto", "allgather", "twophase")
_SIZE_BYTES = 8  # a payload length travels as one int64
_M64 = (1 << 64) - 1


def _splitmix64(z):
    z = (z + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def payload_seed(base, bucket, step, rank, phase=0, chunk=0):
    """Seed of the payload `rank` encodes for `chunk` of bucket `bucket` at
    `step` (phase 0: a whole vector, 1: a two-phase chunk, 2: an owner's
    re-compression). Every rank can compute every other rank's."""
    h = base & _M64
    for v in (bucket, step, rank, phase, chunk):
        h = _splitmix64(h ^ _splitmix64(v & _M64))
    return h


class _Feedback:
    """EF21 state of one bucket: g (this rank's), G (the sum of every
    rank's g), e (a two-phase owner's re-compression error, its chunk)."""

    def __init__(self, n, device):
        self.g = torch.zeros(n, dtype=torch.float32, device=device)
        self.G = torch.zeros(n, dtype=torch.float32, device=device)
        self.e = None


class _Counting:
    def __init__(self, process_group):
        self.process_group = process_group
        self.bytes_sent = 0      # bytes of this rank's messages (see README)
        self.bytes_received = 0  # bytes of other ranks' messages it received
        self.steps = 0           # completed iterations (buckets with is_last)

    def _group(self):
        return self.process_group if self.process_group is not None else dist.group.WORLD

    def bytes_per_step(self):
        return self.bytes_sent / max(self.steps, 1)

    def _count_step(self, bucket):
        if bucket.is_last():
            self.steps += 1


class GcompState(_Counting):
    """State of the gcomp hook: the codec (a Codec, or a name), the algorithm
    ("allgather", "twophase", "auto": two-phase from 4 ranks when each chunk
    has at least 2^16 values, as gcompAlgoAuto), EF21 error feedback, the
    base seed (equal on every rank) and the process group (None: WORLD)."""

    def __init__(self, codec, algorithm="auto", error_feedback=False, seed=0,
                 process_group=None):
        super().__init__(process_group)
        self.codec = codec if isinstance(codec, Codec) else Codec(codec)
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {ALGORITHMS}, not {algorithm!r}")
        if not 0 <= int(seed) <= _M64:
            raise ValueError(f"seed {seed} is outside [0, 2^64)")
        self.algorithm = algorithm
        self.error_feedback = bool(error_feedback)
        self.seed = int(seed)
        self._feedback = {}

    def _algorithm_for(self, n, world):
        if self.algorithm == "auto":
            return "twophase" if world >= 4 and n // world >= 1 << 16 else "allgather"
        if self.algorithm == "twophase" and n < world:  # a chunk would be empty
            return "allgather"
        return self.algorithm

    def _feedback_for(self, index, n, device):
        fb = self._feedback.get(index)
        if fb is None or fb.g.numel() != n or fb.g.device != device:
            fb = self._feedback[index] = _Feedback(n, device)
        return fb

    def _count_step(self, bucket):
        super()._count_step(bucket)
        # DDP rebuilds its buckets after the first iteration: a bucket index
        # then names other parameters, so the feedback restarts from zero.
        if bucket.is_last() and self.steps == 1:
            self._feedback.clear()


# ------------------------------------------------------------ the sides

class _HostSide:
    """CPU tensors: gcompEncode / gcompDecode, lengths as host ints."""

    def __init__(self, codec):
        self.codec = codec
        self.error = None

    def encode(self, x, seed):
        # A rank that cannot encode (NaN in its gradient) still takes part in
        # the size exchange, with length 0, so no peer waits for it.
        buf = torch.empty(self.codec.encode_bound(x.numel()), dtype=torch.uint8)
        try:
            return buf, self.codec.encode(x, seed=seed, out=buf).numel()
        except GcompError as e:
            self.error = self.error or e
            return buf, 0

    def check_encodes(self):
        if self.error is not None:
            raise self.error

    def size_tensor(self, n):
        return torch.tensor([n], dtype=torch.int64)

    def decode(self, payload, size_view, n, out, beta):
        decode(payload[:n], out=out, beta=beta)

    def finish(self):
        pass


class _CudaSide:
    """CUDA tensors: the device path on the current stream. Encode failures
    are read once the lengths are on the host (which waits for the stream
    anyway); decodes share one workspace per length, whose sticky status
    word is read once at the end."""

    def __init__(self, codec, device):
        self.codec, self.device = codec, device
        self.pending = []
        self.workspaces = {}
        self.error = None

    def encode(self, x, seed):
        p = self.codec.encode(x, seed=seed)
        self.pending.append(p)
        return p.data, p.nbytes

    def size_tensor(self, n):
        if isinstance(n, int):  # an owner that gave up
            return torch.tensor([n], dtype=torch.int64, device=self.device)
        return n  # the length the device wrote

    def check_encodes(self):
        for p in self.pending:
            p.check()
        self.pending = []

    def decode(self, payload, size_view, n, out, beta):
        ws = self.workspaces.get(out.numel())
        if ws is None:
            ws = self.workspaces[out.numel()] = _device.workspace(self.codec, out.numel(),
                                                                   self.device)
        _device.decode_into(self.codec, payload, size_view, out, beta, ws)

    def finish(self):
        for ws in self.workspaces.values():
            _device.device_status(ws)


# ------------------------------------------------------------ exchanges

def _gather_sizes(state, side, sizes):
    """All-gathers each rank's list of payload lengths: a world x k int64
    tensor on the side's device, and the same as host ints."""
    group = state._group()
    world = dist.get_world_size(group)
    mine = torch.cat([side.size_tensor(s).view(1) for s in sizes])
    table = [torch.empty_like(mine) for _ in range(world)]
    dist.all_gather(table, mine, group=group)
    table = torch.stack(table)
    host = table.tolist()  # on a GPU this waits for the stream: encodes are done
    side.check_encodes()
    if min(min(row) for row in host) <= 0:
        raise GcompError(Result.REMOTE_ERROR, "another rank could not encode its payload")
    return table, host


def _all_gather_padded(state, payload, n, width):
    """Every rank's payload, padded to `width` bytes (the longest)."""
    group = state._group()
    world = dist.get_world_size(group)
    send = payload[:width]
    send[n:].zero_()  # no stale memory on the wire
    if send.is_cuda and hasattr(dist, "all_gather_into_tensor"):
        flat = torch.empty(world * width, dtype=torch.uint8, device=send.device)
        dist.all_gather_into_tensor(flat, send, group=group)
        return list(flat.view(world, width))
    out = [torch.empty(width, dtype=torch.uint8, device=send.device) for _ in range(world)]
    dist.all_gather(out, send, group=group)
    return out


def _global_rank(group, rank):
    if group is dist.group.WORLD:
        return rank
    if hasattr(dist, "get_global_rank"):
        return dist.get_global_rank(group, rank)
    return dist.distributed_c10d._get_global_rank(group, rank)  # PyTorch 1.13


def _allgather(state, side, send, recv, own, seed_of):
    """recv = sum over ranks of C(send_j), in rank order; own = C(send_me)."""
    group = state._group()
    world, rank = dist.get_world_size(group), dist.get_rank(group)
    payload, size = side.encode(send, seed_of(rank, 0, 0))
    table, host = _gather_sizes(state, side, [size])
    width = max(row[0] for row in host)
    payloads = _all_gather_padded(state, payload, host[rank][0], width)
    for j in range(world):
        side.decode(payloads[j], table[j, 0:1], host[j][0], recv, 0.0 if j == 0 else 1.0)
    if own is not None:
        side.decode(payloads[rank], table[rank, 0:1], host[rank][0], own, 0.0)
    state.bytes_sent += _SIZE_BYTES + width
    state.bytes_received += (world - 1) * (_SIZE_BYTES + width)


def _twophase(state, side, send, recv, own, seed_of, fb):
    """Chunk r of every rank goes to rank r (dist.gather: gloo has no
    all-to-all in 1.13), which decode-sums, re-compresses and all-gathers."""
    group = state._group()
    world, rank = dist.get_world_size(group), dist.get_rank(group)
    n = send.numel()
    edges = [r * n // world for r in range(world + 1)]
    chunks = [side.encode(send[edges[r]:edges[r + 1]], seed_of(rank, 1, r))
              for r in range(world)]
    table, host = _gather_sizes(state, side, [size for _, size in chunks])
    mine = recv[edges[rank]:edges[rank + 1]]
    for r in range(world):
        width = max(row[r] for row in host)
        payload = chunks[r][0][:width]
        payload[host[rank][r]:].zero_()
        gathered = ([torch.empty(width, dtype=torch.uint8, device=send.device)
                     for _ in range(world)] if r == rank else None)
        dist.gather(payload, gathered, dst=_global_rank(group, r), group=group)
        if r == rank:
            try:
                for j in range(world):
                    side.decode(gathered[j], table[j, r:r + 1], host[j][r], mine,
                                0.0 if j == 0 else 1.0)
            except GcompError as e:  # raised after phase 2, as every rank's
                side.error = e
            state.bytes_received += (world - 1) * width
        else:
            state.bytes_sent += width
        if own is not None:
            side.decode(chunks[r][0], table[rank, r:r + 1], host[rank][r],
                        own[edges[r]:edges[r + 1]], 0.0)
    partial = mine.clone()
    if fb is not None:  # owner side: last re-compression's error goes back in
        if fb.e is None or fb.e.numel() != partial.numel():
            fb.e = torch.zeros_like(partial)
        partial += fb.e
    if side.error is not None:  # an empty payload tells the others
        payload, size = torch.zeros(1, dtype=torch.uint8, device=send.device), 0
    else:
        payload, size = side.encode(partial, seed_of(rank, 2, rank))
    table, host = _gather_sizes(state, side, [size])
    width = max(row[0] for row in host)
    payloads = _all_gather_padded(state, payload, host[rank][0], width)
    for q in range(world):
        side.decode(payloads[q], table[q, 0:1], host[q][0], recv[edges[q]:edges[q + 1]], 0.0)
    if fb is not None:
        fb.e = partial - recv[edges[rank]:edges[rank + 1]]
    state.bytes_sent += _SIZE_BYTES * (world + 1) + width
    state.bytes_received += (world - 1) * (_SIZE_BYTES * (world + 1) + width)


def _reduce(state, x, index):
    group = state._group()
    world = dist.get_world_size(group)
    step = state.steps
    side = _CudaSide(state.codec, x.device) if x.is_cuda else _HostSide(state.codec)

    def seed_of(rank, phase, chunk):
        return payload_seed(state.seed, index, step, rank, phase, chunk)

    work = x if x.dtype == torch.float32 else x.float()
    n = work.numel()
    algorithm = state._algorithm_for(n, world)
    fb = state._feedback_for(index, n, x.device) if state.error_feedback else None
    send = work - fb.g if fb is not None else work
    recv = torch.empty_like(send)
    own = torch.empty_like(send) if fb is not None else None
    if algorithm == "twophase":
        _twophase(state, side, send, recv, own, seed_of, fb)
    else:
        _allgather(state, side, send, recv, own, seed_of)
    side.finish()
    if fb is not None:  # EF21: g += C(x - g); G += sum_j C(x_j - g_j)
        fb.g += own
        fb.G += recv
        recv = fb.G.clone()
    recv.mul_(1.0 / world)
    x.copy_(recv)
    return x


def _completed(t):
    fut = torch.futures.Future(devices=[t.device]) if t.is_cuda else torch.futures.Future()
    fut.set_result(t)
    return fut


def hook(state, bucket):
    """DDP communication hook: the mean of the ranks' compressed gradients
    (with error feedback: the mean of their EF21 estimates g)."""
    result = _reduce(state, bucket.buffer(), bucket.index())
    state._count_step(bucket)
    return _completed(result)


# ------------------------------------------------ references to compare

class CountingState(_Counting):
    """State of the reference hooks below: the process group and counters."""

    def __init__(self, process_group=None):
        super().__init__(process_group)


def fp32_hook(state, bucket):
    """DDP's own allreduce in float32 (what DDP does without a hook)."""
    n = bucket.buffer().numel()
    state.bytes_sent += 4 * n
    state.bytes_received += 4 * n * (dist.get_world_size(state._group()) - 1)
    state._count_step(bucket)
    return default_hooks.allreduce_hook(state.process_group, bucket)


def bf16_hook(state, bucket):
    """Gradients rounded to bfloat16 on the wire. NCCL reduces bf16 itself
    (torch's bf16_compress_hook); gloo cannot ("Invalid scalar type" in
    1.13, for all-gathers too), so there the bf16 bits travel as bytes and
    are summed in float32 in rank order."""
    group = state._group()
    world = dist.get_world_size(group)
    buf = bucket.buffer()
    state.bytes_sent += 2 * buf.numel()
    state.bytes_received += 2 * buf.numel() * (world - 1)
    state._count_step(bucket)
    if dist.get_backend(group) == "nccl" and hasattr(default_hooks, "bf16_compress_hook"):
        return default_hooks.bf16_compress_hook(state.process_group, bucket)
    half = buf.to(torch.bfloat16).view(torch.uint8)
    parts = [torch.empty_like(half) for _ in range(world)]
    dist.all_gather(parts, half, group=group)
    total = parts[0].view(torch.bfloat16).float()
    for p in parts[1:]:
        total += p.view(torch.bfloat16).float()
    buf.copy_(total.mul_(1.0 / world))
    return _completed(buf)


__all__ = ["ALGORITHMS", "CountingState", "GcompState", "bf16_hook", "fp32_hook", "hook",
           "payload_seed"]
