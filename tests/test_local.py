import numpy as np
import pytest

from convbook import conv2d, locally_connected2d, locally_connected2d_naive, output_size


@pytest.mark.parametrize("stride", [1, 2, (1, 3)])
def test_fast_equals_naive(stride, rng):
    x = rng.normal(size=(2, 3, 7, 8))
    s = stride if isinstance(stride, tuple) else (stride, stride)
    w = rng.normal(size=(output_size(7, 3, s[0]), output_size(8, 2, s[1]), 4, 3, 3, 2))
    np.testing.assert_allclose(locally_connected2d(x, w, stride), locally_connected2d_naive(x, w, stride), atol=1e-12)


def test_shared_weights_give_a_convolution(rng):
    x = rng.normal(size=(1, 2, 6, 6))
    k = rng.normal(size=(3, 2, 3, 3))
    w = np.broadcast_to(k, (4, 4, *k.shape))
    np.testing.assert_allclose(locally_connected2d(x, w), conv2d(x, k), atol=1e-12)


def test_errors():
    x = np.ones((1, 2, 5, 5))
    with pytest.raises(ValueError, match=r"weight must be 6-D \(OH, OW, C_out, C_in, KH, KW\)"):
        locally_connected2d(x, np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match=r"the weight has 3 input channels \(its fourth axis\) but x has 2"):
        locally_connected2d(x, np.ones((3, 3, 1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"one kernel per output position, weight.shape\[:2\] = \(3, 3\)"):
        locally_connected2d(x, np.ones((2, 3, 1, 2, 3, 3)))
    with pytest.raises(ValueError, match=r"the kernel \(6x6, dilation 1x1\) spans 6x6 input positions but the "
                                         r"padded input is only 5x5"):
        locally_connected2d(x, np.ones((1, 1, 1, 2, 6, 6)))


@pytest.mark.parametrize("xd, wd, expected", [(np.float64, np.float32, np.float64),
                                              (np.float32, np.float64, np.float64),
                                              (np.float32, np.float32, np.float32),
                                              (np.int64, np.float32, np.float64),
                                              (np.float16, np.float16, np.float32)])
def test_result_dtype_is_the_wider_of_input_and_weight(xd, wd, expected, rng):
    x = (rng.normal(size=(1, 2, 4, 5)) * 10).astype(xd)
    # kernel 3x2: stride 1 leaves 2 x 4 positions, stride (1, 3) leaves 2 x 2
    for stride, positions in ((1, (2, 4)), ((1, 3), (2, 2))):
        w = (rng.normal(size=(*positions, 3, 2, 3, 2)) * 10).astype(wd)
        out = locally_connected2d(x, w, stride)
        assert out.dtype == expected
        np.testing.assert_array_equal(out, locally_connected2d(x.astype(expected), w.astype(expected), stride))
        np.testing.assert_allclose(out, locally_connected2d_naive(x, w, stride), rtol=1e-3, atol=1e-2)


def test_input_layout_and_caller_in_errors():
    w = np.ones((3, 3, 1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"locally_connected2d: x must be 4-D \(N, C_in, H, W\); got 3-D"):
        locally_connected2d(np.ones((2, 5, 5)), w)
    for fn in (locally_connected2d, locally_connected2d_naive):
        with pytest.raises(ValueError, match=rf"^{fn.__name__}: the kernel \(6x6, dilation 1x1\) spans 6x6"):
            fn(np.ones((1, 2, 5, 5)), np.ones((1, 1, 1, 2, 6, 6)))
