"""The device path (gcompEncodeDevice / gcompDecodeDevice) for CUDA tensors.

Every call is enqueued on torch.cuda.current_stream() of the tensor's
device; the workspace is a torch tensor (the caching allocator hands out
256-byte aligned blocks and reuses them in stream order). torch is imported
only when a CUDA tensor is seen.
"""
from ctypes import byref, c_int, c_size_t, c_void_p

from . import _buffers
from ._errors import GcompError, check
from ._lib import lib


class DevicePayload:
    """A payload in GPU memory, as gcompEncodeDevice leaves it.

    `data`: uint8 CUDA tensor (its capacity, not its length); `nbytes`: a
    one-element int64 CUDA tensor the device wrote the length into (0 after
    a failure), so a collective can move it without the host; `codec`, `d`.
    Failures of the kernels (NaN input) are in the encode workspace's status
    word: check() waits for the stream and raises them; len() and to_host()
    check first.
    """

    def __init__(self, data, nbytes, codec, d, workspace):
        self.data, self.nbytes, self.codec, self.d = data, nbytes, codec, d
        self._workspace = workspace

    def check(self):
        device_status(self._workspace)
        return self

    def __len__(self):
        self.check()
        return int(self.nbytes.item())

    def __bytes__(self):
        return bytes(self.to_host())

    def to_host(self):
        """The payload's bytes in host memory (a memoryview of a bytearray)."""
        n = len(self)
        return memoryview(bytearray(self.data[:n].cpu().numpy().tobytes()))


def _stream(device):
    import torch
    return c_void_p(torch.cuda.current_stream(device).cuda_stream)


def workspace(codec, d, device):
    """A workspace for encode and decode of (codec, d) on `device`."""
    import torch
    size = c_size_t(0)
    check(lib.gcompEncodeDevice(codec._handle, None, d, 0, None, 0, None, None, byref(size),
                                None))
    return torch.empty(max(size.value, 1), dtype=torch.uint8, device=device)


def device_status(ws):
    """Waits for the stream; raises the failure kernels left in ws, if any."""
    status = c_int(0)
    with _on(ws.device):
        check(lib.gcompDeviceGetStatus(c_void_p(ws.data_ptr()), _stream(ws.device),
                                       byref(status)))
    if status.value:
        raise GcompError(status.value, "reported by the device")


def _on(device):
    import torch
    return torch.cuda.device(device)


def _same_device(t, device, name):
    if not getattr(t, "is_cuda", False) or t.device != device:
        where = getattr(t, "device", "host memory")
        raise TypeError(f"{name} is on {where}, the payload's data on {device}: use one device")


def encode(codec, src, seed, out):
    import torch
    x = src.owner
    device = x.device
    with _on(device):
        ws = workspace(codec, src.count, device)
        if out is None:
            out = torch.empty(codec.encode_bound(src.count), dtype=torch.uint8, device=device)
        dst = _buffers.payload_bytes(out, "out", writable=True)
        _same_device(dst.owner, device, "out")
        nbytes = torch.zeros(1, dtype=torch.int64, device=device)
        check(lib.gcompEncodeDevice(codec._handle, src.ptr, src.count, seed, dst.ptr, dst.count,
                                    c_void_p(nbytes.data_ptr()), c_void_p(ws.data_ptr()),
                                    byref(c_size_t(ws.numel())), _stream(device)))
    return DevicePayload(out.view(-1), nbytes, codec, src.count, ws)


def decode_into(codec, data, nbytes, out, beta, ws):
    """Enqueues out = decoded + beta * out; no waiting (status stays in ws).
    nbytes: a one-element int64 CUDA tensor (or a view of one)."""
    with _on(out.device):
        check(lib.gcompDecodeDevice(codec._handle, c_void_p(data.data_ptr()),
                                    c_void_p(nbytes.data_ptr()), data.numel(),
                                    c_void_p(out.data_ptr()), out.numel(), beta,
                                    c_void_p(ws.data_ptr()), byref(c_size_t(ws.numel())),
                                    _stream(out.device)))


def decode(payload, out, beta, codec, nbytes, wait):
    from ._codec import Codec
    if isinstance(payload, DevicePayload):
        codec, data, nbytes, d = payload.codec, payload.data, payload.nbytes, payload.d
    else:
        src = _buffers.payload_bytes(payload, "payload")
        if not src.cuda:
            raise TypeError("codec= and nbytes= are for CUDA payloads")
        if not isinstance(codec, Codec):
            raise TypeError("a CUDA payload needs codec= (the Codec that made it)")
        if out is None:
            raise TypeError("a CUDA payload needs out= (its d is not read on the host)")
        data, d = src.owner, None
    import torch
    data = data.view(-1)
    device = data.device
    if isinstance(nbytes, int):
        nbytes = torch.tensor([nbytes], dtype=torch.int64, device=device)
    if not (isinstance(nbytes, torch.Tensor) and nbytes.dtype == torch.int64
            and nbytes.numel() == 1):
        raise TypeError("nbytes must be an int or a one-element int64 CUDA tensor")
    _same_device(nbytes, device, "nbytes")
    if out is None:
        if beta != 0.0:
            raise ValueError("beta accumulates into out: pass out")
        out = torch.empty(d, dtype=torch.float32, device=device)
    dst = _buffers.floats(out, "out", writable=True)
    _same_device(dst.owner, device, "out")
    if d is not None and dst.count != d:
        raise ValueError(f"out holds {dst.count} values, the payload {d}")
    ws = workspace(codec, dst.count, device)
    decode_into(codec, data, nbytes, dst.owner.view(-1), beta, ws)
    if wait:
        device_status(ws)
    return out
