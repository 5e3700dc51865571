"""Shared fixtures. tests/python/run.sh points GCOMP_LIBRARY at a built
libgcomp.so, GCOMP_CLI at the gcomp tool and PYTHONPATH at python/."""
import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: needs a CUDA device and a CUDA build of "
                                       "torch and libgcomp (skipped, visibly, without)")


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("GCOMP_CLI")
    if not path:
        pytest.skip("GCOMP_CLI is not set (tests/python/run.sh sets it)")
    assert os.access(path, os.X_OK), f"GCOMP_CLI={path} is not an executable"
    return path


@pytest.fixture
def run_cli(cli):
    def run(*args):
        r = subprocess.run([cli, *map(str, args)], capture_output=True, text=True)
        assert r.returncode == 0, f"gcomp {' '.join(map(str, args))}: {r.stderr}"
        return r
    return run


@pytest.fixture
def rng():
    return np.random.default_rng(20240611)
