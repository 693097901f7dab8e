"""The step-by-step 1-D convolution, the classic kernels, the chapter's figures and its exercises."""

import matplotlib
import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from convbook import conv_matrix, correlate1d, correlate2d, grace_hopper, mode_padding
from convbook.chapters.convolution import (
    classic_kernels,
    conv1d_step_widget,
    conv1d_steps,
    plot_conv1d_step,
    plot_conv1d_steps,
    plot_conv_matrices,
    plot_filtered,
    same_padding_sides,
)
from convbook.exercises import convolution as ex
from convbook.plotting import FIG_WIDTH, figure_problems

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


# --- the figures: page width, legible, words for the sums ---------------------------------------------------------

X6, W3 = np.array([1.0, 2, 0, -1, 3, 1]), np.array([1.0, 0, -1])


def _fits(fig):
    assert fig.get_size_inches()[0] <= FIG_WIDTH + 1e-9
    assert figure_problems(fig) == []


def test_step_titles_read_as_arithmetic_with_true_minus_signs():
    assert plot_conv1d_step(X6, W3, 0).get_title() == "s[0] = 1 · (−1) + 2 · 0 + 0 · 1 = −1"
    assert plot_conv1d_step(X6, W3, 3).get_title() == "s[3] = (−1) · (−1) + 3 · 0 + 1 · 1 = 2"
    ax = plot_conv1d_step(X6, W3, 1)
    texts = {t.get_text() for t in ax.texts}
    assert "−1" in texts and "-1" not in texts
    _fits(ax.figure)
    matplotlib.pyplot.close("all")


def test_static_steps_two_a_row_without_empty_panels():
    fig = plot_conv1d_steps(X6, W3)
    assert len(fig.axes) == 4 and [ax.get_title()[:4] for ax in fig.axes] == ["s[0]", "s[1]", "s[2]", "s[3]"]
    right = fig.axes[1]  # rows are named in the left column only
    assert [t.get_text() for t in right.get_yticklabels()] == ["", "", ""]
    _fits(fig)
    assert len(plot_conv1d_steps(X6[:5], W3).axes) == 3  # an odd count: the fourth frame is removed
    assert len(plot_conv1d_steps(X6[:3], W3).axes) == 1
    matplotlib.pyplot.close("all")


def test_conv_matrices_figure(rng):
    t = conv_matrix(W3[None, :], (1, 6), sparse=False)
    m2 = conv_matrix(rng.integers(1, 5, size=(2, 3)).astype(float), (4, 5), sparse=False)
    fig = plot_conv_matrices(t, m2)
    _fits(fig)
    assert [ax.get_title() for ax in fig.axes] == ["1-D: Toeplitz, 4 × 6", "2-D: doubly block Toeplitz, 9 × 20"]
    assert sum(1 for tx in fig.axes[0].texts) == np.count_nonzero(t)  # every nonzero entry is written
    with pytest.raises(ValueError, match=r"two_d must be 2-D \(outputs, inputs\); got shape \(3,\)"):
        plot_conv_matrices(t, np.zeros(3))
    matplotlib.pyplot.close("all")


def test_filtered_figure():
    photo = grace_hopper()[::4, ::4]
    k = classic_kernels()
    names = ["box blur", "Sobel x", "Prewitt x", "Laplacian", "sharpen"]
    outs = {n: correlate2d(photo, k[n], "same") for n in names}
    fig = plot_filtered(photo, outs)
    _fits(fig)
    panels = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert [ax.get_title().split("\n")[0] for ax in panels] == ["photograph", *names]
    shown = {ax.get_title().split("\n")[0]: ax.images[0].get_array() for ax in panels}
    assert shown["sharpen"].max() <= photo.max() and shown["sharpen"].min() >= photo.min()  # clipped for the screen
    assert shown["Sobel x"].min() < 0 < shown["Sobel x"].max()  # signed: not clipped to grey levels
    assert len(plot_filtered(photo, {"box blur": outs["box blur"]}, cols=3).axes) == 2  # no empty frames
    matplotlib.pyplot.close("all")


def test_widget_slider_fits_a_phone():
    slider = conv1d_step_widget(X6, W3).children[0]
    assert slider.layout.width == "100%"
    matplotlib.pyplot.close("all")


# --- where libraries put the extra zero of 'same' padding ----------------------------------------------------------

@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("n, k", [(10, 4), (7, 2), (9, 6), (6, 6)])
def test_same_padding_sides_even_kernels(rng, n, k):
    sig, ker = rng.normal(size=n), rng.normal(size=k)
    sides = same_padding_sides(sig, ker)
    assert sides == {"torch's conv1d": "after", "scipy's correlate2d": "after",
                     "numpy's correlate": "before", "scipy's correlate": "before"}
    # the verdicts mean what they say
    np.testing.assert_allclose(np.correlate(sig, ker, "same"), correlate1d(np.pad(sig, mode_padding(k, "same",
                               convention="numpy")), ker))
    np.testing.assert_allclose(scipy.signal.correlate2d(sig[None], ker[None], "same")[0],
                               correlate1d(np.pad(sig, mode_padding(k, "same")), ker))


def test_same_padding_sides_odd_kernels_and_errors(rng):
    assert set(same_padding_sides(rng.normal(size=8), rng.normal(size=3)).values()) == {"either"}
    with pytest.raises(ValueError, match="is longer than the input"):
        same_padding_sides(np.zeros(3), np.zeros(4))


# --- the exercises: the notebook's solutions pass, the typical wrong answers do not -------------------------------

def test_exercise_output_sizes():
    answer = (28 - 5 + 1, 28, 28 + 5 - 1)  # as the solution computes it
    assert ex.check_mode_sizes(answer)
    wrong = ex.check_mode_sizes((23, 28, 32))  # valid = m - k
    assert not wrong and "not m - k" in wrong.message
    assert not ex.check_mode_sizes(answer[::-1])


def test_exercise_toeplitz():
    answer = np.array([[1, 2, 3, 0, 0], [0, 1, 2, 3, 0], [0, 0, 1, 2, 3]], dtype=float)
    assert ex.check_toeplitz(answer, [1.0, 2.0, 3.0], 5)
    flipped = ex.check_toeplitz(answer[:, ::-1][::-1], [1.0, 2.0, 3.0], 5)  # the convolution's matrix
    assert not flipped and "convolution" in flipped.message
    assert not ex.check_toeplitz(answer[:, :4], [1.0, 2.0, 3.0], 5)


@pytest.mark.parametrize("seed", range(5))
def test_exercise_input_gradient(seed):
    rng = np.random.default_rng(seed)
    xe, we, ge = rng.normal(size=(4, 5)), rng.normal(size=(2, 2)), rng.normal(size=(3, 4))
    answer = scipy.signal.convolve2d(ge, we, "full")  # as the solution computes it
    assert ex.check_input_gradient(answer, xe, we, ge)
    unflipped = ex.check_input_gradient(scipy.signal.correlate2d(ge, we, "full"), xe, we, ge)
    assert not unflipped and "flip" in unflipped.message


def test_exercise_bias_count():
    assert ex.check_bias_count(16)
    per_input = ex.check_bias_count(3)  # one per input channel, as the notes say
    assert not per_input and "INPUT" in per_input.message
    assert not ex.check_bias_count(16 * 30 * 30)  # one per output unit (locally connected)
