"""Codec, decode, info and the lower bounds over the C API."""
import enum
from ctypes import byref, c_double, c_int, c_size_t, c_void_p
from dataclasses import dataclass

import numpy as np

from . import _buffers, _device
from ._errors import check
from ._lib import CodecConfig, PayloadInfoC, lib

PACKINGS = ("auto", "fixed", "entropy", "structured", "direct")
_U64 = 1 << 64


class CodecClass(enum.IntEnum):
    """gcompClass_t."""
    EXACT = 0
    UNBIASED = 1
    BIASED = 2
    CONTRACTIVE = 3


def _param_text(name, value):
    # The C parser takes what the CLI's -p takes; repr keeps every float's
    # digits (0.1 -> "0.1", 1e-05 -> "1e-05").
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise TypeError(f"parameter {name}: expected a number or a string, not "
                    f"{type(value).__name__}")


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, not {type(seed).__name__}")
    if not 0 <= int(seed) < _U64:
        raise ValueError(f"seed {seed} is outside [0, 2^64)")
    return int(seed)


def _dim(d):
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < _U64:
        raise ValueError(f"d must be an integer in [0, 2^64), not {d!r}")
    return int(d)


class Codec:
    """A validated codec: Codec("sd", nu=0.1, packing="fixed", rotate=1).

    Keyword parameters are those of `gcomp encode -p NAME=VALUE`; a bad name
    or value raises GcompError with gcomp's message. Immutable, and safe to
    share between threads.
    """

    def __init__(self, name, **params):
        if not isinstance(name, str):
            raise TypeError(f"codec name must be a string, not {type(name).__name__}")
        cfg = CodecConfig()
        check(lib.gcompCodecConfigInit(byref(cfg), name.encode()))
        for key, value in params.items():
            check(lib.gcompCodecConfigSetParam(byref(cfg), key.encode(),
                                               _param_text(key, value).encode()))
        handle = c_void_p()
        check(lib.gcompCodecCreate(byref(handle), byref(cfg)))
        self._handle = handle
        self._name = name
        self._params = dict(params)

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value and lib is not None:
            lib.gcompCodecFree(handle)
            self._handle = None

    def __reduce__(self):  # pickled as its name and parameters
        return (_rebuild, (self._name, self._params))

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self._params.items())
        return f"gcomp.Codec({self._name!r}{args})"

    @property
    def name(self):
        return self._name

    @property
    def config(self):
        """The validated configuration, defaults resolved, unused fields left out."""
        cfg = CodecConfig()
        check(lib.gcompCodecGetConfig(self._handle, byref(cfg)))
        out = {"method": lib.gcompMethodName(cfg.method).decode(), "rotate": cfg.rotate,
               "packing": PACKINGS[cfg.packing]}
        for field in ("nu", "omega", "alpha", "block", "maxTrials", "levels", "k"):
            value = getattr(cfg, field)
            if value != -1:  # GCOMP_DEFAULT stays in the fields a codec does not use
                out[field] = value
        return out

    @property
    def cls(self):
        c = c_int()
        check(lib.gcompCodecGetClass(self._handle, byref(c)))
        return CodecClass(c.value)

    def omega(self, d):
        """Variance of an unbiased codec at dimension d (GcompError otherwise)."""
        v = c_double()
        check(lib.gcompCodecGetOmega(self._handle, _dim(d), byref(v)))
        return v.value

    def alpha(self, d):
        """Distortion at dimension d."""
        v = c_double()
        check(lib.gcompCodecGetAlpha(self._handle, _dim(d), byref(v)))
        return v.value

    def encode_bound(self, d):
        """Largest payload, header included, for d values."""
        v = c_size_t()
        check(lib.gcompEncodeBound(self._handle, _dim(d), byref(v)))
        return v.value

    def encode(self, x, seed=0, out=None):
        """Payload of x (float32, contiguous; NumPy, torch or a buffer).

        Without `out`: a memoryview of a new bytearray of encode_bound(d)
        bytes, cut to the payload. With `out` (a writable byte buffer,
        uint8 array or tensor): written in place; returns out's used part,
        of out's own kind. A CUDA tensor goes through the device path and
        gives a DevicePayload (see gcomp.DevicePayload).
        """
        src = _buffers.floats(x, "x")
        seed = _seed(seed)
        if src.cuda:
            return _device.encode(self, src, seed, out)
        if out is None:
            storage = bytearray(self.encode_bound(src.count))
            out = memoryview(storage)
        dst = _buffers.payload_bytes(out, "out", writable=True)
        if dst.cuda:
            raise TypeError("x is in host memory and out on the GPU: use one side")
        size = c_size_t()
        check(lib.gcompEncode(self._handle, src.ptr, src.count, seed, dst.ptr, dst.count,
                              byref(size)))
        return dst.view(size.value)


def _rebuild(name, params):
    return Codec(name, **params)


@dataclass(frozen=True)
class PayloadInfo:
    """gcompPayloadInfo_t: what a payload's header says."""
    method: str
    packing: str
    rotate: bool
    d: int
    seed: int
    param: float
    iparam: int
    header_bytes: int
    body_bits: int
    total_bytes: int


def _info(src):
    c = PayloadInfoC()
    check(lib.gcompPayloadGetInfo(src.ptr, src.count, byref(c)))
    name = lib.gcompMethodName(c.method)
    return PayloadInfo(name.decode() if name else str(c.method), PACKINGS[c.packing],
                       bool(c.rotate), c.d, c.seed, c.param, c.iparam, c.headerBytes,
                       c.bodyBits, c.totalBytes)


def info(payload):
    """Reads and validates a payload's header (checksum included); a device
    payload is copied to the host for it."""
    if isinstance(payload, _device.DevicePayload):
        payload = payload.to_host()
    src = _buffers.payload_bytes(payload, "payload")
    if src.cuda:  # the header and the checksum are read on the host
        src = _buffers.payload_bytes(payload.cpu(), "payload")
    return _info(src)


def decode(payload, out=None, beta=0.0, *, codec=None, nbytes=None, wait=True):
    """Decodes a payload: out = decoded + beta * out.

    Without `out`: a new NumPy float32 array of the payload's d (beta must
    be 0). With `out` (float32, contiguous, exactly d values; NumPy, torch
    or a buffer): decoded into it; returns out.

    Device payloads decode on torch's current stream into CUDA tensors: a
    DevicePayload as encode returned it, or a CUDA uint8 tensor with
    `codec` (the device decoder is told the codec) and `nbytes` (an int or
    a one-element int64 CUDA tensor). `wait=False` returns without waiting
    for the device, whose failures then go unreported.
    """
    beta = float(beta)
    src = None
    if not isinstance(payload, _device.DevicePayload):
        src = _buffers.payload_bytes(payload, "payload")
    if src is None or src.cuda or codec is not None or nbytes is not None:
        return _device.decode(payload, out, beta, codec, nbytes, wait)
    d = _info(src).d
    if out is None:
        if beta != 0.0:
            raise ValueError("beta accumulates into out: pass out")
        out = np.empty(d, dtype=np.float32)
    dst = _buffers.floats(out, "out", writable=True)
    if dst.cuda:
        raise TypeError("the payload is in host memory and out on the GPU: use one side")
    if dst.count != d:
        raise ValueError(f"out holds {dst.count} values, the payload {d}")
    check(lib.gcompDecode(src.ptr, src.count, dst.ptr, d, beta))
    return out


def _bound(fn, alpha, d):
    v = c_double()
    check(fn(float(alpha), _dim(d), byref(v)))
    return v.value


def spherical_cap_log2(alpha, d):
    """log2 P(alpha, d), the spherical cap fraction (PAPER.md section 2)."""
    return _bound(lib.gcompSphericalCapLog2, alpha, d)


def uncertainty_bound(alpha, d):
    """(d/2) log2(1/alpha) bits."""
    return _bound(lib.gcompUncertaintyBound, alpha, d)


def worst_case_bound(alpha, d):
    """Worst-case bits of any C(alpha) compressor: -log2 P + log2 d."""
    return _bound(lib.gcompWorstCaseBound, alpha, d)


def average_case_bound(alpha, d):
    """Expected bits of any B(alpha) compressor: -log2 P."""
    return _bound(lib.gcompAverageCaseBound, alpha, d)


def version():
    """Version of the loaded libgcomp, "major.minor.patch"."""
    code = lib.gcompGetVersion()
    return f"{code // 10000}.{code // 100 % 100}.{code % 100}"
