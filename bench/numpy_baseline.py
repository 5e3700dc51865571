#!/usr/bin/python3
"""gcomp's CPU codecs against the same codecs written in vectorized NumPy.

    bench/numpy_baseline.py [-n LOG2_D] [-r REPS] [-c CODEC]... [--lib PATH]

For each codec, on one Gaussian float32 vector of 2^LOG2_D coordinates
(default 24), it times gcomp's encode and decode (libgcomp.so through ctypes)
and the NumPy version, alternating the two in every repetition so that a
loaded machine slows both alike, and prints the best of REPS: MB/s of float32
input (by this thread's CPU time unless --clock wall: on a shared machine the
wall clock mostly measures the wait for a core), the ratio gcomp / NumPy, bits per coordinate and the relative squared
error |C(x) - x|^2 / |x|^2 of one decode, for both sides.

The NumPy codecs are what a good NumPy user would write: whole-array
operations, no Python loop over elements (the fixed packer loops over the
few distinct chunk widths only). They use gcomp's quantizer math (the same
scale, the same rounding rule) and a packing of comparable size (the fixed
packer chooses each 4096-symbol chunk's width with escapes by the same cost
rule), not gcomp's byte layout; their random bits come from NumPy's PCG64.
Needs Debian's python3-numpy (scripts/deps.sh: gcomp_need_python_tests
lists it) and the shared library: cmake --build --preset cpu --target gcomp.
Both sides run on one core (BLAS is limited to one thread below; gcomp's
encoders are single-threaded). Freed memory stays in the process (mallopt
below): NumPy allocates a temporary per operation, and on a VM where a first
touch of fresh pages costs more than the arithmetic (this project's, up to
10 ns a byte) that would measure page faults, not NumPy.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import ctypes
import math
import sys
import time

try:
    import numpy as np
except ImportError:
    sys.exit("numpy_baseline.py: needs NumPy, Debian's python3-numpy (run as root: "
             "source scripts/deps.sh; gcomp_need_python_tests; gcomp_install_missing)")


def _keep_freed_memory():
    """glibc: no mmap for large blocks (M_MMAP_MAX = 0), no trimming of the
    heap (M_TRIM_THRESHOLD), so a freed array's pages serve the next one."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-4, 0)
        libc.mallopt(-1, 1 << 30)
    except (OSError, AttributeError):
        pass


CHUNK = 4096
SD_MARGIN = 1.0 - 1.0 / 4096.0
HERE = os.path.dirname(os.path.abspath(__file__))


# ------------------------------------------------------------ fixed packing

def _bitlen_plus1(sym):
    """Bit length of sym + 1, from the float32 exponent: exact below 2^24,
    and only the width choice (never the bytes' meaning) depends on it."""
    f = (sym.astype(np.float32) + np.float32(1)).view(np.uint32)
    return ((f >> 23) - 126).astype(np.intp)


def _pack_bits(sym, w):
    """len(sym) (a multiple of 8) w-bit symbols into len * w / 8 bytes."""
    if w == 0:
        return np.empty(0, np.uint8)
    if w > 8:  # the low byte as it is, the rest at width w - 8
        return np.concatenate([sym.astype(np.uint8), _pack_bits(sym >> np.uint32(8), w - 8)])
    s = sym.reshape(-1, 8).astype(np.uint64)
    acc = s[:, 0].copy()
    for j in range(1, 8):
        acc |= s[:, j] << np.uint64(w * j)
    return acc.view(np.uint8).reshape(-1, 8)[:, :w].ravel()


def _unpack_bits(buf, m, w):
    if w == 0:
        return np.zeros(m, np.uint32)
    if w > 8:
        low = buf[:m].astype(np.uint32)
        return low | (_unpack_bits(buf[m:], m, w - 8) << np.uint32(8))
    words = np.zeros((m // 8, 8), np.uint8)
    words[:, :w] = buf.reshape(-1, w)
    acc = words.view(np.uint64).ravel()
    mask = np.uint64((1 << w) - 1)
    out = np.empty((m // 8, 8), np.uint32)
    for j in range(8):
        out[:, j] = (acc >> np.uint64(w * j)) & mask
    return out.ravel()


def pack_fixed(sym):
    """Chunks of 4096 symbols, each at the width w minimising
    4096 w + 32 (symbols >= 2^w - 1), those escaped as whole uint32."""
    n = sym.size
    chunks = -(-n // CHUNK)
    s = np.zeros(chunks * CHUNK, np.uint32)
    s[:n] = sym
    s = s.reshape(chunks, CHUNK)
    hist = np.bincount((np.arange(chunks, dtype=np.intp)[:, None] * 34 +
                        _bitlen_plus1(s)).ravel(), minlength=chunks * 34).reshape(chunks, 34)
    # escaped at width w: symbols whose sym + 1 has more than w bits
    above = hist[:, ::-1].cumsum(axis=1)[:, ::-1]
    w = np.arange(1, 33)
    cost = CHUNK * w[None, :] + 32 * np.concatenate(
        [above[:, 2:33], np.zeros((chunks, 1), np.int64)], axis=1)
    width = w[np.argmin(cost, axis=1)].astype(np.uint8)
    width[s.max(axis=1) == 0] = 0
    groups = {}
    escapes = []
    for wv in np.unique(width):
        rows = np.flatnonzero(width == wv)
        block = s[rows].ravel()
        if 0 < wv < 32:
            marker = np.uint32((1 << int(wv)) - 1)
            hit = block >= marker
            escapes.append((rows, np.flatnonzero(hit), block[hit]))
            block = np.minimum(block, marker)
        groups[int(wv)] = (rows, _pack_bits(block, int(wv)))
    return {"n": n, "width": width, "groups": groups, "escapes": escapes}


def unpack_fixed(p):
    chunks = p["width"].size
    s = np.empty((chunks, CHUNK), np.uint32)
    for wv, (rows, buf) in p["groups"].items():
        s[rows] = _unpack_bits(buf, rows.size * CHUNK, wv).reshape(-1, CHUNK)
    for rows, where, vals in p["escapes"]:
        block = s[rows].ravel()
        block[where] = vals
        s[rows] = block.reshape(-1, CHUNK)
    return s.ravel()[:p["n"]]


def fixed_bits(p):
    """Widths (8 bits) and escape counts (16 bits) a chunk, the packed
    groups, 32 bits an escape."""
    chunks = p["width"].size
    body = sum(buf.nbytes for _, buf in p["groups"].values())
    esc = sum(v.size for _, _, v in p["escapes"])
    return 24 * chunks + 8 * body + 32 * esc


# ---------------------------------------------------------------- codecs

def zigzag(k, neg):
    """Signed level (magnitude k, negative where neg) as 2|v| - (v < 0)."""
    return (k.astype(np.uint32) << np.uint32(1)) - (neg & (k > 0)).astype(np.uint32)


def unzigzag(sym):
    k = ((sym + np.uint32(1)) >> np.uint32(1)).astype(np.int32)
    return np.where(sym & np.uint32(1), -k, k)


def sumsq(x):
    x64 = x.astype(np.float64)
    return float(np.dot(x64, x64))


def round_unbiased(a, gamma, rng):
    q = a / np.float32(gamma)
    k = np.floor(q)
    k += rng.random(q.size, dtype=np.float32) < q - k
    return k.astype(np.int32)


class Levels:
    """Scale, levels, fixed packing: sd, sd-unbiased, qsgd, terngrad."""

    def __init__(self, scale_fn, rounding):
        self.scale_fn, self.rounding = scale_fn, rounding

    def encode(self, x, seed):
        gamma = self.scale_fn(x)
        a = np.abs(x)
        if self.rounding == "nearest":
            k = (a / np.float32(gamma) + np.float32(0.5)).astype(np.int32)
        else:
            k = round_unbiased(a, gamma, np.random.default_rng(seed))
        return gamma, pack_fixed(zigzag(k, x < 0))

    def decode(self, enc, y):
        gamma, p = enc
        np.multiply(unzigzag(unpack_fixed(p)), np.float32(gamma), out=y, dtype=np.float32,
                    casting="unsafe")

    def bits(self, enc):
        return 32 + fixed_bits(enc[1])


def sd_scale(param):
    def f(x):
        h = math.sqrt(param / x.size)
        return np.float32(2.0 * h * math.sqrt(sumsq(x)) * SD_MARGIN)
    return f


def qsgd_scale(s):
    def f(x):
        norm = math.sqrt(sumsq(x))
        g = np.float32(norm / s)
        while float(g) * s < norm:
            g = np.nextafter(g, np.float32(np.inf))
        return g
    return f


def terngrad_scale(x):
    return np.abs(x).max()


class NaturalDithering:
    def __init__(self, s):
        self.s = s

    def encode(self, x, seed):
        s = self.s
        scale = np.float32(math.sqrt(sumsq(x)))
        u = np.abs(x) / scale
        bits = u.view(np.uint32)
        e = (bits >> np.uint32(23)).astype(np.int32) - 127
        mant = ((bits & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - 1
        small = e < 1 - s
        lo = np.where(small, 0, np.minimum(s + e, s))
        frac = np.where(small, u * np.float32(2.0 ** (s - 1)), np.where(e >= 0, 0, mant))
        r = np.random.default_rng(seed).random(x.size, dtype=np.float32)
        k = lo + (r < frac)
        return scale, pack_fixed(zigzag(k, x < 0))

    def decode(self, enc, y):
        scale, p = enc
        v = unzigzag(unpack_fixed(p))
        t = np.abs(v)
        mag = np.ldexp(scale, t - self.s).astype(np.float32)
        y[:] = np.where(v == 0, 0, np.where(v < 0, -mag, mag))

    def bits(self, enc):
        return 32 + fixed_bits(enc[1])


class Natural:
    def encode(self, x, seed):
        u = x.view(np.uint32)
        r = np.random.default_rng(seed).integers(0, 1 << 23, x.size, dtype=np.uint32)
        e = ((u >> np.uint32(23)) & np.uint32(0xFF)) + (r < (u & np.uint32(0x7FFFFF)))
        sym = np.where(e != 0, (e << np.uint32(1)) | (u >> np.uint32(31)), np.uint32(0))
        return pack_fixed(sym.astype(np.uint32))

    def decode(self, p, y):
        sym = unpack_fixed(p)
        y.view(np.uint32)[:] = ((sym & np.uint32(1)) << np.uint32(31)) | \
            ((sym >> np.uint32(1)) << np.uint32(23))

    def bits(self, p):
        return fixed_bits(p)


def smallest_uint(v):
    top = int(v.max()) if v.size else 0
    for t in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(t).max:
            return v.astype(t)
    return v.astype(np.uint64)


class TopK:
    def encode(self, x, seed):
        n, k = x.size, -(-x.size // 100)
        idx = np.argpartition(np.abs(x), n - k)[n - k:]
        idx.sort()
        return smallest_uint(np.diff(idx, prepend=0)), x[idx]

    def decode(self, enc, y):
        gaps, vals = enc
        y[:] = 0
        y[np.cumsum(gaps, dtype=np.int64)] = vals

    def bits(self, enc):
        return 8 * (enc[0].nbytes + enc[1].nbytes)


class RandK:
    """k indices from the seed alone: the decoder draws them again."""

    @staticmethod
    def draw(n, seed):
        idx = np.random.default_rng(seed).choice(n, -(-n // 100), replace=False, shuffle=False)
        idx.sort()
        return idx

    def encode(self, x, seed):
        idx = self.draw(x.size, seed)
        return seed, x[idx] * np.float32(x.size / idx.size)

    def decode(self, enc, y):
        seed, vals = enc
        y[:] = 0
        y[self.draw(y.size, seed)] = vals

    def bits(self, enc):
        return 8 * enc[1].nbytes


class Sign:
    def encode(self, x, seed):
        s = np.float32(np.abs(x).sum(dtype=np.float64) / x.size)
        return s, np.packbits(x < 0, bitorder="little")

    def decode(self, enc, y):
        s, packed = enc
        neg = np.unpackbits(packed, count=y.size, bitorder="little").view(bool)
        y[:] = np.where(neg, -s, s)

    def bits(self, enc):
        return 32 + 8 * enc[1].nbytes


class Fp16:
    def encode(self, x, seed):
        return x.astype(np.float16)

    def decode(self, h, y):
        y[:] = h

    def bits(self, h):
        return 8 * h.nbytes


class Bf16:
    """Round to nearest even on the float bits (NumPy has no bfloat16)."""

    def encode(self, x, seed):
        u = x.view(np.uint32)
        return ((u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1)))
                >> np.uint32(16)).astype(np.uint16)

    def decode(self, h, y):
        y.view(np.uint32)[:] = h.astype(np.uint32) << np.uint32(16)

    def bits(self, h):
        return 8 * h.nbytes


# name: (gcomp codec spec, NumPy codec)
CODECS = {
    "sd": ("sd:packing=fixed", Levels(sd_scale(0.1), "nearest")),
    "sd-unbiased": ("sd-unbiased:packing=fixed", Levels(sd_scale(0.25), "unbiased")),
    "qsgd": ("qsgd:levels=8,packing=fixed", Levels(qsgd_scale(8), "unbiased")),
    "natural-dithering": ("natural-dithering:levels=4,packing=fixed", NaturalDithering(4)),
    "natural": ("natural:packing=fixed", Natural()),
    "topk": ("topk", TopK()),
    "randk": ("randk", RandK()),
    "sign": ("sign", Sign()),
    "terngrad": ("terngrad:packing=fixed", Levels(terngrad_scale, "unbiased")),
    "fp16": ("fp16", Fp16()),
    "bf16": ("bf16", Bf16()),
}


# ------------------------------------------------------------ gcomp side

class Gcomp:
    def __init__(self, path):
        lib = ctypes.CDLL(path)
        vp, sz, u64 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint64
        lib.gcompCodecConfigInit.argtypes = [vp, ctypes.c_char_p]
        lib.gcompCodecConfigSetParam.argtypes = [vp, ctypes.c_char_p, ctypes.c_char_p]
        lib.gcompCodecCreate.argtypes = [ctypes.POINTER(vp), vp]
        lib.gcompCodecFree.argtypes = [vp]
        lib.gcompEncodeBound.argtypes = [vp, u64, ctypes.POINTER(sz)]
        lib.gcompEncode.argtypes = [vp, vp, u64, u64, vp, sz, ctypes.POINTER(sz)]
        lib.gcompDecode.argtypes = [vp, sz, vp, u64, ctypes.c_float]
        lib.gcompGetLastErrorDetail.restype = ctypes.c_char_p
        self.lib = lib

    def check(self, r, what):
        if r != 0:
            detail = self.lib.gcompGetLastErrorDetail() or b""
            sys.exit("gcomp: %s failed (%d): %s" % (what, r, detail.decode()))

    def codec(self, spec):
        name, _, params = spec.partition(":")
        cfg = ctypes.create_string_buffer(512)  # above sizeof(gcompCodecConfig_t)
        self.check(self.lib.gcompCodecConfigInit(cfg, name.encode()), "config " + spec)
        for kv in filter(None, params.split(",")):
            key, _, val = kv.partition("=")
            self.check(self.lib.gcompCodecConfigSetParam(cfg, key.encode(), val.encode()), kv)
        # one core: a threads parameter where this build has one
        if self.lib.gcompCodecConfigSetParam(cfg, b"threads", b"1") != 0:
            self.lib.gcompGetLastErrorDetail()
        handle = ctypes.c_void_p()
        self.check(self.lib.gcompCodecCreate(ctypes.byref(handle), cfg), "create " + spec)
        return handle

    def runner(self, spec, x):
        h = self.codec(spec)
        bound = ctypes.c_size_t()
        self.check(self.lib.gcompEncodeBound(h, x.size, ctypes.byref(bound)), "bound")
        dst = np.empty(bound.value, np.uint8)
        size = ctypes.c_size_t()

        def encode(seed):
            self.check(self.lib.gcompEncode(h, x.ctypes.data, x.size, seed, dst.ctypes.data,
                                            dst.size, ctypes.byref(size)), "encode " + spec)
            return size.value

        def decode(y):
            self.check(self.lib.gcompDecode(dst.ctypes.data, size.value, y.ctypes.data, y.size,
                                            0.0), "decode " + spec)
        return encode, decode


# ----------------------------------------------------------------- driver

CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def timed(f, *a):
    t = clock()
    r = f(*a)
    return clock() - t, r


def rel_err(x, y):
    d = y.astype(np.float64) - x
    return float(np.dot(d, d)) / sumsq(x)


def bench(g, name, x, reps):
    spec, npc = CODECS[name]
    g_enc, g_dec = g.runner(spec, x)
    y = np.empty_like(x)
    best = [math.inf] * 4  # gcomp enc, dec, NumPy enc, dec
    for r in range(reps):
        t, size = timed(g_enc, r)
        best[0] = min(best[0], t)
        t, _ = timed(g_dec, y)
        best[1] = min(best[1], t)
        g_err = rel_err(x, y)
        t, enc = timed(npc.encode, x, r)
        best[2] = min(best[2], t)
        t, _ = timed(npc.decode, enc, y)
        best[3] = min(best[3], t)
        n_err = rel_err(x, y)
    mb = x.nbytes / 1e6
    return (name, mb / best[0], mb / best[2], mb / best[1], mb / best[3],
            8.0 * size / x.size, npc.bits(enc) / x.size, g_err, n_err)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=24, help="log2 of d (default 24)")
    ap.add_argument("-r", type=int, default=5, help="repetitions, best kept (default 5)")
    ap.add_argument("-c", action="append", choices=sorted(CODECS), help="codec (repeatable)")
    ap.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                    help="cpu: this thread's CPU time (default; robust on a shared "
                         "machine), wall: elapsed time")
    ap.add_argument("--lib", default=os.path.join(HERE, "..", "build", "cpu", "host",
                                                  "libgcomp.so"))
    a = ap.parse_args()
    if not 10 <= a.n <= 30 or a.r < 1:
        ap.error("-n must be in 10..30 and -r >= 1")
    global clock
    clock = CLOCKS[a.clock]
    _keep_freed_memory()
    g = Gcomp(a.lib)
    x = np.random.default_rng(1).standard_normal(1 << a.n, dtype=np.float32)
    print("d = 2^%d float32 (%.1f MB), best of %d, one core, %s time, NumPy %s; "
          "load average %s" % (a.n, x.nbytes / 1e6, a.r, a.clock, np.__version__, " ".join(
              "%.2f" % v for v in os.getloadavg())))
    print("%-18s %9s %9s %6s %9s %9s %6s %7s %7s %9s %9s" %
          ("codec", "enc gcomp", "enc NumPy", "ratio", "dec gcomp", "dec NumPy", "ratio",
           "bits g", "bits np", "dist g", "dist np"))
    for name in a.c or list(CODECS):
        row = bench(g, name, x, a.r)
        print("%-18s %9.1f %9.1f %6.2f %9.1f %9.1f %6.2f %7.3f %7.3f %9.3g %9.3g" %
              (row[0], row[1], row[2], row[1] / row[2], row[3], row[4], row[3] / row[4],
               *row[5:]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
