"""The binding against the C library and the CLI: same bytes, same floats,
the documented properties, and errors that say what is wrong."""
import math
import re

import numpy as np
import pytest

import gcomp
from conftest import ROOT

# (codec, parameters): every family of the library, both packings of sd.
CASES = [
    ("sd", {"nu": 0.1, "packing": "fixed"}),
    ("sd", {"nu": 0.05, "packing": "entropy", "rotate": 1}),
    ("sd-unbiased", {"omega": 0.5}),
    ("spherical", {"alpha": 0.5}),
    ("qsgd", {"levels": 4}),
    ("topk", {"k": 37}),
    ("bf16", {}),
]


def _ids(case):
    name, params = case
    return name + "".join(f"-{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("case", CASES, ids=map(_ids, CASES))
def test_payload_and_floats_match_the_cli(case, run_cli, rng, tmp_path):
    name, params = case
    x = rng.standard_normal(1001).astype(np.float32)
    codec = gcomp.Codec(name, **params)
    payload = codec.encode(x, seed=42)
    src, enc, dec = tmp_path / "x.f32", tmp_path / "x.gcmp", tmp_path / "y.f32"
    x.tofile(src)
    flags = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
    run_cli("encode", "-c", name, *flags, "-s", 42, src, enc)
    assert bytes(payload) == enc.read_bytes()
    run_cli("decode", enc, dec)
    assert gcomp.decode(payload).tobytes() == dec.read_bytes()


def test_info_describes_the_payload(rng):
    x = rng.standard_normal(500).astype(np.float32)
    payload = gcomp.Codec("sd", nu=0.2, packing="fixed", rotate=1).encode(x, seed=7)
    info = gcomp.info(payload)
    assert (info.method, info.packing, info.rotate) == ("sd", "fixed", True)
    assert (info.d, info.seed, info.param, info.iparam) == (500, 7, 0.2, 0)
    assert info.total_bytes == len(payload)
    assert info.header_bytes + math.ceil(info.body_bits / 8) == info.total_bytes


def test_codec_properties_follow_the_documented_constants():
    sd = gcomp.Codec("sd", nu=0.1)
    assert sd.cls == gcomp.CodecClass.CONTRACTIVE and sd.alpha(1000) == 0.1
    assert sd.config["nu"] == 0.1 and sd.config["packing"] == "auto"
    un = gcomp.Codec("sd-unbiased", omega=0.3)
    assert un.cls == gcomp.CodecClass.UNBIASED and un.omega(10) == 0.3
    assert un.alpha(10) == pytest.approx(0.3 / 1.3)
    d, s = 100, 8  # QSGD: omega = min(d / s^2, sqrt(d) / s)
    assert gcomp.Codec("qsgd", levels=s).omega(d) == pytest.approx(min(d / s**2, d**0.5 / s))
    assert gcomp.Codec("identity").cls == gcomp.CodecClass.EXACT
    with pytest.raises(gcomp.GcompError) as e:
        sd.omega(10)  # no variance for a contractive codec
    assert e.value.code == gcomp.Result.INVALID_ARGUMENT


@pytest.mark.parametrize("case", CASES, ids=map(_ids, CASES))
def test_encode_bound_holds(case, rng):
    codec = gcomp.Codec(case[0], **case[1])
    for d in (37, 100, 4097):  # topk keeps 37
        x = (rng.standard_normal(d) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
        assert len(codec.encode(x, seed=d)) <= codec.encode_bound(d)


def test_lower_bounds_agree_with_their_definitions():
    alpha, d = 0.1, 1000
    assert gcomp.uncertainty_bound(alpha, d) == pytest.approx(d / 2 * math.log2(1 / alpha))
    log2p = gcomp.spherical_cap_log2(alpha, d)
    assert log2p < 0
    assert gcomp.average_case_bound(alpha, d) == pytest.approx(-log2p)
    assert gcomp.worst_case_bound(alpha, d) == pytest.approx(-log2p + math.log2(d))
    # the uncertainty principle is the weaker of the two bounds
    assert gcomp.uncertainty_bound(alpha, d) <= gcomp.average_case_bound(alpha, d)
    with pytest.raises(gcomp.GcompError):
        gcomp.worst_case_bound(1.5, d)


def test_version_is_the_projects():
    with open(f"{ROOT}/CMakeLists.txt") as f:
        want = re.search(r"project\(gcomp VERSION ([0-9.]+)", f.read()).group(1)
    assert gcomp.version() == want == gcomp.__version__


def test_codec_pickles_as_its_parameters(rng):
    import pickle
    codec = gcomp.Codec("sd", nu=0.3, rotate=1)
    again = pickle.loads(pickle.dumps(codec))
    x = rng.standard_normal(300).astype(np.float32)
    assert bytes(again.encode(x, seed=3)) == bytes(codec.encode(x, seed=3))
    assert "nu=0.3" in repr(again)


# ------------------------------------------------------------------ errors

def test_bad_codec_parameters_raise_gcomps_message():
    with pytest.raises(gcomp.GcompError) as e:
        gcomp.Codec("sd", nu=-1)
    assert e.value.code == gcomp.Result.PARAMETER_OUT_OF_RANGE
    assert "nu" in e.value.detail and "'-1'" in e.value.detail
    assert isinstance(e.value, RuntimeError)
    with pytest.raises(gcomp.GcompError) as e:
        gcomp.Codec("no-such-codec")
    assert e.value.code == gcomp.Result.INVALID_ARGUMENT and "no-such-codec" in str(e.value)
    with pytest.raises(gcomp.GcompError) as e:
        gcomp.Codec("sd", levels=3)  # a parameter sd does not have
    assert "levels" in str(e.value)
    with pytest.raises(gcomp.GcompError) as e:
        gcomp.Codec("sd", packing="zip")
    assert "zip" in str(e.value)
    with pytest.raises(TypeError):
        gcomp.Codec("sd", nu=[0.1])
    with pytest.raises(TypeError):
        gcomp.Codec(b"sd")


@pytest.mark.parametrize("bad, error", [
    (np.zeros(10, dtype=np.float64), TypeError),
    (np.zeros(10, dtype=np.int32), TypeError),
    (np.zeros(10, dtype=">f4"), TypeError),        # big-endian floats
    (np.zeros(20, dtype=np.float32)[::2], ValueError),
    (np.zeros((4, 4), dtype=np.float32).T, ValueError),
    (np.zeros(0, dtype=np.float32), ValueError),
    (None, TypeError),
    ([1.0, 2.0], TypeError),
    (b"\0" * 16, TypeError),                       # bytes are not floats
])
def test_encode_refuses_what_is_not_a_float32_vector(bad, error):
    with pytest.raises(error):
        gcomp.Codec("sd").encode(bad)


def test_encode_errors_from_the_library(rng):
    codec = gcomp.Codec("sd")
    x = rng.standard_normal(100).astype(np.float32)
    x[17] = np.nan
    with pytest.raises(gcomp.GcompError) as e:
        codec.encode(x)
    assert e.value.code == gcomp.Result.NON_FINITE_INPUT
    with pytest.raises(gcomp.GcompError) as e:
        codec.encode(np.ones(100, np.float32), out=bytearray(10))
    assert e.value.code == gcomp.Result.DST_TOO_SMALL
    with pytest.raises(ValueError):
        codec.encode(np.ones(4, np.float32), out=bytes(1000))  # read-only
    with pytest.raises(ValueError):
        codec.encode(np.ones(4, np.float32), seed=-1)
    with pytest.raises(ValueError):
        codec.encode(np.ones(4, np.float32), seed=1 << 64)
    with pytest.raises(TypeError):
        codec.encode(np.ones(4, np.float32), seed=1.5)


def test_decode_errors(rng):
    x = rng.standard_normal(300).astype(np.float32)
    payload = bytes(gcomp.Codec("sd").encode(x, seed=1))
    for i in (0, 40, len(payload) // 2, len(payload) - 1):  # magic, header, body
        bad = bytearray(payload)
        bad[i] ^= 0x10
        with pytest.raises(gcomp.GcompError) as e:
            gcomp.decode(bad)
        assert e.value.code in (gcomp.Result.CORRUPT_PAYLOAD, gcomp.Result.UNSUPPORTED_PAYLOAD)
    for cut in (b"", payload[:10], payload[:-1]):
        with pytest.raises(gcomp.GcompError) as e:
            gcomp.decode(cut)
        assert e.value.code == gcomp.Result.CORRUPT_PAYLOAD
    with pytest.raises(ValueError):
        gcomp.decode(payload, out=np.empty(299, np.float32))
    with pytest.raises(TypeError):
        gcomp.decode(payload, out=np.empty(300, np.float64))
    readonly = np.empty(300, np.float32)
    readonly.flags.writeable = False
    with pytest.raises(ValueError):
        gcomp.decode(payload, out=readonly)
    with pytest.raises(ValueError):
        gcomp.decode(payload, beta=1.0)  # nothing to accumulate into
    with pytest.raises(TypeError):
        gcomp.decode(np.frombuffer(payload, np.uint8).astype(np.int16))
    with pytest.raises(TypeError):
        gcomp.decode(None)


# ---------------------------------------------------------------- buffers

def test_decode_accumulates_with_beta(rng):
    x = rng.standard_normal(1000).astype(np.float32)
    payload = gcomp.Codec("sd", nu=0.1).encode(x, seed=5)
    y = gcomp.decode(payload)
    prior = rng.standard_normal(1000).astype(np.float32)
    out = prior.copy()
    assert gcomp.decode(payload, out=out, beta=0.5) is out
    assert np.array_equal(out, y + np.float32(0.5) * prior)


def test_encode_writes_into_the_callers_buffer(rng):
    codec = gcomp.Codec("sd", nu=0.1)
    x = rng.standard_normal(2000).astype(np.float32)
    want = bytes(codec.encode(x, seed=9))
    out = bytearray(codec.encode_bound(x.size))
    view = codec.encode(x, seed=9, out=out)
    assert isinstance(view, memoryview) and view.obj is out and bytes(view) == want
    assert out[:len(want)] == want
    arr = np.zeros(codec.encode_bound(x.size), np.uint8)
    used = codec.encode(x, seed=9, out=arr)
    assert used.base is arr and used.ctypes.data == arr.ctypes.data
    assert used.tobytes() == want
    fresh = codec.encode(x, seed=9)  # a view of the encoder's own buffer
    assert isinstance(fresh, memoryview) and isinstance(fresh.obj, bytearray)


def test_no_copy_of_inputs_or_outputs(rng):
    import tracemalloc
    d = 1 << 22  # 16 MiB of floats
    codec = gcomp.Codec("sd", nu=0.1, packing="fixed")
    x = rng.standard_normal(d).astype(np.float32)
    out = bytearray(codec.encode_bound(d))
    y = np.empty(d, np.float32)
    tracemalloc.start()
    payload = codec.encode(x, seed=1, out=out)
    gcomp.decode(payload, out=y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < d // 16, f"{peak} bytes allocated for a {4 * d}-byte vector"
    x.flags.writeable = False  # read-only input is fine: it is only read
    assert bytes(codec.encode(x, seed=1)) == bytes(payload)


def test_other_buffers(rng):
    import array
    x = array.array("f", rng.standard_normal(64).astype(np.float32).tobytes())
    codec = gcomp.Codec("sd")
    payload = codec.encode(x, seed=2)
    assert bytes(payload) == bytes(codec.encode(np.frombuffer(x, np.float32), seed=2))
    out = array.array("f", bytes(4 * 64))
    gcomp.decode(bytes(payload), out=out)
    assert np.array_equal(np.frombuffer(out, np.float32), gcomp.decode(payload))
    with pytest.raises(TypeError):
        codec.encode(array.array("d", [1.0, 2.0]))


def test_numpy_only_import():
    """`import gcomp` needs NumPy only: torch stays unloaded."""
    import subprocess
    import sys
    code = ("import sys; sys.modules['torch'] = None\n"
            "import numpy as np, gcomp\n"
            "p = gcomp.Codec('sd').encode(np.ones(10, np.float32))\n"
            "assert gcomp.decode(p).shape == (10,)\n"
            "try:\n    import gcomp.torch\nexcept ImportError:\n    print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_device_arguments_on_host_payloads(rng):
    payload = gcomp.Codec("sd").encode(rng.standard_normal(10).astype(np.float32))
    with pytest.raises(TypeError):
        gcomp.decode(payload, codec=gcomp.Codec("sd"), nbytes=len(payload))
