"""The shared figure conventions (``convbook.plotting``): legibility checks, shared helpers, widget pictures."""

import base64

import matplotlib.pyplot as plt
import numpy as np
import pytest

from convbook import plotting
from convbook.plotting import FIG_WIDTH, check_legible, figure_problems


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_a_figure_at_the_page_width_with_the_book_style_passes():
    fig, ax = plt.subplots(figsize=(FIG_WIDTH, 3))
    ax.plot([0, 1, 2], [1, -1, 0], label="signal")
    ax.set_title("shift by −1")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    assert figure_problems(fig) == []
    assert check_legible(fig) is fig


@pytest.mark.parametrize("width, wide", [(FIG_WIDTH, False), (12.0, True)])
def test_a_figure_wider_than_the_page_is_refused(width, wide):
    fig, ax = plt.subplots(figsize=(width, 3))
    ax.plot([0, 1], [0, 1])
    assert any("px wide" in p for p in figure_problems(fig)) == wide


def test_small_text_and_hyphens_for_minus_signs_are_refused():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("1·-1")
    ax.set_xlabel("offset", fontsize=6)
    problems = figure_problems(fig)
    assert "text '1·-1' has a hyphen for a minus sign: write − (U+2212)" in problems
    assert any(p.startswith("text 'offset' is 8.3 px high") for p in problems)
    ax.set_title("1 · (−1)")
    ax.set_xlabel("offset (pixels) and a 1e-3 floor", fontsize=10)
    assert figure_problems(fig) == []


def test_fractional_ticks_on_an_image_and_a_legend_over_data_are_refused():
    fig, (a, b) = plt.subplots(1, 2, figsize=(6, 3))
    a.imshow(np.zeros((18, 18)))
    a.set_yticks([0, 2.5, 5])
    b.plot(np.arange(10), 9 - np.arange(10), label="falling")
    b.legend(loc="upper left")
    problems = figure_problems(fig)
    assert any("y ticks 0, 2.5, 5 are not whole pixel indices" in p for p in problems)
    assert any("the legend covers data of 'falling'" in p for p in problems)
    with pytest.raises(ValueError, match="check_legible: this figure would be hard to read"):
        check_legible(b)


def test_the_shared_helpers_fit_the_page():
    fig, axes = plotting.show_images([np.zeros((280, 320)), np.ones((35, 40))], ["photo", "pooled"])
    assert fig.get_size_inches()[0] <= FIG_WIDTH + 1e-9 and axes[0].get_title().endswith("320 × 280 pixels")
    ax = plotting.plot_matrix(np.eye(12) - np.eye(12, k=1))
    assert figure_problems(ax) == []
    ax = plotting.plot_connectivity(np.eye(5, dtype=bool))
    assert figure_problems(ax) == []
    ax = plotting.plot_cost_growth([1, 2, 4], {"dense": [1, 4, 16], "sparse": [1, 2, 4]}, xlabel="n", ylabel="cost",
                                   extrapolate={"dense": (8, 64)})
    assert figure_problems(ax) == []


def test_a_widget_carries_a_picture_of_its_first_figure_for_pages_without_a_kernel():
    import ipywidgets

    def draw(k):
        fig, ax = plt.subplots(figsize=(4, 2.5))
        ax.plot(np.arange(5), np.arange(5) * k)
        return fig

    widget = plotting.figure_widget(draw, {"k": ipywidgets.IntSlider(value=2, min=1, max=3)})
    assert isinstance(widget, ipywidgets.VBox)
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live in Jupyter
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"  # the site's picture
    assert "controls" in bundle["text/plain"]


def test_a_widget_whose_first_figure_is_illegible_is_refused():
    import ipywidgets

    def draw(k):
        fig, ax = plt.subplots(figsize=(12, 3))
        ax.plot([0, 1], [0, k])
        return fig

    with pytest.raises(ValueError, match="px wide"):
        plotting.figure_widget(draw, {"k": ipywidgets.IntSlider(value=1)})
