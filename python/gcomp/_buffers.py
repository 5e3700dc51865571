"""NumPy arrays, torch tensors and buffers to (address, count) without copying.

Every check happens here, before any pointer reaches C: the library
validates lengths and payloads, but it cannot know what a Python object is.
"""
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np


@dataclass
class Buffer:
    ptr: int
    count: int       # floats for float buffers, bytes for byte buffers
    cuda: bool       # device memory (a CUDA tensor)
    owner: Any       # keeps the memory alive while C uses it
    view: Optional[Callable[[int], Any]] = None  # used part of an output


def _torch():
    return sys.modules.get("torch")  # a tensor implies torch is imported


def _from_tensor(x, name, dtype, writable):
    if x.dtype != dtype:
        raise TypeError(f"{name} must be a {dtype} tensor, not {x.dtype}")
    if x.device.type not in ("cpu", "cuda"):
        raise TypeError(f"{name} is on {x.device}: gcomp takes CPU and CUDA tensors")
    if not x.is_contiguous():
        raise ValueError(f"{name} must be contiguous (call .contiguous() first)")
    if writable and x.requires_grad and x.is_leaf:
        raise ValueError(f"{name} requires grad: write into a tensor outside autograd "
                         "(torch.no_grad() and .detach())")
    return Buffer(x.data_ptr(), x.numel(), x.device.type == "cuda", x,
                  lambda n: x.view(-1)[:n])


def _from_array(a, name, dtype, writable):
    if a.dtype != dtype:
        raise TypeError(f"{name} must be a {np.dtype(dtype)} array, not {a.dtype}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (np.ascontiguousarray first)")
    if writable and not a.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return Buffer(a.ctypes.data, a.size, False, a, lambda n: a.reshape(-1)[:n])


def _from_buffer(x, name, dtype, writable):
    try:
        m = memoryview(x)
    except TypeError:
        raise TypeError(f"{name} must be a NumPy array, a torch tensor or a buffer, "
                        f"not {type(x).__name__}") from None
    if not m.c_contiguous:
        raise ValueError(f"{name} must be a contiguous buffer")
    if writable and m.readonly:
        raise ValueError(f"{name} is a read-only buffer ({type(x).__name__})")
    if dtype == np.float32 and m.format not in ("f", "<f", "=f"):
        raise TypeError(f"{name} must hold float32 values, not format {m.format!r}")
    flat = m.cast("B") if m.ndim != 1 or m.format != "B" else m
    a = np.frombuffer(flat, dtype=dtype)  # shares the memory, read-only or not
    return Buffer(a.ctypes.data, a.size, False, (x, m, a), lambda n: flat[:n])


def _convert(x, name, dtype, torch_dtype_name, writable):
    if x is None:
        raise TypeError(f"{name} must not be None")
    torch = _torch()
    if torch is not None and isinstance(x, torch.Tensor):
        return _from_tensor(x, name, getattr(torch, torch_dtype_name), writable)
    if isinstance(x, np.ndarray):
        return _from_array(x, name, dtype, writable)
    return _from_buffer(x, name, dtype, writable)


def floats(x, name, writable=False):
    """float32 values: ndarray, tensor, or a buffer of format 'f'."""
    b = _convert(x, name, np.float32, "float32", writable)
    if b.count == 0:
        raise ValueError(f"{name} is empty: gcomp encodes vectors of d >= 1 values")
    return b


def payload_bytes(x, name, writable=False):
    """Bytes: bytes, bytearray, memoryview, uint8 ndarray or tensor."""
    return _convert(x, name, np.uint8, "uint8", writable)
