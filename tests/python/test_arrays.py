"""NumPy arrays in and out: zero-copy where the layout allows, and one-sentence Python errors
(lsc.LscError, a ValueError) for arrays the core cannot use."""
import pickle

import numpy as np
import pytest

import lsc

A = lsc.bars_dictionary()  # (16, 64)


def infer(X, **kw):
    return lsc.sample_posterior(X, A, method="mala", n_samples=20, burn_in=10, progress=False, **kw)


@pytest.fixture(scope="module")
def X():
    return lsc.generate_bars(30, seed=4)[0]


def one_sentence(e):
    msg = str(e.value)
    assert msg.endswith(".") and "\n" not in msg, msg
    return msg


@pytest.mark.parametrize("dtype, mention", [(np.int64, "dtype int64"), (np.int32, "dtype int32"),
                                            (bool, "dtype bool"), (np.complex128, "complex"),
                                            (object, "dtype object")])
def test_wrong_dtypes_are_refused(X, dtype, mention):
    with pytest.raises(lsc.LscError) as e:
        infer(X.astype(dtype))
    msg = one_sentence(e)
    assert mention in msg and msg.startswith("X "), msg


def test_strings_are_refused():
    with pytest.raises(lsc.LscError) as e:
        infer(np.full((2, 64), "a"))
    assert "dtype <U1" in one_sentence(e)
    with pytest.raises(lsc.LscError) as e:
        infer("not an array but not a path either, so no .npy")
    assert "file not found" in one_sentence(e)


@pytest.mark.parametrize("make", [lambda X: np.asfortranarray(X), lambda X: X[:, ::2].repeat(2, axis=1)[:, :64][::2],
                                  lambda X: np.ascontiguousarray(X.T).T, lambda X: X[::2]])
def test_non_contiguous_arrays_are_refused(X, make):
    bad = make(X)
    assert not bad.flags.c_contiguous
    with pytest.raises(lsc.LscError) as e:
        infer(bad)
    assert "not C-contiguous" in one_sentence(e) and "np.ascontiguousarray(X)" in str(e.value)


@pytest.mark.parametrize("value, where", [(np.nan, "row 3, column 5"), (np.inf, "row 3, column 5"),
                                          (-np.inf, "row 3, column 5")])
def test_non_finite_values_are_refused(X, value, where):
    bad = X.copy()
    bad[3, 5] = value
    with pytest.raises(lsc.LscError) as e:
        infer(bad)
    assert "NaN or infinite" in one_sentence(e) and where in str(e.value)


@pytest.mark.parametrize("shape, mention", [((64,), "reshape a single point"), ((2, 4, 8), "2-D"),
                                            ((5, 63), "63 features per row but the dictionary has D = 64"),
                                            ((0, 64), "empty")])
def test_wrong_shapes_are_refused(shape, mention):
    with pytest.raises(lsc.LscError) as e:
        infer(np.zeros(shape))
    assert mention in one_sentence(e)


def test_lsc_error_is_a_value_error():
    assert issubclass(lsc.LscError, ValueError)


def test_float32_and_lists_are_converted_once_to_the_same_values(X):
    x32 = X.astype(np.float32)
    a = infer(x32, seed=2)
    b = infer(x32.astype(np.float64), seed=2)
    np.testing.assert_array_equal(a.mean, b.mean)
    c = infer(X[:3].tolist(), seed=2)
    np.testing.assert_array_equal(c.mean, infer(X[:3].copy(), seed=2).mean)


def test_training_reads_the_callers_array_in_place(X):
    source = lsc.ArraySource(X, 1)
    assert source.data is X  # float64, C-ordered: the array itself, no copy
    converted = lsc.ArraySource(X.astype(np.float32), 1)
    assert converted.data.dtype == np.float64 and not np.shares_memory(converted.data, X)
    # Read-only memory (a memmap opened "r", a broadcast view's base) is fine: the core only reads.
    ro = X.copy()
    ro.setflags(write=False)
    assert lsc.ArraySource(ro, 1).data is ro
    np.testing.assert_array_equal(infer(ro, seed=1).mean, infer(X, seed=1).mean)


def test_results_are_c_ordered_arrays_owning_the_core_matrices(X):
    p = infer(X, return_samples=True)
    for arr, shape in ((p.mean, (30, 16)), (p.p_active, (30, 16)), (p.samples, (20, 30, 16))):
        assert arr.shape == shape and arr.dtype == np.float64 and arr.flags.c_contiguous
    assert p.mean.base is not None and not p.mean.flags.owndata  # a view of the core's matrix
    del p.p_active
    assert np.isfinite(p.mean).all()  # still valid: each array keeps its own matrix alive


def test_options_have_typed_one_sentence_errors():
    with pytest.raises(lsc.LscError) as e:
        lsc.TrainConfig(steps=-1)
    assert one_sentence(e) == "steps must be a non-negative integer; got -1 (int)."
    with pytest.raises(lsc.LscError) as e:
        lsc.TrainConfig(tau_u="fast")
    assert "tau_u must be a number" in one_sentence(e)
    with pytest.raises(lsc.LscError) as e:
        lsc.TrainConfig(steps=2.5)
    assert "steps must be a non-negative integer" in one_sentence(e)
    with pytest.raises(lsc.LscError) as e:
        lsc.TrainConfig(learn_pi=1)
    assert "learn_pi must be True or False" in one_sentence(e)
    with pytest.raises(TypeError, match="unknown option 'stepz'"):
        lsc.TrainConfig(stepz=10)
    assert lsc.TrainConfig(steps=2e4, batch=np.int32(50)).steps == 20000
    # 0 stood for "the default" in the core, silently (issue 20): None is the default, 0 refused.
    assert lsc.TrainConfig().sigma is None and lsc.TrainConfig(sigma=None).tau_u is None
    for name in ("sigma", "steps", "batch", "tau_u", "tau_A", "tau_x", "metrics_every"):
        with pytest.raises(lsc.LscError, match=f"{name}=0 is no value of {name}"):
            lsc.TrainConfig(**{name: 0})
    with pytest.raises(lsc.LscError, match="tau_u=0"):
        lsc.InferConfig(tau_u=0.0)
    config = lsc.TrainConfig(sigma=0.3)
    assert pickle.loads(pickle.dumps(config)).sigma == 0.3 and pickle.loads(pickle.dumps(lsc.TrainConfig())).sigma is None
    with pytest.raises(lsc.LscError, match="unknown prior 'l7'"):
        lsc.Prior("l7")
    with pytest.raises(lsc.LscError, match="pi must lie in"):
        lsc.Prior("l0", pi=1.5)


def test_bad_configurations_fail_before_any_work():
    with pytest.raises(lsc.LscError, match="unknown method 'dcs'"):
        lsc.train("bars", method="dcs", progress=False)
    with pytest.raises(lsc.LscError, match="learn-pi applies to the l0"):
        lsc.train("bars", prior="l1", learn_pi=True, progress=False)
    with pytest.raises(lsc.LscError, match="initial dictionary has shape"):
        lsc.train("bars", init_dictionary=np.ones((16, 10)), steps=10, progress=False)


def test_configs_and_models_pickle():
    c = lsc.TrainConfig(method="dsc", K=8, steps=10, prior="laplace", normalize=True, hold_burn_in=3)
    c2 = pickle.loads(pickle.dumps(c))
    assert c2.to_dict() == c.to_dict()
    m = lsc.Model(A, 0.4, lsc.Prior("l0", lam=2.0, pi=0.2))
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.components, A)
    assert m2.sigma == 0.4 and m2.prior == m.prior
