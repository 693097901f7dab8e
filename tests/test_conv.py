import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from convbook import conv2d, conv2d_backward, conv2d_naive, im2col, output_size

pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
pads = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


@st.composite
def layers(draw, allow_same=True):
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, dilation = draw(pairs), draw(pairs)
    padding = draw(st.one_of(pads, st.just("valid"), st.just("same"))) if allow_same else draw(pads)
    if padding == "same":
        stride = 1
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    p = (0, 0) if isinstance(padding, str) else _pair(padding)
    d = _pair(dilation)
    if padding != "same":
        assume(d[0] * (kh - 1) + 1 <= h + 2 * p[0] and d[1] * (kw - 1) + 1 <= w + 2 * p[1])
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, cin, h, w))
    wt = rng.normal(size=(cout, cin // groups, kh, kw))
    b = rng.normal(size=cout) if draw(st.booleans()) else None
    return x, wt, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


def torch_conv(x, w, b, kw):
    tb = None if b is None else torch.tensor(b)
    return F.conv2d(torch.tensor(x), torch.tensor(w), tb, **kw).numpy()


@given(layers())
def test_conv2d_equals_torch(case):
    x, w, b, kw = case
    np.testing.assert_allclose(conv2d(x, w, b, **kw), torch_conv(x, w, b, kw), rtol=0, atol=1e-10)


@given(layers())
def test_conv2d_naive_is_the_specification(case):
    x, w, b, kw = case
    np.testing.assert_allclose(conv2d(x, w, b, **kw), conv2d_naive(x, w, b, **kw), rtol=0, atol=1e-10)


@given(layers(allow_same=False))
def test_output_shape_from_output_size(case):
    x, w, b, kw = case
    s, p, d = _pair(kw["stride"]), _pair(kw["padding"]), _pair(kw["dilation"])
    expect = tuple(output_size(x.shape[2 + i], w.shape[2 + i], s[i], p[i], d[i]) for i in range(2))
    assert conv2d(x, w, b, **kw).shape == (x.shape[0], w.shape[0], *expect)


@given(layers(allow_same=False))
def test_im2col_equals_torch_unfold(case):
    x, w, _, kw = case
    k = w.shape[2:]
    ours = im2col(x, k, kw["stride"], kw["padding"], kw["dilation"])
    theirs = F.unfold(torch.tensor(x), k, dilation=kw["dilation"], padding=kw["padding"], stride=kw["stride"])
    np.testing.assert_array_equal(ours, theirs.numpy())


def test_float32_matches_torch_float32(rng):
    x = rng.normal(size=(8, 32, 32, 32)).astype(np.float32)
    w = rng.normal(size=(64, 32, 3, 3)).astype(np.float32)
    out = conv2d(x, w, padding=1)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, F.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy(), atol=2e-4)


def test_depthwise_and_pointwise(rng):
    x = rng.normal(size=(1, 4, 6, 6))
    dw = rng.normal(size=(4, 1, 3, 3))
    pw = rng.normal(size=(5, 4, 1, 1))
    got = conv2d(conv2d(x, dw, padding=1, groups=4), pw)
    ref = F.conv2d(F.conv2d(torch.tensor(x), torch.tensor(dw), padding=1, groups=4), torch.tensor(pw)).numpy()
    np.testing.assert_allclose(got, ref, atol=1e-12)


X = np.ones((1, 4, 5, 5))
W = np.ones((6, 2, 3, 3))


@pytest.mark.parametrize("fn", [conv2d, conv2d_naive])
@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((np.ones((4, 5, 5)), W), {}, ValueError,
         r"x must be 4-D \(N, C_in, H, W\); got 3-D array with shape \(4, 5, 5\)"),
        ((X, np.ones((6, 2, 3))), {}, ValueError, r"weight must be 4-D \(C_out, C_in/groups, KH, KW\); got 3-D"),
        ((X, W), dict(groups=1), ValueError,
         r"the weight must have input channels / groups = 4/1 = 4 input channels \(its second axis\); "
         r"got input shape \(1, 4, 5, 5\), weight shape \(6, 2, 3, 3\)"),
        ((X, W), dict(groups=3), ValueError, r"groups=3 must divide both the input channels \(4"),
        ((X, W), dict(groups=0), ValueError, r"groups must be an int >= 1; got 0"),
        ((X, W), dict(groups=2, stride=0), ValueError, r"stride must be an int >= 1 or a pair of them; got 0"),
        ((X, W), dict(groups=2, stride=(1, 2, 3)), ValueError, r"stride must be .* \(length 3\)"),
        ((X, W), dict(groups=2, dilation=-1), ValueError, r"dilation must be an int >= 1 or a pair of them; got -1"),
        ((X, W), dict(groups=2, padding=-1), ValueError, r"padding must be an int >= 0 or a pair of them; got -1"),
        ((X, W), dict(groups=2, padding="half"), ValueError,
         r"padding must be 'valid', 'same', an int >= 0 or a pair of them; got 'half'"),
        ((X, W), dict(groups=2, padding="same", stride=2), ValueError, r"padding='same' needs stride 1"),
        ((X, W), dict(groups=2, dilation=3), ValueError,
         r"spans 7x7 input positions but the padded input is only 5x5 \(input 5x5, no padding\)"),
        ((X, W, np.ones(5)), dict(groups=2), ValueError,
         r"bias must have one entry per output channel, shape \(6,\) for weight.shape=\(6, 2, 3, 3\)"),
        ((X.astype(complex), W), dict(groups=2), TypeError, r"x must be a real numeric array .* complex128"),
        ((X, W), dict(groups=2, stride=1.5), TypeError, r"stride must be an int >= 1 or a pair of them; got 1.5"),
    ],
)
def test_conv2d_errors(fn, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


def test_im2col_errors():
    with pytest.raises(ValueError, match=r"kernel_size must be an int >= 1 or a pair of them; got 0"):
        im2col(X, 0)
    with pytest.raises(TypeError, match=r"x must be a real numeric array"):
        im2col(np.array([[[["a"]]]]), 1)


# Gradients: conv2d_backward, beside its forward


@given(layers())
def test_conv2d_backward_equals_autograd(case):
    x, w, _, kw = case
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    tb = torch.zeros(w.shape[0], dtype=torch.float64, requires_grad=True)
    y = F.conv2d(tx, tw, tb, **kw)
    g = np.random.default_rng(1).normal(size=tuple(y.shape))
    y.backward(torch.tensor(g))
    gx, gw, gb = conv2d_backward(g, x, w, **kw)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=0, atol=1e-10)


def test_finite_differences(rng):
    x, w = rng.normal(size=(1, 2, 5, 6)), rng.normal(size=(3, 2, 3, 2))
    g = rng.normal(size=conv2d(x, w, stride=2, padding=1).shape)
    gx, gw, _ = conv2d_backward(g, x, w, stride=2, padding=1)
    eps = 1e-6
    for arr, grad in ((x, gx), (w, gw)):
        idx = (0, 1, 2, 1)
        old = arr[idx]
        arr[idx] = old + eps
        up = np.sum(g * conv2d(x, w, stride=2, padding=1))
        arr[idx] = old - eps
        down = np.sum(g * conv2d(x, w, stride=2, padding=1))
        arr[idx] = old
        assert (up - down) / (2 * eps) == pytest.approx(grad[idx], abs=1e-6)


def test_conv2d_backward_errors():
    x, w = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"grad_output must have the output shape \(1, 3, 3, 3\) .* "
                                         r"got \(1, 3, 2, 2\)"):
        conv2d_backward(np.ones((1, 3, 2, 2)), x, w)
    with pytest.raises(ValueError, match=r"grad_output must be 4-D"):
        conv2d_backward(np.ones((3, 3)), x, w)
    with pytest.raises(ValueError, match=r"the weight must have input channels / groups = 2/1 = 2 input channels"):
        conv2d_backward(np.ones((1, 3, 3, 3)), x, np.ones((3, 1, 3, 3)))
