"""libgcomp through ctypes: where the library is, the C structs, prototypes.

ctypes.CDLL (not PyDLL) releases the GIL for the duration of every foreign
call, so encode and decode run while other Python threads keep going.
"""
import ctypes
import os
from ctypes import (POINTER, c_char_p, c_double, c_float, c_int, c_int64,
                    c_size_t, c_uint64, c_void_p)

LIBRARY_ENV = "GCOMP_LIBRARY"


class CodecConfig(ctypes.Structure):
    """gcompCodecConfig_t (include/gcomp.h), field for field."""
    _fields_ = [("size", c_size_t), ("method", c_int), ("nu", c_double),
                ("omega", c_double), ("alpha", c_double), ("block", c_int64),
                ("rotate", c_int), ("packing", c_int), ("maxTrials", c_double),
                ("levels", c_int64), ("k", c_int64), ("threads", c_int)]


class PayloadInfoC(ctypes.Structure):
    """gcompPayloadInfo_t."""
    _fields_ = [("method", c_int), ("packing", c_int), ("rotate", c_int),
                ("d", c_uint64), ("seed", c_uint64), ("param", c_double),
                ("iparam", c_uint64), ("headerBytes", c_size_t),
                ("bodyBits", c_uint64), ("totalBytes", c_size_t)]


# name: (return type, argument types); every gcomp call returns gcompResult_t.
_R = c_int
_PROTOTYPES = {
    "gcompGetVersion": (c_int, []),
    "gcompGetErrorString": (c_char_p, [c_int]),
    "gcompGetLastErrorDetail": (c_char_p, []),
    "gcompCodecConfigInit": (_R, [POINTER(CodecConfig), c_char_p]),
    "gcompCodecConfigSetParam": (_R, [POINTER(CodecConfig), c_char_p, c_char_p]),
    "gcompMethodName": (c_char_p, [c_int]),
    "gcompCodecCreate": (_R, [POINTER(c_void_p), POINTER(CodecConfig)]),
    "gcompCodecFree": (_R, [c_void_p]),
    "gcompCodecGetConfig": (_R, [c_void_p, POINTER(CodecConfig)]),
    "gcompCodecGetClass": (_R, [c_void_p, POINTER(c_int)]),
    "gcompCodecGetOmega": (_R, [c_void_p, c_uint64, POINTER(c_double)]),
    "gcompCodecGetAlpha": (_R, [c_void_p, c_uint64, POINTER(c_double)]),
    "gcompEncodeBound": (_R, [c_void_p, c_uint64, POINTER(c_size_t)]),
    "gcompEncode": (_R, [c_void_p, c_void_p, c_uint64, c_uint64, c_void_p, c_size_t,
                         POINTER(c_size_t)]),
    "gcompDecode": (_R, [c_void_p, c_size_t, c_void_p, c_uint64, c_float]),
    "gcompPayloadGetInfo": (_R, [c_void_p, c_size_t, POINTER(PayloadInfoC)]),
    "gcompEncodeDevice": (_R, [c_void_p, c_void_p, c_uint64, c_uint64, c_void_p, c_size_t,
                               c_void_p, c_void_p, POINTER(c_size_t), c_void_p]),
    "gcompDecodeDevice": (_R, [c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_uint64,
                               c_float, c_void_p, POINTER(c_size_t), c_void_p]),
    "gcompDeviceGetStatus": (_R, [c_void_p, c_void_p, POINTER(c_int)]),
    "gcompSphericalCapLog2": (_R, [c_double, c_uint64, POINTER(c_double)]),
    "gcompUncertaintyBound": (_R, [c_double, c_uint64, POINTER(c_double)]),
    "gcompWorstCaseBound": (_R, [c_double, c_uint64, POINTER(c_double)]),
    "gcompAverageCaseBound": (_R, [c_double, c_uint64, POINTER(c_double)]),
}


def _find_library():
    path = os.environ.get(LIBRARY_ENV)
    if path:
        if not os.path.isfile(path):
            raise ImportError(f"gcomp: {LIBRARY_ENV}={path} is not a file")
        return path
    bundled = os.path.join(os.path.dirname(os.path.abspath(__file__)), "libgcomp.so")
    if os.path.isfile(bundled):
        return bundled
    raise ImportError(
        "gcomp: libgcomp.so not found: install the package with `pip install .` "
        f"from the gcomp repository, or set {LIBRARY_ENV} to a built libgcomp.so")


def _load():
    lib = ctypes.CDLL(_find_library())
    for name, (restype, argtypes) in _PROTOTYPES.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = _load()
