"""Customer lifetime value: how many purchases a customer will make (BG/NBD) times what each will be
worth (Gamma-Gamma), over a horizon, fitted by maximum likelihood on each buyer's purchase history.

- Purchases: the BG/NBD model of `customer_journey.ml.baselines` (Fader, Hardie and Lee 2005): a
  buyer purchases at rate lambda ~ gamma(r, alpha) while alive and drops out after each repeat
  purchase with probability p ~ beta(a, b). Inputs per buyer: x repeat purchases, t_x days from the
  first to the last purchase, T days from the first purchase to the end of the data.
- Value: the Gamma-Gamma model (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves"):
  a purchase is worth z ~ gamma(p, nu), nu ~ gamma(q, v) across customers, independent of how often
  the customer buys. Fitted on the repeat buyers' mean repeat purchase value m_x over x priced repeat
  purchases (the first purchase is left out, as in the paper); a buyer's conditional expected
  purchase value is (v + x m_x) p / (p x + q - 1), a weighted mean of the population's p v / (q - 1)
  and the buyer's own m_x.
- Value over a horizon: E[purchases in the horizon] x E[purchase value], undiscounted.

A purchase is a day with a completed order (int_customer_purchase_histories sums a day's orders), as
in the BTYD literature's daily transaction summaries. A fit is `refused` when the data cannot
support it (no buyers, fewer repeat buyers than var clv_min_repeat_buyers, no prices, no holdout)
and `failed` when the optimiser did not converge, ended at a bound of its search (the data does not
identify the parameter), the repeat buyers' average values have no spread (the same: not identified)
or the fit has no finite mean purchase value (q <= 1): the tables then hold
no number from it, and `clv_model_fits` says why.

Two fits: `calibration` on the days before the holdout (the last third of the data span, at most a
year; var clv_holdout_days), predicting the holdout, which `clv_validation` compares with what the
buyers actually spent there by decile of the prediction; and `all_data`, which
`customer_lifetime_value` uses to predict the next var clv_horizon_days (365) days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from scipy.special import gammaln  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from customer_journey.ml.baselines import (  # noqa: E402
    BgNbdParams,
    expected_purchases,
    fit_bgnbd_diagnosed,
    parameters_at_bounds,
    probability_alive,
)
from customer_journey.ml.plots import assets_dir, chart  # noqa: E402

CALIBRATION, ALL_DATA = "calibration", "all_data"
OK, REFUSED, FAILED = "ok", "refused", "failed"
DECILES = 10
# pandas dtypes that give the warehouse the same column types whether a table has rows or not
STRING, INTEGER, DOUBLE, BOOLEAN, DATE = "string", "Int64", "float64", "boolean", pd.ArrowDtype(pa.date32())


def typed(frame: pd.DataFrame | None, schema: dict[str, object]) -> pd.DataFrame:
    """`frame`'s columns of `schema`, in its order, cast to its dtypes (no rows when `frame` is None)."""
    if frame is None:
        frame = pd.DataFrame({name: pd.Series([], dtype="object") for name in schema})
    out = {}
    for name, dtype in schema.items():
        column = frame[name].reset_index(drop=True)
        if dtype is DATE:
            stamps = pd.to_datetime(column.astype("object"), errors="coerce").to_numpy(dtype="datetime64[ns]")
            out[name] = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(stamps, from_pandas=True).cast(pa.date32())))
        else:
            out[name] = column.astype(dtype)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class ClvSettings:
    min_repeat_buyers: int = 30
    horizon_days: int = 365


@dataclass(frozen=True)
class Period:
    """The columns of int_customer_purchase_histories one fit reads (x, t_x, T, priced x, m_x)."""

    name: str
    x: str
    t_x: str
    T: str
    priced: str
    monetary: str


PERIODS = {
    CALIBRATION: Period(
        CALIBRATION,
        "calibration_repeat_purchases",
        "calibration_days_to_last_purchase",
        "calibration_days_observed",
        "calibration_priced_repeat_purchases",
        "calibration_avg_repeat_purchase_value",
    ),
    ALL_DATA: Period(
        ALL_DATA,
        "repeat_purchases",
        "days_to_last_purchase",
        "days_observed",
        "priced_repeat_purchases",
        "avg_repeat_purchase_value",
    ),
}
# every column of int_customer_purchase_histories the models read
HISTORY_COLUMNS = (
    "customer_id",
    *(
        getattr(PERIODS[name], part)
        for name in (ALL_DATA, CALIBRATION)
        for part in ("x", "t_x", "T", "priced", "monetary")
    ),
    "revenue",
    "holdout_purchases",
    "holdout_revenue",
    "holdout_days",
    "is_calibration_customer",
    "first_purchase_date",
    "last_purchase_date",
    "calibration_end_date",
    "last_data_date",
)


# --- Gamma-Gamma -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GammaGammaParams:
    """Purchase values z ~ gamma(shape p, rate nu), nu ~ gamma(shape q, rate v) across customers."""

    p: float
    q: float
    v: float

    @property
    def mean_purchase_value(self) -> float:
        """The population's expected purchase value p v / (q - 1) (infinite when q <= 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")


@dataclass(frozen=True)
class GammaGammaFit:
    params: GammaGammaParams
    converged: bool
    message: str
    mean_log_likelihood: float
    at_bounds: tuple[str, ...]


def gamma_gamma_log_likelihood(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Each customer's log-likelihood of the mean m of x purchase values (x m ~ gamma(p x, nu),
    nu integrated out), vectorised."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters from repeat buyers' purchase counts x (> 0) and mean
    purchase values m (> 0): L-BFGS-B on the logarithms, bounded like the BG/NBD fit. Raises
    ValueError when there is no such buyer or the likelihood is not finite at the optimum."""
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    keep = (x > 0) & np.isfinite(m) & (m > 0)
    x, m = x[keep], m[keep]
    if len(x) == 0:
        raise ValueError("Gamma-Gamma: no repeat buyer with a positive purchase value to fit on")

    def objective(theta: np.ndarray) -> float:
        return float(-gamma_gamma_log_likelihood(GammaGammaParams(*np.exp(theta)), x, m).mean())

    scale = float(np.log(np.mean(m)))
    # start: p = 1, q = 2, v = the mean value (the population mean p v / (q - 1) equals it)
    start = np.array([0.0, np.log(2.0), scale])
    bounds = [(-9.0, 9.0), (-9.0, 9.0), (scale - 9.0, scale + 18.0)]
    fit = minimize(objective, start, method="L-BFGS-B", bounds=bounds)
    if not np.isfinite(fit.fun):
        raise ValueError(f"Gamma-Gamma: the likelihood is not finite at the optimum ({fit.message})")
    return GammaGammaFit(
        params=GammaGammaParams(*(float(v) for v in np.exp(fit.x))),
        converged=bool(fit.success),
        message=str(fit.message),
        mean_log_likelihood=-float(fit.fun),
        at_bounds=parameters_at_bounds(fit.x, bounds, ("p", "q", "v")),
    )


def expected_purchase_value(params: GammaGammaParams, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """E[purchase value | x priced repeat purchases of mean m]: (v + x m) p / (p x + q - 1); the
    population mean p v / (q - 1) for a buyer without one (x = 0 or m unknown)."""
    p, q, v = params.p, params.q, params.v
    x, m = np.asarray(x, dtype="float64"), np.asarray(m, dtype="float64")
    known = (x > 0) & np.isfinite(m)
    xs, ms = np.where(known, x, 0.0), np.where(known, m, 0.0)
    return (v + xs * ms) * p / (p * xs + q - 1)


def simulate_gamma_gamma(params: GammaGammaParams, x: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean of x purchase values, the customer's true expected value p / nu) of customers drawn from
    the model. For tests."""
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype="float64")
    nu = rng.gamma(params.q, 1.0 / params.v, size=len(x))
    return rng.gamma(params.p * x, 1.0 / nu) / x, params.p / nu


# --- the fits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClvFit:
    """One fit (calibration or all_data): what it could do and why, and its parameters when it did."""

    period: str
    purchase_status: str
    purchase_reason: str
    value_status: str
    value_reason: str
    customers: int
    repeat_buyers: int
    priced_repeat_buyers: int
    horizon_days: int | None
    period_end_date: dt.date | None
    bgnbd: BgNbdParams | None = None
    bgnbd_log_likelihood: float | None = None
    gamma_gamma: GammaGammaParams | None = None
    gamma_gamma_log_likelihood: float | None = None
    frequency_value_correlation: float | None = None
    horizon_note: str | None = None

    @property
    def status(self) -> str:
        statuses = {self.purchase_status, self.value_status}
        return OK if statuses == {OK} else FAILED if FAILED in statuses else REFUSED

    @property
    def status_reason(self) -> str:
        if self.status == OK:
            return (
                f"fitted on {self.customers} buyers, {self.repeat_buyers} of them repeat buyers "
                f"({self.priced_repeat_buyers} with known amounts)"
            )
        parts = []
        if self.purchase_status != OK:
            parts.append(f"purchase model (BG/NBD) {self.purchase_status}: {self.purchase_reason}")
        if self.value_status != OK:
            parts.append(f"order-value model (Gamma-Gamma) {self.value_status}: {self.value_reason}")
        return "; ".join(parts)


def _first(frame: pd.DataFrame, column: str):
    return frame[column].iloc[0] if len(frame) else None


def _optimiser_problem(model: str, converged: bool, message: str, at_bounds: tuple[str, ...]) -> str | None:
    if not converged:
        return f"the {model} optimiser did not converge ({message})"
    if at_bounds:
        return (
            f"{model} parameter(s) {', '.join(at_bounds)} ended at the bound of the search (e^+-9): "
            "the data does not identify them"
        )
    return None


def history_arrays(histories: pd.DataFrame, period: str) -> tuple[np.ndarray, ...]:
    """(x, t_x, T, priced x, m_x) of a period's buyers as float arrays (m_x NaN when unknown)."""
    cols = PERIODS[period]
    return tuple(
        pd.to_numeric(histories[c], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        for c in (cols.x, cols.t_x, cols.T, cols.priced, cols.monetary)
    )


def period_buyers(histories: pd.DataFrame, period: str) -> pd.DataFrame:
    """The buyers a fit sees: everyone for all_data; those who bought before the holdout for calibration."""
    if period == ALL_DATA:
        return histories
    return histories[histories["is_calibration_customer"].fillna(False).astype(bool)]


def fit_period(histories: pd.DataFrame, period: str, settings: ClvSettings) -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on one period's histories, refusing or failing with the reason."""
    buyers = period_buyers(histories, period)
    horizon = settings.horizon_days if period == ALL_DATA else _first(histories, "holdout_days")
    end = _first(histories, "last_data_date" if period == ALL_DATA else "calibration_end_date")
    x, t_x, T, priced, m = history_arrays(buyers, period)
    valued = (priced > 0) & np.isfinite(m) & (m > 0)
    base = dict(
        period=period,
        customers=len(buyers),
        repeat_buyers=int((x > 0).sum()),
        priced_repeat_buyers=int(valued.sum()),
        horizon_days=None if horizon is None else int(horizon),
        period_end_date=end,
    )
    when = "in the data" if period == ALL_DATA else f"up to the calibration end ({end})"
    observed = float(np.nanmax(T)) if len(T) else 0.0
    if period == ALL_DATA and horizon is not None and int(horizon) > observed:
        holdout = _first(histories, "holdout_days")
        base["horizon_note"] = (
            f"extrapolated: the {int(horizon)}-day horizon (var clv_horizon_days) is longer than the "
            f"{observed:.0f} days of purchase history the fit saw; the holdout check covers {holdout} days only"
        )
    refusal = None
    if len(histories) == 0:
        refusal = "no completed order in the data: no buyer to fit on"
    elif period == CALIBRATION and int(horizon) < 1:
        refusal = "the data span leaves no holdout days (var clv_holdout_days): nothing to validate on"
    elif len(buyers) == 0:
        refusal = f"no completed order {when}: no buyer to fit on"
    if refusal:
        return ClvFit(
            purchase_status=REFUSED, purchase_reason=refusal, value_status=REFUSED, value_reason=refusal, **base
        )

    purchase = _fit_purchases(x, t_x, T, float(horizon), settings, when)
    value = _fit_values(buyers, priced[valued], m[valued], settings, when)
    correlation = None
    if valued.sum() > 2 and np.std(x[valued]) > 0 and np.std(m[valued]) > 0:
        correlation = float(np.corrcoef(x[valued], m[valued])[0, 1])
    return ClvFit(**purchase, **value, frequency_value_correlation=correlation, **base)


def _fit_purchases(x, t_x, T, horizon: float, settings: ClvSettings, when: str) -> dict:
    repeat = int((x > 0).sum())
    if repeat < settings.min_repeat_buyers:
        reason = (
            f"{repeat} repeat buyers (customers with purchases on two or more days) {when} among {len(x)} buyers, "
            f"fewer than var clv_min_repeat_buyers ({settings.min_repeat_buyers})"
        )
        return {"purchase_status": REFUSED, "purchase_reason": reason}
    histories, weights = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    try:
        fit = fit_bgnbd_diagnosed(histories[:, 0], histories[:, 1], histories[:, 2], weights)
    except ValueError as error:
        return {"purchase_status": FAILED, "purchase_reason": str(error)}
    problem = _optimiser_problem("BG/NBD", fit.converged, fit.message, fit.at_bounds)
    if problem is None:
        predicted = expected_purchases(fit.params, x, t_x, T, horizon)
        if not (np.isfinite(predicted).all() and (predicted >= 0).all()):
            problem = "the BG/NBD fit predicts negative or non-finite purchases"
    if problem:
        return {"purchase_status": FAILED, "purchase_reason": problem}
    return {
        "purchase_status": OK,
        "purchase_reason": "fitted",
        "bgnbd": fit.params,
        "bgnbd_log_likelihood": fit.mean_log_likelihood,
    }


def _fit_values(buyers: pd.DataFrame, x: np.ndarray, m: np.ndarray, settings: ClvSettings, when: str) -> dict:
    revenue = pd.to_numeric(buyers["revenue"], errors="coerce")
    if when != "in the data":  # calibration: the amounts before the holdout only
        revenue = revenue - pd.to_numeric(buyers["holdout_revenue"], errors="coerce").fillna(0)
    if revenue.notna().sum() == 0:
        reason = f"no prices: no completed order {when} has an amount"
        return {"value_status": REFUSED, "value_reason": reason}
    if len(x) < settings.min_repeat_buyers:
        reason = (
            f"{len(x)} repeat buyers with known positive amounts {when}, "
            f"fewer than var clv_min_repeat_buyers ({settings.min_repeat_buyers})"
        )
        return {"value_status": REFUSED, "value_reason": reason}
    if np.ptp(m) <= 1e-9 * np.max(np.abs(m)):
        # no spread between customers: the likelihood rises without end as p and q grow, and where the
        # optimiser stops (at the bound, or earlier on a flat slope) depends on the machine's arithmetic
        reason = (
            f"every repeat buyer's average purchase value {when} is {m[0]:.6g}: with no spread between "
            "customers the Gamma-Gamma parameters are not identified"
        )
        return {"value_status": FAILED, "value_reason": reason}
    try:
        fit = fit_gamma_gamma(x, m)
    except ValueError as error:
        return {"value_status": FAILED, "value_reason": str(error)}
    problem = _optimiser_problem("Gamma-Gamma", fit.converged, fit.message, fit.at_bounds)
    if problem is None and fit.params.q <= 1:
        problem = f"q = {fit.params.q:.3g} <= 1: the fitted purchase values have no finite mean"
    if problem:
        return {"value_status": FAILED, "value_reason": problem}
    return {
        "value_status": OK,
        "value_reason": "fitted",
        "gamma_gamma": fit.params,
        "gamma_gamma_log_likelihood": fit.mean_log_likelihood,
    }


FIT_SCHEMA: dict[str, object] = {
    "fit_period": STRING,
    "status": STRING,
    "status_reason": STRING,
    "purchase_model_status": STRING,
    "value_model_status": STRING,
    "customers": INTEGER,
    "repeat_buyers": INTEGER,
    "priced_repeat_buyers": INTEGER,
    "horizon_days": INTEGER,
    "bgnbd_r": DOUBLE,
    "bgnbd_alpha": DOUBLE,
    "bgnbd_a": DOUBLE,
    "bgnbd_b": DOUBLE,
    "bgnbd_mean_log_likelihood": DOUBLE,
    "gamma_gamma_p": DOUBLE,
    "gamma_gamma_q": DOUBLE,
    "gamma_gamma_v": DOUBLE,
    "gamma_gamma_mean_log_likelihood": DOUBLE,
    "population_mean_purchase_value": DOUBLE,
    "frequency_value_correlation": DOUBLE,
    "horizon_note": STRING,
    "period_end_date": DATE,
}


def fit_row(fit: ClvFit) -> dict:
    bg, gg = fit.bgnbd, fit.gamma_gamma
    return {
        "fit_period": fit.period,
        "status": fit.status,
        "status_reason": fit.status_reason,
        "purchase_model_status": fit.purchase_status,
        "value_model_status": fit.value_status,
        "customers": fit.customers,
        "repeat_buyers": fit.repeat_buyers,
        "priced_repeat_buyers": fit.priced_repeat_buyers,
        "horizon_days": fit.horizon_days,
        "bgnbd_r": bg.r if bg else None,
        "bgnbd_alpha": bg.alpha if bg else None,
        "bgnbd_a": bg.a if bg else None,
        "bgnbd_b": bg.b if bg else None,
        "bgnbd_mean_log_likelihood": fit.bgnbd_log_likelihood,
        "gamma_gamma_p": gg.p if gg else None,
        "gamma_gamma_q": gg.q if gg else None,
        "gamma_gamma_v": gg.v if gg else None,
        "gamma_gamma_mean_log_likelihood": fit.gamma_gamma_log_likelihood,
        "population_mean_purchase_value": gg.mean_purchase_value if gg else None,
        "frequency_value_correlation": fit.frequency_value_correlation,
        "horizon_note": fit.horizon_note,
        "period_end_date": fit.period_end_date,
    }


def fit_table(histories: pd.DataFrame, settings: ClvSettings) -> pd.DataFrame:
    """clv_model_fits: one row per fit (calibration, all_data)."""
    # L-BFGS-B calls LAPACK on 4 x 4 matrices every step: with BLAS threads (OpenBLAS spins them up
    # per call) the fits took 7 times as long on a busy 2-core machine (0.9 s against 0.12 s)
    with threadpool_limits(limits=1, user_api="blas"):
        rows = [fit_row(fit_period(histories, period, settings)) for period in (CALIBRATION, ALL_DATA)]
    return typed(pd.DataFrame(rows), FIT_SCHEMA)


def stored_params(fits: pd.DataFrame, period: str) -> tuple[BgNbdParams | None, GammaGammaParams | None, int]:
    """(BG/NBD, Gamma-Gamma, horizon days) as clv_model_fits stored them for a period: None for a
    model that is not 'ok'."""
    row = fits[fits["fit_period"] == period]
    if row.empty:
        return None, None, 0
    row = row.iloc[0]
    bg = BgNbdParams(*(float(row[f"bgnbd_{n}"]) for n in ("r", "alpha", "a", "b")))
    gg = GammaGammaParams(*(float(row[f"gamma_gamma_{n}"]) for n in ("p", "q", "v")))
    return (
        bg if row["purchase_model_status"] == OK else None,
        gg if row["value_model_status"] == OK else None,
        0 if pd.isna(row["horizon_days"]) else int(row["horizon_days"]),
    )


def predict(
    histories: pd.DataFrame, period: str, bgnbd: BgNbdParams, gamma_gamma: GammaGammaParams | None, horizon: float
) -> pd.DataFrame:
    """Per buyer of the period: predicted purchases and value in the `horizon` days after the period,
    probability alive and expected purchase value (value columns NaN without a value model)."""
    buyers = period_buyers(histories, period)
    x, t_x, T, priced, m = history_arrays(buyers, period)
    purchases = expected_purchases(bgnbd, x, t_x, T, horizon) if len(x) else np.zeros(0)
    value = expected_purchase_value(gamma_gamma, priced, m) if gamma_gamma else np.full(len(x), np.nan)
    return pd.DataFrame(
        {
            "customer_id": buyers["customer_id"].to_numpy(),
            "predicted_purchases": purchases,
            "probability_alive": probability_alive(bgnbd, x, t_x, T) if len(x) else np.zeros(0),
            "expected_purchase_value": value,
            "predicted_value": purchases * value,
        },
        index=buyers.index,
    )


def deciles(score: pd.Series, customer_id: pd.Series) -> np.ndarray:
    """1 for the tenth of customers with the highest score ... 10 for the lowest (ties broken by
    customer_id), ten groups whose sizes differ by at most one."""
    order = np.lexsort((customer_id.astype(str).to_numpy(), -score.to_numpy(dtype="float64")))
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    return rank * DECILES // max(len(order), 1) + 1


# --- customer_lifetime_value -----------------------------------------------------------------------

CLV_SCHEMA: dict[str, object] = {
    "customer_id": STRING,
    "repeat_purchases": INTEGER,
    "days_to_last_purchase": INTEGER,
    "days_observed": INTEGER,
    "priced_repeat_purchases": INTEGER,
    "avg_repeat_purchase_value": DOUBLE,
    "revenue_to_date": DOUBLE,
    "predicted_purchases": DOUBLE,
    "probability_alive": DOUBLE,
    "expected_purchase_value": DOUBLE,
    "predicted_clv": DOUBLE,
    "clv_decile": INTEGER,
    "horizon_days": INTEGER,
    "first_purchase_date": DATE,
    "last_purchase_date": DATE,
    "prediction_start_date": DATE,
    "prediction_end_date": DATE,
}


def lifetime_value_table(histories: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """customer_lifetime_value: every buyer's predicted purchases and value over the all_data fit's
    horizon, from the parameters clv_model_fits stored (no rows when its purchase model is not 'ok';
    value columns null when its value model is not)."""
    bgnbd, gamma_gamma, horizon = stored_params(fits, ALL_DATA)
    if bgnbd is None or histories.empty:
        return typed(None, CLV_SCHEMA)
    predicted = predict(histories, ALL_DATA, bgnbd, gamma_gamma, horizon)
    start = pd.to_datetime(histories["last_data_date"].astype("object")) + pd.Timedelta(days=1)
    frame = histories.rename(columns={"revenue": "revenue_to_date"}).assign(
        predicted_purchases=predicted["predicted_purchases"],
        probability_alive=predicted["probability_alive"],
        expected_purchase_value=predicted["expected_purchase_value"],
        predicted_clv=predicted["predicted_value"],
        clv_decile=None if gamma_gamma is None else deciles(predicted["predicted_value"], histories["customer_id"]),
        horizon_days=horizon,
        prediction_start_date=start,
        prediction_end_date=start + pd.Timedelta(days=horizon - 1),
    )
    return typed(frame, CLV_SCHEMA)


# --- clv_validation --------------------------------------------------------------------------------

VALIDATION_SCHEMA: dict[str, object] = {
    "decile": INTEGER,
    "ranked_by": STRING,
    "customers": INTEGER,
    "predicted_purchases": DOUBLE,
    "actual_purchases": DOUBLE,
    "predicted_revenue": DOUBLE,
    "actual_revenue": DOUBLE,
    "revenue_ratio": DOUBLE,
    "min_predicted_revenue": DOUBLE,
    "cohort_customers": INTEGER,
    "cohort_predicted_purchases": DOUBLE,
    "cohort_actual_purchases": DOUBLE,
    "cohort_predicted_revenue": DOUBLE,
    "cohort_actual_revenue": DOUBLE,
    "cohort_revenue_error": DOUBLE,
    "revenue_correlation": DOUBLE,
    "purchases_correlation": DOUBLE,
    "holdout_days": INTEGER,
    "is_decile_order_monotone": BOOLEAN,
    "calibration_end_date": DATE,
    "holdout_end_date": DATE,
}


def holdout_predictions(histories: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame | None:
    """Per calibration buyer: the calibration fit's predicted holdout purchases and revenue beside
    what the buyer bought in the holdout; None when the calibration purchase model is not 'ok'."""
    bgnbd, gamma_gamma, horizon = stored_params(fits, CALIBRATION)
    if bgnbd is None:
        return None
    predicted = predict(histories, CALIBRATION, bgnbd, gamma_gamma, horizon)
    buyers = period_buyers(histories, CALIBRATION)
    predicted["actual_purchases"] = buyers["holdout_purchases"].astype("float64")
    predicted["actual_revenue"] = pd.to_numeric(buyers["holdout_revenue"], errors="coerce").astype("float64")
    return predicted


def _correlation(a: pd.Series, b: pd.Series) -> float | None:
    both = a.notna() & b.notna()
    if both.sum() < 3 or a[both].std() == 0 or b[both].std() == 0:
        return None
    return float(np.corrcoef(a[both], b[both])[0, 1])


def validation_table(histories: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """clv_validation: the calibration buyers in ten equal groups by predicted holdout revenue (by
    predicted purchases when the value model is not 'ok'), each group's predicted and actual
    purchases and revenue in the holdout, and the cohort's totals and correlations on every row."""
    predicted = holdout_predictions(histories, fits)
    if predicted is None or predicted.empty:
        return typed(None, VALIDATION_SCHEMA)
    by_value = bool(predicted["predicted_value"].notna().all())
    score = predicted["predicted_value" if by_value else "predicted_purchases"]
    predicted["decile"] = deciles(score, predicted["customer_id"])
    groups = predicted.groupby("decile")
    table = pd.DataFrame(
        {
            "customers": groups.size(),
            "predicted_purchases": groups["predicted_purchases"].sum(),
            "actual_purchases": groups["actual_purchases"].sum(),
            "predicted_revenue": groups["predicted_value"].sum(min_count=1),
            "actual_revenue": groups["actual_revenue"].sum(min_count=1),
            "min_predicted_revenue": groups["predicted_value"].min(),
        }
    ).reset_index()
    table["revenue_ratio"] = table["predicted_revenue"] / table["actual_revenue"].where(table["actual_revenue"] > 0)
    total_predicted = predicted["predicted_value"].sum(min_count=1)
    total_actual = predicted["actual_revenue"].sum(min_count=1)
    # the buyers ranked higher bought more in the holdout, decile after decile (per buyer: the
    # deciles differ in size by at most one)
    per_buyer = (table["actual_revenue"] if by_value else table["actual_purchases"]) / table["customers"]
    monotone = bool(per_buyer.notna().all() and (per_buyer.diff().dropna() <= 0).all())
    table = table.assign(
        ranked_by="predicted_revenue" if by_value else "predicted_purchases",
        cohort_customers=len(predicted),
        cohort_predicted_purchases=predicted["predicted_purchases"].sum(),
        cohort_actual_purchases=predicted["actual_purchases"].sum(),
        cohort_predicted_revenue=total_predicted,
        cohort_actual_revenue=total_actual,
        cohort_revenue_error=(total_predicted - total_actual) / total_actual if total_actual > 0 else np.nan,
        revenue_correlation=_correlation(predicted["predicted_value"], predicted["actual_revenue"]),
        purchases_correlation=_correlation(predicted["predicted_purchases"], predicted["actual_purchases"]),
        holdout_days=stored_params(fits, CALIBRATION)[2],
        is_decile_order_monotone=monotone,
        calibration_end_date=histories["calibration_end_date"].iloc[0],
        holdout_end_date=histories["last_data_date"].iloc[0],
    )
    return typed(table, VALIDATION_SCHEMA)


@chart
def validation_plot(table: pd.DataFrame, fits: pd.DataFrame) -> Path:
    """Predicted and actual holdout revenue (or purchases) by decile of the prediction; a refused or
    failed calibration fit's reason as the title. Saved as clv_validation.png in the assets folder."""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    if table.empty:
        row = fits[fits["fit_period"] == CALIBRATION]
        reason = str(row["status_reason"].iloc[0]) if len(row) else "no calibration fit"
        ax.axis("off")
        fig.suptitle(f"CLV validation not possible: {reason[:110]}", fontsize=9, color="tab:red")
    else:
        by_value = table["ranked_by"].iloc[0] == "predicted_revenue"
        what = "revenue" if by_value else "purchases"
        decile = table["decile"].to_numpy(dtype="float64")
        ax.bar(decile - 0.2, table[f"predicted_{what}"], 0.4, label="predicted (calibration fit)")
        ax.bar(decile + 0.2, table[f"actual_{what}"], 0.4, label="actual", color="tab:orange")
        ax.set_xticks(decile, [str(int(d)) for d in decile])
        ax.set(xlabel="decile of the prediction (1 = highest)", ylabel=f"holdout {what}")
        days = int(table["holdout_days"].iloc[0])
        error, correlation = table["cohort_revenue_error"].iloc[0], table["revenue_correlation"].iloc[0]
        title = f"Holdout of {days} days, by predicted purchases (no order-value model)"
        if by_value and pd.notna(error) and pd.notna(correlation):
            title = (
                f"Holdout of {days} days: predicted total {error:+.1%} off the actual, correlation {correlation:.2f}"
            )
        ax.set_title(title, fontsize=10)
        ax.legend(loc="best")
    path = assets_dir() / "clv_validation.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
