"""The cost model is checked against arithmetic counted in real runs of the loops."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import convbook as cb
from convbook import (
    conv2d_cost,
    conv2d_naive,
    conv_matrix,
    correlate2d_cost,
    correlate2d_naive,
    count_ops,
    dense_matrix_cost,
    locally_connected2d_naive,
    locally_connected_cost,
    matvec_naive,
    output_size,
    sparse_matrix_cost,
    sparse_matvec_naive,
)


@given(groups=st.integers(1, 2), cin_g=st.integers(1, 2), cout_g=st.integers(1, 2), k=st.integers(1, 3),
       s=st.integers(1, 2), p=st.integers(0, 1), d=st.integers(1, 2), h=st.integers(3, 6), bias=st.booleans())
def test_conv2d_cost_equals_counted_run(groups, cin_g, cout_g, k, s, p, d, h, bias):
    assume(d * (k - 1) + 1 <= h + 2 * p)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, groups * cin_g, h, h + 1))
    w = rng.normal(size=(groups * cout_g, cin_g, k, k))
    b = rng.normal(size=groups * cout_g) if bias else None
    kw = dict(stride=s, padding=p, dilation=d, groups=groups)
    counted, result = count_ops(conv2d_naive, x, w, b, **kw)
    cost = conv2d_cost(x.shape, w.shape, bias=bias, **kw)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    assert result.shape == cost.output_shape
    np.testing.assert_allclose(result, conv2d_naive(x, w, b, **kw), atol=1e-12)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("kshape", [(1, 2), (2, 1), (3, 3), (2, 4)])
def test_correlate2d_cost_equals_counted_run(mode, kshape):
    x, k = np.ones((6, 7)), np.ones(kshape)
    counted, out = count_ops(correlate2d_naive, x, k, mode)
    cost = correlate2d_cost(x.shape, kshape, mode)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    assert out.shape == cost.output_shape
    assert cost.params == kshape[0] * kshape[1]


def test_edge_detection_count_of_the_book():
    # Goodfellow fig. 9.6 (CLAIMS A1): 319*280*3 = 267,960 FLOPs
    cost = correlate2d_cost((280, 320), (1, 2))
    assert cost.output_shape == (280, 319)
    assert (cost.multiplies, cost.adds, cost.flops) == (178_640, 89_320, 267_960)


@pytest.mark.parametrize("shape", [(3, 4), (1, 5), (6, 1)])
def test_dense_matrix_cost_equals_counted_run(shape):
    m, x = np.ones(shape), np.ones(shape[1])
    counted, _ = count_ops(matvec_naive, m, x)
    cost = dense_matrix_cost(*shape)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    assert cost.params == shape[0] * shape[1] and cost.nbytes == 8 * cost.params


def test_dense_matrix_of_the_book():
    # CLAIMS A2, A3
    cost = dense_matrix_cost(319 * 280, 320 * 280)
    assert cost.params == 8_003_072_000
    assert cost.multiplies + cost.params == 16_006_144_000  # one multiply and one add per entry
    assert round(cost.flops / correlate2d_cost((280, 320), (1, 2)).flops) == 59_733


@pytest.mark.parametrize("k", [np.array([[-1.0, 1.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]), np.ones((3, 3))])
def test_sparse_matrix_cost_equals_counted_run(k):
    m = conv_matrix(k, (5, 6), "same")
    counted, _ = count_ops(sparse_matvec_naive, m, np.ones(30))
    cost = sparse_matrix_cost(m)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    assert cost.nbytes == m.nnz * 12 + (m.shape[0] + 1) * 4


def test_sparse_matrix_costs_what_the_convolution_costs():
    m = conv_matrix(np.array([[-1.0, 1.0]]), (280, 320))
    assert sparse_matrix_cost(m).flops == correlate2d_cost((280, 320), (1, 2)).flops


def test_locally_connected_cost_equals_counted_run():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 2, 5, 6))
    oh, ow = output_size(5, 3, 2), output_size(6, 3, 2)
    w = rng.normal(size=(oh, ow, 3, 2, 3, 3))
    counted, _ = count_ops(locally_connected2d_naive, x, w, stride=2)
    cost = locally_connected_cost(oh * ow * 3, 2 * 9)
    assert (counted.multiplies, counted.adds) == (cost.multiplies, cost.adds)
    shared = conv2d_cost(x.shape, (3, 2, 3, 3), stride=2)
    assert (shared.multiplies, shared.adds) == (cost.multiplies, cost.adds)  # CLAIMS B8
    assert cost.params == oh * ow * shared.params


def test_cost_errors():
    with pytest.raises(ValueError, match=r"input_shape must be 4 ints \(N, C_in, H, W\); got \(3, 4\)"):
        conv2d_cost((3, 4), (1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"the weight must have input channels / groups = 3/1 = 3 input channels"):
        conv2d_cost((1, 3, 5, 5), (2, 2, 3, 3))
    with pytest.raises(ValueError, match=r"n_in must be an int >= 1; got 0"):
        dense_matrix_cost(3, 0)
    with pytest.raises(TypeError, match=r"m must be a scipy.sparse matrix"):
        sparse_matrix_cost(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"mode must be one of"):
        correlate2d_cost((4, 4), (2, 2), "wrap")
    with pytest.raises(ValueError, match=r"taps must be an int >= 1"):
        locally_connected_cost(4, 0)


def test_format_bytes():
    assert [cb.format_bytes(n) for n in (0, 400, 1023, 1024, 4 * 10**7, 10**11, 2**50 * 3000)] == [
        "0 B", "400 B", "1023 B", "1 KiB", "38.1 MiB", "93.1 GiB", "2.93 EiB"]
    with pytest.raises(ValueError, match="format_bytes: n must be a finite number >= 0; got -1"):
        cb.format_bytes(-1)
    with pytest.raises(ValueError, match="got '1'"):
        cb.format_bytes("1")


def test_cost_table():
    from convbook import local_perception

    table = cb.cost_table(local_perception())
    lines = table.splitlines()
    assert lines[0] == "| layer | parameters | multiplications | additions | parameters in float32 |"
    assert lines[2] == "| fully connected | 25,000,000,000 | 25,000,000,000 | 24,999,900,000 | 93.1 GiB |"
    assert lines[4] == "| convolutional | 100 | 10,000,000 | 9,900,000 | 400 B |"
    assert "float64" in cb.cost_table(local_perception(), itemsize=8)
    with pytest.raises(ValueError, match=r"itemsize must be 2, 4 or 8 .*; got 3"):
        cb.cost_table(local_perception(), itemsize=3)
    with pytest.raises(TypeError, match="costs must be a non-empty mapping of name -> Cost"):
        cb.cost_table({"x": 3})


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: cb.correlate2d_cost((3, 4, 5), (2, 2)), ValueError,
         r"correlate2d_cost: input_shape must be two ints \(H, W\); got \(3, 4, 5\)"),
        (lambda: cb.conv2d_cost((1, 1, 5, 5), (1, 1, 3, 3), itemsize=-8), ValueError,
         r"conv2d_cost: itemsize must be an int >= 1; got -8"),
        (lambda: cb.dense_matrix_cost(3, 3, itemsize=0), ValueError, r"dense_matrix_cost: itemsize must be"),
        (lambda: cb.format_bytes(float("nan")), ValueError, r"format_bytes: n must be a finite number"),
    ],
)
def test_cost_arguments_in_words(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_huge_layers_are_counted_exactly():
    c = cb.conv2d_cost((10**4, 10**4, 10**5, 10**5), (10**4, 10**4, 3, 3))
    assert c.multiplies == 10**4 * 10**4 * (10**5 - 2) ** 2 * 10**4 * 9 and isinstance(c.multiplies, int)


def test_sparse_cost_counts_adds_per_non_empty_row():
    import scipy.sparse as sp

    m = sp.csr_array(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    counted, _ = count_ops(sparse_matvec_naive, m, np.ones(3))
    cost = sparse_matrix_cost(m)
    assert (cost.multiplies, cost.adds) == (counted.multiplies, counted.adds) == (3, 1)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv_bias_is_one_per_output_channel_in_params_and_adds(groups):
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(2, 4, 5, 5)), rng.normal(size=(6, 4 // groups, 3, 3)), rng.normal(size=6)
    counted, _ = count_ops(conv2d_naive, x, w, b, groups=groups)
    cost = conv2d_cost(x.shape, w.shape, groups=groups, bias=True)
    assert (cost.multiplies, cost.adds) == (counted.multiplies, counted.adds)
    assert cost.params == w.size + 6 == conv2d_cost(x.shape, w.shape, groups=groups).params + 6


@pytest.mark.parametrize("itemsize", [1, 2, 4])
def test_nbytes_is_params_times_itemsize_and_one_byte_items_are_allowed(itemsize):
    costs = [
        conv2d_cost((1, 2, 5, 5), (3, 2, 2, 4), itemsize=itemsize),
        conv2d_cost((1, 2, 5, 5), (3, 2, 2, 4), bias=True, itemsize=itemsize),
        correlate2d_cost((5, 6), (2, 4), itemsize=itemsize),
        dense_matrix_cost(3, 5, itemsize=itemsize),
        dense_matrix_cost(3, 5, bias=True, itemsize=itemsize),
        locally_connected_cost(6, 4, itemsize=itemsize),
        locally_connected_cost(6, 4, bias=True, itemsize=itemsize),
    ]
    for cost in costs:
        assert cost.nbytes == cost.params * itemsize and type(cost.nbytes) is int
    assert costs[2].nbytes == 2 * 4 * itemsize


def test_sparse_storage_counts_rows_not_columns():
    import scipy.sparse as sp

    # 2 rows, 5 columns, 3 nonzeros: CSR stores 3 values, 3 column indices and 2 + 1 row pointers
    m = sp.csr_array(np.array([[1.0, 0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 3.0]]))
    cost = sparse_matrix_cost(m)
    assert (cost.params, cost.multiplies, cost.adds) == (3, 3, 1)
    assert cost.output_shape == (2,)
    assert cost.nbytes == 3 * (8 + 4) + (2 + 1) * 4
    one_byte = sparse_matrix_cost(m, itemsize=1, index_itemsize=1)
    assert one_byte.nbytes == 3 * 2 + 3 and one_byte.params == 3
    assert sparse_matrix_cost(m, itemsize=2, index_itemsize=8).nbytes == 3 * 10 + 3 * 8


@pytest.mark.parametrize("layer", [dense_matrix_cost, locally_connected_cost])
def test_bias_adds_one_parameter_and_one_add_per_output(layer):
    plain, biased = layer(3, 5), layer(3, 5, bias=True)
    assert (plain.params, plain.multiplies, plain.adds) == (15, 15, 12)
    assert (biased.params, biased.multiplies, biased.adds) == (18, 15, 15)
    assert plain.output_shape == biased.output_shape == (3,)
    assert biased.nbytes == 18 * 8


def test_smallest_layers_are_allowed():
    # one row of pixels, one unit, one output: a size of 1 is a size, not an error
    assert correlate2d_cost((1, 5), (1, 2)).output_shape == (1, 4)
    assert correlate2d_cost((5, 1), (2, 1)).output_shape == (4, 1)
    one = locally_connected_cost(1, 3)
    assert (one.params, one.multiplies, one.adds, one.output_shape) == (3, 3, 2, (1,))
    assert dense_matrix_cost(1, 1, itemsize=1).nbytes == 1
    costs = cb.local_perception(image=(1, 4), units=1, field=(1, 2))
    assert {name: c.params for name, c in costs.items()} == {
        "fully connected": 4, "locally connected": 2, "convolutional": 2}


def test_local_perception_costs_shared_kernels_in_float64():
    costs = cb.local_perception(image=(6, 7), units=11, field=(2, 5), kernels=3)
    shared, local, dense = costs["convolutional"], costs["locally connected"], costs["fully connected"]
    assert shared.params == 3 * 10 and shared.nbytes == 3 * 10 * 8
    assert (shared.multiplies, shared.adds) == (local.multiplies, local.adds) == (11 * 10, 11 * 9)
    assert shared.output_shape == local.output_shape == dense.output_shape == (11,)
    assert (local.params, local.nbytes) == (110, 880)
    assert (dense.params, dense.nbytes) == (11 * 42, 11 * 42 * 8)


def test_conv2d_cost_errors_name_conv2d_cost():
    with pytest.raises(ValueError, match=r"^conv2d_cost: input_shape must be 4 ints"):
        conv2d_cost((3, 4), (1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"^conv2d_cost: "):
        conv2d_cost((1, 3, 5, 5), (2, 2, 3, 3))
