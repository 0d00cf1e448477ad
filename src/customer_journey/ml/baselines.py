"""Baselines the learned candidates must beat: recency alone, a recency + frequency rank-sum, and the
BG/NBD buy-till-you-die model (Fader, Hardie and Lee 2005).

Used by `prediction.train_target`: each baseline is fitted on the same training rows as the
candidates and scored on the same validation rows; a learned candidate is promoted only if it beats
the best baseline by var promotion_margin, otherwise the best baseline is the champion. So every
baseline is an sklearn-like classifier (`fit`, `predict_proba`) over its own raw snapshot columns
(`columns`): a one-number score, turned into a probability by a logistic regression on that score
(which also learns its direction: recent buyers churn less, buy more), then calibrated on the
validation rows like the candidates.

- `baseline_recency`: days since the last order (a customer who never ordered counts as longer ago
  than anyone in training).
- `baseline_rf_rank_sum`: the sum of the recency rank and the frequency rank (orders to date), each
  the share of training rows below it (mid-rank), so a scored row is ranked against training.
- `baseline_bgnbd`: the BG/NBD model's probability of at least one order in the target's horizon.
  A customer buys at rate lambda (gamma(r, alpha) across customers) while alive and drops out after
  each repeat order with probability p (beta(a, b)). Fitted by maximum likelihood on the training
  rows that have ordered (x = orders - 1 repeat orders, t_x = days from the first to the last order,
  T = days since the first order; identical histories are counted once with their weight); a
  customer who never ordered gets the training rate of a first order within the horizon.

No maintained library was used: `lifetimes` is unmaintained and `btyd` pins pymc < 5; the model is
a few lines of scipy (gammaln, hyp2f1) and the tests check it recovers known parameters from data
simulated from the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, gammaln, hyp2f1, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

RECENCY, FREQUENCY, AGE = "recency_days", "orders_lifetime", "days_since_first_order"
# every raw snapshot column a baseline reads (model_registry transfers these beside the features)
BASELINE_COLUMNS = (RECENCY, FREQUENCY, AGE)


# --- BG/NBD ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgNbdParams:
    """The BG/NBD parameters: purchase rates gamma(r, alpha) (alpha in days), drop-out beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


def bgnbd_log_likelihood(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood of x repeat orders, the last at t_x, observed for T (Fader, Hardie
    and Lee 2005, equation 6), vectorised."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype="float64")
    t_x, T = np.asarray(t_x, dtype="float64"), np.asarray(T, dtype="float64")
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


@dataclass(frozen=True)
class BgNbdFit:
    """A BG/NBD fit and how the optimiser ended: whether it converged, its message, the weighted mean
    log-likelihood per customer, and the parameters that ended at a bound (not identified by the data)."""

    params: BgNbdParams
    converged: bool
    message: str
    mean_log_likelihood: float
    at_bounds: tuple[str, ...]


def fit_bgnbd(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters (L-BFGS-B on their logarithms, bounded so that data of
    one-time buyers, where a and b are not identified, still ends at finite values). Raises
    ValueError when there are no customers or the optimiser fails."""
    return fit_bgnbd_diagnosed(x, t_x, T, weights).params


def fit_bgnbd_diagnosed(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weights: np.ndarray | None = None) -> BgNbdFit:
    """`fit_bgnbd` with the optimiser's diagnostics (customer_journey.ml.clv refuses a fit that did not
    converge or ended at a bound)."""
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (x, t_x, T))
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype="float64")
    if len(x) == 0 or w.sum() <= 0:
        raise ValueError("BG/NBD: no customer with an order to fit on")
    total = w.sum()

    def objective(theta: np.ndarray) -> float:
        ll = bgnbd_log_likelihood(BgNbdParams(*np.exp(theta)), x, t_x, T)
        return float(-(w * ll).sum() / total)

    scale = max(float(np.average(T, weights=w)), 1.0)
    start = np.log([1.0, scale, 1.0, 1.0])
    bounds = [(-9.0, 9.0), (-9.0, np.log(scale) + 9.0), (-9.0, 9.0), (-9.0, 9.0)]
    fit = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    if not np.isfinite(fit.fun):
        raise ValueError(f"BG/NBD: the likelihood is not finite at the optimum ({fit.message})")
    return BgNbdFit(
        params=BgNbdParams(*(float(v) for v in np.exp(fit.x))),
        converged=bool(fit.success),
        message=str(fit.message),
        mean_log_likelihood=-float(fit.fun),
        at_bounds=parameters_at_bounds(fit.x, bounds, ("r", "alpha", "a", "b")),
    )


def parameters_at_bounds(
    theta: np.ndarray, bounds: list[tuple[float, float]], names: tuple[str, ...], tolerance: float = 1e-3
) -> tuple[str, ...]:
    """The names of the (log-scale) parameters within `tolerance` of their lower or upper bound."""
    return tuple(
        name
        for name, value, (low, high) in zip(names, theta, bounds, strict=True)
        if value - low < tolerance or high - value < tolerance
    )


def probability_alive(params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(still alive at T | x, t_x, T): 1 for a customer without repeat orders (the model lets a
    customer drop out only after a repeat order)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype="float64")
    t_x, T = np.asarray(t_x, dtype="float64"), np.asarray(T, dtype="float64")
    out = np.ones_like(x)
    rep = x > 0
    log_ratio = (r + x[rep]) * (np.log(alpha + T[rep]) - np.log(alpha + t_x[rep]))
    out[rep] = 1.0 / (1.0 + np.exp(np.log(a) - np.log(b + x[rep] - 1) + log_ratio))
    return out


def probability_of_purchase(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, horizon: float
) -> np.ndarray:
    """P(at least one order in (T, T + horizon] | history): alive, and the first order of a Poisson
    process whose rate has the posterior gamma(r + x, alpha + T) comes within the horizon."""
    x, T = np.asarray(x, dtype="float64"), np.asarray(T, dtype="float64")
    none_if_alive = np.exp((params.r + x) * (np.log(params.alpha + T) - np.log(params.alpha + T + horizon)))
    return probability_alive(params, x, t_x, T) * (1.0 - none_if_alive)


def expected_purchases(
    params: BgNbdParams, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, horizon: float
) -> np.ndarray:
    """E[orders in (T, T + horizon] | history] (Fader, Hardie and Lee 2005, equation 10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(x, dtype="float64")
    t_x, T = np.asarray(t_x, dtype="float64"), np.asarray(T, dtype="float64")
    z = horizon / (alpha + T + horizon)
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + horizon)))
    numerator = (a + b + x - 1) / (a - 1) * (1 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, z))
    rep = (x > 0).astype("float64")
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + np.where(x > 0, t_x, T)))
    denominator = 1 + rep * a / (b + np.maximum(x, 1) - 1) * np.exp(log_ratio)
    return numerator / denominator


def simulate_bgnbd(
    params: BgNbdParams, T: np.ndarray, seed: int, horizon: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, repeat orders in (T, T + horizon]) of customers drawn from the model, each observed
    for T days after a first order at time 0. For tests."""
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype="float64")
    n = len(T)
    rate = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    dropout = rng.beta(params.a, params.b, size=n)
    x, t_x, later = np.zeros(n), np.zeros(n), np.zeros(n)
    now, alive = np.zeros(n), np.ones(n, dtype=bool)
    end = T + horizon
    while alive.any():
        now = now + rng.exponential(1.0, size=n) / np.maximum(rate, 1e-300)
        ordered = alive & (now <= end)
        in_window = ordered & (now <= T)
        x[in_window] += 1
        t_x[in_window] = now[in_window]
        later[ordered & (now > T)] += 1
        alive = ordered & (rng.random(n) >= dropout)
    return x, t_x, later


# --- the baselines as classifiers ------------------------------------------------------------------


class ScoreBaseline(ClassifierMixin, BaseEstimator):
    """A one-number score of a row's raw columns, made a probability by a logistic regression on the
    standardised score (fitted on the training rows; its sign is the score's direction)."""

    columns: tuple[str, ...] = ()

    def _fit_score(self, X: pd.DataFrame, y: np.ndarray) -> None:
        """Learn what the score needs from the training rows (nothing by default)."""

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y):
        y = np.asarray(y).astype(int)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(list(X.columns))
        self._fit_score(X, y)
        s = self._score(X)
        self.center_, self.spread_ = float(np.mean(s)), float(np.std(s)) or 1.0
        self.link_ = LogisticRegression().fit(self._standardised(s), y)
        return self

    def _standardised(self, s: np.ndarray) -> np.ndarray:
        return ((s - self.center_) / self.spread_).reshape(-1, 1)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.link_.decision_function(self._standardised(self._score(X)))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = expit(self.decision_function(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def _column(X: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(X[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _mid_rank(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The share of `sorted_values` below each value, counting ties as half (an empirical CDF)."""
    if len(sorted_values) == 0:
        return np.full(len(values), 0.5)
    low = np.searchsorted(sorted_values, values, side="left")
    high = np.searchsorted(sorted_values, values, side="right")
    return (low + high) / (2.0 * len(sorted_values))


class RecencyBaseline(ScoreBaseline):
    """baseline_recency: days since the last order; never ordered = longer ago than anyone."""

    columns: tuple[str, ...] = (RECENCY,)

    def _recency(self, X: pd.DataFrame) -> np.ndarray:
        recency = _column(X, RECENCY)
        return np.where(np.isnan(recency), self.never_, recency)

    def _fit_score(self, X: pd.DataFrame, y: np.ndarray) -> None:
        recency = _column(X, RECENCY)
        self.never_ = float(np.nanmax(recency)) + 1.0 if np.isfinite(recency).any() else 0.0

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        return -self._recency(X)


class RankSumBaseline(RecencyBaseline):
    """baseline_rf_rank_sum: the recency rank (recent = high) plus the frequency rank (orders to date),
    each against the training rows."""

    columns = (RECENCY, FREQUENCY)

    def _fit_score(self, X: pd.DataFrame, y: np.ndarray) -> None:
        super()._fit_score(X, y)
        self.recent_sorted_ = np.sort(-self._recency(X))
        self.orders_sorted_ = np.sort(np.nan_to_num(_column(X, FREQUENCY)))

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        recent = _mid_rank(self.recent_sorted_, -self._recency(X))
        return recent + _mid_rank(self.orders_sorted_, np.nan_to_num(_column(X, FREQUENCY)))


def bgnbd_history(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(has ordered, x, t_x, T) of snapshot rows: repeat orders, days from the first to the last
    order, days since the first order."""
    orders = np.nan_to_num(_column(X, FREQUENCY))
    T = np.nan_to_num(np.clip(_column(X, AGE), 0, None))
    recency = np.nan_to_num(_column(X, RECENCY))
    bought = orders > 0
    x = np.where(bought, orders - 1, 0.0)
    t_x = np.where(bought, np.clip(T - recency, 0, T), 0.0)
    return bought, x, t_x, T


class BgNbdBaseline(ScoreBaseline):
    """baseline_bgnbd: the BG/NBD probability of an order within `horizon_days`."""

    columns = (RECENCY, FREQUENCY, AGE)

    def __init__(self, horizon_days: float = 30.0):
        self.horizon_days = horizon_days

    def _fit_score(self, X: pd.DataFrame, y: np.ndarray) -> None:
        bought, x, t_x, T = bgnbd_history(X)
        histories, weights = np.unique(np.column_stack([x, t_x, T])[bought], axis=0, return_counts=True)
        self.params_ = fit_bgnbd(histories[:, 0], histories[:, 1], histories[:, 2], weights)
        # a customer who never ordered: the training share of them who ordered within the horizon
        # (the model describes repeat orders only); 0.5 when training has none
        never = ~bought
        self.first_order_rate_ = float((y[never].sum() + 0.5) / (never.sum() + 1.0))

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        bought, x, t_x, T = bgnbd_history(X)
        p = np.where(
            bought, probability_of_purchase(self.params_, x, t_x, T, float(self.horizon_days)), self.first_order_rate_
        )
        return logit(np.clip(p, 1e-9, 1 - 1e-9))


def baselines(horizon_days: float) -> dict[str, ScoreBaseline]:
    """The baselines of a target whose label looks `horizon_days` ahead, by algorithm name."""
    return {
        "baseline_recency": RecencyBaseline(),
        "baseline_rf_rank_sum": RankSumBaseline(),
        "baseline_bgnbd": BgNbdBaseline(horizon_days=horizon_days),
    }
