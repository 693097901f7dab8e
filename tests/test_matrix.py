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
