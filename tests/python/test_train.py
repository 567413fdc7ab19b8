"""Training from Python: progress callbacks, stopping, errors raised inside callbacks, and Ctrl-C
(a real SIGINT to a child process) ending a long fit cleanly at a metrics row."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import traceback

import numpy as np
import pytest

import lsc
from conftest import BUILD_PYTHON

FAST = dict(steps=600, metrics_every=100, seed=1, threads=1, progress=False)


def test_the_callback_sees_every_metrics_row():
    rows = []
    run = lsc.train("bars", callback=lambda row, total: rows.append((row.step, total, row.pi)), **FAST)
    assert [r[0] for r in rows] == [100, 200, 300, 400, 500, 600]
    assert all(r[1] == 600 for r in rows)
    np.testing.assert_array_equal(run.metrics["step"], [r[0] for r in rows])
    assert not run.stopped_early


def test_a_true_return_stops_the_run_at_that_row():
    run = lsc.train("bars", callback=lambda row, total: row.step >= 300, **FAST)
    assert run.stopped_early and run.metrics["step"][-1] == 300
    assert run.summary["steps"] == 300


def test_an_exception_in_the_callback_ends_the_run_and_is_raised_with_it(tmp_path):
    def callback(row, total):
        if row.step == 200:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here") as e:
        lsc.train("bars", callback=callback, out=tmp_path / "run", **FAST)
    assert e.value.run.metrics["step"][-1] == 200 and e.value.run.stopped_early
    assert "callback" in "".join(traceback.format_tb(e.value.__traceback__))  # the user's frame is kept
    assert lsc.load_run(tmp_path / "run").summary["steps"] == 200  # the folder was still written


def test_the_progress_bar_draws_when_asked(capsys):
    lsc.train("bars", **{**FAST, "progress": True})
    err = capsys.readouterr().err
    assert "train lsc [" in err and "100.0%" in err and "pi 0.300" in err and err.endswith("\n")
    lsc.train("bars", **FAST)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress must be True, False or 'auto'"):
        lsc.train("bars", **{**FAST, "progress": "yes"})


def test_options_that_need_a_folder_say_so():
    with pytest.raises(lsc.LscError, match="checkpoint_every needs a run folder"):
        lsc.train("bars", checkpoint_every=100, **FAST)
    with pytest.raises(lsc.LscError, match="resume needs the run folder"):
        lsc.train("bars", resume=True, **FAST)
    with pytest.raises(lsc.LscError, match="apply to data='bars' only"):
        lsc.train(np.ones((10, 4)), bars_pi=0.2, **FAST)


def child(code):
    env = {**os.environ, "PYTHONPATH": BUILD_PYTHON, "OMP_WAIT_POLICY": "passive"}
    # A job started in the background by a non-interactive shell (`.ci/run &`) inherits SIGINT
    # ignored, and Python then installs no KeyboardInterrupt handler: give the child the default.
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def interrupt_when_ready(proc):
    """Sends SIGINT once the child prints "ready"; returns (stdout lines after it, stderr).
    The timeout only guards against a hang: without Ctrl-C the child would run for hours."""
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("Ctrl-C did not stop the fit")
    return out.split(), err


def test_a_second_ctrl_c_abandons_a_fit_whose_next_row_is_far(tmp_path):
    """Issue 20: with rows 10^8 steps apart the first Ctrl-C waits for a row minutes away; the
    second must end the fit at once, leaving no run folder."""
    run = tmp_path / "run"
    proc = child(f"""
        import sys, lsc
        print("ready", flush=True)
        try:
            lsc.train("bars", steps=10**9, metrics_every=10**8, threads=1, progress=False, out={str(run)!r})
        except KeyboardInterrupt as e:
            print("interrupted", hasattr(e, "run"), flush=True)
            sys.exit(7)
        """)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)  # well inside train()
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("a second Ctrl-C did not abandon the fit")
    assert proc.returncode == 7, err
    assert "stopping at the next metrics row" in err  # the first was seen inside train(), not before
    assert out.split() == ["interrupted", "False"]  # abandoned: no partial run attached
    assert time.monotonic() - sent < 10
    assert not run.exists()


def test_ctrl_c_stops_a_long_fit_at_a_row_and_keeps_what_was_learned(tmp_path):
    proc = child(f"""
        import sys, lsc, numpy as np
        X = lsc.generate_bars(500, seed=1)[0]
        est = lsc.LangevinDictionaryLearning(steps=10**8, metrics_every=50, threads=1, progress=False,
                                             callback=lambda row, total: row.step == 100 and print("ready", flush=True))
        try:
            est.fit(X)
        except KeyboardInterrupt:
            print(est.stopped_early_, est.n_iter_, est.components_.shape[0])
            sys.exit(7)
        """)
    out, err = interrupt_when_ready(proc)
    assert proc.returncode == 7, err
    stopped, steps, K = out
    assert stopped == "True" and int(steps) % 50 == 0 and 100 <= int(steps) < 10**8 and K == "16"


def test_ctrl_c_in_train_writes_the_run_folder_and_checkpoint(tmp_path):
    out_dir = tmp_path / "run"
    proc = child(f"""
        import lsc
        lsc.train("bars", steps=10**8, metrics_every=50, checkpoint_every=10**6, threads=1, progress=False,
                  out={str(out_dir)!r}, callback=lambda row, total: row.step == 100 and print("ready", flush=True))
        """)
    out, err = interrupt_when_ready(proc)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err, err
    run = lsc.load_run(out_dir)
    assert run.summary["steps"] >= 100 and run.summary["steps"] % 50 == 0
    assert (out_dir / "checkpoint.bin").exists()  # the final checkpoint, at the row it stopped


def test_ctrl_c_stops_a_long_inference():
    proc = child("""
        import lsc, numpy as np
        X = np.tile(lsc.generate_bars(1, seed=1)[0], (100000, 1))
        print("ready", flush=True)
        lsc.sample_posterior(X, lsc.bars_dictionary(), n_samples=10**6, threads=1, progress=False)
        """)
    out, err = interrupt_when_ready(proc)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err, err


def test_float32_engine_learns_the_bars_like_the_cli(tmp_path, cli):
    """dtype/backend reach the same fused engine as `lsc train --dtype float32`."""
    run = lsc.train("bars", method="lsc", sampler="euler", dtype="float32", steps=3000, seed=2, threads=1,
                    progress=False, out=tmp_path / "py")
    assert run.config.dtype == "float32" and run.config.backend == "cpu"
    cli("train", "--data", "bars", "--method", "lsc", "--sampler", "euler", "--dtype", "float32", "--steps", 3000,
        "--seed", 2, "--threads", 1, "--out", tmp_path / "cli")
    assert (tmp_path / "py" / "dictionary.npy").read_bytes() == (tmp_path / "cli" / "dictionary.npy").read_bytes()
    with pytest.raises(lsc.LscError, match="drop them for dsc"):
        lsc.train("bars", method="dsc", dtype="float32", steps=10, progress=False)
