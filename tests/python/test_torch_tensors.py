"""CPU torch tensors go to the library in place, as NumPy arrays do."""
import numpy as np
import pytest
import torch

import gcomp


@pytest.fixture
def x():
    return torch.randn(3000, generator=torch.Generator().manual_seed(1))


def test_tensor_encodes_as_the_same_array(x):
    codec = gcomp.Codec("sd", nu=0.1, rotate=1)
    assert bytes(codec.encode(x, seed=4)) == bytes(codec.encode(x.numpy(), seed=4))
    two_d = x.view(30, 100)  # contiguous of any shape: its d values
    assert bytes(codec.encode(two_d, seed=4)) == bytes(codec.encode(x, seed=4))


def test_decode_into_a_tensor_in_place(x):
    payload = gcomp.Codec("sd", nu=0.1).encode(x, seed=4)
    prior = torch.randn(3000)
    out = prior.clone()
    ptr = out.data_ptr()
    assert gcomp.decode(payload, out=out, beta=2.0) is out and out.data_ptr() == ptr
    want = gcomp.decode(payload) + np.float32(2.0) * prior.numpy()
    assert np.array_equal(out.numpy(), want)


def test_payload_in_a_uint8_tensor(x):
    codec = gcomp.Codec("sd", nu=0.1)
    buf = torch.zeros(codec.encode_bound(x.numel()), dtype=torch.uint8)
    used = codec.encode(x, seed=4, out=buf)
    assert isinstance(used, torch.Tensor) and used.data_ptr() == buf.data_ptr()
    assert bytes(used.numpy()) == bytes(codec.encode(x, seed=4))
    assert np.array_equal(gcomp.decode(used), gcomp.decode(codec.encode(x, seed=4)))


@pytest.mark.parametrize("make, error", [
    (lambda: torch.zeros(10, dtype=torch.float64), TypeError),
    (lambda: torch.zeros(10, dtype=torch.float16), TypeError),
    (lambda: torch.zeros(10, dtype=torch.bfloat16), TypeError),
    (lambda: torch.zeros(20)[::2], ValueError),
    (lambda: torch.zeros(4, 5).t(), ValueError),
    (lambda: torch.zeros(10, device="meta"), TypeError),
    (lambda: torch.zeros(0), ValueError),
])
def test_bad_tensors(make, error):
    with pytest.raises(error):
        gcomp.Codec("sd").encode(make())


def test_bad_output_tensors(x):
    payload = gcomp.Codec("sd").encode(x)
    with pytest.raises(ValueError):
        gcomp.decode(payload, out=torch.zeros(3000, requires_grad=True))
    with pytest.raises(ValueError):
        gcomp.decode(payload, out=torch.zeros(6000)[::2])
    with pytest.raises(ValueError):
        gcomp.decode(payload, out=torch.zeros(2999))
    with pytest.raises(TypeError):
        gcomp.decode(payload, out=torch.zeros(3000, dtype=torch.float64))
    with pytest.raises(TypeError):
        gcomp.decode(torch.zeros(100, dtype=torch.int8))
