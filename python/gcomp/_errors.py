"""Result codes of include/gcomp.h and the exception that carries them."""
import enum

from ._lib import lib


class Result(enum.IntEnum):
    """gcompResult_t: the values are part of the C ABI."""
    SUCCESS = 0
    INVALID_ARGUMENT = 1
    PARAMETER_OUT_OF_RANGE = 2
    NON_FINITE_INPUT = 3
    SIZE_OVERFLOW = 4
    DST_TOO_SMALL = 5
    CORRUPT_PAYLOAD = 6
    UNSUPPORTED_PAYLOAD = 7
    TOO_MANY_TRIALS = 8
    OUT_OF_MEMORY = 9
    NOT_AVAILABLE = 10
    INTERNAL_ERROR = 11
    INVALID_USAGE = 12
    REMOTE_ERROR = 13
    SYSTEM_ERROR = 14


class GcompError(RuntimeError):
    """A gcomp call failed. `code` is a Result, `detail` gcomp's own message
    (what gcompGetLastErrorDetail said), `message` the generic text."""

    def __init__(self, code, detail=""):
        try:
            code = Result(code)
        except ValueError:  # a newer library's code: keep the number
            pass
        self.code = code
        self.message = lib.gcompGetErrorString(int(code)).decode()
        self.detail = detail
        super().__init__(f"{self.message}: {detail}" if detail else self.message)


def check(rc):
    """Raises the failure of the call that just returned rc on this thread."""
    if rc != 0:
        raise GcompError(rc, lib.gcompGetLastErrorDetail().decode(errors="replace"))
