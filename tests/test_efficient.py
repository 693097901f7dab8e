"""Tests of the chapter *Efficient algorithms, and random and unsupervised features*: its helpers, the margins its
claims rely on (across seeds), and its exercise checkers."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import convbook as cb
from convbook.chapters import efficient as ch
from convbook.exercises import efficient as ex
from convbook.plotting import figure_problems

SEEDS = range(5)


# --- the features experiments: every margin the chapter states holds for five seeds -------------------------------

@pytest.fixture(scope="module")
def by_seed():
    return {seed: (ch.feature_comparison(seed), ch.architecture_ranking(seed=seed)) for seed in SEEDS}


def test_feature_margins_hold_across_seeds(by_seed):
    for seed, ((results, filters), _) in by_seed.items():
        acc = {kind: r.accuracy for kind, r in results.items()}
        fixed = ("random", "hand-designed", "k-means")
        assert list(results) == list(ch.FEATURE_KINDS)
        assert all(acc[k] > acc["pixels only"] for k in fixed), (seed, acc)
        assert min(acc[k] for k in fixed) >= 0.95, (seed, acc)
        assert acc["trained"] - acc["random"] > 0.005, (seed, acc)
        assert max(acc["trained"] - acc[k] for k in fixed) < 0.04, (seed, acc)
        corr = ch.filter_correlations(filters["trained"], ch.random_filters(16, 5, seed))
        assert corr.min() > 0.5, (seed, corr)


def test_ranking_margins_hold_across_seeds(by_seed):
    for seed, (_, ranking) in by_seed.items():
        assert ranking.spearman > 0.6, (seed, ranking)
        assert ranking.regret < 0.02, (seed, ranking)


def test_parameter_counts():
    split = ch.digit_split(n_train=100)
    r = ch.fixed_filter_accuracy(ch.random_filters(4, 3), split)
    assert r.trained_parameters == 4 * 4 * 4 * 10 + 10
    full, w = ch.trained_accuracy(3, 4, split)
    assert full.trained_parameters == 4 * 9 + 4 * 4 * 4 * 10 + 10
    assert w.shape == (4, 1, 3, 3)
    assert 0.0 <= r.accuracy <= 1.0 and r.seconds > 0


def test_filters():
    k, labels = ch.hand_filters(5, 8)
    assert k.shape == (16, 1, 5, 5) and len(labels) == 16
    np.testing.assert_allclose(k.reshape(16, -1).sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(k.reshape(16, -1), axis=1), 1)
    images, _ = cb.digits()
    km = ch.kmeans_filters(images[:200], 6, 5, n_patches=2000)
    assert km.shape == (6, 1, 5, 5)
    np.testing.assert_allclose(np.linalg.norm(km.reshape(6, -1), axis=1), 1)
    np.testing.assert_array_equal(ch.random_filters(3, 5, seed=1), ch.random_filters(3, 5, seed=1))
    a = np.random.default_rng(0).normal(size=(3, 1, 5, 5))
    np.testing.assert_allclose(ch.filter_correlations(a, 2 * a + 1), 1)
    np.testing.assert_allclose(ch.filter_correlations(a, -a), -1)


def test_split():
    s = ch.digit_split(1000, seed=3)
    assert tuple(s.x_train.shape) == (1000, 1, 8, 8) and tuple(s.x_test.shape) == (797, 1, 8, 8)
    assert len(set(s.y_train.tolist())) == 10


def test_ranking_properties():
    r = ch.Ranking(((3, 2, 2), (5, 4, 2), (3, 8, 4)), np.array([0.5, 0.9, 0.7]), np.array([0.8, 0.9, 0.95]), 0.5)
    assert (r.picked, r.best) == (1, 2)
    assert r.regret == pytest.approx(0.05)
    table = ch.ranking_table(r)
    assert table.splitlines()[2].startswith("| 4 filters 5 × 5, pool 2 × 2 | 90.0% | 1 | 90.0% | 2 |")


def test_tables():
    results = {"random": ch.FeatureResult(0.97, 0.12, 2570)}
    assert "| random | 2,570 | 97.0% | 0.12 |" in ch.feature_table(results)
    t = ch.separable_table((7,), (2,))
    assert "| 7 × 7 | 49 | 14.4 | 3.4 |" in t
    costs = {m: cb.conv2d_method_cost(m, (1, 1, 4, 4), (1, 1, 3, 3)) for m in ("direct", "winograd")}
    assert "| direct | 36 |" in ch.method_cost_table(costs)


# --- the algorithms' helpers -----------------------------------------------------------------------------------

def test_sweep_counts_and_shapes():
    s = ch.sweep((3, 5), (16,), repeat=1, min_time=0.0)
    assert s.sizes == (3, 5)
    assert set(s.seconds) == set(ch.METHOD_COLORS)
    assert np.isnan(s.seconds["winograd"][1]) and not np.isnan(s.seconds["winograd"][0])
    assert s.flops["direct"][0] == cb.conv2d_method_cost("direct", (1, 1, 16, 16), (1, 1, 3, 3)).flops
    assert s.nbytes["im2col"][1] == 5 * 5 * 12 * 12 * 8
    assert np.all(s.seconds["direct"] > 0)
    s2 = ch.sweep((3,), (8, 16), repeat=1, min_time=0.0)
    assert s2.sizes == (8, 16)


def test_sweep_refuses_two_axes():
    with pytest.raises(ValueError, match="sweep: sweep kernel sizes or image sizes, not both"):
        ch.sweep((3, 5), (16, 32))


def test_rank_one_kernel_is_separable():
    k = ch._rank_one(7)
    assert cb.kernel_rank(k) == 1
    assert k.sum() == pytest.approx(1.0)


def test_crossover():
    assert ch.crossover([3, 5, 9], [1, 5, 9], [2, 2, 2]) == 5
    assert ch.crossover([3, 5, 9], [1, 5, 1], [2, 2, 2]) is None
    assert ch.crossover([3, 5, 9], [3, 1, 9], [2, 2, 2]) == 9


def test_peak_bytes_measures_im2col_copy():
    x, w = np.zeros((1, 1, 64, 64)), np.zeros((1, 1, 15, 15))
    model = cb.conv2d_method_cost("im2col", x.shape, w.shape).nbytes
    assert model <= ch.peak_bytes(cb.conv2d, x, w, method="im2col") <= 1.2 * model
    assert ch.peak_bytes(np.zeros, 10) < 10_000


def test_plots_are_legible():
    s = ch.sweep((3, 5), (16,), repeat=1, min_time=0.0)
    fig = ch.plot_sweep(s, "kernel size k")
    assert figure_problems(fig) == []
    plt.close(fig)
    r = ch.Ranking(ch.ARCHITECTURES, np.linspace(0.6, 0.97, 6), np.linspace(0.85, 0.98, 6), 1.0)
    ax = ch.plot_ranking(r)
    assert figure_problems(ax.figure) == []
    plt.close(ax.figure)
    ax = ch.plot_filter_sets({"random": ch.random_filters(4, 5), "hand-designed": ch.hand_filters(5, 2)[0]})
    assert figure_problems(ax.figure) == []
    assert [t.get_text() for t in ax.get_yticklabels()] == ["random", "hand-designed"]
    plt.close(ax.figure)
    ax = ch.plot_low_rank({"a": [0.5, 0.1, 0.0], "b": [0.9, 0.4, 0.0]})
    assert figure_problems(ax.figure) == []
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    plt.close(ax.figure)


# --- the exercise checkers ------------------------------------------------------------------------------------------

def test_winograd_checker():
    right = 8 * 16 * 16 * 32 * 64 * 16
    assert ex.winograd_multiplies(**ex.WINOGRAD_LAYER) == right
    assert ex.check_winograd_multiplies(right)
    for wrong, word in ((8 * 32 * 32 * 32 * 64 * 9, "direct"), (right + 32 * 64 * 14, "kernel"),
                        (4 * right, "whole 2 x 2 tile"), (right // 8, "batch"), (right // 32, "pair")):
        fb = ex.check_winograd_multiplies(wrong)
        assert not fb and word in fb.message, (wrong, fb)
    for bad in (None, "many", 1.5, [1], right + 1):
        assert not ex.check_winograd_multiplies(bad)


def test_ranks_checker():
    assert ex.check_ranks((1, 2, 2))
    assert ex.check_ranks(np.array([1, 2, 2]))
    fb = ex.check_ranks([1, 1, 1])
    assert not fb and "not every kernel" in fb.message
    fb = ex.check_ranks((1, 2, 1))
    assert not fb and "45°" in fb.message
    fb = ex.check_ranks((1, 3, 2))
    assert not fb and "Laplacian" in fb.message
    for bad in (None, "1, 2, 2", (1, 2), (1.5, 2, 2), (True, 2, 2, 4), 3):
        assert not ex.check_ranks(bad)


def test_crossover_checker():
    right = ex.crossover_kernel_size(**ex.CROSSOVER_LAYER)
    assert right == 5
    assert ex.check_crossover(right)
    fb = ex.check_crossover(9)
    assert not fb and "one image of one channel" in fb.message
    fb = ex.check_crossover(3)
    assert not fb and "still counts more" in fb.message
    fb = ex.check_crossover(4)
    assert not fb and "odd" in fb.message
    for bad in (None, "5", 5.5, [5]):
        assert not ex.check_crossover(bad)
    assert ex.crossover_kernel_size((1, 1, 256, 256), 1) == 9
