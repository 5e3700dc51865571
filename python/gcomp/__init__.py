"""gcomp: gradient compression close to the information-theoretic limit.

    import gcomp, numpy as np
    codec = gcomp.Codec("sd", nu=0.1, packing="fixed")
    payload = codec.encode(np.random.randn(10000).astype(np.float32), seed=1)
    y = gcomp.decode(payload)

Bindings over libgcomp.so (include/gcomp.h) through ctypes: NumPy arrays,
torch tensors (CPU; CUDA through the device path) and buffers are used in
place, and the GIL is released while the library works. gcomp.torch holds
the DistributedDataParallel communication hook.
"""
from ._codec import (PACKINGS, Codec, CodecClass, PayloadInfo, average_case_bound, decode,
                     info, spherical_cap_log2, uncertainty_bound, version, worst_case_bound)
from ._device import DevicePayload
from ._errors import GcompError, Result

__version__ = version()

__all__ = ["Codec", "CodecClass", "DevicePayload", "GcompError", "PACKINGS", "PayloadInfo",
           "Result", "average_case_bound", "decode", "info", "spherical_cap_log2",
           "uncertainty_bound", "version", "worst_case_bound"]
