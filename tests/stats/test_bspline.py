"""stats.bspline gives scipy.interpolate's floats exactly (the pi0 smoother used scipy's BSpline)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import BSpline

from pfocr_enrich.stats.bspline import basis_derivatives, design_matrix


def _knot_vectors():
    rng = np.random.default_rng(12)
    # The smoother's own case first: R's default lambdas 0.05..0.95, rescaled to [0, 1].
    yield np.linspace(0.0, 1.0, 19)
    for n in (4, 5, 9, 30, 77):
        yield np.unique(np.r_[0.0, rng.random(n - 2), 1.0])
    yield np.r_[0.0, 0.1, 0.1000000001, 0.5, 1.0]  # nearly repeated knots


@pytest.mark.parametrize("inner", list(_knot_vectors()), ids=lambda v: f"{len(v)}knots")
def test_design_matrix_and_second_derivatives_match_scipy_bit_for_bit(inner):
    knots = np.concatenate([np.repeat(inner[0], 3), inner, np.repeat(inner[-1], 3)])
    n = len(knots) - 4
    rng = np.random.default_rng(len(inner))
    x = np.r_[inner, rng.random(25), np.minimum(inner, knots[n] - 1e-11), 0.0, 1.0]
    expected = BSpline.design_matrix(x, knots, 3).toarray()
    assert np.array_equal(design_matrix(x, knots, 3), expected)
    for nu in (1, 2):
        spline = BSpline(knots, np.eye(n), 3).derivative(nu)
        assert np.array_equal(basis_derivatives(knots, 3, nu, inner), spline(inner))
        assert np.array_equal(basis_derivatives(knots, 3, nu, x), spline(x))


def test_the_basis_sums_to_one_and_is_local():
    inner = np.linspace(0.0, 1.0, 7)
    knots = np.concatenate([np.zeros(3), inner, np.ones(3)])
    x = np.linspace(0.0, 1.0, 50)
    m = design_matrix(x, knots, 3)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-14)
    assert ((m != 0).sum(axis=1) <= 4).all()
