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


# --- how close to the machine ----------------------------------------------------------------------------------

QUICK = dict(repeat=1, min_time=1e-4, trials=1)


@pytest.fixture(scope="module")
def machine():
    return ch.machine_comparison(**QUICK)


def test_machine_comparison_rows_and_counts(machine):
    methods = [m for m in cb.CONV2D_METHODS if m != "auto"]
    assert [(r.operation, r.by.split(" ")[0]) for r in machine.rows] == (
        [("conv2d", "torch"), ("conv2d", "convbook")] + [("conv2d", m) for m in methods]
        + [(op, who) for op in ("conv2d_backward", "max_pool2d", "avg_pool2d") for who in ("torch", "convbook")])
    x, w = np.ones((8, 32, 32, 32), np.float32), np.ones((64, 32, 3, 3), np.float32)
    assert machine.row("conv2d", "convbook").by == f"convbook (auto: {cb.choose_conv2d_method(x, w, padding=1)})"
    assert [r.ratio for r in machine.rows if r.by == "torch"] == [1.0] * 4
    assert all(r.seconds > 0 and r.ratio > 0 for r in machine.rows)
    n, c, side, o = ch.MACHINE_LAYER
    forward = 2 * n * o * side * side * c * 9
    assert {r.flops for r in machine.rows if r.operation == "conv2d"} == {forward}
    assert {r.flops for r in machine.rows if r.operation == "conv2d_backward"} == {2 * forward}
    assert {r.flops for r in machine.rows if "pool" in r.operation} == {0}
    assert machine.peak > 1e6
    r = machine.row("conv2d", "torch")
    assert machine.share(r) == pytest.approx(r.flops / r.seconds / machine.peak)
    with pytest.raises(KeyError, match="no row 'conv2d' by 'cudnn'"):
        machine.row("conv2d", "cudnn")


def test_machine_comparison_compares_every_result_with_torch(machine):
    names = [c.name for c in machine.compared]
    assert names == ([f"conv2d, method {m}" for m in cb.CONV2D_METHODS]
                     + [f"conv2d_backward, {g} gradient" for g in ("input", "weight", "bias")]
                     + ["max_pool2d", "avg_pool2d"])
    for c in machine.compared:
        assert c.ours.dtype == c.reference.dtype == np.float32 and c.ours.shape == c.reference.shape
        assert np.abs(c.ours - c.reference).max() <= c.atol, c.name
    shapes = {c.name: c.ours.shape for c in machine.compared}
    assert shapes["max_pool2d"] == (8, 64, 16, 16) and shapes["conv2d_backward, weight gradient"] == (64, 32, 3, 3)


@pytest.mark.parametrize("seed", [1, 2])
def test_machine_comparison_tolerance_has_a_margin(seed):
    """The float32 results stay well within the tolerance for other data than the chapter's."""
    m = ch.machine_comparison(seed=seed, **QUICK)
    assert all(np.abs(c.ours - c.reference).max() <= c.atol / 2 for c in m.compared), seed


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d", "conv2d_backward", "conv2d"])
def test_machine_comparison_refuses_to_time_a_wrong_result(monkeypatch, name):
    real = getattr(ch, name)

    def wrong(*args, **kwargs):
        out = real(*args, **kwargs)
        return tuple(o + 1 for o in out) if isinstance(out, tuple) else out + 1

    def no_timing(*args, **kwargs):
        raise AssertionError("timed a result that is not torch's")

    monkeypatch.setattr(ch, name, wrong)
    monkeypatch.setattr(ch, "compare_times", no_timing)
    with pytest.raises(RuntimeError, match=f"machine_comparison: {name}.* is not torch's result"):
        ch.machine_comparison(**QUICK)


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(repeat=0), "repeat must be a whole number >= 1; got 0"),
    (dict(repeat=2.0), "repeat must be a whole number >= 1; got 2.0"),
    (dict(trials=0), "trials must be a whole number >= 1; got 0"),
    (dict(trials=True), "trials must be a whole number >= 1; got True"),
    (dict(min_time=0), r"min_time \(seconds per call per round\) must be in \(0, 1\]; got 0"),
    (dict(min_time=5.0), "min_time .* got 5.0"),
    (dict(min_time="0.1"), "min_time .* got '0.1'"),
])
def test_machine_comparison_refuses_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="^machine_comparison: " + message):
        ch.machine_comparison(**kwargs)


def test_machine_table(machine):
    lines = ch.machine_table(machine).splitlines()
    assert lines[0].startswith("Peak of this core (the best float32 matrix product, numpy, one thread): **")
    assert lines[0].endswith(f"{machine.peak / 1e9:.1f} GFLOP/s**") and lines[1] == ""
    assert lines[2] == "| operation | computed by | ms | time / torch's | GFLOP/s | share of peak |"
    assert lines[3] == "|---|---|--:|--:|--:|--:|"
    body = [line.split(" | ") for line in lines[4:]]
    assert len(body) == len(machine.rows) and all(len(cells) == 6 for cells in body)
    assert [cells[0].strip("| ") for cells in body] == ["conv2d"] + [""] * 5 + ["conv2d_backward", "",
                                                                            "max_pool2d", "", "avg_pool2d", ""]
    for cells, r in zip(body, machine.rows):
        assert cells[1] == r.by and cells[2] == f"{r.seconds * 1e3:.2f}" and cells[3] == f"{r.ratio:.2f}"
        assert cells[4:] == (["–", "– |"] if not r.flops else
                             [f"{r.flops / r.seconds / 1e9:.1f}", f"{machine.share(r):.0%} |"])
    with pytest.raises(TypeError, match="machine_table: m must be a MachineComparison .*; got dict"):
        ch.machine_table({})


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
