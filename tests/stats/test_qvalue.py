"""Storey q-values and pi0 against Bioconductor qvalue 2.30.0 (tests/data/reference, from phyper.R).

Achieved agreement with R (R 4.2.2, qvalue 2.30.0), measured when this file was written:

* raw pi0(lambda): bitwise identical on both reference vectors;
* smoothed pi0(lambda) curve (``pi0_smooth`` columns): worst relative difference 1.9e-13;
* pi0: 200 p-values exactly 1 (capped, as R); 1000 p-values 5.8e-14 relative
  (0.8003449628233658 vs R's 0.8003449628233192);
* q-values: 200 p-values bitwise identical; 1000 p-values worst relative difference 5.8e-14.

The tolerances below are set a little above these. Getting there needs R's spar
parameterisation and Brent search, R's 0.333 (not 1/3) in the penalty Gram
matrix and the fit at the last spar evaluated; without the last two the
smoothed curve is off by up to 2e-6 and 2e-5 relative. A plain natural cubic
smoothing spline with trace(S) = 3 exactly (scipy's make_smoothing_spline,
checked below as an independent cross-check) is within 2.5e-5 of R's curve.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import make_smoothing_spline
from scipy.optimize import brentq
from statsmodels.stats.multitest import multipletests

from conftest import DATA, read_reference
from pfocr_enrich.stats.qvalue import (
    _default_lambdas,
    _pi0_lambda,
    _smooth_spline_predict,
    estimate_pi0,
    qvalue,
)

REF = DATA / "reference"
R_LAMBDAS = np.round(np.arange(1, 20) * 0.05, 2)  # the values, not R's bits

RTOL_RAW = 1e-12  # achieved: 0 (bitwise)
RTOL_SMOOTH = 1e-12  # achieved: 1.9e-13
RTOL_PI0 = 1e-12  # achieved: 0 (200 p) and 5.8e-14 (1000 p)
RTOL_Q = 1e-12  # achieved: 0 (200 p) and 5.8e-14 (1000 p)


def _read(name: str):
    return read_reference(name)


def _read_one(name: str) -> float:
    return float((REF / name).read_text().strip())


@pytest.fixture(scope="module")
def lambda_table():
    return _read("qvalue_pi0_lambda.tsv")


CASES = [  # (q-value table, pi0 file, column suffix in qvalue_pi0_lambda.tsv)
    ("qvalue.tsv", "qvalue_pi0.txt", "200"),
    ("qvalue_1000.tsv", "qvalue_1000_pi0.txt", "1000"),
]


# ---------------------------------------------------------------------------
# Against R
# ---------------------------------------------------------------------------


def test_default_lambdas_are_r_seq(lambda_table):
    lam = _default_lambdas()
    np.testing.assert_array_equal(lam, lambda_table["lambda"].to_numpy())  # same bits as R's seq()
    np.testing.assert_allclose(lam, R_LAMBDAS, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("table", "pi0_file", "col"), CASES)
def test_raw_pi0_lambda_matches_r(lambda_table, table, pi0_file, col):
    p = _read(table)["pvalue"].to_numpy()
    raw = _pi0_lambda(p, _default_lambdas())
    np.testing.assert_allclose(raw, lambda_table[f"pi0_lambda_{col}"], rtol=RTOL_RAW, atol=0)


@pytest.mark.parametrize(("table", "pi0_file", "col"), CASES)
def test_smoothed_pi0_curve_matches_r_smooth_spline(lambda_table, table, pi0_file, col):
    lam = _default_lambdas()
    smoothed = _smooth_spline_predict(lam, lambda_table[f"pi0_lambda_{col}"].to_numpy(), 3.0)
    np.testing.assert_allclose(
        smoothed, lambda_table[f"pi0_smooth_{col}"], rtol=RTOL_SMOOTH, atol=0
    )


@pytest.mark.parametrize(("table", "pi0_file", "col"), CASES)
def test_pi0_and_qvalues_match_r(table, pi0_file, col):
    ref = _read(table)
    r_pi0 = _read_one(pi0_file)
    p = ref["pvalue"].to_numpy()
    q, pi0 = qvalue(p)
    assert type(pi0) is float
    assert pi0 == pytest.approx(r_pi0, rel=RTOL_PI0, abs=0)
    assert estimate_pi0(p) == pi0
    assert q.dtype == np.float64 and q.shape == p.shape
    np.testing.assert_allclose(q, ref["qvalue"], rtol=RTOL_Q, atol=0)


def test_reference_sets_cover_pi0_one_and_below_one():
    assert _read_one("qvalue_pi0.txt") == 1.0
    assert 0.8 < _read_one("qvalue_1000_pi0.txt") < 0.801
    # the 200-vector's smoother ends above 1 and is capped, exactly as in R
    assert estimate_pi0(_read("qvalue.tsv")["pvalue"]) == 1.0


def test_pi0_one_gives_r_bh_with_ties_and_ones():
    ref = _read("p_adjust.tsv")  # has exact ties and exact 1s
    q, pi0 = qvalue(ref["pvalue"], pi0=1.0)
    assert pi0 == 1.0
    np.testing.assert_allclose(q, ref["BH"], rtol=1e-15, atol=0)


def test_independent_natural_spline_with_exact_trace_is_close_to_r(lambda_table):
    """Cross-check: scipy natural cubic smoothing spline whose smoother trace is exactly 3."""
    x = lambda_table["lambda"].to_numpy()
    eye = np.eye(x.size)

    def trace(log10_lam: float) -> float:
        return sum(
            float(make_smoothing_spline(x, eye[i], lam=10**log10_lam)(x[i])) for i in range(x.size)
        )

    log10_lam = brentq(lambda v: trace(v) - 3.0, -8.0, 2.0, xtol=1e-12)
    for col in ("200", "1000"):
        fit = make_smoothing_spline(
            x, lambda_table[f"pi0_lambda_{col}"].to_numpy(), lam=10**log10_lam
        )(x)
        # achieved: 2.5e-5 (200) and 2.9e-6 (1000): R matches df only to its spar tolerance
        np.testing.assert_allclose(fit, lambda_table[f"pi0_smooth_{col}"], rtol=5e-5, atol=0)
        ours = _smooth_spline_predict(x, lambda_table[f"pi0_lambda_{col}"].to_numpy(), 3.0)
        np.testing.assert_allclose(ours, fit, rtol=5e-5, atol=0)


# ---------------------------------------------------------------------------
# Definition, ties, properties
# ---------------------------------------------------------------------------


def _qvalue_by_max_rank(p: np.ndarray, pi0: float) -> np.ndarray:
    """Storey's step-up with ranks taken as the largest rank among ties (old qvalue formulation)."""
    m = p.size
    rank = scipy.stats.rankdata(p, method="max")
    q = pi0 * m * p / rank
    order = np.argsort(p, kind="stable")
    q[order[-1]] = min(q[order[-1]], 1.0)
    for i in range(m - 2, -1, -1):
        q[order[i]] = min(q[order[i]], q[order[i + 1]], 1.0)
    return q


def test_ties_share_the_max_rank_qvalue():
    p = np.array([0.02, 0.01, 0.02, 0.5, 0.02, 0.96, 0.01, 1.0, 1.0, 0.3])
    q, pi0 = qvalue(p, pi0=0.7)
    assert pi0 == 0.7
    for value in np.unique(p):
        assert np.unique(q[p == value]).size == 1
    np.testing.assert_allclose(q, _qvalue_by_max_rank(p, 0.7), rtol=1e-15, atol=0)
    # the three 0.02 share rank 5: q = 0.7 * 10 * 0.02 / 5
    assert q[0] == pytest.approx(0.7 * 10 * 0.02 / 5, rel=1e-15)


def test_matches_max_rank_formulation_on_reference_data():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    q, pi0 = qvalue(p)
    np.testing.assert_allclose(q, _qvalue_by_max_rank(p, pi0), rtol=1e-14, atol=0)


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(unit, min_size=1, max_size=60), st.floats(min_value=0.01, max_value=1.0))
def test_properties_with_given_pi0(values, pi0):
    p = np.array(values)
    q, used = qvalue(p, pi0=pi0)
    assert used == pi0
    bh = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(q, pi0 * bh, rtol=1e-12, atol=1e-300)
    assert (q <= pi0).all() and (q >= pi0 * p * (1 - 1e-12)).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= 0).all()  # monotone in p
    perm = np.random.default_rng(len(values)).permutation(p.size)
    np.testing.assert_array_equal(qvalue(p[perm], pi0=pi0)[0], q[perm])


@settings(max_examples=100, deadline=None)
@given(st.lists(unit, min_size=5, max_size=200).map(lambda v: v + [0.99]))
def test_estimated_pi0_is_in_unit_interval(values):
    p = np.array(values)
    for method in ("smoother", "bootstrap"):
        try:
            pi0 = estimate_pi0(p, method=method)
        except ValueError as err:  # smoother can dip <= 0 on pathological inputs, as in R
            assert "<= 0" in str(err)
            continue
        assert 0.0 < pi0 <= 1.0
        q, used = qvalue(p, pi0_method=method)
        assert used == pi0 and (q <= pi0).all()


# ---------------------------------------------------------------------------
# Other pi0 options
# ---------------------------------------------------------------------------


def test_bootstrap_matches_closed_form():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    lam = R_LAMBDAS
    m = p.size
    raw = np.array([np.mean(p >= x) / (1 - x) for x in lam])
    w = np.array([np.sum(p >= x) for x in lam])
    mse = w / (m**2 * (1 - lam) ** 2) * (1 - w / m) + (raw - np.quantile(raw, 0.1)) ** 2
    expected = min(raw[mse == mse.min()].min(), 1.0)
    assert estimate_pi0(p, method="bootstrap") == pytest.approx(expected, rel=1e-12)
    q, pi0 = qvalue(p, pi0_method="bootstrap")
    assert pi0 == pytest.approx(expected, rel=1e-12)


def test_single_lambda_is_the_raw_estimate_capped():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    assert estimate_pi0(p, lambdas=[0.5]) == pytest.approx(np.mean(p >= 0.5) / 0.5, rel=1e-14)
    assert estimate_pi0([0.9, 1.0], lambdas=0.5) == 1.0  # 4.0, capped


def test_lambda_order_and_duplicates_do_not_matter():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    base = estimate_pi0(p)
    lam = _default_lambdas()
    assert estimate_pi0(p, lambdas=lam[::-1]) == base
    # duplicated lambdas are merged with weight 2, as smooth.spline does: same smoother
    assert estimate_pi0(p, lambdas=np.repeat(lam, 2)) == pytest.approx(base, rel=1e-9)


def test_many_lambdas_use_fewer_knots_and_stay_sensible():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    pi0 = estimate_pi0(p, lambdas=np.linspace(0.0, 0.95, 96))  # >= 50 lambdas: R's reduced knot set
    assert 0.75 < pi0 < 0.85


def test_smooth_df_changes_the_fit():
    p = _read("qvalue_1000.tsv")["pvalue"].to_numpy()
    assert estimate_pi0(p, smooth_df=5) != estimate_pi0(p)


# ---------------------------------------------------------------------------
# Edge cases and validation
# ---------------------------------------------------------------------------


def test_all_ones():
    q, pi0 = qvalue(np.ones(7))
    assert pi0 == 1.0
    np.testing.assert_array_equal(q, np.ones(7))


def test_single_pvalue():
    q, pi0 = qvalue([1.0])
    assert pi0 == 1.0 and q.tolist() == [1.0]
    q, pi0 = qvalue(0.97)  # a scalar is one p-value
    assert pi0 == 1.0 and q.tolist() == [0.97]
    # as R: the largest p-value must reach the largest lambda to estimate pi0 ...
    with pytest.raises(ValueError, match="largest lambda"):
        qvalue([0.3])
    # ... unless pi0 is given
    q, pi0 = qvalue([0.3], pi0=0.5)
    assert pi0 == 0.5 and q.tolist() == [0.15]


def test_exact_zeros_and_ones():
    p = np.array([0.0, 1.0, 0.0, 0.5, 1.0, 0.2, 0.97])
    q, pi0 = qvalue(p)
    assert pi0 == 1.0
    assert q[0] == 0.0 and q[2] == 0.0 and q[1] == 1.0 and q[4] == 1.0
    np.testing.assert_allclose(q, multipletests(p, method="fdr_bh")[1], rtol=1e-15)


def test_empty_input_gives_empty_array_and_nan_pi0():
    q, pi0 = qvalue([])
    assert q.shape == (0,) and q.dtype == np.float64
    assert math.isnan(pi0)
    assert math.isnan(estimate_pi0([]))
    assert qvalue([], pi0=0.4)[1] == 0.4  # a given pi0 is returned as is


@pytest.mark.parametrize("bad", [[0.1, np.nan], [np.nan]])
def test_nan_raises_naming_the_parameter(bad):
    with pytest.raises(ValueError, match="pvalues"):
        qvalue(bad)
    with pytest.raises(ValueError, match="pvalues"):
        estimate_pi0(bad)


@pytest.mark.parametrize("bad", [[0.5, 1.0000001], [-1e-300, 0.5], [np.inf], [0.5, -np.inf]])
def test_out_of_range_raises(bad):
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\]"):
        qvalue(bad)
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\]"):
        estimate_pi0(bad)


def test_two_dimensional_input_raises():
    with pytest.raises(ValueError, match="one-dimensional"):
        qvalue([[0.1, 0.2], [0.3, 1.0]])


@pytest.mark.parametrize(
    ("lambdas", "message"),
    [
        ([0.1, 0.5], "at least four"),
        ([0.1, 0.2, 0.5], "at least four"),
        ([0.1, 0.2, 0.5, 1.0], r"\[0, 1\)"),
        ([-0.1, 0.2, 0.5, 0.6], r"\[0, 1\)"),
        ([0.1, 0.2, np.nan, 0.6], r"\[0, 1\)"),
        ([], "non-empty"),
    ],
)
def test_invalid_lambdas(lambdas, message):
    with pytest.raises(ValueError, match=message):
        estimate_pi0([0.2, 0.99], lambdas=lambdas)
    with pytest.raises(ValueError, match=message):
        qvalue([0.2, 0.99], lambdas=lambdas)


@pytest.mark.parametrize("df", [1.0, 0.5, 20.0, math.nan])
def test_invalid_smooth_df(df):
    with pytest.raises(ValueError, match="smooth_df"):
        estimate_pi0([0.2, 0.99], smooth_df=df)


def test_four_equal_lambdas_cannot_be_smoothed():
    with pytest.raises(ValueError, match="lambdas"):
        estimate_pi0([0.2, 0.99], lambdas=[0.5, 0.5, 0.5, 0.5])


@pytest.mark.parametrize("pi0", [0.0, -0.1, 1.5, math.nan])
def test_invalid_pi0(pi0):
    with pytest.raises(ValueError, match="pi0"):
        qvalue([0.1, 0.2], pi0=pi0)


def test_invalid_method():
    with pytest.raises(ValueError, match="method"):
        estimate_pi0([0.1, 0.99], method="spline")
    with pytest.raises(ValueError, match="pi0_method"):
        qvalue([0.1, 0.99], pi0_method="spline")


def test_nonpositive_pi0_estimate_raises():
    # 150 p-values spread over [0.05, 0.6] and a single 1: the raw pi0(lambda) falls
    # steeply and the smoother ends below 0 (about -0.033); R stops here too.
    p = np.append(np.linspace(0.05, 0.6, 150), 1.0)
    with pytest.raises(ValueError, match="<= 0"):
        estimate_pi0(p)
    with pytest.raises(ValueError, match="<= 0"):
        qvalue(p)


def test_inputs_are_not_modified():
    p = np.array([0.5, 0.01, 0.97, 0.2])
    before = p.copy()
    qvalue(p)
    estimate_pi0(p)
    np.testing.assert_array_equal(p, before)
