"""Tests of the convolution variants (core ``convbook.variants``), the chapter's helpers and its checkers."""

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convbook import (
    MemoryLimitError,
    channel_shuffle,
    conv2d,
    conv2d_cost,
    count_ops,
    depthwise_separable_conv2d,
    dilation_coverage,
    hdc_ok,
    hdc_rule,
    locally_connected2d,
    max_pool2d,
    output_size,
    receptive_field,
    squeeze_excitation,
    tiled_conv2d,
    tiled_conv2d_cost,
    tiled_conv2d_naive,
)
from convbook.chapters import variants as ch
from convbook.exercises import variants as ex

ints = st.integers


# --- tiled convolution ------------------------------------------------------------------------------

@st.composite
def tiled_case(draw):
    k = draw(ints(1, 3))
    p = draw(ints(0, k // 2 + 1))
    s = draw(ints(1, 2))
    h, w = draw(ints(k, 7)), draw(ints(k, 7))
    th, tw = draw(ints(1, 4)), draw(ints(1, 4))
    c, o = draw(ints(1, 2)), draw(ints(1, 3))
    bias = draw(st.booleans())
    return (h, w, k, p, s, th, tw, c, o, bias)


@settings(max_examples=60, deadline=None)
@given(tiled_case())
def test_tiled_equals_naive(case):
    h, w, k, p, s, th, tw, c, o, bias = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, c, h, w))
    weight = rng.standard_normal((th, tw, o, c, k, k))
    b = rng.standard_normal((th, tw, o)) if bias else None
    got = tiled_conv2d(x, weight, b, stride=s, padding=p)
    np.testing.assert_allclose(got, tiled_conv2d_naive(x, weight, b, stride=s, padding=p), atol=1e-12)
    assert got.shape == (2, o, output_size(h, k, s, p), output_size(w, k, s, p))


@settings(max_examples=40, deadline=None)
@given(ints(1, 3), ints(0, 2), ints(1, 2), st.booleans())
def test_tiled_one_tile_is_torch_conv(k, p, s, bias):
    rng = np.random.default_rng(1)
    x, weight = rng.standard_normal((2, 3, 7, 8)), rng.standard_normal((1, 1, 4, 3, k, k))
    b = rng.standard_normal((1, 1, 4)) if bias else None
    ref = F.conv2d(torch.tensor(x), torch.tensor(weight[0, 0]), None if b is None else torch.tensor(b[0, 0]),
                   stride=s, padding=p).numpy()
    np.testing.assert_allclose(tiled_conv2d(x, weight, b, stride=s, padding=p), ref, atol=1e-12)
    np.testing.assert_allclose(tiled_conv2d(x, weight, stride=s, padding=p),
                               conv2d(x, weight[0, 0], stride=s, padding=p), atol=1e-12)


@pytest.mark.parametrize("stride", [1, 2])
def test_tiled_full_tiling_is_locally_connected(stride):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 9, 8))
    oh, ow = output_size(9, 3, stride), output_size(8, 3, stride)
    weight = rng.standard_normal((oh, ow, 3, 2, 3, 3))
    np.testing.assert_allclose(tiled_conv2d(x, weight, stride=stride), locally_connected2d(x, weight, stride),
                               atol=1e-12)


def test_tiled_dtypes_and_bias_pattern():
    x = np.ones((1, 1, 3, 4), dtype=np.float32)
    weight = np.ones((1, 2, 1, 1, 2, 2), dtype=np.float32)
    assert tiled_conv2d(x, weight).dtype == np.float32
    assert tiled_conv2d(x.astype(int), weight.astype(int)).dtype == np.float64
    b = np.array([[[10.0], [20.0]]])
    assert tiled_conv2d(x, weight, b)[0, 0].tolist() == [[14.0, 24.0, 14.0], [14.0, 24.0, 14.0]]


def test_tiled_cost_is_counted():
    rng = np.random.default_rng(3)
    x, weight, b = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((2, 3, 3, 2, 2, 2)), np.zeros((2, 3, 3))
    counted, _ = count_ops(tiled_conv2d_naive, x, weight, b, padding=1)
    cost = tiled_conv2d_cost(x.shape, weight.shape, padding=1, bias=True)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    assert cost.params == weight.size + b.size
    conv = conv2d_cost(x.shape, (3, 2, 2, 2), padding=1, bias=True)
    assert (cost.multiplies, cost.adds, cost.output_shape) == (conv.multiplies, conv.adds, conv.output_shape)


def test_tiled_errors():
    x, weight = np.ones((1, 2, 5, 5)), np.ones((2, 2, 1, 2, 3, 3))
    for fn in (tiled_conv2d, tiled_conv2d_naive):
        name = fn.__name__
        with pytest.raises(ValueError, match=rf"^{name}: weight must be 6-D \(t_h, t_w, C_out, C_in, KH, KW\); "
                                             r"got 4-D"):
            fn(x, np.ones((1, 2, 3, 3)))
        with pytest.raises(ValueError, match=rf"^{name}: x must be 4-D \(N, C_in, H, W\); got 3-D"):
            fn(np.ones((2, 5, 5)), weight)
        with pytest.raises(ValueError, match=rf"^{name}: the weight has 1 input channels \(its fourth axis\) but "
                                             r"x has 2"):
            fn(x, np.ones((2, 2, 1, 1, 3, 3)))
        with pytest.raises(ValueError, match=rf"^{name}: bias must have one entry per tile position and output "
                                             r"channel, shape \(2, 2, 1\)"):
            fn(x, weight, np.ones((2, 1, 1)))
        with pytest.raises(ValueError, match=rf"^{name}: bias must be 3-D \(t_h, t_w, C_out\)"):
            fn(x, weight, np.ones(1))
        with pytest.raises(TypeError, match=rf"^{name}: x must be a real numeric array"):
            fn(np.full((1, 2, 5, 5), "a"), weight)
        with pytest.raises(ValueError, match=rf"^{name}: .*kernel"):
            fn(np.ones((1, 2, 2, 2)), weight)


def test_tiled_cost_errors():
    with pytest.raises(ValueError, match=r"^tiled_conv2d_cost: input_shape must be \(N, C_in, H, W\) and "
                                         r"weight_shape \(t_h, t_w, C_out, C_in, KH, KW\)"):
        tiled_conv2d_cost((1, 1, 5), (1, 1, 1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"^tiled_conv2d_cost: weight_shape has 2 input channels but input_shape "
                                         r"has 1"):
        tiled_conv2d_cost((1, 1, 5, 5), (1, 1, 1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"^tiled_conv2d_cost: weight_shape must be an int >= 1; got 0"):
        tiled_conv2d_cost((1, 1, 5, 5), (0, 1, 1, 1, 3, 3))
    with pytest.raises(TypeError, match=r"^tiled_conv2d_cost: itemsize must be an int >= 1"):
        tiled_conv2d_cost((1, 1, 5, 5), (1, 1, 1, 1, 3, 3), itemsize=2.5)


# --- depthwise separable, channel shuffle, squeeze-and-excitation -------------------------------------

@pytest.mark.parametrize("mult,stride,padding", [(1, 1, 1), (2, 2, 0), (1, 2, 2)])
def test_depthwise_separable_equals_torch(mult, stride, padding):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 8, 9))
    wd, wp = rng.standard_normal((3 * mult, 1, 3, 3)), rng.standard_normal((5, 3 * mult, 1, 1))
    bd, bp = rng.standard_normal(3 * mult), rng.standard_normal(5)
    t = torch.tensor
    ref = F.conv2d(F.conv2d(t(x), t(wd), t(bd), stride, padding, groups=3), t(wp), t(bp)).numpy()
    np.testing.assert_allclose(depthwise_separable_conv2d(x, wd, wp, bd, bp, stride=stride, padding=padding), ref,
                               atol=1e-12)


def test_depthwise_separable_errors():
    x = np.ones((1, 2, 5, 5))
    f = "depthwise_separable_conv2d"
    with pytest.raises(ValueError, match=rf"^{f}: w_depth must be \(C \* m, 1, KH, KW\), one or more kernels per "
                                         r"input channel; got w_depth.shape=\(3, 1, 3, 3\)"):
        depthwise_separable_conv2d(x, np.ones((3, 1, 3, 3)), np.ones((4, 3, 1, 1)))
    with pytest.raises(ValueError, match=rf"^{f}: w_point must be \(C_out, 2, 1, 1\), a 1x1 kernel"):
        depthwise_separable_conv2d(x, np.ones((2, 1, 3, 3)), np.ones((4, 2, 3, 3)))
    with pytest.raises(ValueError, match=rf"^{f}: w_point must be 4-D \(C_out, C \* m, 1, 1\)"):
        depthwise_separable_conv2d(x, np.ones((2, 1, 3, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError, match=rf"^{f}: x must be 4-D"):
        depthwise_separable_conv2d(np.ones((2, 5, 5)), np.ones((2, 1, 3, 3)), np.ones((4, 2, 1, 1)))
    with pytest.raises(ValueError, match=rf"^{f}: w_depth must be 4-D"):
        depthwise_separable_conv2d(x, np.ones((2, 3, 3)), np.ones((4, 2, 1, 1)))


@pytest.mark.parametrize("c,g", [(6, 2), (6, 3), (8, 4), (5, 1), (12, 6)])
def test_channel_shuffle_equals_torch(c, g):
    x = np.random.default_rng(5).standard_normal((2, c, 3, 4))
    np.testing.assert_array_equal(channel_shuffle(x, g), torch.nn.ChannelShuffle(g)(torch.tensor(x)).numpy())
    assert channel_shuffle(x.astype(np.int16), g).dtype == np.int16


def test_channel_shuffle_errors():
    with pytest.raises(ValueError, match=r"^channel_shuffle: groups must divide the 6 channels of x; got groups=4"):
        channel_shuffle(np.ones((1, 6, 2, 2)), 4)
    with pytest.raises(TypeError, match=r"^channel_shuffle: groups must be an int >= 1; got 2.0"):
        channel_shuffle(np.ones((1, 6, 2, 2)), 2.0)
    with pytest.raises(ValueError, match=r"^channel_shuffle: groups must be an int >= 1; got 0"):
        channel_shuffle(np.ones((1, 6, 2, 2)), 0)
    with pytest.raises(ValueError, match=r"^channel_shuffle: x must be 4-D \(N, C, H, W\)"):
        channel_shuffle(np.ones((6, 2, 2)), 2)


def test_squeeze_excitation_equals_torch():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 8, 5, 4))
    w1, b1, w2, b2 = (rng.standard_normal(s) for s in [(2, 8), (2,), (8, 2), (8,)])
    t = torch.tensor
    block = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 2),
                                torch.nn.ReLU(), torch.nn.Linear(2, 8), torch.nn.Sigmoid()).double()
    with torch.no_grad():
        block[2].weight[:], block[2].bias[:], block[4].weight[:], block[4].bias[:] = t(w1), t(b1), t(w2), t(b2)
        ref = (t(x) * block(t(x))[:, :, None, None]).numpy()
    np.testing.assert_allclose(squeeze_excitation(x, w1, b1, w2, b2), ref, atol=1e-12)


def test_squeeze_excitation_errors():
    x = np.ones((1, 4, 2, 2))
    ok = [np.ones((2, 4)), np.ones(2), np.ones((4, 2)), np.ones(4)]
    bad = {0: (np.ones((2, 3)), r"w1 must have shape \(2, 4\)"), 1: (np.ones(3), r"b1 must have shape \(2,\)"),
           2: (np.ones((4, 3)), r"w2 must have shape \(4, 2\)"), 3: (np.ones(5), r"b2 must have shape \(4,\)")}
    for i, (value, message) in bad.items():
        args = list(ok)
        args[i] = value
        with pytest.raises(ValueError, match=rf"^squeeze_excitation: {message} for x with C=4 channels"):
            squeeze_excitation(x, *args)
    with pytest.raises(ValueError, match=r"^squeeze_excitation: w1 must be 2-D \(C_r, C\)"):
        squeeze_excitation(x, np.ones(4), *ok[1:])


# --- dilation coverage and HDC ------------------------------------------------------------------------

def _reach_by_torch(rates, k):
    """The inputs that reach the centre output, found by back-propagating through torch's dilated convolutions."""
    span = 1 + (k - 1) * sum(rates)
    x = torch.zeros(1, 1, span, span, dtype=torch.float64, requires_grad=True)
    y = x
    for r in rates:
        y = F.conv2d(y, torch.ones(1, 1, k, k, dtype=torch.float64), dilation=r)
    y.sum().backward()
    return (x.grad[0, 0] != 0).numpy()


@settings(max_examples=60, deadline=None)
@given(st.lists(ints(1, 6), min_size=1, max_size=4), ints(2, 4))
def test_coverage_equals_torch_gradient(rates, k):
    mask = dilation_coverage(rates, k)
    assert mask.shape[0] == receptive_field([(k, 1, r) for r in rates]).size
    np.testing.assert_array_equal(mask, _reach_by_torch(rates, k))
    assert hdc_ok(rates, k) == bool(mask.all())


def test_hdc_examples_and_rule():
    assert [hdc_ok(r, 3) for r in ([1, 2, 5], [2, 4, 8], [3, 3, 3], [1, 5, 9], [2, 2, 2])] == [True] + [False] * 4
    assert hdc_rule([1, 2, 5], 3) == (2, True)
    assert hdc_rule([1, 5, 9], 3) == (5, False)
    assert hdc_rule([3, 3, 3], 3) == (3, False)
    assert hdc_rule([4], 3) == (4, False)
    # the rule agrees with the mask whenever the first rate is 1
    for n in (2, 3, 4):
        for rates in itertools.combinations_with_replacement(range(1, 8), n - 1):
            rates = (1, *rates)
            m2, ok = hdc_rule(rates, 3)
            assert ok == hdc_ok(rates, 3), rates
            assert ok == (m2 <= 3 and math.gcd(*rates) == 1)


@pytest.mark.parametrize("fn", [dilation_coverage, hdc_ok, hdc_rule])
def test_rate_errors(fn):
    name = fn.__name__
    with pytest.raises(TypeError, match=rf"^{name}: rates must be a non-empty sequence of ints >= 1"):
        fn([], 3)
    with pytest.raises(TypeError, match=rf"^{name}: rates must be a non-empty sequence of ints >= 1"):
        fn("125", 3)
    with pytest.raises(ValueError, match=rf"^{name}: rates must be an int >= 1; got 0"):
        fn([1, 0], 3)
    with pytest.raises(ValueError, match=rf"^{name}: kernel_size must be an int >= 2; got 1"):
        fn([1, 2], 1)
    with pytest.raises(TypeError, match=rf"^{name}: kernel_size must be an int >= 2; got 3.0"):
        fn([1, 2], 3.0)


def test_coverage_memory_and_counting_bound():
    with pytest.raises(MemoryLimitError, match=r"^dilation_coverage: .*coverage mask"):
        dilation_coverage([1, 10**9], 3)
    assert hdc_ok([1, 10**9], 3) is False  # decided by counting paths, no mask built
    assert hdc_ok([1, 3, 9], 3) and not hdc_ok([1, 3, 10], 3)


# --- the chapter's helpers -------------------------------------------------------------------------------

def test_chapter_helpers():
    assert ch.tile_pattern((4, 6), (2, 3)).tolist() == [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]] * 2
    assert ch.stack_ratio(2, 3, 5) == pytest.approx(0.72)
    assert ch.factorised_ratio(5) == pytest.approx(0.4)
    assert ch.bottleneck_ratio(64) == pytest.approx(1 / 64 + 2 / 72)
    dense = ch.dilated_dense_kernel(np.arange(1.0, 10.0).reshape(3, 3), 3)
    assert dense.shape == (7, 7) and dense[0, 0] == 1 and dense[6, 6] == 9 and dense[1, 1] == 0
    survey = ch.rate_survey(5, (2,))
    assert survey["lists"] == 15 and survey["start1_disagree"] == [] and survey["mask_only"] == []


def test_inception_and_table():
    assert ch.inception_multiplies(False) == 28 * 28 * 192 * (64 + 128 * 9 + 32 * 25 + 32)
    assert ch.inception_multiplies(True) == 28 * 28 * (192 * (64 + 96 + 16 + 32) + 96 * 128 * 9 + 16 * 32 * 25)
    rows = ch.variant_costs(c=16, size=8, k=3)
    conv = conv2d_cost((1, 16, 8, 8), (16, 16, 3, 3), padding=1)
    assert rows["convolution"][:3] == (conv.params, conv.multiplies, 3)
    assert rows["depthwise separable"][0] == 16 * 9 + 16 * 16
    assert rows["squeeze-excitation"][0] == 2 * 16 * 4 + 16 + 4
    table = ch.variant_table(rows)
    assert table.count("\n") == len(rows) + 1 and "| DeepLab |" in table


def test_channel_dependence():
    w = np.random.default_rng(7).standard_normal((6, 2, 3, 3))
    dep = ch.channel_dependence(lambda v: conv2d(v, w, groups=3), 6)
    np.testing.assert_array_equal(dep, np.kron(np.eye(3), np.ones((2, 2))).astype(bool))
    shuffled = ch.channel_dependence(lambda v: channel_shuffle(conv2d(v, w, groups=3), 3), 6)
    np.testing.assert_array_equal(shuffled, dep[[0, 2, 4, 1, 3, 5]])


def test_input_field():
    rng = np.random.default_rng(3)
    row, col = rng.standard_normal((1, 1, 1, 5)), rng.standard_normal((1, 1, 5, 1))
    field = ch.input_field(lambda v: conv2d(conv2d(v, row, padding="same"), col, padding="same"), 7)
    np.testing.assert_allclose(field[1:6, 1:6], col[0, 0] * row[0, 0], atol=1e-12)
    assert np.count_nonzero(field) == 25 and np.linalg.matrix_rank(field) == 1
    k = rng.standard_normal((1, 1, 3, 3))
    np.testing.assert_allclose(ch.input_field(lambda v: conv2d(v, k), 5)[1:4, 1:4], k[0, 0], atol=1e-12)
    pooled = ch.input_field(lambda v: max_pool2d(v, 3, stride=1, padding=1), 5)  # not linear: still its window
    assert pooled.tolist() == [[0.0] * 5] + [[0.0, 1.0, 1.0, 1.0, 0.0]] * 3 + [[0.0] * 5]
    shifted = ch.input_field(lambda v: conv2d(v, k, padding="same") + 1.0, 5)  # a constant does not count
    np.testing.assert_allclose(shifted[1:4, 1:4], k[0, 0], atol=1e-12)


def test_sharing_matrix():
    m = ch.sharing_matrix(2, 8)
    assert m.shape == (6, 8) and m[0, :3].tolist() == [1, 2, 3] and m[1, 1:4].tolist() == [4, 5, 6]
    assert m[2].tolist() == [0, 0, 1, 2, 3, 0, 0, 0]
    assert ch.sharing_matrix(1, 8, dilation=2)[0].tolist() == [1, 0, 2, 0, 3, 0, 0, 0]
    assert len(np.unique(ch.sharing_matrix(8, 10))) == 3 * 8 + 1


def test_figures():
    for fig in (ch.plot_tile_patterns((6, 8), [(1, 1), (2, 2)], ["a", "b"]), ch.plot_coverage([[1, 2, 5], [2, 2]]),
                ch.plot_sharing_matrices([("a", ch.sharing_matrix(2, 6))]),
                ch.plot_channel_mixing({"a": lambda v: conv2d(v, np.ones((4, 2, 1, 1)), groups=2)}, 4),
                ch.plot_input_fields({"a": lambda v: v, "b": lambda v: conv2d(v, np.ones((1, 1, 3, 3)))}, 7)):
        assert fig.get_figwidth() <= 6.6
        plt.close(fig)


# --- the checkers ------------------------------------------------------------------------------------------

def test_check_tiled_params():
    assert ex.check_tiled_params(3 * 3 * (32 * 16 * 25 + 32))
    for wrong in (3 * (32 * 16 * 25 + 32), 9 * 32 * 16 * 25, 9 * 32 * 16 * 25 + 32, 32 * 16 * 25 + 32, None, "x",
                  1.5, -1):
        assert not ex.check_tiled_params(wrong)
    assert "t × t kernels" in ex.check_tiled_params(3 * (32 * 16 * 25 + 32)).message


def _tiled_solution(x, weight):
    th, tw = weight.shape[:2]
    out = None
    for a in range(th):
        for b in range(tw):
            y = conv2d(x, weight[a, b])
            out = np.zeros_like(y) if out is None else out
            out[..., a::th, b::tw] = y[..., a::th, b::tw]
    return out


def test_check_tiled_conv():
    assert ex.check_tiled_conv(_tiled_solution)
    wrongs = {
        "every position used kernel (0, 0)": lambda x, w: conv2d(x, w[0, 0]),
        "swapped": lambda x, w: tiled_conv2d(x, w.transpose(1, 0, 2, 3, 4, 5)),
        "raised": lambda x, w: 1 / 0,
        "returned shape": lambda x, w: tiled_conv2d(x, w)[..., 1:],
        "first wrong at output position": lambda x, w: tiled_conv2d(x, w) + 1,
        "result": lambda x, w: "no",
    }
    for text, fn in wrongs.items():
        feedback = ex.check_tiled_conv(fn)
        assert not feedback and text in feedback.message, (text, feedback)
    assert not ex.check_tiled_conv(None) and not ex.check_tiled_conv(3)


def test_check_rates():
    assert ex.best_rates(3, 3) == (1, 3, 9) and ex.best_rates(2, 3) == (1, 2, 4) and ex.best_rates(3, 2) == (1, 3)
    assert ex.check_rates([1, 3, 9]) and ex.check_rates((1, 3, 9)) and ex.check_rates(np.array([1, 3, 9]))
    for wrong in ([2, 4, 8], [3, 3, 3], [1, 5, 9], [1, 2, 5], [9, 3, 1], [1, 3], [0, 2, 6], "139", None,
                  [1.5, 3, 9], [1, 3, 10], [1, 4, 9]):
        assert not ex.check_rates(wrong), wrong
    assert "common factor" in ex.check_rates([2, 4, 6]).message
    assert "holes are certain" in ex.check_rates([2, 4, 8]).message
    assert "larger field is possible" in ex.check_rates([1, 2, 5]).message
    assert "increasing order" in ex.check_rates([9, 3, 1]).message
