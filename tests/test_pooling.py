import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from convbook import (
    Geometry,
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    adaptive_pool2d_naive,
    adaptive_windows,
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_naive,
    conv2d,
    global_avg_pool2d,
    lp_pool2d,
    lp_pool2d_backward,
    lp_pool2d_naive,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_naive,
    maxout,
    maxout_naive,
    output_size,
)
from convbook.chapters.pooling import (
    EXAMPLE_SETTINGS,
    TinyNet,
    compose_strided,
    describe_pooling,
    detector_responses,
    plot_floor_and_ceil,
    plot_pooling_windows,
    plot_rotation_responses,
    plot_shift_curves,
    plot_shift_sensitivity,
    pooling_equivariance_error,
    relative_spread,
    rotation_bank,
    shift_consistency,
    shift_sensitivity,
    strided_shift_sensitivity,
    upsample_digits,
    vgg16_shapes,
)
from convbook.exercises import equivariance as eq_ex
from convbook.exercises import pooling as pool_ex

ints = st.integers


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def pair_or_int(lo, hi):
    return st.one_of(ints(lo, hi), st.tuples(ints(lo, hi), ints(lo, hi)))


def _fits(h, w, k, s, p, d, ceil):
    for n, kk, ss, pp, dd in zip((h, w), _pair(k), _pair(s), _pair(p), _pair(d)):
        if pp > kk // 2:
            return False
        try:
            output_size(n, kk, ss, pp, dd, ceil)
        except ValueError:
            return False
    return True


@st.composite
def pool_case(draw, dilation=True):
    k = draw(pair_or_int(1, 4))
    s = draw(st.one_of(st.none(), pair_or_int(1, 3)))
    kp = _pair(k)
    p = draw(st.one_of(ints(0, min(kp) // 2), st.tuples(ints(0, kp[0] // 2), ints(0, kp[1] // 2))))
    d = draw(pair_or_int(1, 3)) if dilation else 1
    ceil = draw(st.booleans())
    n, c, h, w = draw(ints(1, 2)), draw(ints(1, 2)), draw(ints(1, 9)), draw(ints(1, 9))
    assume(_fits(h, w, k, k if s is None else s, p, d, ceil))
    x = np.random.default_rng(draw(ints(0, 2**16))).normal(size=(n, c, h, w))
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil)
    if dilation:
        kw["dilation"] = d
    return x, kw


@given(pool_case())
def test_max_pool2d_equals_torch_and_naive(case):
    x, kw = case
    theirs, idx = F.max_pool2d(torch.tensor(x), return_indices=True, **kw)
    np.testing.assert_array_equal(max_pool2d(x, **kw), theirs.numpy())
    np.testing.assert_array_equal(max_pool2d_naive(x, **kw), theirs.numpy())
    finite = np.isfinite(theirs.numpy())
    ours_v, ours_i = max_pool2d(x, return_indices=True, **kw)
    np.testing.assert_array_equal(ours_i[finite], idx.numpy()[finite])


@given(pool_case(dilation=False), st.booleans(), st.one_of(st.none(), ints(1, 7)))
def test_avg_pool2d_equals_torch_and_naive(case, cip, div):
    x, kw = case
    theirs = F.avg_pool2d(torch.tensor(x), count_include_pad=cip, divisor_override=div, **kw).numpy()
    np.testing.assert_allclose(avg_pool2d(x, count_include_pad=cip, divisor_override=div, **kw), theirs,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(avg_pool2d_naive(x, count_include_pad=cip, divisor_override=div, **kw), theirs,
                               rtol=0, atol=1e-12)


@given(pool_case(dilation=False), st.sampled_from([1, 2, 3, 1.5, 4.0, float("inf")]), st.booleans())
def test_lp_pool2d_equals_torch(case, p, positive):
    x, kw = case
    assume(kw["padding"] == 0)
    kw = {k: v for k, v in kw.items() if k != "padding"}
    if positive:
        x = np.abs(x) + 0.01
    theirs = F.lp_pool2d(torch.tensor(x), p, **kw).numpy()
    np.testing.assert_allclose(lp_pool2d(x, p, **kw), theirs, rtol=1e-10, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(lp_pool2d_naive(x, p, **kw), theirs, rtol=1e-10, atol=1e-12, equal_nan=True)


@given(pool_case())
def test_max_pool2d_backward_equals_autograd(case):
    x, kw = case
    xt = torch.tensor(x, requires_grad=True)
    y = F.max_pool2d(xt, **kw)
    assume(bool(torch.isfinite(y).all()))
    g = torch.tensor(np.random.default_rng(1).normal(size=tuple(y.shape)))
    y.backward(g)
    np.testing.assert_allclose(max_pool2d_backward(g.numpy(), x, **kw), xt.grad.numpy(), rtol=0, atol=1e-12)


@given(pool_case(dilation=False), st.booleans(), st.one_of(st.none(), ints(1, 7)))
def test_avg_pool2d_backward_equals_autograd(case, cip, div):
    x, kw = case
    xt = torch.tensor(x, requires_grad=True)
    y = F.avg_pool2d(xt, count_include_pad=cip, divisor_override=div, **kw)
    g = torch.tensor(np.random.default_rng(1).normal(size=tuple(y.shape)))
    y.backward(g)
    ours = avg_pool2d_backward(g.numpy(), x.shape, count_include_pad=cip, divisor_override=div, **kw)
    np.testing.assert_allclose(ours, xt.grad.numpy(), rtol=0, atol=1e-12)


@given(pool_case(dilation=False), st.sampled_from([1, 2, 3, 1.5, float("inf")]))
def test_lp_pool2d_backward_equals_autograd(case, p):
    x, kw = case
    assume(kw["padding"] == 0)
    kw = {k: v for k, v in kw.items() if k != "padding"}
    x = np.abs(x) + 0.01
    xt = torch.tensor(x, requires_grad=True)
    y = F.lp_pool2d(xt, p, **kw)
    g = torch.tensor(np.random.default_rng(1).normal(size=tuple(y.shape)))
    y.backward(g)
    np.testing.assert_allclose(lp_pool2d_backward(g.numpy(), x, p, **kw), xt.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_max_pool_gradient_goes_to_the_argmax_and_adds_up():
    x = np.array([[1.0, 2.0, 0.0], [0.0, 9.0, 3.0], [2.0, 1.0, 4.0]])[None, None]
    grad = max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, 1)
    assert grad[0, 0, 1, 1] == 4 and grad.sum() == 4


@st.composite
def adaptive_case(draw):
    h, w = draw(ints(1, 12)), draw(ints(1, 12))
    out = draw(st.one_of(ints(1, 6), st.tuples(st.one_of(st.none(), ints(1, 6)), st.one_of(st.none(), ints(1, 6)))))
    x = np.random.default_rng(draw(ints(0, 2**16))).normal(size=(draw(ints(1, 2)), draw(ints(1, 2)), h, w))
    return x, out


@given(adaptive_case())
def test_adaptive_pooling_equals_torch(case):
    x, out = case
    t = torch.tensor(x)
    np.testing.assert_allclose(adaptive_avg_pool2d(x, out), F.adaptive_avg_pool2d(t, out).numpy(), atol=1e-12)
    np.testing.assert_allclose(adaptive_pool2d_naive(x, out), F.adaptive_avg_pool2d(t, out).numpy(), atol=1e-12)
    theirs, idx = F.adaptive_max_pool2d(t, out, return_indices=True)
    ours, ours_idx = adaptive_max_pool2d(x, out, return_indices=True)
    np.testing.assert_array_equal(ours, theirs.numpy())
    np.testing.assert_array_equal(ours_idx, idx.numpy())
    np.testing.assert_array_equal(adaptive_pool2d_naive(x, out, "max"), theirs.numpy())


def test_adaptive_windows_and_global_pooling(rng):
    assert adaptive_windows(10, 4) == [(0, 3), (2, 5), (5, 8), (7, 10)]
    assert adaptive_windows(6, 3) == [(0, 2), (2, 4), (4, 6)]
    x = rng.normal(size=(2, 3, 5, 7))
    np.testing.assert_allclose(global_avg_pool2d(x), adaptive_avg_pool2d(x, 1)[:, :, 0, 0])


@given(ints(1, 4), ints(1, 3), st.integers(0, 2**16))
def test_maxout_is_channel_max_pooling(pieces, groups, seed):
    x = np.random.default_rng(seed).normal(size=(2, pieces * groups, 3, 4))
    want = torch.tensor(x).view(2, groups, pieces, 3, 4).amax(2).numpy()
    np.testing.assert_array_equal(maxout(x, pieces), want)
    np.testing.assert_array_equal(maxout_naive(x, pieces), want)


def test_avg_pool_is_linear_and_max_pool_is_not(rng):
    a, b = rng.normal(size=(2, 1, 1, 8, 8))
    np.testing.assert_allclose(avg_pool2d(2 * a - b, 2), 2 * avg_pool2d(a, 2) - avg_pool2d(b, 2), atol=1e-12)
    assert np.abs(max_pool2d(2 * a - b, 2) - (2 * max_pool2d(a, 2) - max_pool2d(b, 2))).max() > 0.1


def test_float32_stays_float32(rng):
    x = rng.normal(size=(1, 2, 6, 6)).astype(np.float32)
    assert max_pool2d(x, 2).dtype == np.float32 and avg_pool2d(x, 2).dtype == np.float32


def test_torch_overhanging_ceil_window():
    # ceil mode keeps one window larger than the input, as torch does
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    np.testing.assert_array_equal(max_pool2d(x, 3, 2, ceil_mode=True), F.max_pool2d(torch.tensor(x), 3, 2,
                                                                                      ceil_mode=True).numpy())
    assert output_size(2, 3, 2, ceil_mode=True) == 1
    with pytest.raises(ValueError, match="kernel spans 3 positions"):
        output_size(2, 3, 2)


X = np.zeros((1, 1, 6, 6))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: max_pool2d(X, 3, padding=2), ValueError,
         r"max_pool2d: padding must be at most half the kernel size .* got padding=\(2, 2\) with kernel_size=\(3, 3\)"),
        (lambda: avg_pool2d(X, (3, 1), padding=(0, 1)), ValueError, r"avg_pool2d: padding must be at most half"),
        (lambda: max_pool2d(X, 7), ValueError, r"max_pool2d: the pooling window does not fit: it spans 7x7"),
        (lambda: max_pool2d(X, 2, stride=0), ValueError, r"max_pool2d: stride must be an int >= 1"),
        (lambda: max_pool2d(X, 0), ValueError, r"max_pool2d: kernel_size must be an int >= 1"),
        (lambda: max_pool2d(X[0], 2), ValueError, r"max_pool2d: x must be 4-D \(N, C, H, W\); got 3-D"),
        (lambda: max_pool2d(X, 2, ceil_mode=1), TypeError, r"max_pool2d: ceil_mode must be True or False"),
        (lambda: avg_pool2d(X, 2, divisor_override=0), ValueError, r"avg_pool2d: divisor_override must be an int >= 1"),
        (lambda: lp_pool2d(X, 0, 2), ValueError, r"lp_pool2d: norm_type must be a number > 0"),
        (lambda: lp_pool2d(X, 2, 2, stride=0), ValueError, r"lp_pool2d: stride must be an int >= 1"),
        (lambda: lp_pool2d(X, float("inf"), 2, stride=0), ValueError, r"lp_pool2d: stride must be an int >= 1"),
        (lambda: lp_pool2d_backward(np.ones((1, 1, 3, 3)), X, 2, 2, stride=0), ValueError,
         r"lp_pool2d_backward: stride must be an int >= 1"),
        (lambda: max_pool2d_backward(np.zeros((1, 1, 2, 2)), X, 2), ValueError,
         r"max_pool2d_backward: grad_output must have the output's shape \(1, 1, 3, 3\); got \(1, 1, 2, 2\)"),
        (lambda: adaptive_avg_pool2d(X, 0), ValueError, r"adaptive_avg_pool2d: output_size must be an int >= 1"),
        (lambda: adaptive_max_pool2d(X, (1, 2, 3)), ValueError,
         r"adaptive_max_pool2d: output_size must be an int or a pair"),
        (lambda: maxout(np.zeros((1, 3, 2, 2)), 2), ValueError,
         r"maxout: pieces=2 must divide the number of channels C=3"),
        (lambda: avg_pool2d_backward(np.zeros((1, 1, 3, 3)), [1, 1, 6, 6], 2), ValueError,
         r"avg_pool2d_backward: input_shape must be a tuple"),
    ],
)
def test_errors_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_plot_pooling_windows():
    import matplotlib

    from convbook.plotting import FIG_WIDTH, figure_problems

    matplotlib.use("Agg")
    for ceil, count in ((False, 2), (True, 3)):
        ax = plot_pooling_windows(6, 3, 2, ceil_mode=ceil)
        windows = [p for p in ax.patches if not p.get_fill()]
        assert len(windows) == count == output_size(6, 3, 2, ceil_mode=ceil)
        assert [p.get_linestyle() for p in windows][-1] == ("--" if ceil else "-")
        assert ax.get_title().endswith(f"= {count} windows") and ax.get_xlabel().startswith("input position")
        assert ax.figure.get_figwidth() <= FIG_WIDTH and figure_problems(ax.figure) == []
    fig = plot_floor_and_ceil(6, 3, 2)
    assert fig.get_figwidth() <= FIG_WIDTH and len(fig.axes) == 2 and figure_problems(fig) == []
    assert [a.get_title().split()[0] for a in fig.axes] == ["floor", "ceil"]
    assert [len([p for p in a.patches if not p.get_fill()]) for a in fig.axes] == [2, 3]
    matplotlib.pyplot.close("all")


def test_plot_shift_sensitivity_one_colour_per_method_legend_off_the_data(rng):
    import matplotlib

    from convbook.chapters.pooling import METHOD_COLORS
    from convbook.plotting import FIG_WIDTH, figure_problems

    matplotlib.use("Agg")
    sizes, shifts = [1, 2, 3], [1, 2, 3]
    img = rng.random((20, 30))
    rho = {(name, op): shift_sensitivity(img, op, sizes, shifts) for name in ("a", "b") for op in ("max", "avg")}
    fig = plot_shift_sensitivity(rho, sizes, shifts)
    assert fig.get_figwidth() <= FIG_WIDTH and figure_problems(fig) == []
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    for ax in fig.axes:
        assert ax.get_legend() is None  # the legend is the figure's, below the panels
        colors = {line.get_label().split(",")[0]: line.get_color() for line in ax.get_lines()}
        assert colors == {"max pooling": METHOD_COLORS["max"], "average pooling": METHOD_COLORS["avg"]}
        np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), rho[ax.get_title(), "max"][:, 0])
    assert len(fig.legends) == 1
    legend_box = fig.legends[0].get_window_extent()
    assert all(legend_box.y1 <= ax.get_window_extent().y0 for ax in fig.axes)
    matplotlib.pyplot.close("all")


def test_plot_rotation_responses(rng):
    import matplotlib

    from convbook.plotting import FIG_WIDTH, figure_problems

    matplotlib.use("Agg")
    angles = np.arange(0, 360, 30)
    resp = rng.random((len(angles), 5, 12))
    ax = plot_rotation_responses(angles, resp, resp.max(axis=2))
    assert ax.figure.get_figwidth() <= FIG_WIDTH and figure_problems(ax.figure) == []
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["detector rotated 0°", "detector rotated 90°", "detector rotated 180°",
                      "detector rotated 270°", "max over 12 detectors"]
    np.testing.assert_allclose(ax.get_lines()[-1].get_ydata(), resp.max(axis=2).mean(axis=1))
    matplotlib.pyplot.close("all")


def test_describe_pooling_reads_as_words():
    assert [describe_pooling(**kw) for kw in EXAMPLE_SETTINGS] == [
        "2 × 2 windows",
        "3 × 3 windows, stride 2, padding 1, ceil mode",
        "3 × 2 windows, stride 1 × 2, padding 1 × 0, dilation 2 × 1",
    ]
    assert describe_pooling(3, 3) == "3 × 3 windows" and describe_pooling(2, (2, 2)) == "2 × 2 windows"
    assert describe_pooling(3, 1, (1, 1)) == "3 × 3 windows, stride 1, padding 1"
    for kw in EXAMPLE_SETTINGS:   # every setting is legal for torch
        F.max_pool2d(torch.zeros(1, 1, 9, 9), **kw)


def test_pooling_equivariance_error_only_at_multiples_of_the_stride(rng):
    img = rng.random((30, 40))
    for op in ("max", "avg"):
        assert all(pooling_equivariance_error(img, op, 1, t, border=3) == 0 for t in (1, 2, 3))
        assert pooling_equivariance_error(img, op, 2, 2, border=3) == 0
        assert pooling_equivariance_error(img, op, 2, 1, border=3) > 0.05
        assert pooling_equivariance_error(img, op, 2, 0, border=3) == 0
    with pytest.raises(ValueError, match="op must be 'max' or 'avg'"):
        pooling_equivariance_error(img, "min", 1, 1)


# The chapter module: invariance measured, whole networks, fully connected layers as convolutions


def test_vgg16_shapes():
    s224 = {l.name: l.shape for l in vgg16_shapes(224)}
    s384 = {l.name: l.shape for l in vgg16_shapes(384)}
    assert s224["pool5"] == (512, 7, 7) and s224["fc8 as 1x1 conv"] == (1000, 1, 1)
    assert s384["pool5"] == (512, 12, 12) and s384["fc8 as 1x1 conv"] == (1000, 6, 6)
    assert sum(name.startswith("conv") for name in s224) == 13


def test_tiny_net_fc_as_conv_matches_aligned_crops():
    net = TinyNet(padding=0)
    x = np.random.default_rng(0).normal(size=(1, 1, net.input_size + 4, net.input_size + 4))
    errs = net.crop_errors(x, range(0, 5))
    assert errs[0, 0] < 1e-12 and errs[4, 4] < 1e-12 and errs[0, 4] < 1e-12
    assert errs[2, 2] > 1e-6
    with pytest.raises(ValueError, match="the dense head needs 18x18 inputs"):
        net(x)


def test_shift_sensitivity_is_one_without_pooling(rng):
    img = rng.random((20, 30))
    rho = shift_sensitivity(img, "avg", [1, 3], [1, 2])
    np.testing.assert_allclose(rho[0], 1.0)
    assert (rho[1] < 1).all()
    with pytest.raises(ValueError, match="op must be 'max' or 'avg'"):
        shift_sensitivity(img, "min", [1], [1])


def test_rotation_bank_responses(rng):
    t = upsample_digits(rng.random((1, 8, 8)))[0]
    assert t.shape == (32, 32)
    bank = rotation_bank(t, [0, 90, 180, 270])
    r = detector_responses(bank, bank)
    np.testing.assert_allclose(np.diag(r), 1.0)
    assert relative_spread(np.ones((5, 3))) == 0.0


def test_exercise_solutions_are_accepted_and_typical_mistakes_rejected():
    """Each exercise's solution, computed as the notebook's solution cell does, and the wrong answers that the
    chapter used to show being rejected."""
    # GoogLeNet's pooling: ceil mode on 112 x 112
    answer = output_size(112, 3, 2, ceil_mode=True)
    assert answer == 56 and pool_ex.check_ceil_size(answer)
    assert answer == F.max_pool2d(torch.zeros(1, 1, 112, 112), 3, 2, ceil_mode=True).shape[-1]
    assert not pool_ex.check_ceil_size(55) and "floor" in pool_ex.check_ceil_size(55).message
    assert not pool_ex.check_ceil_size(56.5) and not pool_ex.check_ceil_size(None)
    # VGG-16 at 512 x 512
    shapes = {lay.name: lay.shape for lay in vgg16_shapes(512)}
    c, h, w = shapes["fc8 as 1x1 conv"]
    answer = h * w
    assert answer == 100 and pool_ex.check_vgg_positions(answer)
    assert not pool_ex.check_vgg_positions(256) and "16 x 16" in pool_ex.check_vgg_positions(256).message
    assert not pool_ex.check_vgg_positions(10)
    # 2 x 2 average pooling with a reshape
    a = np.arange(48.0).reshape(6, 8)
    answer = a.reshape(3, 2, 4, 2).mean(axis=(1, 3))
    assert pool_ex.check_avg_pool(answer, a)
    assert not pool_ex.check_avg_pool(a.reshape(2, 3, 2, 4).mean(axis=(0, 2)), a)   # the transposed split
    assert not pool_ex.check_avg_pool(a.reshape(3, 2, 4, 2).mean(axis=(0, 2)), a)
    # the gradient of 2 x 2 max pooling at stride 1, by hand
    x_small = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 9.0, 3.0, 0.0], [2.0, 1.0, 4.0, 8.0], [0.0, 5.0, 1.0, 2.0]])
    g = np.arange(1.0, 10.0).reshape(3, 3)

    def by_hand(accumulate):
        out = np.zeros((4, 4))
        for i in range(3):
            for j in range(3):
                win = x_small[i:i + 2, j:j + 2]
                a_, b_ = np.unravel_index(np.argmax(win), win.shape)
                out[i + a_, j + b_] = out[i + a_, j + b_] + g[i, j] if accumulate else g[i, j]
        return out

    answer = by_hand(accumulate=True)
    assert pool_ex.check_max_pool_grad(answer, x_small, g)
    xt = torch.tensor(x_small[None, None], requires_grad=True)
    (F.max_pool2d(xt, 2, 1) * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(answer, xt.grad.numpy()[0, 0])
    overwritten = by_hand(accumulate=False)
    assert not np.array_equal(overwritten, answer)
    assert "added" in pool_ex.check_max_pool_grad(overwritten, x_small, g).message
    assert not pool_ex.check_max_pool_grad(answer.T, x_small, g)


def test_exercise_checkers_accept_and_reject():
    assert eq_ex.check_clean_border(6) and not eq_ex.check_clean_border(2)
    assert not eq_ex.check_clean_border(None)
    assert eq_ex.check_stride_shifts([4, 8, 12]) and not eq_ex.check_stride_shifts(list(range(1, 13)))
    k = np.array([1.0, 2.0, 3.0])
    c = np.roll(np.pad(k, (0, 5)), -1)
    assert eq_ex.check_circulant_spectrum(np.conj(np.fft.fft(c)), k, 8)
    assert "conjugate" in eq_ex.check_circulant_spectrum(np.fft.fft(c), k, 8).message
    assert pool_ex.check_ceil_size(56) and "floor" in pool_ex.check_ceil_size(55).message
    assert pool_ex.check_vgg_positions(100) and not pool_ex.check_vgg_positions(256)
    a = np.arange(48.0).reshape(6, 8)
    assert pool_ex.check_avg_pool(a.reshape(3, 2, 4, 2).mean(axis=(1, 3)), a)
    x = np.array([[1.0, 2.0, 0.0], [0.0, 9.0, 3.0], [2.0, 1.0, 4.0]])
    g = np.ones((2, 2))
    right = np.zeros((3, 3))
    right[1, 1] = 4
    assert pool_ex.check_max_pool_grad(right, x, g)
    wrong = np.zeros((3, 3))
    wrong[1, 1] = 1
    assert "added" in pool_ex.check_max_pool_grad(wrong, x, g).message


# Windows of -inf, NaN, and windows without input elements


@given(ints(1, 7), ints(1, 7), ints(1, 3), ints(1, 3), ints(0, 1), ints(1, 2), st.booleans(), ints(0, 10_000))
def test_indices_and_gradient_equal_torch_with_minus_inf_and_nan(h, w, k, s, p, d, ceil, seed):
    assume(p <= k // 2)
    rng = np.random.default_rng(seed)
    x = rng.choice([-np.inf, 0.0, 1.0, np.nan], size=(1, 2, h, w), p=[0.6, 0.2, 0.15, 0.05])
    try:
        g = Geometry.pool((h, w), k, s, p, d, ceil)
    except ValueError:
        return
    assume(all(any(0 <= o * s - p + t * d < n for t in range(k)) for n, out in zip((h, w), g.output_size)
               for o in range(out)))   # every window holds an input element: where torch is sane
    tx = torch.tensor(x, requires_grad=True)
    ty, ti = F.max_pool2d(tx, k, s, p, d, ceil_mode=ceil, return_indices=True)
    out, idx = max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True)
    np.testing.assert_array_equal(out, ty.detach().numpy())
    np.testing.assert_array_equal(idx, ti.numpy())
    np.testing.assert_array_equal(max_pool2d_naive(x, k, s, p, d, ceil_mode=ceil), out)
    go = rng.normal(size=out.shape)
    ty.backward(torch.tensor(go))
    np.testing.assert_allclose(max_pool2d_backward(go, x, k, s, p, d, ceil_mode=ceil), tx.grad.numpy(), atol=1e-12)


def test_all_minus_inf_windows_with_padding_point_inside_the_input():
    x = np.full((1, 1, 4, 4), -np.inf)
    _, idx = max_pool2d(x, 3, 1, padding=1, return_indices=True)
    assert idx.min() >= 0 and idx[0, 0, 0, 0] == 0
    assert max_pool2d_backward(np.ones((1, 1, 4, 4)), x, 3, 1, padding=1).sum() == 16


def test_a_window_without_input_elements_is_minus_inf_with_index_minus_one_and_no_gradient():
    x = np.array([[[[5.0]]]])
    out, idx = max_pool2d(x, 2, 1, padding=1, dilation=2, return_indices=True)   # taps at -1 and 1: both padding
    assert out.tolist() == [[[[-np.inf]]]] and idx.tolist() == [[[[-1]]]]
    assert max_pool2d_naive(x, 2, 1, padding=1, dilation=2).tolist() == [[[[-np.inf]]]]
    assert max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2, 1, padding=1, dilation=2).tolist() == [[[[0.0]]]]


def test_nan_wins_a_window_in_every_implementation():
    x = np.array([[[[1.0, np.nan], [np.nan, 2.0]]]])
    assert np.isnan(max_pool2d(x, 2)).all() and np.isnan(max_pool2d_naive(x, 2)).all()
    assert np.isnan(F.max_pool2d(torch.tensor(x), 2).numpy()).all()
    assert max_pool2d(x, 2, return_indices=True)[1].tolist() == [[[[2]]]]   # the last NaN, as torch


def test_adaptive_max_pooling_takes_the_last_nan_as_torch():
    x = np.array([[[[1.0, np.nan, 3], [np.nan, 2.0, 1], [0, 0, 0]]]])
    ty, ti = F.adaptive_max_pool2d(torch.tensor(x), 1, return_indices=True)
    out, idx = adaptive_max_pool2d(x, 1, return_indices=True)
    assert np.isnan(out).all() and np.isnan(adaptive_pool2d_naive(x, 1, "max")).all()
    assert idx.tolist() == ti.tolist() == [[[[3]]]]


# Stride-k shift sensitivity, shift consistency, stacks of linear layers, the pooled-size exercise


def test_strided_shift_sensitivity_is_zero_exactly_at_multiples_of_the_stride(rng):
    img = rng.random((16, 60))
    for op in ("max", "avg"):
        rho = strided_shift_sensitivity(img, op, 4, range(1, 9), width=40)
        assert rho[3] == 0 and rho[7] == 0 and (rho[[0, 1, 2, 4, 5, 6]] > 0).all()
        plain = strided_shift_sensitivity(img, op, 4, range(1, 9), width=40, best_shift=False)
        assert (plain >= rho).all() and plain[3] > 0
    # k = 1 without a move: every value moves as the input does
    np.testing.assert_allclose(strided_shift_sensitivity(img, "avg", 1, [1, 2], best_shift=False), 1.0)
    with pytest.raises(ValueError, match="op must be 'max' or 'avg'"):
        strided_shift_sensitivity(img, "min", 2, [1])
    with pytest.raises(ValueError, match="exceeds the image width"):
        strided_shift_sensitivity(img, "max", 2, [30], width=40)


def test_shift_consistency_counts_agreement_of_two_shifted_predictions(rng):
    # two classes that differ by brightness, pooled over the whole image: shifts that keep the square inside
    # change nothing, so both measures are 1; unpooled pixels see the square move
    images = np.zeros((40, 12, 12))
    images[:20, 4:8, 4:8] = 1.0
    images[20:, 4:8, 4:8] = 3.0
    labels = np.r_[np.zeros(20, int), np.ones(20, int)]
    for op in ("max", "avg"):
        assert shift_consistency(images, labels, op, 12, 2) == (1.0, 1.0)
    assert shift_consistency(images, labels, "none", 1, 0) == (1.0, 1.0)
    assert shift_consistency(images, labels, "none", 1, 2)[1] < 1
    # without shifts the two predictions are the same image's: consistency 1 whatever the accuracy
    noise = rng.random((30, 8, 8))
    acc, cons = shift_consistency(noise, rng.integers(0, 3, 30), "max", 2, 0)
    assert cons == 1.0 and 0 <= acc <= 1
    with pytest.raises(ValueError, match="op must be 'max', 'avg' or 'none'"):
        shift_consistency(images, labels, "min", 2, 1)


@given(ints(1, 4), ints(1, 3), ints(1, 3), ints(1, 3), ints(0, 2**16))
def test_compose_strided_equals_the_stack(k1, s1, k2, s2, seed):
    r = np.random.default_rng(seed)
    w1, w2 = r.normal(size=(k1, k1 + 1)), r.normal(size=(k2 + 1, k2))
    x = r.normal(size=(1, 1, 23, 21))
    stacked = F.conv2d(F.conv2d(torch.tensor(x), torch.tensor(w1)[None, None], stride=s1),
                       torch.tensor(w2)[None, None], stride=s2).numpy()
    k, s = compose_strided([(w1, s1), (w2, s2)])
    assert s == s1 * s2 and k.shape == ((k2) * s1 + k1, (k2 - 1) * s1 + k1 + 1)
    one = F.conv2d(torch.tensor(x), torch.tensor(k)[None, None], stride=s).numpy()
    np.testing.assert_allclose(one, stacked, atol=1e-10)


def test_conv_and_average_pooling_stack_collapses_but_max_pooling_does_not(rng):
    w1, w2 = rng.normal(size=(5, 5)), rng.normal(size=(3, 3))
    box = np.full((2, 2), 0.25)
    x = rng.normal(size=(1, 1, 40, 40))

    def stack(v, pool):
        return pool(conv2d(pool(conv2d(v, w1[None, None]), 2), w2[None, None]), 2)

    k, s = compose_strided([(w1, 1), (box, 2), (w2, 1), (box, 2)])
    np.testing.assert_allclose(stack(x, avg_pool2d), conv2d(x, k[None, None], stride=s), atol=1e-12)
    assert np.abs(stack(x, max_pool2d) - conv2d(x, k[None, None], stride=s)).max() > 0.1


def test_plot_shift_curves():
    import matplotlib

    from convbook.chapters.pooling import METHOD_COLORS
    from convbook.plotting import FIG_WIDTH, figure_problems

    matplotlib.use("Agg")
    ts = list(range(1, 9))
    curves = {(name, op, s): np.linspace(0, 1, 8) for name in ("a", "b") for op in ("max", "avg") for s in (1, 4)}
    fig = plot_shift_curves(curves, ts, 4)
    assert fig.get_figwidth() <= FIG_WIDTH and figure_problems(fig) == [] and len(fig.axes) == 2
    colours = {line.get_color() for line in fig.axes[0].lines if line.get_label().startswith(("max", "average"))}
    assert colours == set(METHOD_COLORS.values())
    matplotlib.pyplot.close("all")


def _solution_pooled_size(n, k, s, p, ceil):
    """As the notebook's solution cell computes it."""
    span = n + 2 * p - k
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def test_pooled_size_checker_accepts_the_solution_and_explains_mistakes():
    assert pool_ex.check_pooled_size(_solution_pooled_size)
    for n, k, s, p, ceil in pool_ex.POOLED_SIZE_CASES:   # the checker's reference is torch's count
        assert output_size(n, k, s, p, ceil_mode=ceil) == F.max_pool2d(
            torch.zeros(1, 1, n, 1), (k, 1), (s, 1), (p, 0), ceil_mode=ceil).shape[2]
    assert pool_ex.check_pooled_size(lambda *a: float(_solution_pooled_size(*a)))   # 3.0 is a whole number

    def rounded_up(n, k, s, p, ceil):
        return (-(-(n + 2 * p - k) // s) if ceil else (n + 2 * p - k) // s) + 1

    fb = pool_ex.check_pooled_size(rounded_up)
    assert not fb and "right padding" in fb.message and "torch gives 3" in fb.message
    fb = pool_ex.check_pooled_size(lambda n, k, s, p, ceil: (n + 2 * p - k) // s + 1)
    assert not fb and "floor count" in fb.message
    fb = pool_ex.check_pooled_size(lambda n, k, s, p, ceil: (rounded_up(n, k, s, p, True) if not ceil
                                                            else _solution_pooled_size(n, k, s, p, ceil)))
    assert not fb and "round down" in fb.message
    fb = pool_ex.check_pooled_size(lambda n, k, s, p, ceil: _solution_pooled_size(n, k, s, 0, ceil))
    assert not fb and "padding" in fb.message
    assert not pool_ex.check_pooled_size(lambda n, k, s, p, ceil: _solution_pooled_size(n, k, s, p, ceil) + 1)


@pytest.mark.parametrize("odd", [None, "pooled_size", 5, [1, 2], np.nan, lambda n: 1, lambda *a: "3",
                                 lambda *a: np.nan, lambda *a: 1 / 0, lambda *a: np.ones(3), lambda *a: True,
                                 lambda *a: 2.5])
def test_pooled_size_checker_gives_feedback_on_odd_input(odd):
    fb = pool_ex.check_pooled_size(odd)
    assert not fb and isinstance(fb.message, str) and fb.message
