"""The device path from Python: CUDA tensors through gcompEncodeDevice /
gcompDecodeDevice on torch's current stream, and the hook over NCCL with
one rank. Marked `gpu` (tests/python/run.sh BUILD_DIR -m gpu); skipped,
with the reason, without a GPU, a CUDA build of torch or of libgcomp."""
import numpy as np
import pytest
import torch

import gcomp

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cuda():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device visible to torch (or a CPU-only torch build): the "
                    "device path is not tested here")
    try:
        gcomp.Codec("sd").encode(torch.ones(4, device="cuda")).check()
    except gcomp.GcompError as e:
        if e.code == gcomp.Result.NOT_AVAILABLE:
            pytest.skip(f"libgcomp built without CUDA: {e}")
        raise
    return torch.device("cuda", torch.cuda.current_device())


@pytest.mark.parametrize("name, params", [("sd", {"nu": 0.1, "packing": "fixed"}),
                                          ("sd", {"nu": 0.1, "packing": "entropy"}),
                                          ("bf16", {})])
def test_device_payload_is_the_host_payload(cuda, name, params):
    codec = gcomp.Codec(name, **params)
    x = torch.randn(100_003, generator=torch.Generator().manual_seed(5))
    host = bytes(codec.encode(x, seed=11))
    payload = codec.encode(x.to(cuda), seed=11)
    assert isinstance(payload, gcomp.DevicePayload)
    assert len(payload) == len(host) and bytes(payload.to_host()) == host
    y = gcomp.decode(payload)
    assert y.is_cuda and np.array_equal(y.cpu().numpy(), gcomp.decode(host))
    prior = torch.randn(100_003, device=cuda)
    out = prior.clone()
    gcomp.decode(payload, out=out, beta=0.5)
    want = gcomp.decode(host) + np.float32(0.5) * prior.cpu().numpy()
    assert np.array_equal(out.cpu().numpy(), want)
    # a raw CUDA byte tensor with its codec and length
    raw = torch.tensor(np.frombuffer(host, np.uint8), device=cuda)
    z = torch.empty(100_003, device=cuda)
    gcomp.decode(raw, out=z, codec=codec, nbytes=len(host))
    assert np.array_equal(z.cpu().numpy(), gcomp.decode(host))


def test_device_errors(cuda):
    codec = gcomp.Codec("sd")
    x = torch.ones(1000, device=cuda)
    x[10] = float("nan")
    with pytest.raises(gcomp.GcompError) as e:
        codec.encode(x).check()
    assert e.value.code == gcomp.Result.NON_FINITE_INPUT
    good = codec.encode(torch.ones(1000, device=cuda))
    with pytest.raises(TypeError):
        gcomp.decode(good, out=torch.empty(1000))  # host out for a device payload
    with pytest.raises(ValueError):
        gcomp.decode(good, out=torch.empty(999, device=cuda))
    with pytest.raises(TypeError):
        codec.encode(torch.ones(10, device=cuda, dtype=torch.float16))
    bad = good.data.clone()
    bad[70] ^= 1
    with pytest.raises(gcomp.GcompError) as e:
        gcomp.decode(bad, out=torch.empty(1000, device=cuda), codec=codec, nbytes=good.nbytes)
    assert e.value.code == gcomp.Result.CORRUPT_PAYLOAD


def test_hook_over_nccl_one_rank(cuda, tmp_path):
    """World size 1 over NCCL: the hook's result is C(x) decoded, on device,
    exactly the host result."""
    import torch.distributed as dist
    import gcomp.torch as gt
    dist.init_process_group("nccl", init_method=f"file://{tmp_path}/store", rank=0,
                            world_size=1)
    try:
        for ef in (False, True):
            state = gt.GcompState(gcomp.Codec("sd", nu=0.2), error_feedback=ef, seed=9)
            x = torch.randn(50_000, generator=torch.Generator().manual_seed(1))

            class Bucket:  # what DDP hands a hook, enough of it
                def __init__(self, t):
                    self.t = t

                def buffer(self):
                    return self.t

                def index(self):
                    return 0

                def is_last(self):
                    return True

            got = gt.hook(state, Bucket(x.to(cuda))).wait()
            seed = gt.payload_seed(9, 0, 0, 0, 0, 0)
            want = gcomp.decode(gcomp.Codec("sd", nu=0.2).encode(x, seed=seed))
            assert np.array_equal(got.cpu().numpy(), want)
            assert state.steps == 1 and state.bytes_sent > 0
    finally:
        dist.destroy_process_group()
