import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from convbook import conv_matrix, correlate2d, matvec_naive, sparse_matvec_naive


@given(h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       mode=st.sampled_from(["valid", "same", "full"]), seed=st.integers(0, 2**16))
def test_conv_matrix_equals_correlate2d(h, w, kh, kw, mode, seed):
    if kh > h or kw > w:
        return
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
    m = conv_matrix(k, (h, w), mode)
    assert sp.issparse(m)
    np.testing.assert_allclose(m @ x.ravel(), correlate2d(x, k, mode).ravel(), atol=1e-12)
    dense = conv_matrix(k, (h, w), mode, sparse=False)
    np.testing.assert_allclose(dense, m.toarray())
    np.testing.assert_allclose(matvec_naive(dense, x.ravel()), m @ x.ravel(), atol=1e-12)
    np.testing.assert_allclose(sparse_matvec_naive(m, x.ravel()), m @ x.ravel(), atol=1e-12)


def test_edge_detector_matrix_nonzeros():
    m = conv_matrix(np.array([[-1.0, 1.0]]), (280, 320))
    assert m.shape == (319 * 280, 320 * 280)
    assert m.nnz == 2 * 319 * 280 == 178_640


def test_zero_taps_are_not_stored():
    k = np.array([[1.0, 0.0, -1.0]])
    assert conv_matrix(k, (4, 5)).nnz == 2 * 4 * 3


def test_every_row_holds_the_same_kernel():
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    m = conv_matrix(k, (5, 6))
    for r in range(m.shape[0]):
        assert sorted(m.data[m.indptr[r]:m.indptr[r + 1]]) == [1.0, 2.0, 3.0, 4.0]


def test_conv_matrix_errors():
    k = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"input_shape must be a pair \(H, W\); got \(3,\)"):
        conv_matrix(k, (3,))
    with pytest.raises(ValueError, match=r"mode must be one of"):
        conv_matrix(k, (3, 3), "wrap")
    with pytest.raises(ValueError, match=r"kernel k with shape \(2, 2\) is larger than the input shape \(1, 3\)"):
        conv_matrix(k, (1, 3))
    with pytest.raises(ValueError, match=r"a dense 89320 x 89600 matrix has 8,003,072,000 entries \(59.6 GiB"):
        conv_matrix(np.array([[-1.0, 1.0]]), (280, 320), sparse=False)
    with pytest.raises(TypeError, match=r"k must be a real numeric array"):
        conv_matrix(np.array([["a"]]), (3, 3))


def test_matvec_errors():
    with pytest.raises(ValueError, match=r"m.shape\[1\] must equal x.shape\[0\]; got m.shape=\(2, 3\), x.shape=\(2,\)"):
        matvec_naive(np.ones((2, 3)), np.ones(2))
    with pytest.raises(TypeError, match=r"m must be a scipy.sparse matrix; got ndarray"):
        sparse_matvec_naive(np.ones((2, 3)), np.ones(3))


def test_operator_matrix_equals_conv_matrix_and_circulant(rng):
    from convbook import circulant_matrix, correlate2d, correlate_circular, operator_matrix

    k = rng.normal(size=(2, 3))
    m = operator_matrix(lambda x: correlate2d(x, k), (4, 5))
    np.testing.assert_allclose(m, conv_matrix(k, (4, 5), sparse=False), atol=1e-12)
    k1 = rng.normal(size=3)
    np.testing.assert_allclose(operator_matrix(lambda x: correlate_circular(x, k1), (7,)),
                               circulant_matrix(k1, 7), atol=1e-12)


@pytest.mark.parametrize("k,shape", [([1.0, -1.0], (8,)), ([1.0, 2.0, 3.0], (8,)), ([1.0, 1.0], (6,)),
                                     ([[0, 1, 0], [1, -4, 1], [0, 1, 0]], (5, 6)), ([[1, 1], [1, 1]], (4, 4)),
                                     ([[1, 2], [3, 4]], (5, 5))])
def test_circulant_rank_from_the_spectrum_equals_numpy(k, shape):
    from convbook import circulant_spectrum_rank, correlate_circular, operator_matrix

    k = np.asarray(k, dtype=float)
    m = operator_matrix(lambda x: correlate_circular(x, k), shape)
    assert circulant_spectrum_rank(k, shape) == np.linalg.matrix_rank(m)


def test_operator_matrix_errors():
    from convbook import circulant_spectrum_rank, operator_matrix

    with pytest.raises(TypeError, match="fn must be callable"):
        operator_matrix(3, (2,))
    with pytest.raises(ValueError, match="shape must have one entry per kernel axis"):
        circulant_spectrum_rank(np.ones(3), (2,))


def test_circulant_rank_and_operator_matrix_refuse_what_would_be_silently_wrong():
    from convbook import circulant_spectrum_rank, operator_matrix

    with pytest.raises(ValueError, match=r"k must hold finite numbers; got 1 NaN or inf of 2"):
        circulant_spectrum_rank(np.array([1.0, np.nan]), (4,))
    with pytest.raises(TypeError, match=r"circulant_spectrum_rank: shape must be an int >= 1; got 5.7"):
        circulant_spectrum_rank(np.array([1.0, 2.0]), (5.7,))
    with pytest.raises(TypeError, match=r"operator_matrix: fn must return a real numeric array; .* NoneType"):
        operator_matrix(lambda x: None, (3,))
    with pytest.raises(ValueError, match=r"fn must return arrays of one size; got 1 and then 2"):
        operator_matrix(lambda x: x[: 1 + int(x[0] == 0)], (3,))


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.int64, np.float64)])
def test_conv_matrix_of_an_all_zero_kernel_is_empty_with_full_shape_and_dtype(dtype, expected):
    k = np.zeros((2, 2), dtype)
    m = conv_matrix(k, (3, 4))  # (3 - 1) * (4 - 1) = 6 outputs, 12 inputs
    assert m.shape == (6, 12) and m.nnz == 0 and m.dtype == expected
    dense = conv_matrix(k, (3, 4), "full", sparse=False)
    assert dense.shape == (4 * 5, 12) and dense.dtype == expected and not dense.any()
    assert conv_matrix(np.ones((2, 2), dtype), (3, 4)).dtype == expected


def test_conv_matrix_keeps_columns_and_rows_no_tap_reaches():
    # only the top-left tap is nonzero: the last input column and row are never read, yet have their columns
    m = conv_matrix(np.array([[1.0, 0.0], [0.0, 0.0]]), (2, 3))
    assert m.shape == (2, 6)
    np.testing.assert_array_equal(m.toarray(), [[1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0]])
    m = conv_matrix(np.array([[0.0, 0.0], [0.0, 1.0]]), (3, 3), "full")  # the last outputs read only padding
    assert m.shape == (16, 9) and m.nnz == 9
    assert m[[15], :].nnz == 0


def test_dense_conv_matrix_limit_is_inclusive():
    k = np.ones((2, 2))
    assert conv_matrix(k, (3, 3), sparse=False, max_dense_entries=36).shape == (4, 9)  # exactly 4 x 9 = 36
    with pytest.raises(ValueError, match=r"a dense 4 x 9 matrix has 36 entries .* over max_dense_entries=35"):
        conv_matrix(k, (3, 3), sparse=False, max_dense_entries=35)


def test_conv_and_matvec_shape_errors_name_the_layout():
    with pytest.raises(ValueError, match=r"conv_matrix: k must be 2-D \(KH, KW\); got 1-D"):
        conv_matrix(np.ones(3), (3, 3))
    with pytest.raises(ValueError, match=r"matvec_naive: m must be 2-D \(R, C\); got 1-D"):
        matvec_naive(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"matvec_naive: x must be 1-D \(C,\); got 2-D"):
        matvec_naive(np.ones((2, 3)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"sparse_matvec_naive: x must be 1-D \(C,\); got 2-D"):
        sparse_matvec_naive(sp.csr_array(np.ones((2, 3))), np.ones((3, 1)))


def test_operator_matrix_on_axes_of_length_one():
    from convbook import operator_matrix

    np.testing.assert_array_equal(operator_matrix(lambda v: 3 * v, (1,)), [[3.0]])
    np.testing.assert_array_equal(operator_matrix(lambda im: im.sum(axis=1), (2, 1)), np.eye(2))
    m = operator_matrix(lambda v: (v > 0).astype(int), (2,))
    assert m.dtype == np.float64
    np.testing.assert_array_equal(m, np.eye(2))


def test_operator_matrix_limit_and_shape_errors():
    from convbook import operator_matrix

    def twice(v):
        return np.concatenate([v, v])

    assert operator_matrix(twice, (3,), max_entries=18).shape == (6, 3)  # exactly 6 x 3 = 18 entries
    with pytest.raises(ValueError, match=r"a dense 6 x 3 matrix is over max_entries=17"):
        operator_matrix(twice, (3,), max_entries=17)
    with pytest.raises(ValueError, match=r"a dense 4 x 1 matrix is over max_entries=3"):  # refused at its only column
        operator_matrix(lambda v: np.repeat(v, 4), (1,), max_entries=3)
    for bad in ((), [], 3):
        with pytest.raises(ValueError, match=r"operator_matrix: shape must be a non-empty tuple of ints"):
            operator_matrix(lambda v: v, bad)


def test_circulant_rank_shape_checks():
    from convbook import circulant_spectrum_rank

    for bad in ((4, 4), 4, ()):
        with pytest.raises(ValueError, match=r"shape must have one entry per kernel axis \(1\); got shape="):
            circulant_spectrum_rank(np.array([1.0, -1.0]), bad)
    # shape equal to the kernel's is allowed: [1, -1] on 2 points kills the constant, [1, 1] the alternating signal
    assert circulant_spectrum_rank(np.array([1.0, -1.0]), (2,)) == 1
    assert circulant_spectrum_rank(np.ones((2, 2)), (2, 2)) == 1


def test_circulant_rank_is_scale_free_and_zero_for_the_zero_kernel():
    from convbook import circulant_spectrum_rank

    for scale in (1e-12, 0.25, 1.0, 1e12):
        assert circulant_spectrum_rank(scale * np.array([1.0, -1.0]), (4,)) == 3
        assert circulant_spectrum_rank(scale * np.array([1.0, 2.0, 3.0]), (8,)) == 8
    assert circulant_spectrum_rank(np.zeros(3), (5,)) == 0
    assert circulant_spectrum_rank(np.zeros((2, 2)), (3, 3)) == 0


def test_circulant_rank_counts_magnitudes_strictly_above_the_tolerance():
    from convbook import circulant_spectrum_rank

    # [1, 1] on 2 points has DFT [2, 0]: an exact zero, not counted even with tol=0
    assert circulant_spectrum_rank(np.array([1.0, 1.0]), (2,), tol=0) == 1
    # tol=1: nothing exceeds the largest magnitude itself
    assert circulant_spectrum_rank(np.array([1.0, 2.0, 3.0]), (8,), tol=1) == 0


def test_circulant_rank_refuses_a_negative_tolerance():
    from convbook import circulant_spectrum_rank

    with pytest.raises(ValueError, match=r"circulant_spectrum_rank: tol must be a finite number >= 0; got -1.0"):
        circulant_spectrum_rank(np.array([1.0, -1.0]), (4,), tol=-1)
