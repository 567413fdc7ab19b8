"""Shared set-up of the Python tests (run by scripts/test.sh with Debian's /usr/bin/python3).

The package under test is this checkout's build (build/python), ahead of any lsc.pth that
points elsewhere; the CLI is the lsc binary built with it.
"""
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_PYTHON = os.environ.get("LSC_PYTHON_DIR", os.path.join(REPO, "build", "python"))
if os.path.isdir(BUILD_PYTHON):
    sys.path.insert(0, BUILD_PYTHON)

import lsc  # noqa: E402


@pytest.fixture(scope="session")
def cli():
    """Runs the lsc command; returns the CompletedProcess (text)."""
    binary = os.environ.get("LSC_BINARY", lsc.CLI_PATH)
    if not os.path.exists(binary):
        pytest.fail(f"the lsc binary {binary} is missing; build it (cmake --build build --target lsc).")

    def run(*args, check=True):
        r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise AssertionError(f"lsc {' '.join(map(str, args))} failed ({r.returncode}): {r.stderr}")
        return r

    return run


def pytest_configure(config):
    # Most tests sample deliberately few draws for speed, so lsc.infer's convergence warning
    # (docs/diagnostics.md) would fire in them by design; the tests of the warning itself use
    # pytest.warns, which sees it regardless.
    config.addinivalue_line("filterwarnings", "ignore:.*(R-hat|ESS) (above|below):RuntimeWarning")
