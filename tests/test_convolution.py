"""The step-by-step 1-D convolution and the classic kernels."""

import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convbook import correlate2d
from convbook.chapters.convolution import (
    classic_kernels,
    conv1d_step_widget,
    conv1d_steps,
    plot_conv1d_step,
    plot_conv1d_steps,
)

matplotlib.use("Agg")
floats = st.floats(-10, 10, allow_nan=False)


@given(arrays(float, st.integers(1, 9), elements=floats), arrays(float, st.integers(1, 4), elements=floats))
def test_steps_sum_to_numpy(x, w):
    if w.shape[0] > x.shape[0]:
        return
    np.testing.assert_allclose([s.value for s in conv1d_steps(x, w)], np.convolve(x, w, "valid"), atol=1e-9)
    np.testing.assert_allclose([s.value for s in conv1d_steps(x, w, flip=False)], np.correlate(x, w, "valid"),
                               atol=1e-9)


def test_classic_kernels():
    k = classic_kernels()
    assert k["Laplacian"].sum() == 0 and k["sharpen"].sum() == 1 and np.isclose(k["box blur"].sum(), 1)
    ramp = np.tile(np.arange(6.0), (5, 1))  # brightness grows to the right
    assert (correlate2d(ramp, k["Sobel x"]) > 0).all()
    assert np.allclose(correlate2d(ramp, k["Laplacian"]), 0)


def test_plots_and_widget():
    x, w = np.array([1.0, 2, 0, -1, 3]), np.array([1.0, 0, -1])
    assert plot_conv1d_step(x, w, 1).get_title().startswith("s[1] = ")
    assert len(plot_conv1d_steps(x, w).axes) == 3
    assert len(conv1d_step_widget(x, w).children) == 2
    matplotlib.pyplot.close("all")


def test_errors():
    with pytest.raises(ValueError, match=r"kernel w with shape \(4,\) is longer than the input x with shape \(3,\)"):
        conv1d_steps(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match=r"t must be in 0..2; got 3"):
        plot_conv1d_step(np.zeros(5), np.zeros(3), 3)
    with pytest.raises(ValueError, match=r"x must be 1-D \(n,\)"):
        conv1d_steps(np.zeros((2, 2)), np.zeros(1))


def test_step_widget_redraws_the_chosen_output(recording):
    import convbook.chapters.convolution as chapter

    calls = recording(chapter, "plot_conv1d_step")
    box = chapter.conv1d_step_widget(np.array([1.0, 2, 0, -1, 3, 1]), np.array([1.0, 0, -1]))
    slider = box.children[0]
    assert slider.max == 3 and calls[-1][0][2] == 0
    slider.value = 2
    assert len(calls) == 2 and calls[-1][0][2] == 2
    matplotlib.pyplot.close("all")
