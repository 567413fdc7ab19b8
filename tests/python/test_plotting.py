"""The plotting helpers draw what they say, and the quickstart example runs (shortened)."""
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lsc  # noqa: E402
from conftest import BUILD_PYTHON, REPO  # noqa: E402
from lsc import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_mosaic_shows_each_element_scaled_to_its_own_range():
    A = lsc.bars_dictionary() * np.arange(1, 17)[:, None]  # norms 1..16
    A[3] *= -1
    ax = plotting.plot_dictionary(A)
    canvas = ax.images[0].get_array()
    assert canvas.shape == (4 * 9 + 1, 4 * 9 + 1)  # 4×4 tiles of 8×8 with one-pixel gaps
    for k in (0, 3, 15):
        r, c = divmod(k, 4)
        tile = canvas[1 + 9 * r:9 + 9 * r, 1 + 9 * c:9 + 9 * c]
        np.testing.assert_allclose(tile, A[k].reshape(8, 8) / np.abs(A[k]).max())
    assert canvas.mask.sum() == canvas.size - 16 * 64  # only the gaps are masked
    sorted_canvas = plotting.plot_dictionary(A, sort_by_norm=True).images[0].get_array()
    np.testing.assert_allclose(sorted_canvas[1:9, 1:9], A[15].reshape(8, 8) / np.abs(A[15]).max())
    rows = plotting.plot_dictionary(np.arange(15.0).reshape(3, 5) - 5).images[0].get_array()
    np.testing.assert_allclose(rows[0], np.array([-5, -4, -3, -2, -1]) / 5)  # D = 5: a row per element


def test_the_histogram_integrates_to_the_active_fraction_and_reports_the_core_kl():
    prior = lsc.Prior("l0", lam=1.0, pi=0.3)
    rng = np.random.default_rng(0)
    S = np.where(rng.random(20000) < 0.3, rng.exponential(1.0, 20000), 0.0)  # draws from the prior
    ax = plotting.plot_coefficient_histogram(S, prior)
    h = lsc.prior_histogram(prior, S)
    area = sum(p.get_height() * p.get_width() for p in ax.patches)
    inside = np.mean((S >= h["edges"][0]) & (S <= h["edges"][-1]))
    assert area == pytest.approx(inside, rel=1e-9)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"KL {h['kl']:.4f} nats" in t for t in labels)
    assert any(f"P(s = 0) = {h['zero_fraction']:.3f}" in t for t in labels)
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_ydata(), 0.3 * np.exp(-curve.get_xdata()))  # π λ e^(−λ s)
    signed = plotting.plot_coefficient_histogram(rng.standard_normal(5000), lsc.Prior("gaussian"))
    assert signed.lines[0].get_ydata().max() == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-3)


def test_traces_plot_the_metrics_of_a_run(tmp_path):
    run = lsc.train("bars", steps=400, metrics_every=100, learn_pi=True, pi=0.5, threads=1, progress=False,
                    out=tmp_path / "run")
    for source in (run, tmp_path / "run", run.metrics):
        axes = plotting.plot_traces(source, truth={"pi": 0.3})
        assert len(axes) == 2
        np.testing.assert_array_equal(axes[0].lines[0].get_xdata(), [100, 200, 300, 400])
        np.testing.assert_allclose(axes[0].lines[0].get_ydata(), run.metrics["pi"], rtol=1e-8)
        assert axes[0].lines[1].get_ydata()[0] == 0.3
    assert plotting.plot_traces(run, keys="acceptance")[0].get_ylabel() == "MALA acceptance"
    with pytest.raises(ValueError, match="no metric 'elbo'"):  # an SVAE column
        plotting.plot_traces(run, keys="elbo")


def test_the_quickstart_example_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": BUILD_PYTHON, "OMP_WAIT_POLICY": "passive"}
    r = subprocess.run([sys.executable, os.path.join(REPO, "examples", "quickstart.py"), "--out", str(tmp_path),
                        "--steps", "2000"], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "bars recovered" in r.stdout
    for png in ("mosaic.png", "histogram.png", "traces.png", os.path.join("run", "dictionary.png")):
        assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    assert lsc.load_run(tmp_path / "run").summary["steps"] == 2000
