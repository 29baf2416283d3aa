"""The fits against the published CDNOW estimates (39-week calibration, weeks)."""

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from sidos.analytics import prep
from sidos.analytics.btyd import bgnbd, gammagamma, mbgnbd
from sidos.analytics.tests.cdnow import CALIBRATION_END, sample_orders


@pytest.fixture(scope="module")
def summary():
    return prep.summarise(sample_orders(), CALIBRATION_END, "week")


@pytest.fixture(scope="module")
def arrays(summary):
    return tuple(summary[c].to_numpy().astype(float) for c in ("frequency", "recency", "T"))


def close(value, published, rel=0.01):
    return value == pytest.approx(published, rel=rel)


def test_the_sample_has_the_published_shape(summary):
    assert len(summary) == 2357
    assert int((summary["frequency"] > 0).sum()) == 946


def test_bgnbd_matches_fader_hardie_lee_2005(arrays):
    fit = bgnbd.fit(*arrays)
    assert close(fit.params["r"], 0.243)
    assert close(fit.params["alpha"], 4.414)
    assert close(fit.params["a"], 0.793)
    assert close(fit.params["b"], 2.426)
    assert fit.loglik == pytest.approx(-9582.4, abs=0.5)


def test_gamma_gamma_matches_note_025(summary):
    x = summary["frequency"].to_numpy().astype(float)
    fit = gammagamma.fit(x, summary["monetary"].to_numpy())
    assert fit.customers == 946
    assert close(fit.params["p"], 6.25)
    assert close(fit.params["q"], 3.74)
    assert close(fit.params["gamma"], 15.44)
    # The maximum is the log-likelihood at the published (rounded) estimates, to rounding.
    repeat = x > 0
    at_published, _ = gammagamma.loglik_terms(
        [6.25, 3.74, 15.44], x[repeat], summary["monetary"].to_numpy()[repeat]
    )
    assert fit.loglik >= at_published.sum()
    assert fit.loglik == pytest.approx(at_published.sum(), abs=0.5)
    assert fit.loglik == pytest.approx(-4055.9, abs=0.5)


def test_mbgnbd_reaches_the_lifetimes_optimum(arrays):
    lifetimes = pytest.importorskip("lifetimes")
    fit = mbgnbd.fit(*arrays)
    reference = lifetimes.ModifiedBetaGeoFitter(penalizer_coef=0.0).fit(*arrays)
    ref = [reference.params_[k] for k in ("r", "alpha", "a", "b")]
    at_reference, _ = mbgnbd.loglik_terms(ref, *arrays)
    assert fit.loglik >= at_reference.sum() - 1e-3
    for name, value in zip(("r", "alpha", "a", "b"), ref, strict=True):
        assert close(fit.params[name], value, rel=0.02)


@pytest.mark.parametrize(
    ("model", "params"),
    [(bgnbd, [0.3, 4.0, 0.8, 2.4]), (mbgnbd, [0.5, 6.0, 0.9, 1.6])],
)
def test_frequency_models_have_exact_gradients(model, params, arrays):
    params = np.array(params)
    numeric = approx_fprime(params, lambda p: model.loglik_terms(p, *arrays, with_grad=False)[0].sum(), 1e-7)
    analytic = model.loglik_terms(params, *arrays)[1].sum(axis=1)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-3)


def test_gamma_gamma_has_exact_gradients(summary):
    x = summary["frequency"].to_numpy().astype(float)
    m = summary["monetary"].to_numpy()
    keep = x > 0
    params = np.array([6.0, 3.5, 15.0])
    numeric = approx_fprime(
        params, lambda p: gammagamma.loglik_terms(p, x[keep], m[keep], False)[0].sum(), 1e-7
    )
    analytic = gammagamma.loglik_terms(params, x[keep], m[keep])[1].sum(axis=1)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-3)


def test_bgnbd_calls_every_one_time_buyer_alive_and_mbgnbd_does_not(arrays):
    x, t_x, T = arrays
    one_time = x == 0
    assert (bgnbd.p_alive(bgnbd.fit(*arrays).params, x, t_x, T)[one_time] == 1.0).all()
    assert (mbgnbd.p_alive(mbgnbd.fit(*arrays).params, x, t_x, T)[one_time] < 1.0).all()


def test_expected_purchases_grow_with_the_horizon(arrays):
    params = bgnbd.fit(*arrays).params
    short = bgnbd.expected_purchases(params, 4.0, *arrays)
    long = bgnbd.expected_purchases(params, 52.0, *arrays)
    assert (long >= short).all() and (short >= 0).all()
