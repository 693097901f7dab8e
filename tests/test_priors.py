import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.stats  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from convbook import (  # noqa: E402
    conv2d_cost,
    conv_matrix,
    gaussian_entropy,
    locality_mask,
    pool_comparisons,
    prior_costs,
    project_to_prior,
    tied_matrix,
    tying_pattern,
    tying_pattern_naive,
)
from convbook.chapters import priors as ch  # noqa: E402
from convbook.exercises import priors as ex  # noqa: E402


@st.composite
def geometries(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, 8)), draw(st.integers(kw, 8))
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    return (kh, kw), (h, w), stride


# --- the core: mask, tying, projection ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(geometries())
def test_tying_pattern_equals_its_loop_specification(geo):
    k, s, stride = geo
    assert np.array_equal(tying_pattern(k, s, stride), tying_pattern_naive(k, s, stride))


@settings(max_examples=60, deadline=None)
@given(geometries(), st.integers(0, 2**32 - 1))
def test_tied_matrix_is_torch_conv2d(geo, seed):
    (kh, kw), (h, w), stride = geo
    rng = np.random.default_rng(seed)
    k, x = rng.normal(size=(kh, kw)), rng.normal(size=(h, w))
    want = F.conv2d(torch.tensor(x)[None, None], torch.tensor(k)[None, None], stride=stride).numpy().ravel()
    np.testing.assert_allclose(tied_matrix(k, (h, w), stride) @ x.ravel(), want, atol=1e-12)
    mask = locality_mask((kh, kw), (h, w), stride)
    assert (mask.sum(axis=1) == kh * kw).all()
    if stride == 1:
        assert np.array_equal(tied_matrix(k, (h, w)), conv_matrix(k, (h, w), sparse=False))


def test_small_pattern_by_hand():
    tie = tying_pattern((1, 2), (2, 3))
    assert tie.tolist() == [[0, 1, -1, -1, -1, -1], [-1, 0, 1, -1, -1, -1],
                            [-1, -1, -1, 0, 1, -1], [-1, -1, -1, -1, 0, 1]]
    assert tying_pattern((2, 2), (4, 4), 2).shape == (4, 16)


@settings(max_examples=40, deadline=None)
@given(geometries(), st.integers(0, 2**32 - 1))
def test_projection_is_the_least_squares_projection(geo, seed):
    k, s, stride = geo
    tie = tying_pattern(k, s, stride)
    m = np.random.default_rng(seed).normal(size=tie.shape)
    p, kernel = project_to_prior(m, k, s, stride)
    assert np.array_equal(p, tied_matrix(kernel, s, stride))
    assert np.allclose(project_to_prior(p, k, s, stride)[0], p)  # idempotent
    residual = m - p
    assert np.array_equal(residual[tie < 0], m[tie < 0])
    for c in range(k[0] * k[1]):  # orthogonal to each tied class: residuals sum to zero
        assert abs(residual[tie == c].sum()) < 1e-9


# --- the core: costs and entropy -----------------------------------------------------------------------


def test_prior_costs_reproduce_the_notes_ratios_a5_a6():
    c = prior_costs(32, 2)
    fc, lc, conv = c["fully connected"], c["locally connected"], c["convolution"]
    assert fc.params == 32 * 32 * 31 * 31 and conv.params == 4 and lc.params == 31 * 31 * 4
    assert fc.params // conv.params == 246_016 and fc.params % conv.params == 0
    assert fc.multiplies // conv.multiplies == 256 and fc.multiplies % conv.multiplies == 0
    assert (lc.multiplies, lc.adds) == (conv.multiplies, conv.adds)


@pytest.mark.parametrize("n, k, ci, co", [(5, 3, 1, 1), (8, 2, 3, 4), (10, 10, 2, 1)])
def test_prior_costs_with_channels(n, k, ci, co):
    c = prior_costs(n, k, ci, co)
    o = n - k + 1
    assert c["fully connected"].params == ci * n * n * co * o * o
    assert c["locally connected"].params == co * o * o * ci * k * k
    assert c["convolution"] == conv2d_cost((1, ci, n, n), (co, ci, k, k))


def test_pool_comparisons_match_torch_shapes():
    for n, p in [(32, 2), (7, 3), (5, 5)]:
        out = F.max_pool2d(torch.zeros(1, 3, n, n), p).shape
        assert pool_comparisons(n, p, 3) == out[1] * out[2] * out[3] * (p * p - 1)


def test_gaussian_entropy_equals_scipy():
    s = np.array([1e-3, 0.5, 1.0, 7.0])
    np.testing.assert_allclose(gaussian_entropy(s), scipy.stats.norm(scale=s).entropy(), rtol=1e-12)
    assert gaussian_entropy(2).shape == ()


@pytest.mark.parametrize("call, exc, match", [
    (lambda: tying_pattern((2,), (3, 3)), ValueError, r"tying_pattern: kernel_shape must be a pair \(H, W\)"),
    (lambda: tying_pattern((2, 2.0), (3, 3)), TypeError, r"tying_pattern: kernel_shape must be an int >= 1"),
    (lambda: tying_pattern((2, 2), (3, 0)), ValueError, r"tying_pattern: input_shape must be an int >= 1"),
    (lambda: tying_pattern((4, 4), (3, 3)), ValueError, r"tying_pattern: kernel_shape \(4, 4\) must fit in"),
    (lambda: tying_pattern((2, 2), (3, 3), 0), ValueError, r"tying_pattern: stride must be an int >= 1"),
    (lambda: tying_pattern((1, 1), (300, 300)), ValueError, r"tying_pattern: the dense matrix would have"),
    (lambda: tying_pattern_naive((3, 3), (2, 2)), ValueError, r"tying_pattern_naive: kernel_shape"),
    (lambda: locality_mask((3, 3), "ab"), ValueError, r"locality_mask: input_shape must be a pair"),
    (lambda: tied_matrix(np.ones(3), (3, 3)), ValueError, r"tied_matrix: kernel must be 2-D \(KH, KW\)"),
    (lambda: tied_matrix([["a"]], (3, 3)), TypeError, r"tied_matrix: kernel must be a real numeric array"),
    (lambda: tied_matrix(np.ones((2, 2)), (1, 1)), ValueError, r"tied_matrix: kernel_shape \(2, 2\) must fit"),
    (lambda: project_to_prior(np.ones((3, 3)), (2, 2), (3, 3)), ValueError,
     r"project_to_prior: matrix must have shape \(4, 9\)"),
    (lambda: project_to_prior(np.ones(4), (2, 2), (3, 3)), ValueError, r"project_to_prior: matrix must be 2-D"),
    (lambda: project_to_prior(np.ones((4, 9)), (2, 2), (3,)), ValueError, r"project_to_prior: input_shape"),
    (lambda: prior_costs(3, 4), ValueError, r"prior_costs: kernel_size must be at most input_size \(3\); got 4"),
    (lambda: prior_costs(32.0, 2), TypeError, r"prior_costs: input_size must be an int >= 1"),
    (lambda: prior_costs(8, 2, channels_out=0), ValueError, r"prior_costs: channels_out must be an int >= 1"),
    (lambda: pool_comparisons(2, 3), ValueError, r"pool_comparisons: pool must be at most input_size \(2\)"),
    (lambda: pool_comparisons(4, 2, channels=True), TypeError, r"pool_comparisons: channels must be an int"),
    (lambda: gaussian_entropy(0.0), ValueError, r"gaussian_entropy: sigma must be a finite number > 0"),
    (lambda: gaussian_entropy(True), TypeError, r"gaussian_entropy: sigma must be a number or an array"),
    (lambda: gaussian_entropy([1.0, -1.0]), ValueError, r"gaussian_entropy: sigma must be finite and > 0"),
    (lambda: gaussian_entropy("a"), TypeError, r"gaussian_entropy: sigma must be a real numeric array"),
    (lambda: ch.make_model("cnn"), ValueError, r"make_model: name must be one of"),
    (lambda: ch.place_digits(np.ones((2, 8, 8)), np.zeros((3, 2), int)), ValueError, r"place_digits: need"),
    (lambda: ch.place_digits(np.ones((1, 8, 8)), np.array([[9, 0]])), ValueError, r"place_digits: offsets"),
])
def test_errors_name_the_function_and_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- the chapter: torch layers --------------------------------------------------------------------------


def test_tied_dense_is_conv2d_and_unshared_local_with_equal_weights_is_too():
    rng = np.random.default_rng(0)
    k, x = rng.normal(size=(3, 3)), torch.tensor(rng.normal(size=(4, 1, 7, 6)))
    layer = ch.TiedDense(tying_pattern((3, 3), (7, 6)), torch.tensor(k))
    want = F.conv2d(x, torch.tensor(k)[None, None]).flatten(1)
    torch.testing.assert_close(layer(x), want, atol=1e-12, rtol=0)
    local = ch.LocallyConnected2d(1, 2, 3, 7, stride=2, padding=1).double()
    w = torch.tensor(rng.normal(size=(2, 1, 3, 3)))
    with torch.no_grad():
        local.weight.copy_(w.reshape(2, 1, 9).expand(2, local.out ** 2, 9))
        local.bias.zero_()
    xs = torch.tensor(rng.normal(size=(2, 1, 7, 7)))
    torch.testing.assert_close(local(xs), F.conv2d(xs, w, stride=2, padding=1), atol=1e-12, rtol=0)


def test_trained_tied_layer_holds_the_conv_kernel_exactly():
    run = ch.train_tied_and_conv(steps=50)
    assert np.array_equal(run.tied_theta, run.conv_kernel)
    assert np.abs(run.tied_out - run.conv_out).max() < 1e-12
    assert np.abs(run.free_matrix[~locality_mask((3, 3), (8, 8))]).max() > 0.1


def test_tasks_place_the_digits_as_described():
    tasks = ch.make_tasks(0)
    c = tasks["centred"].x_train[:, 0]
    assert c.shape[1:] == (16, 16) and float(c[:, :4].abs().sum()) == 0 and float(c[:, :, 12:].abs().sum()) == 0
    s = tasks["shifted"].x_test[:, 0].numpy()
    assert not any(np.array_equal(a, b) for a, b in zip(s[:50], tasks["centred"].x_test[:50, 0].numpy()))
    assert int(tasks["position"].y_train.max()) == 8
    assert len(tasks["centred"].x_test) == 797
    offsets = ch.shifted_offsets(500, 4, np.random.default_rng(1))
    moves = np.abs(offsets - 4).max(axis=1)
    assert moves.min() == 1 and moves.max() == 4


# --- the experiment: margins across seeds --------------------------------------------------------------

SEEDS = range(5)


@pytest.fixture(scope="module")
def experiments():
    """Every model on (a) and (b); the models the margins name on (c) and (d) (the slow locally connected one not)."""
    out = []
    for seed in SEEDS:
        a = ch.prior_experiment(seed, tasks=("centred", "shifted"))
        b = ch.prior_experiment(seed, models=("MLP", "convolutional", "conv + max pool"),
                                tasks=("permuted", "position"))
        out.append(ch.Experiment({**a.accuracy, **b.accuracy}, a.params, {**a.nets, **b.nets}))
    return out


def test_margins_hold_for_five_seeds(experiments):
    for exp in experiments:
        a = {k: 100 * v for k, v in exp.accuracy.items()}
        assert a["conv + max pool", "shifted"] - a["MLP", "shifted"] >= 50
        assert max(a[m, "shifted"] for m in ch.MODELS[:3]) < 20
        assert a["conv + max pool", "centred"] - a["conv + max pool", "shifted"] <= 5
        assert abs(a["MLP", "permuted"] - a["MLP", "centred"]) <= 2
        assert a["conv + max pool", "centred"] - a["conv + max pool", "permuted"] >= 5
        assert a["MLP", "position"] >= 80 and a["conv + max pool", "position"] < 20
        assert ch.conv_layer_rank(exp.nets["convolutional", "permuted"]) == 256


def test_experiment_is_deterministic(experiments):
    again = ch.prior_experiment(0, models=("conv + max pool",), tasks=("centred",))
    assert again.accuracy["conv + max pool", "centred"] == experiments[0].accuracy["conv + max pool", "centred"]


def test_size_curve_margin_holds_for_five_seeds():
    for seed in SEEDS:
        c = ch.size_curve([50, 800], seed, models=("MLP", "conv + max pool"))
        assert c["conv + max pool"][0] > c["MLP"][-1]
        assert c["MLP"][-1] > c["MLP"][0]
        assert c["conv + max pool"][0] / c["MLP"][0] > c["conv + max pool"][-1] / c["MLP"][-1]


def test_results_table():
    params = {m: ch.n_params(ch.make_model(m)) for m in ch.MODELS}
    fake = ch.Experiment({(m, t): 0.5 for m in ch.MODELS for t in ch.TASKS}, params, {})
    table = ch.results_table(fake)
    lines = table.splitlines()
    assert lines[0].startswith("| model | parameters | (a) centred")
    assert len(lines) == 2 + len(ch.MODELS)
    assert "| conv + max pool | 586 |" in table and "%" in lines[-1]


# --- figures ------------------------------------------------------------------------------------------


def test_figures_are_legible_and_use_one_colour_per_model(experiments):
    figs = [ch.plot_prior_matrices(np.arange(9.0).reshape(3, 3) - 4, (5, 5)),
            ch.plot_prior_costs([4, 8, 16], 3)]
    ax = ch.plot_size_curve([50, 100], {m: [0.2, 0.4] for m in ch.MODELS})
    assert [line.get_color() for line in ax.get_lines()] == [ch.MODEL_COLORS[m] for m in ch.MODELS]
    nets = experiments[0].nets
    filters = nets["conv + max pool", "centred"][0].weight.detach().numpy()[:, 0]
    figs.append(ch.plot_learned_weights(filters, np.ones((16, 16))))
    for fig in figs + [ax.figure]:
        assert fig.get_size_inches()[0] <= 6.6 + 1e-9
    plt.close("all")


# --- exercises ----------------------------------------------------------------------------------------


def test_check_sharing_saving():
    assert ex.check_sharing_saving(12 * 12 * 25 - 25)
    for wrong in (12 * 12 * 25, 25, 16 * 16 * 144 - 25, 16 * 16 * 144 - 3600, 255 * 25, None, "3575", 3575.5):
        fb = ex.check_sharing_saving(wrong)
        assert not fb and fb.message


def test_check_failing_model():
    assert ex.check_failing_model(ch.MODELS.index("conv + max pool"))
    assert ex.check_failing_model("conv + max pool") and ex.check_failing_model(" Conv + Max Pool ")
    assert ex.MODEL_NAMES == ch.MODELS
    for wrong in (0, 1, 2, 4, -1, "MLP", "convolutional", "pooling", None, 3.5):
        fb = ex.check_failing_model(wrong)
        assert not fb and fb.message


def test_check_mask():
    right = np.zeros((6, 12))
    for i in range(2):
        for j in range(3):
            for a in range(2):
                for b in range(2):
                    right[i * 3 + j, (i + a) * 4 + j + b] = 1
    assert ex.check_mask(right) and ex.check_mask(right.astype(int).tolist()) and ex.check_mask(right.astype(bool))
    for wrong in (right.T, (1 - right).astype(bool), 1 - right, right[:, ::-1], np.ones((6, 12)), None, "mask"):
        fb = ex.check_mask(wrong)
        assert not fb and fb.message


def test_neighbour_distance():
    assert ch.neighbour_distance(np.arange(256)) == 1.0
    flipped = np.arange(256).reshape(16, 16)[:, ::-1].ravel()  # a mirror keeps neighbours together
    assert ch.neighbour_distance(flipped) == 1.0
    assert ch.neighbour_distance(ch.make_tasks(0)["permuted"].permutation) > 5
    with pytest.raises(ValueError, match=r"neighbour_distance: permutation must be a permutation of range\(256\)"):
        ch.neighbour_distance(np.zeros(256, int))
