"""CLI ↔ Python: run folders written by `lsc train` load in Python, folders saved from Python
are used by `lsc infer --model`, and the same run from either side gives bit-identical results
(same seed: the core and its Philox streams are the same code)."""
import json
import os

import numpy as np
import pytest

import lsc

BARS = ("--steps", 2000, "--seed", 3, "--learn-pi", "--pi", 0.5, "--threads", 1, "--metrics-every", 100)


@pytest.fixture(scope="module")
def cli_bars_run(tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("cli") / "bars"
    cli("train", "--data", "bars", "--quiet", *BARS, "--out", out)
    return out


def test_a_cli_run_folder_loads_with_everything_it_holds(cli_bars_run):
    run = lsc.load_run(cli_bars_run)
    np.testing.assert_array_equal(run.components, np.load(cli_bars_run / "dictionary.npy"))
    model = json.loads((cli_bars_run / "model.json").read_text())
    assert (run.pi, run.lam, run.sigma) == (model["prior"]["pi"], model["prior"]["lambda"], model["sigma"])
    assert run.prior.kind == "l0" and run.method == "lsc" and (run.K, run.D) == (16, 64)
    assert run.config.steps == 2000 and run.config.learn_pi and run.config.seed == 3
    assert run.config.sampler == "euler" and run.config.tau_x == 400  # resolved defaults recorded
    assert run.config.hold_burn_in == 0 and run.config.init_scale == 0.1
    csv = np.genfromtxt(cli_bars_run / "metrics.csv", delimiter=",", names=True)
    assert len(run.metrics["step"]) == 20
    for name in csv.dtype.names:
        np.testing.assert_array_equal(run.metrics[name], csv[name])
    assert run.summary == json.loads((cli_bars_run / "summary.json").read_text())
    assert run.pi != 0.5  # π was learned


def test_the_same_run_from_python_is_bit_identical(cli_bars_run, tmp_path):
    run = lsc.train("bars", steps=2000, seed=3, learn_pi=True, pi=0.5, threads=1, metrics_every=100,
                    progress=False, out=tmp_path / "py")
    np.testing.assert_array_equal(run.components, np.load(cli_bars_run / "dictionary.npy"))
    cli_run = lsc.load_run(cli_bars_run)
    assert (run.pi, run.sigma, run.lam) == (cli_run.pi, cli_run.sigma, cli_run.lam)
    # metrics.csv holds 9 significant digits; the two files must agree to the byte.
    py_csv = lsc.read_metrics(tmp_path / "py")
    for name, column in cli_run.metrics.items():
        if name != "elapsed_s":
            np.testing.assert_array_equal(py_csv[name], column, err_msg=name)
            np.testing.assert_allclose(run.metrics[name], column, rtol=1e-8, err_msg=name)
    # The folder written from Python matches the CLI's, file by file (but for the timings).
    py_model = json.loads((tmp_path / "py" / "model.json").read_text())
    cli_model = json.loads((cli_bars_run / "model.json").read_text())
    for j in (py_model, cli_model):
        del j["elapsed_s"]
    assert py_model == cli_model
    assert (tmp_path / "py" / "dictionary.npy").read_bytes() == (cli_bars_run / "dictionary.npy").read_bytes()
    assert (tmp_path / "py" / "dictionary.png").read_bytes() == (cli_bars_run / "dictionary.png").read_bytes()
    py_summary = json.loads((tmp_path / "py" / "summary.json").read_text())
    cli_summary = json.loads((cli_bars_run / "summary.json").read_text())
    assert py_summary.keys() == cli_summary.keys()
    assert py_summary["bars_best_abs_cosine"] == cli_summary["bars_best_abs_cosine"]


@pytest.fixture(scope="module")
def bars_npy(tmp_path_factory, cli):
    path = tmp_path_factory.mktemp("data") / "X.npy"
    cli("generate", "bars", "--n", 400, "--seed", 2, "--out", path)
    return path


def test_generate_bars_matches_the_cli(bars_npy):
    X, S, A = lsc.generate_bars(400, seed=2)
    np.testing.assert_array_equal(X, np.load(bars_npy))
    assert S.shape == (400, 16) and A.shape == (16, 64)


@pytest.mark.parametrize("estimator, method", [("DSC", "dsc"), ("LCA", "lca"), ("SSC", "ssc"),
                                               ("LangevinDictionaryLearning", "lsc")])
def test_estimators_fit_like_the_cli_on_the_same_array(tmp_path, cli, bars_npy, estimator, method):
    steps = 300 if method in ("ssc", "lsc") else 40
    cli("train", "--data", bars_npy, "--method", method, "--steps", steps, "--seed", 5, "--threads", 1,
        "--quiet", "--out", tmp_path / "cli")
    est = getattr(lsc, estimator)(steps=steps, random_state=5, threads=1, progress=False).fit(np.load(bars_npy))
    np.testing.assert_array_equal(est.components_, np.load(tmp_path / "cli" / "dictionary.npy"))
    assert est.n_iter_ == steps and est.config_["method"] == method


def test_a_run_saved_from_python_is_used_by_lsc_infer(tmp_path, cli, bars_npy):
    X = np.load(bars_npy)
    est = lsc.LangevinDictionaryLearning(steps=600, learn_pi=True, random_state=8, threads=1, progress=False,
                                         transform_method="mala", transform_chains=2, transform_samples=40,
                                         transform_burn_in=20).fit(X)
    folder = est.save_run(tmp_path / "py")
    r = cli("infer", "--model", folder, "--data", bars_npy, "--method", "mala", "--chains", 2, "--samples", 40,
            "--burn-in", 20, "--seed", 8, "--threads", 1, "--quiet", "--out-mean", tmp_path / "M.npy",
            "--out-active", tmp_path / "P.npy")
    assert "mala on 400 points" in r.stdout
    np.testing.assert_array_equal(np.load(tmp_path / "M.npy"), est.transform(X))
    np.testing.assert_array_equal(np.load(tmp_path / "P.npy"), est.posterior(X).p_active)
    # And back: the folder loads into an equal, usable estimator.
    again = lsc.LangevinDictionaryLearning.from_run(folder)
    np.testing.assert_array_equal(again.components_, est.components_)
    assert (again.pi_, again.sigma_, again.lambda_) == (est.pi_, est.sigma_, est.lambda_)
    assert again.learn_pi and again.steps == 600 and again.random_state == 8
    np.testing.assert_array_equal(again.set_params(transform_method="mala", transform_chains=2, transform_samples=40,
                                                   transform_burn_in=20, threads=1).transform(X[:50]),
                                  est.transform(X[:50]))
    run = lsc.load_run(folder)
    np.testing.assert_allclose(run.metrics["pi"], est.metrics_["pi"], rtol=1e-8)  # 9 digits in metrics.csv


def test_lsc_infer_defaults_match_lsc_infer_from_python(tmp_path, cli, cli_bars_run, bars_npy):
    cli("infer", "--model", cli_bars_run, "--data", bars_npy, "--samples", 30, "--burn-in", 10, "--threads", 1,
        "--quiet", "--out-mean", tmp_path / "M.npy", "--out-samples", tmp_path / "S.npy")
    p = lsc.infer(str(bars_npy), cli_bars_run, samples=30, burn_in=10, threads=1, return_samples=True,
                  progress=False)
    assert p.method == "hmc"  # the CLI's default, from InferConfig
    np.testing.assert_array_equal(np.load(tmp_path / "M.npy"), p.mean)
    np.testing.assert_array_equal(np.load(tmp_path / "S.npy"), p.samples)


def test_a_python_checkpoint_resumes_bit_exactly_from_the_cli(tmp_path, cli):
    common = dict(steps=1000, seed=4, threads=1, metrics_every=100, progress=False)
    lsc.train("bars", checkpoint_every=500, out=tmp_path / "run", **common)
    assert (tmp_path / "run" / "checkpoint.bin").exists()
    cli("train", "--data", "bars", "--steps", 2000, "--seed", 4, "--threads", 1, "--metrics-every", 100,
        "--checkpoint-every", 500, "--resume", "--quiet", "--out", tmp_path / "run")
    straight = lsc.train("bars", **{**common, "steps": 2000})
    np.testing.assert_array_equal(np.load(tmp_path / "run" / "dictionary.npy"), straight.components)
    # ... and Python resumes the same way.
    lsc.train("bars", checkpoint_every=500, out=tmp_path / "run2", **common)
    resumed = lsc.train("bars", checkpoint_every=500, out=tmp_path / "run2", resume=True, **{**common, "steps": 2000})
    np.testing.assert_array_equal(resumed.components, straight.components)
    np.testing.assert_array_equal(resumed.metrics["pi"], straight.metrics["pi"])


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """Three smooth 48×48 grayscale PNGs (no image data in the repository)."""
    import matplotlib.image

    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for i in range(3):
        noise = rng.standard_normal((48, 48))
        smooth = np.cumsum(np.cumsum(noise, axis=0), axis=1)
        smooth = (smooth - smooth.min()) / np.ptp(smooth)
        matplotlib.image.imsave(folder / f"im{i}.png", smooth, cmap="gray", vmin=0, vmax=1)
    return folder


def test_image_patches_and_their_recipe_round_trip(tmp_path, cli, image_folder):
    cli("patches", image_folder, "--n", 200, "--patch", 4, "--seed", 1, "--out", tmp_path / "P.npy")
    X, recipe = lsc.load_patches(image_folder, n=200, patch=4, seed=1)
    np.testing.assert_array_equal(X, np.load(tmp_path / "P.npy"))
    assert recipe == json.loads((tmp_path / "P.npy.json").read_text())
    run = lsc.train(f"images:{image_folder}", method="dsc", K=8, steps=30, patches=300, patch=4, seed=2,
                    threads=1, progress=False, out=tmp_path / "run")
    assert run.preprocessing["patch"] == 4 and run.D == 16
    cli("infer", "--model", tmp_path / "run", "--data", f"images:{image_folder}", "--patches", 50, "--method", "map",
        "--quiet", "--out-mean", tmp_path / "M.npy")
    p = lsc.infer(f"images:{image_folder}", tmp_path / "run", patches=50, method="map", progress=False)
    np.testing.assert_array_equal(np.load(tmp_path / "M.npy"), p.mean)
    with pytest.raises(lsc.LscError, match="needs a model trained on images"):
        lsc.infer(f"images:{image_folder}", lsc.load_run(tmp_path / "run").model, progress=False)


def test_a_broken_run_folder_is_named_in_the_error(tmp_path, cli_bars_run):
    for f in ("model.json", "dictionary.npy"):
        (tmp_path / f).write_bytes((cli_bars_run / f).read_bytes())
    model = json.loads((tmp_path / "model.json").read_text())
    model["K"] = 15
    (tmp_path / "model.json").write_text(json.dumps(model))
    # A folder written by lsc names its manifest: edited files are refused as a set ...
    with pytest.raises(lsc.LscError, match="incomplete or mixed .*remove \"manifest\" from model.json"):
        lsc.load_run(tmp_path)
    # ... and without one (edited on purpose, or from an lsc before manifests) each file is checked.
    del model["manifest"]
    (tmp_path / "model.json").write_text(json.dumps(model))
    with pytest.raises(lsc.LscError, match="dictionary.npy: expected shape"):
        lsc.load_run(tmp_path)
    os.remove(tmp_path / "model.json")
    with pytest.raises(lsc.LscError, match="model.json: cannot read"):
        lsc.load_run(tmp_path)


def test_every_option_is_declared_once_and_reaches_every_front_end(cli):
    """The core's field tables (src/run/records.cpp) drive the CLI's options, the Config classes,
    lsc.train's keywords and docstring, and model.json: one name everywhere."""
    help_text = {c: cli(*c.split(), "--help").stdout
                 for c in ("train", "infer", "eval loglik", "generate bars", "patches")}
    for config, command, python_only in ((lsc.TrainConfig, "train", {"initial_dictionary"}),
                                         (lsc.InferConfig, "infer", {"keep_samples"}),
                                         (lsc.LoglikConfig, "eval loglik", set()),
                                         (lsc.BarsOptions, "generate bars", set()),
                                         (lsc.PatchDataOptions, "patches", {"path", "count"})):
        for name in config.fields:
            if name in python_only:
                continue
            option = "--" + ("lambda" if name == "lam" else name).replace("_", "-")
            assert option in help_text[command], f"{command} has no {option}"
            assert getattr(config, name).__doc__, f"{name} has no help"
    for name in lsc.TrainConfig.fields:
        assert f"    {name}: " in lsc.train.__doc__
    # A field inside a member (the patch side, PatchDataOptions::patches.size) reads and writes.
    assert lsc.PatchDataOptions(patch=12, border=2).patch == 12
    with pytest.raises(lsc.LscError, match="unknown whiten 'pcb'; choose olshausen, pca, zca or none."):
        lsc.PatchDataOptions(whiten="pcb")
    # A choice outside the table's values is one sentence, from Python as from the CLI.
    with pytest.raises(lsc.LscError, match="unknown dtype 'float16'; choose float32 or float64."):
        lsc.TrainConfig(dtype="float16")
    with pytest.raises(TypeError, match="unknown option 'tau_a'"):
        lsc.train("bars", tau_a=5, progress=False)
