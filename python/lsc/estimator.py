"""scikit-learn estimators: L0-LSC / LSC and the baselines DSC, LCA and SSC.

Each estimator is a thin layer over lsc.train and lsc.infer (the core in C++): fit() learns the
dictionary, transform() returns the posterior mean of the coefficients (the MAP estimate for the
MAP-based learners), sample_posterior() draws from the posterior. Parameters left as None take
the core's documented defaults (docs/parameters.md); fitted attributes end in "_", so
`lambda_` is the learned λ while the parameter is `lam` (lambda is a Python keyword).
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _lsc
from . import api
from .runs import Run, load_run, save_run

__all__ = ["LangevinDictionaryLearning", "DiscreteSparseCoding", "LocallyCompetitiveSparseCoding",
           "SimultaneousSparseCoding", "DSC", "LCA", "SSC"]

# The coefficient estimate each learner itself uses, and so the default of transform():
# MAP for DSC and SSC (proximal gradient), LCA's own dynamics for LCA, and for LSC the posterior
# mean by MALA, which is exact at any step size (Euler-Maruyama is biased, science.md).
_TRANSFORM_METHOD = {"dsc": "map", "lca": "lca", "ssc": "map", "lsc": "mala"}
_SAMPLING = ("langevin", "mala", "hmc", "ghmc", "baoab")

# Estimator parameters that reach lsc.train: every lsc.TrainConfig option under its own name
# (the core's field table), scikit-learn's names for two of them, and the run's callbacks.
_RENAMED = {"n_components": "K", "dict_init": "init_dictionary"}
_TRAIN_KEYWORDS = frozenset(_lsc.TrainConfig.fields) | {"callback", "progress"}

_SUBSET_REASON = (
    "transform() is a Monte Carlo posterior mean whose random numbers are keyed by each row's "
    "position in X (chain id n*chains + c, for reproducibility across threads), so a row gets "
    "different noise in a subset or a permutation of X; the results agree within the Monte Carlo "
    "error (tests/python/test_estimator.py checks that), not to 1e-7.")

_SCORE_REASON = (
    "score_samples() is an AIS estimate whose random numbers are keyed by each row's position "
    "in X in the same way; tests/python/test_evaluate.py checks it against the exact value.")


def _seed_of(random_state):
    """The core's seed: an int as given, one drawn from a RandomState, or None (the core's
    default seed, so that results are reproducible)."""
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, a RandomState or None; "
                             f"got {random_state}.")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(f"random_state must be a non-negative integer, a RandomState or None; got {random_state!r}.")


class _SparseCodingBase(TransformerMixin, BaseEstimator):
    """What the estimators share; subclasses only declare their parameters."""

    _method = None  # fixed by the baselines; LangevinDictionaryLearning has a method parameter

    # ---- configuration -------------------------------------------------------------------------
    def _learning_method(self):
        return getattr(self, "method", None) or self._method

    def _transform_method(self):
        return self.transform_method or _TRANSFORM_METHOD.get(self._learning_method(), "mala")

    def _train_options(self, seed):
        params = self.get_params(deep=False)
        options = {_RENAMED.get(k, k): v for k, v in params.items() if k in _RENAMED or k in _TRAIN_KEYWORDS}
        options["method"] = self._learning_method()
        options["seed"] = seed
        return options

    # ---- fitting -----------------------------------------------------------------------------------
    def fit(self, X, y=None):
        """Learns the dictionary (and π, σ, λ where asked) from X (n_samples, n_features).

        Batches are drawn with replacement from the rows of X, which the core reads in place
        (float64, C-ordered; other inputs are converted once). Ctrl-C stops at the next metrics
        row: the estimator keeps what was learned (stopped_early_ is True) and KeyboardInterrupt
        is raised.
        """
        X = self._validate_data(X, dtype=np.float64, order="C")
        seed = _seed_of(self.random_state)
        try:
            run = api.train(X, **self._train_options(seed))
        except BaseException as e:
            partial = getattr(e, "run", None)
            if isinstance(partial, Run):
                self._set_fitted(partial)
            raise
        self._set_fitted(run)
        return self

    def _set_fitted(self, run):
        self.components_ = run.components
        self.prior_ = run.prior.kind
        self.pi_ = run.pi
        self.sigma_ = run.sigma
        self.lambda_ = run.lam
        self.config_ = run.config.to_dict()
        self.metrics_ = run.metrics
        self.n_iter_ = int(run.metrics["step"][-1]) if len(run.metrics["step"]) else 0
        self.acceptance_ = run.acceptance
        self.elapsed_s_ = run.elapsed_s
        self.stopped_early_ = bool(run.stopped_early)
        self.seed_ = int(run.config.seed)
        self.data_ = run.data
        self.preprocessing_ = run.preprocessing

    # ---- the fitted model ----------------------------------------------------------------------------
    @property
    def model_(self):
        """The fitted lsc.Model (dictionary, σ, prior)."""
        check_is_fitted(self)
        return _lsc.Model(self.components_, self.sigma_, _lsc.Prior(self.prior_, lam=self.lambda_, pi=self.pi_))

    def to_run(self):
        """The fitted model as an lsc.Run (for lsc.save_run and the plotting helpers)."""
        check_is_fitted(self)
        result = _lsc.TrainResult(self.model_, _lsc.TrainConfig(**self.config_), self.metrics_,
                                  elapsed_s=self.elapsed_s_, acceptance=self.acceptance_)
        return Run(result, data=self.data_, preprocessing=self.preprocessing_, stopped_early=self.stopped_early_)

    def save_run(self, path):
        """Writes a run folder that the CLI reads (`lsc infer --model PATH`); returns the path."""
        return save_run(path, self)

    @classmethod
    def from_run(cls, run):
        """A fitted estimator from a run folder written by `lsc train` (or an lsc.Run): its
        parameters are the run's resolved configuration, its fitted attributes the learned model."""
        if not isinstance(run, Run):
            run = load_run(run)
        c = run.config
        names = cls._get_param_names()
        params = {"n_components": c.K, "prior": c.prior, "pi": c.pi, "lam": c.lam, "sigma": c.sigma,
                  "random_state": int(c.seed)}
        for name in ("method", "learn_pi", "learn_sigma", "learn_lambda", "steps", "batch", "tau_u", "tau_A",
                     "tau_x", "hold_burn_in", "tau_u0", "tau_sigma", "tau_lambda", "inner_steps", "sampler",
                     "temperature", "normalize", "var_goal", "init_scale"):
            if name in names:
                params[name] = getattr(c, name)
        if cls._method is not None and c.method != cls._method:
            raise _lsc.LscError(f"the run was learned with method '{c.method}'; load it with "
                                f"LangevinDictionaryLearning.from_run or the {c.method.upper()} estimator.")
        if params.get("sampler") == "none":
            params["sampler"] = None
        est = cls(**{k: v for k, v in params.items() if k in names})
        est._set_fitted(run)
        est.n_features_in_ = run.D
        return est

    # ---- coefficients ----------------------------------------------------------------------------
    def _infer_options(self, method, samples=None, burn_in=None, chains=None):
        return dict(method=method, chains=self.transform_chains if chains is None else chains,
                    samples=self.transform_samples if samples is None else samples,
                    burn_in=self.transform_burn_in if burn_in is None else burn_in,
                    tau_u=self.transform_tau_u if method in _SAMPLING else None,
                    map_steps=self.transform_map_steps, seed=self.seed_, threads=self.threads,
                    progress=self.progress)

    def posterior(self, X, *, return_samples=False):
        """The lsc.Posterior of every row of X: mean and p_active (n_samples, K), and the samples
        of chain 0 of every row with return_samples=True (a sampling transform_method only)."""
        check_is_fitted(self)
        X = self._validate_data(X, dtype=np.float64, order="C", reset=False)
        return api.infer(X, self.model_, return_samples=return_samples,
                         **self._infer_options(self._transform_method()))

    def transform(self, X):
        """The coefficients of every row of X, (n_samples, n_components): the posterior mean
        (transform_method langevin or mala) or the MAP estimate (map, lca)."""
        return self.posterior(X).mean

    def sample_posterior(self, X, n_samples=None, *, burn_in=None):
        """Samples of s | x for every row of X, (n_samples, n_rows, n_components): one chain per
        row, n_samples recorded steps after burn_in (defaults: transform_samples and
        transform_burn_in, else `lsc infer`'s). Uses transform_method when it samples, else mala."""
        check_is_fitted(self)
        X = self._validate_data(X, dtype=np.float64, order="C", reset=False)
        method = self._transform_method()
        method = method if method in _SAMPLING else "mala"
        p = api.infer(X, self.model_, return_samples=True,
                      **self._infer_options(method, samples=n_samples, burn_in=burn_in, chains=1))
        return p.samples

    # ---- likelihood -------------------------------------------------------------------------------
    def score_samples(self, X):
        """log p(x) of every row of X under the fitted model, in nats, by annealed importance
        sampling (lsc.evaluate_loglik at its defaults: 16 chains, 200 steps); lsc.evaluate_loglik
        gives the error bars and more control."""
        check_is_fitted(self)
        X = self._validate_data(X, dtype=np.float64, order="C", reset=False)
        return api.evaluate_loglik(X, self.model_, seed=self.seed_, threads=self.threads,
                                   progress=self.progress).log_px

    def score(self, X, y=None):
        """The mean log-likelihood per row of X (nats), as scikit-learn's density models score:
        higher is better, comparable across methods and priors (SVAE Table 1)."""
        return float(np.mean(self.score_samples(X)))

    def _more_tags(self):
        reason = _SCORE_REASON
        if self._transform_method() in _SAMPLING:
            reason = _SUBSET_REASON + " " + _SCORE_REASON
        return {"preserves_dtype": [np.float64],
                "_xfail_checks": {"check_methods_subset_invariance": reason,
                                  "check_methods_sample_order_invariance": reason}}


_COMMON_DOC = """
    Parameters left as None take the core's defaults (docs/parameters.md, lsc.resolve_defaults).

    n_components : K, the number of dictionary elements.
    prior : l0, l1, laplace, gaussian or cauchy.
    lam, sigma : (initial) prior rate λ and noise σ.
    steps, batch : dictionary updates, and data points (= chains) per batch.
    tau_A : dictionary time constant in steps, on batch means (eq. 3.11).
    normalize : unit-norm columns after each update.
    dict_init : (n_components, n_features) starting dictionary (default: random from the seed).
    metrics_every : steps per metrics row (metrics_, progress, and Ctrl-C, which stops at a row).
    transform_method : map, lca, langevin or mala for transform() (None: the learner's own).
    transform_chains, transform_samples, transform_burn_in, transform_tau_u, transform_map_steps :
        the inference options of `lsc infer` for transform() and sample_posterior().
    random_state : int seed (None: the core's default seed 0; a RandomState draws one).
    threads : threads of the core (None or 0: all cores); results do not depend on it.
    callback : callback(row, total_steps) at every metrics row with an lsc.MetricsRow; a true
        return stops the fit there.
    progress : True, False or "auto" (a bar on a terminal or in a notebook).

    Fitted attributes: components_ (n_components, n_features), pi_, sigma_, lambda_, prior_,
    config_ (the resolved lsc.TrainConfig as a dict), metrics_ (the columns of metrics.csv),
    n_iter_, acceptance_ (MALA), elapsed_s_, stopped_early_, seed_, n_features_in_.
"""


class LangevinDictionaryLearning(_SparseCodingBase):
    __doc__ = """Langevin sparse coding (LSC; L0-LSC with prior="l0"): the coefficients are sampled
    by Langevin dynamics (eq. 2.29, 3.9) while the dictionary, and optionally π, σ and λ, learn
    from the samples (eq. 3.11-3.13). method="dsc", "lca" or "ssc" runs a baseline instead.

    pi : (initial) activation probability π of the l0 prior; learn_pi, learn_sigma,
        learn_lambda learn them (eq. 3.13, 2.9, 2.10).
    tau_u : coefficient time constant (ε = 1/τ_u); tau_x : steps a batch is held;
    hold_burn_in : steps per hold without learning; tau_u0, tau_sigma, tau_lambda : parameter
    time constants; sampler : euler or mala; temperature : T of the Langevin noise;
    init_scale : the random start's column norm, times the data's RMS per feature (lsc; 0.1);
    var_goal : dsc, lca: Olshausen & Field's gain control toward this coefficient variance
        instead of unit columns;
    inner_steps : MAP iterations per batch (dsc, lca).
    """ + _COMMON_DOC

    def __init__(self, n_components=None, *, method="lsc", prior=None, pi=None, lam=None, sigma=None,
                 learn_pi=False, learn_sigma=False, learn_lambda=False, steps=None, batch=None, tau_u=None,
                 tau_A=None, tau_x=None, hold_burn_in=None, tau_u0=None, tau_sigma=None, tau_lambda=None,
                 inner_steps=None, sampler=None, temperature=None, normalize=None, dict_init=None,
                 init_scale=None, var_goal=None,
                 metrics_every=None, transform_method=None, transform_chains=None, transform_samples=None,
                 transform_burn_in=None, transform_tau_u=None, transform_map_steps=None, random_state=None,
                 threads=None, callback=None, progress="auto"):
        self.n_components = n_components
        self.method = method
        self.prior = prior
        self.pi = pi
        self.lam = lam
        self.sigma = sigma
        self.learn_pi = learn_pi
        self.learn_sigma = learn_sigma
        self.learn_lambda = learn_lambda
        self.steps = steps
        self.batch = batch
        self.tau_u = tau_u
        self.tau_A = tau_A
        self.tau_x = tau_x
        self.hold_burn_in = hold_burn_in
        self.tau_u0 = tau_u0
        self.tau_sigma = tau_sigma
        self.tau_lambda = tau_lambda
        self.inner_steps = inner_steps
        self.sampler = sampler
        self.temperature = temperature
        self.normalize = normalize
        self.dict_init = dict_init
        self.init_scale = init_scale
        self.var_goal = var_goal
        self.metrics_every = metrics_every
        self.transform_method = transform_method
        self.transform_chains = transform_chains
        self.transform_samples = transform_samples
        self.transform_burn_in = transform_burn_in
        self.transform_tau_u = transform_tau_u
        self.transform_map_steps = transform_map_steps
        self.random_state = random_state
        self.threads = threads
        self.callback = callback
        self.progress = progress


class _NestedSparseCoding(_SparseCodingBase):
    """DSC and LCA: the same parameters, a different MAP solver in the inner loop."""

    def __init__(self, n_components=None, *, prior=None, lam=None, sigma=None, steps=None, batch=None,
                 tau_A=None, inner_steps=None, normalize=None, dict_init=None, metrics_every=None,
                 transform_method=None, transform_chains=None, transform_samples=None, transform_burn_in=None,
                 transform_tau_u=None, transform_map_steps=None, random_state=None, threads=None, callback=None,
                 progress="auto"):
        self.n_components = n_components
        self.prior = prior
        self.lam = lam
        self.sigma = sigma
        self.steps = steps
        self.batch = batch
        self.tau_A = tau_A
        self.inner_steps = inner_steps
        self.normalize = normalize
        self.dict_init = dict_init
        self.metrics_every = metrics_every
        self.transform_method = transform_method
        self.transform_chains = transform_chains
        self.transform_samples = transform_samples
        self.transform_burn_in = transform_burn_in
        self.transform_tau_u = transform_tau_u
        self.transform_map_steps = transform_map_steps
        self.random_state = random_state
        self.threads = threads
        self.callback = callback
        self.progress = progress


class DiscreteSparseCoding(_NestedSparseCoding):
    __doc__ = """Discrete sparse coding (DSC, Alg. 1): for each batch, the MAP coefficients by
    proximal gradient (FISTA, inner_steps iterations) from zero, then one dictionary step and
    column normalization (eq. 2.15). transform() is the MAP estimate.
    """ + _COMMON_DOC
    _method = "dsc"


class LocallyCompetitiveSparseCoding(_NestedSparseCoding):
    __doc__ = """The locally competitive algorithm (LCA, Rozell et al. 2008; eq. 2.22-2.24) as the
    inner loop of DSC-style dictionary learning (inner_steps iterations per batch). transform()
    is LCA's sparse code.
    """ + _COMMON_DOC
    _method = "lca"


class SimultaneousSparseCoding(_SparseCodingBase):
    __doc__ = """Simultaneous sparse coding (SSC, Alg. 2): coefficients follow the noise-free
    gradient flow while the dictionary learns at every step; a new batch every tau_x steps.
    transform() is the MAP estimate.

    tau_u : coefficient time constant; tau_x : steps a batch is held; hold_burn_in : steps per
    hold without learning.
    """ + _COMMON_DOC
    _method = "ssc"

    def __init__(self, n_components=None, *, prior=None, lam=None, sigma=None, steps=None, batch=None,
                 tau_u=None, tau_A=None, tau_x=None, hold_burn_in=None, normalize=None, dict_init=None,
                 metrics_every=None, transform_method=None, transform_chains=None, transform_samples=None,
                 transform_burn_in=None, transform_tau_u=None, transform_map_steps=None, random_state=None,
                 threads=None, callback=None, progress="auto"):
        self.n_components = n_components
        self.prior = prior
        self.lam = lam
        self.sigma = sigma
        self.steps = steps
        self.batch = batch
        self.tau_u = tau_u
        self.tau_A = tau_A
        self.tau_x = tau_x
        self.hold_burn_in = hold_burn_in
        self.normalize = normalize
        self.dict_init = dict_init
        self.metrics_every = metrics_every
        self.transform_method = transform_method
        self.transform_chains = transform_chains
        self.transform_samples = transform_samples
        self.transform_burn_in = transform_burn_in
        self.transform_tau_u = transform_tau_u
        self.transform_map_steps = transform_map_steps
        self.random_state = random_state
        self.threads = threads
        self.callback = callback
        self.progress = progress


DSC = DiscreteSparseCoding
LCA = LocallyCompetitiveSparseCoding
SSC = SimultaneousSparseCoding
