"""The library runs without the GIL: another Python thread keeps going."""
import threading
import time

import numpy as np

import gcomp


def _ticks_during(call):
    """Runs call() in a thread; returns how long it took and the gaps between
    the main thread's iterations meanwhile."""
    done, span = threading.Event(), []

    def work():
        t0 = time.perf_counter()
        call()
        span.append(time.perf_counter() - t0)
        done.set()

    worker = threading.Thread(target=work)
    ticks = [time.perf_counter()]
    worker.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
    worker.join()
    return span[0], np.diff(ticks), len(ticks)


def test_encode_and_decode_release_the_gil():
    rng = np.random.default_rng(3)
    d = 1 << 22
    x = rng.standard_normal(d).astype(np.float32)
    codec = gcomp.Codec("sd", nu=0.1, packing="entropy", rotate=1)  # the slow path
    out = bytearray(codec.encode_bound(d))
    payload = codec.encode(x, seed=1, out=out)
    y = np.empty(d, np.float32)
    for call in (lambda: codec.encode(x, seed=1, out=out), lambda: gcomp.decode(payload, out=y)):
        duration, gaps, n = _ticks_during(call)
        # Holding the GIL would stop this thread for the whole call.
        assert duration > 0.02, "too fast to tell"
        assert gaps.max() < duration / 2, (duration, gaps.max(), n)
        assert n > 1000
