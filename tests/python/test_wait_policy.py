"""`import lsc` gives its OpenMP threads passive waits (issue 19): libgomp, started by the import,
reports a spin count of 0, unless the user chose a policy or libgomp was loaded before lsc."""
import os
import subprocess
import sys

import pytest
from conftest import BUILD_PYTHON


def libgomp_settings(code, **environment):
    """libgomp's settings as it prints them when it starts in a child running `code`, and its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(PYTHONPATH=BUILD_PYTHON, OMP_DISPLAY_ENV="verbose", **environment)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    settings = {}
    for line in r.stderr.splitlines():
        key, _, value = line.strip().partition(" = ")
        if key in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
            settings[key] = value.strip("'")
    return settings, r.stdout.strip()


def test_import_sets_passive_waits_and_leaves_the_environment_alone():
    settings, out = libgomp_settings("import os, lsc; print(os.environ.get('OMP_WAIT_POLICY'), lsc._LIBGOMP_LOADED_BEFORE)")
    assert settings == {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": "0"}
    assert out == "None False"


def test_the_users_policy_is_kept():
    settings, out = libgomp_settings("import os, lsc; print(os.environ.get('OMP_WAIT_POLICY'))", OMP_WAIT_POLICY="active")
    assert settings["OMP_WAIT_POLICY"] == "ACTIVE"
    assert out == "active"


def test_libgomp_loaded_before_lsc_keeps_its_default():
    # scikit-learn loads libgomp on import; lsc sees that and cannot change the settings any more.
    settings, out = libgomp_settings("import sklearn, lsc; print(lsc._LIBGOMP_LOADED_BEFORE)")
    if out != "True":
        pytest.skip("this scikit-learn does not load libgomp")
    assert settings["GOMP_SPINCOUNT"] != "0"
