"""The chapter *The neuroscientific basis*: its experiments, figures and checkers."""

import math

import matplotlib
import numpy as np
import pytest

import convbook as cb
from convbook.chapters import neuroscience as ch
from convbook.exercises import neuroscience as ex

matplotlib.use("Agg")

K0 = cb.gabor_kernel(ch.SIZE, **ch.CELL)
K1 = cb.gabor_kernel(ch.SIZE, **ch.CELL, phi=math.pi / 2)
F = ch.CELL["f"]
PHASES = np.linspace(0, 2 * math.pi, 12, endpoint=False)


def test_bank_shapes_and_norms():
    k, labels = ch.bank(3, (6.0,))
    assert k.shape == (3, 1, ch.SIZE, ch.SIZE) and len(labels) == 3
    np.testing.assert_allclose(np.linalg.norm(k.reshape(3, -1), axis=1), 1.0)
    assert ch.bank_responses(np.ones((8, 9)), k).shape == (3, 8, 9)


def test_tuning_peaks_at_the_cells_orientation_and_period():
    th = np.radians(np.arange(-90, 91, 15))
    ori = ch.tuning_curve(K0, fs=[F], thetas=th)[0]
    assert th[ori.argmax()] == 0
    periods = np.arange(4, 16)
    assert periods[ch.tuning_curve(K0, fs=2 * np.pi / periods, thetas=[0.0])[:, 0].argmax()] == 8


def test_energy_is_the_max_over_all_phases():
    s0 = ch.grating_responses(K0, f=F, phases=PHASES)[0]
    s1 = ch.grating_responses(K1, f=F, phases=PHASES)[0]
    e = ch.energy(s0, s1)
    assert ch.phase_modulation(e) < 0.02
    assert ch.phase_modulation(np.maximum(s0, 0)) == pytest.approx(1.0)
    for k in (2, 4, 8):
        m = ch.maxout_over_phases(s0, s1, k)
        assert np.all(m <= e + 1e-9) and np.all(m >= math.cos(math.pi / k) * e - 1e-9)
    np.testing.assert_allclose(ch.maxout_over_phases(s0, s1, 360), e, rtol=1e-4)
    assert ch.phase_modulation(ch.pooled_over_space(K0, f=F, phases=PHASES, window=9)) < 0.1


def test_figures_are_legible():
    ch.plot_gabor_grid()
    k, labels = ch.bank()
    ch.plot_bank(cb.grace_hopper(64, 56), k, labels, [0, 1])
    th = np.linspace(-1, 1, 5)
    ch.plot_tuning(np.degrees(th), np.ones(5), np.arange(3, 8), np.ones(5))
    ch.plot_phase_responses(PHASES, {"simple": np.ones(12), "complex": np.ones(12)},
                            {"simple": "a", "complex": "b"})


def test_timeline_keys_are_in_the_bibliography():
    from pathlib import Path
    bib = (Path(__file__).parents[1] / "references.bib").read_text()
    for _, _, key in ch.TIMELINE:
        assert "{" + key + "," in bib


def test_gabor_checker():
    p = ex.MYSTERY
    assert ex.check_gabor_match((p["tau"], 2 * math.pi / p["f"], p["phi"]))
    assert ex.check_gabor_match((p["tau"] + math.pi, 6.0, -p["phi"]))          # the same kernel
    wrong = {(0.0, 6.0, p["phi"]): "90°", (p["tau"], 6.0, -p["phi"]): "π", (p["tau"], 12.0, p["phi"]): "period",
             (p["tau"], 6.0, 0.0): "phase"}
    for answer, word in wrong.items():
        fb = ex.check_gabor_match(answer)
        assert not fb and word in fb.message, (answer, fb)
    for odd in (None, "x", (1, 2), (1.0, -6.0, 0.0), (1.0, float("nan"), 0.0), {"a": 1}):
        assert not ex.check_gabor_match(odd)
    assert ex.mystery_filter().shape == (15, 15)


def test_complex_checker():
    assert ex.check_complex_response(50.0)
    assert ex.check_complex_response(math.hypot(3, 4), 3, 4)
    for wrong, word in ((70, "sum"), (40, "max"), (2500, "square root"), (35, "average")):
        fb = ex.check_complex_response(wrong)
        assert not fb and word in fb.message
    for odd in (None, "50", float("nan"), [50]):
        assert not ex.check_complex_response(odd)


def test_fit_gabor_recovers_a_gabor_and_refuses_noise():
    params = dict(beta_x=0.1, beta_y=0.2, f=1.2, phi=0.5, tau=0.6)
    fitted, r2 = ch.fit_gabor(cb.gabor_kernel(8, **params))
    assert r2 > 0.99
    _, r2_noise = ch.fit_gabor(np.random.default_rng(0).normal(size=(8, 8)))
    assert r2_noise < 0.6


@pytest.mark.parametrize("seed", [1, 2])
def test_ica_features_are_gabor_like_across_seeds(seed):
    patches = ch.sample_patches(ch.natural_images(), n=6000, size=8, seed=seed)
    frac = {m: np.mean([ch.fit_gabor(w)[1] > 0.8 for w in ch.learn_filters(patches, 25, m, seed=seed)])
            for m in ("ica", "sparse", "pca")}
    assert frac["ica"] > 0.6 and frac["sparse"] > 0.6 and frac["pca"] < 0.45


def test_learn_filters_refuses_an_unknown_method():
    with pytest.raises(ValueError, match="learn_filters: method must be 'ica', 'sparse' or 'pca'; got 'nmf'"):
        ch.learn_filters(np.zeros((50, 16)) + np.arange(16), 4, "nmf")


def test_patches_and_filters_shapes():
    p = ch.sample_patches([np.arange(400.0).reshape(20, 20)], 10, 4)
    assert p.shape == (10, 16)
    np.testing.assert_allclose(p.mean(axis=1), 0, atol=1e-12)
    f, acc = ch.digit_cnn_filters(n_filters=2, size=3, epochs=2)
    assert f.shape == (2, 3, 3) and 0 <= acc <= 1
    ch.plot_filters({"a": f, "b": f}, [2, 2])
    ch.plot_kernel(ex.mystery_filter(), "the filter")
