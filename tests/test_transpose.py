"""Transposed convolution: equal to torch, to its loop specification, to M^T, and to the input gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from test_conv import layers

from convbook import (
    conv2d,
    conv2d_backward,
    conv_matrix,
    conv_transpose2d,
    conv_transpose2d_naive,
    output_size,
    transposed_output_size,
)

pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


@st.composite
def transposed(draw):
    groups = draw(st.integers(1, 3))
    cin, og = groups * draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    s, d = _pair(draw(pairs)), _pair(draw(pairs))
    p = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    op = (draw(st.integers(0, max(s[0], d[0]) - 1)), draw(st.integers(0, max(s[1], d[1]) - 1)))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    for i, (hh, kk) in enumerate(((h, kh), (w, kw))):
        assume((hh - 1) * s[i] - 2 * p[i] + d[i] * (kk - 1) + op[i] + 1 >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=(n, cin, h, w))
    wt = rng.normal(size=(cin, og, kh, kw))
    b = rng.normal(size=og * groups) if draw(st.booleans()) else None
    return x, wt, b, dict(stride=s, padding=p, output_padding=op, groups=groups, dilation=d)


@given(transposed())
def test_equals_torch_and_the_specification(case):
    x, w, b, kw = case
    tb = None if b is None else torch.tensor(b)
    expected = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), tb, **kw).numpy()
    got = conv_transpose2d(x, w, b, **kw)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(conv_transpose2d_naive(x, w, b, **kw), expected, rtol=0, atol=1e-10)


@given(layers(allow_same=False))
def test_input_gradient_is_the_transposed_convolution(case):
    x, w, _, kw = case
    y = conv2d(x, w, **kw)
    g = np.random.default_rng(3).normal(size=y.shape)
    gx, _, _ = conv2d_backward(g, x, w, **kw)
    s, p, d = _pair(kw["stride"]), (0, 0) if kw["padding"] == "valid" else _pair(kw["padding"]), _pair(kw["dilation"])
    # the input rows a strided convolution never reached come back as output_padding
    op = tuple(x.shape[2 + i] - ((y.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (w.shape[2 + i] - 1) + 1)
               for i in range(2))
    assume(all(0 <= o < max(s[i], d[i]) for i, o in enumerate(op)))
    back = conv_transpose2d(g, w, stride=s, padding=p, output_padding=op, groups=kw["groups"], dilation=d)
    np.testing.assert_allclose(back, gx, rtol=0, atol=1e-10)


def test_matrix_transpose(rng):
    k, shape = rng.normal(size=(3, 2)), (6, 5)
    m = conv_matrix(k, shape, sparse=False)
    g = rng.normal(size=(shape[0] - 2, shape[1] - 1))
    back = conv_transpose2d(g[None, None], k[None, None])[0, 0]
    np.testing.assert_allclose(back.ravel(), m.T @ g.ravel(), atol=1e-12)


@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))
def test_transposed_size_inverts_output_size(n, k, s, p, d):
    m = transposed_output_size(n, k, s, p, 0, d) if (n - 1) * s - 2 * p + d * (k - 1) + 1 >= 1 else None
    assume(m is not None and m + 2 * p >= d * (k - 1) + 1)
    assert output_size(m, k, s, p, d) == n
    for op in range(1, s):  # the input rows a stride-s convolution skips over
        assert output_size(transposed_output_size(n, k, s, p, op, d), k, s, p, d) == n


def test_errors():
    x, w = np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 2, 2))
    with pytest.raises(ValueError, match="x has 3 input channels but the weight has 2"):
        conv_transpose2d(np.zeros((1, 3, 3, 3)), w)
    with pytest.raises(ValueError, match=r"x must be 4-D \(N, C_in, H, W\); got 3-D"):
        conv_transpose2d(np.zeros((2, 3, 3)), w)
    with pytest.raises(ValueError, match="output_padding must be smaller than stride or dilation"):
        conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"bias must have one entry per output channel, shape \(1,\)"):
        conv_transpose2d(x, w, bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"groups=2 must divide the input channels \(3\)"):
        conv_transpose2d(np.zeros((1, 3, 3, 3)), np.zeros((3, 1, 2, 2)), groups=2)
    with pytest.raises(ValueError, match="padding=3 removes the whole output"):
        conv_transpose2d(x, w, padding=3)
    with pytest.raises(TypeError, match="stride must be an int >= 1"):
        conv_transpose2d(x, w, stride=1.5)
