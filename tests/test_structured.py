import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from convbook import (
    SHAPE_CLASSES,
    aligned_offsets,
    class_iou,
    class_iou_naive,
    conv2d,
    conv2d_cost,
    convnd,
    convnd_cost,
    convnd_naive,
    dense_to_conv,
    dense_to_conv_naive,
    merge_regions,
    output_size,
    prediction_grid_size,
    synthetic_shapes,
)

rng = np.random.default_rng(0)


# --- dense -> conv ---------------------------------------------------------------------------------------------------

@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_dense_to_conv_equals_torch_linear_on_the_flattened_map(o, c, h, w, extra):
    g = np.random.default_rng(o * 100 + c * 10 + h + w)
    x = g.normal(size=(2, c, h + extra, w + extra))
    weight = g.normal(size=(o, c * h * w))
    bias = g.normal(size=o)
    k = dense_to_conv(weight, (c, h, w))
    np.testing.assert_array_equal(k, dense_to_conv_naive(weight, (c, h, w)))
    crop = torch.tensor(x[:, :, :h, :w])
    dense = F.linear(torch.flatten(crop, 1), torch.tensor(weight), torch.tensor(bias)).numpy()
    np.testing.assert_allclose(conv2d(x, k, bias)[:, :, 0, 0], dense, atol=1e-12)
    np.testing.assert_allclose(conv2d(x, k, bias), F.conv2d(torch.tensor(x), torch.tensor(k),
                                                            torch.tensor(bias)).numpy(), atol=1e-12)


@pytest.mark.parametrize("func", [dense_to_conv, dense_to_conv_naive])
def test_dense_to_conv_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: weight must have C\*H\*W = 2\*3\*3 = 18 columns"):
        func(np.ones((4, 17)), (2, 3, 3))
    with pytest.raises(ValueError, match=rf"{name}: input_shape must be the \(C, H, W\)"):
        func(np.ones((4, 18)), (18,))
    with pytest.raises(ValueError, match=rf"{name}: weight must be 2-D"):
        func(np.ones(18), (2, 3, 3))
    with pytest.raises(ValueError, match=rf"{name}: input_shape must be an int >= 1"):
        func(np.ones((4, 1)), (0, 3, 3))
    with pytest.raises(TypeError, match=rf"{name}: input_shape must be an int >= 1"):
        func(np.ones((4, 18)), (2.0, 3, 3))
    with pytest.raises(TypeError, match=rf"{name}: weight must be a real numeric array"):
        func(np.array([["a"]]), (1, 1, 1))


# --- the grid of predictions ----------------------------------------------------------------------------------------

@given(st.integers(1, 60), st.integers(1, 20), st.integers(1, 8))
def test_grid_size_and_offsets_follow_output_size(n, t, s):
    if t > n:
        with pytest.raises(ValueError, match="prediction_grid_size: the input"):
            prediction_grid_size(n, t, s)
        return
    g = prediction_grid_size(n, t, s)
    assert g == output_size(n, t, s) == (n - t) // s + 1
    offs = aligned_offsets(n, t, s)
    assert offs == list(range(0, n - t + 1, s))
    assert len(offs) == g


def test_grid_of_a_strided_net_matches_crops_exactly_at_aligned_offsets():
    """A conv (stride 1) + 2x2 max pool (stride 2) + dense head: grid entries are the crops at even offsets."""
    g = np.random.default_rng(1)
    w1, head = g.normal(size=(3, 1, 3, 3)), g.normal(size=(2, 3 * 3 * 3))

    def feats(x):
        return F.max_pool2d(F.relu(F.conv2d(torch.tensor(x), torch.tensor(w1))), 2).numpy()

    x = g.normal(size=(1, 1, 14, 12))
    grid = conv2d(feats(x), dense_to_conv(head, (3, 3, 3)))[0]
    assert grid.shape[1:] == prediction_grid_size((14, 12), 8, 2)
    rows, cols = aligned_offsets((14, 12), 8, 2)
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            dense = head @ feats(x[:, :, a:a + 8, b:b + 8]).ravel()
            np.testing.assert_allclose(grid[:, i, j], dense, atol=1e-12)


def test_grid_size_sequences_and_vgg():
    assert prediction_grid_size(384, 224, 32) == 6
    assert prediction_grid_size((384, 512), (224, 224), (32, 32)) == (6, 10)
    assert aligned_offsets((12, 10), 8, 2) == ([0, 2, 4], [0, 2])


@pytest.mark.parametrize("func", [prediction_grid_size, aligned_offsets])
def test_grid_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: the input \(5\) must be at least the training size \(8\)"):
        func(5, 8, 1)
    with pytest.raises(ValueError, match=rf"{name}: train_size must be an int or one per axis of input_size \(2\)"):
        func((10, 10), (8, 8, 8), 1)
    with pytest.raises(ValueError, match=rf"{name}: stride must be an int or one per axis"):
        func((10, 10), 8, (1,))
    with pytest.raises(ValueError, match=rf"{name}: input_size must be an int >= 1 or a sequence"):
        func((), 8, 1)
    with pytest.raises(ValueError, match=rf"{name}: stride must be an int >= 1"):
        func(10, 8, 0)
    with pytest.raises(TypeError, match=rf"{name}: input_size must be an int >= 1"):
        func(10.0, 8, 1)


# --- synthetic shapes, IoU, regions ---------------------------------------------------------------------------------

def test_synthetic_shapes_is_seeded_and_labels_every_class():
    a = synthetic_shapes(50, 24, rng=np.random.default_rng(3))
    b = synthetic_shapes(50, 24, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    x, y = a
    assert x.shape == y.shape == (50, 24, 24) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(len(SHAPE_CLASSES)))
    clean = synthetic_shapes(5, 20, rng=np.random.default_rng(0), noise=0.0)
    np.testing.assert_array_equal(clean[0], (clean[1] > 0).astype(float))
    noisy = x[y == 0]
    assert 0.25 < noisy.std() < 0.35 and abs(noisy.mean()) < 0.02


def test_synthetic_shapes_errors():
    g = np.random.default_rng(0)
    with pytest.raises(TypeError, match="synthetic_shapes: rng must be a numpy.random.Generator"):
        synthetic_shapes(2, rng=0)
    with pytest.raises(ValueError, match="synthetic_shapes: size must be an int >= 16"):
        synthetic_shapes(2, 8, rng=g)
    with pytest.raises(ValueError, match="synthetic_shapes: n must be an int >= 1"):
        synthetic_shapes(0, rng=g)
    with pytest.raises(ValueError, match="synthetic_shapes: noise must be a finite number >= 0"):
        synthetic_shapes(2, rng=g, noise=-1)
    with pytest.raises(ValueError, match="synthetic_shapes: max_shapes must be an int >= 1"):
        synthetic_shapes(2, rng=g, max_shapes=0)
    with pytest.raises(TypeError, match="synthetic_shapes: noise must be a finite number"):
        synthetic_shapes(2, rng=g, noise="a")


@given(st.integers(1, 5), st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_class_iou_equals_its_loop_spec_and_a_set_count(k, seed):
    g = np.random.default_rng(seed)
    p, t = g.integers(0, k, size=(3, 7)), g.integers(0, k, size=(3, 7))
    fast, slow = class_iou(p, t, k + 1), class_iou_naive(p, t, k + 1)
    np.testing.assert_allclose(fast, slow, equal_nan=True)
    assert np.isnan(fast[k])
    for c in range(k):
        inter, union = np.sum((p == c) & (t == c)), np.sum((p == c) | (t == c))
        if union:
            assert fast[c] == inter / union


@pytest.mark.parametrize("func", [class_iou, class_iou_naive])
def test_class_iou_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: pred and target must have the same shape"):
        func(np.zeros((2, 2), int), np.zeros((2, 3), int), 2)
    with pytest.raises(ValueError, match=rf"{name}: pred must hold integer class labels 0 .. 1"):
        func(np.full((2, 2), 2), np.zeros((2, 2), int), 2)
    with pytest.raises(ValueError, match=rf"{name}: target must hold integer class labels"):
        func(np.zeros((2, 2), int), np.full((2, 2), 0.5), 2)
    with pytest.raises(ValueError, match=rf"{name}: n_classes must be an int >= 1"):
        func(np.zeros((2, 2), int), np.zeros((2, 2), int), 0)


def test_merge_regions_gives_each_region_its_majority():
    y = np.array([[1, 1, 2, 0, 3, 3],
                  [1, 2, 2, 0, 0, 2],
                  [0, 0, 2, 0, 0, 0]])
    out = merge_regions(y)
    regions, _ = ndimage.label(y != 0)
    for r in range(1, regions.max() + 1):
        assert len(np.unique(out[regions == r])) == 1
    np.testing.assert_array_equal(out, [[2, 2, 2, 0, 3, 3], [2, 2, 2, 0, 0, 3], [0, 0, 2, 0, 0, 0]])
    tie = np.array([[1, 2]])
    np.testing.assert_array_equal(merge_regions(tie), [[1, 1]])
    np.testing.assert_array_equal(merge_regions(np.zeros((2, 2), int)), np.zeros((2, 2), int))
    np.testing.assert_array_equal(merge_regions(np.array([[1, 1, 0, 0]]), background=1), [[1, 1, 0, 0]])


def test_merge_regions_errors():
    with pytest.raises(ValueError, match="merge_regions: labels must be an integer array of class labels >= 0; "
                                         "got dtype float64"):
        merge_regions(np.ones((2, 2)))
    with pytest.raises(ValueError, match="with minimum -1"):
        merge_regions(-np.ones((2, 2), int))
    with pytest.raises(ValueError, match="merge_regions: background must be an int >= 0"):
        merge_regions(np.ones((2, 2), int), background=-1)


# --- N-d convolution ------------------------------------------------------------------------------------------------

TORCH = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1),
       st.booleans(), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_convnd_equals_torch_and_its_loop_spec(nd, c, o, s, p, with_bias, seed):
    g = np.random.default_rng(seed)
    kernel = tuple(int(v) for v in g.integers(1, 4, size=nd))
    size = tuple(int(k + v) for k, v in zip(kernel, g.integers(0, 4, size=nd)))
    x, w = g.normal(size=(2, c, *size)), g.normal(size=(o, c, *kernel))
    b = g.normal(size=o) if with_bias else None
    y = convnd(x, w, b, stride=s, padding=p)
    want = TORCH[nd](torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), stride=s,
                     padding=p).numpy()
    np.testing.assert_allclose(y, want, atol=1e-12)
    np.testing.assert_allclose(convnd_naive(x, w, b, stride=s, padding=p), want, atol=1e-12)
    cost = convnd_cost(x.shape, w.shape, stride=s, padding=p, bias=with_bias)
    assert cost.output_shape == y.shape
    assert cost.multiplies == y.size * c * int(np.prod(kernel))
    if nd == 2:
        assert cost == conv2d_cost(x.shape, w.shape, stride=s, padding=p, bias=with_bias)


def test_convnd_dtype_and_same_padding():
    x = np.ones((1, 2, 5, 6), dtype=np.float32)
    assert convnd(x, np.ones((1, 2, 3, 3), np.float32)).dtype == np.float32
    assert convnd(x.astype(int), np.ones((1, 2, 3, 3), int)).dtype == np.float64
    assert convnd(x, np.ones((1, 2, 3, 3)), padding="same").shape == (1, 1, 5, 6)


@pytest.mark.parametrize("func", [convnd, convnd_naive])
def test_convnd_errors(func):
    name = func.__name__
    with pytest.raises(ValueError, match=rf"{name}: x must be \(N, C_in, \*spatial\) with at least one"):
        func(np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match=rf"{name}: weight must be \(C_out, C_in, \*kernel\) with as many axes"):
        func(np.ones((1, 2, 5, 5)), np.ones((1, 2, 3)))
    with pytest.raises(ValueError, match=rf"{name}: weight must have C_in = 2 input channels"):
        func(np.ones((1, 2, 10)), np.ones((1, 3, 3)))
    with pytest.raises(ValueError, match=rf"{name}: bias must have one entry per output channel"):
        func(np.ones((1, 2, 10)), np.ones((4, 2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=rf"{name}: the kernel"):
        func(np.ones((1, 1, 2)), np.ones((1, 1, 3)))
    with pytest.raises(ValueError, match=rf"{name}: stride must be an int >= 1"):
        func(np.ones((1, 1, 5, 5, 5)), np.ones((1, 1, 3, 3, 3)), stride=0)
    with pytest.raises(TypeError, match=rf"{name}: x must be a real numeric array"):
        func(np.array([[["a"]]]), np.ones((1, 1, 1)))


def test_convnd_cost_errors():
    with pytest.raises(ValueError, match=r"convnd_cost: input_shape must be a sequence of at least 3 ints"):
        convnd_cost((1, 2), (1, 2, 3))
    with pytest.raises(ValueError, match=r"convnd_cost: weight_shape must be \(C_out, C_in, \*kernel\) matching"):
        convnd_cost((1, 2, 10), (1, 3, 3))
    with pytest.raises(ValueError, match=r"convnd_cost: weight_shape must be .* matching"):
        convnd_cost((1, 2, 10, 10), (1, 2, 3))
    with pytest.raises(ValueError, match=r"convnd_cost: itemsize must be an int >= 1"):
        convnd_cost((1, 2, 10), (1, 2, 3), itemsize=0)
    with pytest.raises(ValueError, match=r"convnd_cost: input_shape must be an int >= 1"):
        convnd_cost((1, 2, 0), (1, 2, 3))
