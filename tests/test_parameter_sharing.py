import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convbook import compare_times, local_perception, median_time  # noqa: E402
from convbook.chapters.parameter_sharing import (  # noqa: E402
    dense_growth,
    extrapolate,
    plot_dense_growth,
    plot_matrix,
    power_law,
    print_timings,
    show_images,
    tied_gradient,
)


@pytest.fixture(scope="module")
def points():
    return dense_growth(np.array([[-1.0, 1.0]]), [(7, 8), (14, 16), (21, 24)], repeat=1)


def test_dense_growth_agrees_and_counts(points):
    for p in points:
        assert p.max_abs_difference == 0.0
        h, w = p.shape
        assert p.dense.params == (h * w) * (h * (w - 1))
        assert p.sparse.flops == p.conv.flops == h * (w - 1) * 3
        assert set(p.seconds) == {"convolution", "sparse matrix", "dense matrix"}


def test_extrapolate_dense_memory(points):
    exponent, at_full = extrapolate(points, "dense bytes", 280 * 320)
    assert abs(exponent - 2) < 0.05
    assert at_full / (8 * 89_320 * 89_600) == pytest.approx(1, rel=0.25)
    with pytest.raises(ValueError, match=r"quantity must be 'dense bytes' or one of \['convolution'"):
        extrapolate(points, "flops", 10)


def test_power_law_recovers_exponent():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    c, p = power_law(x, 3 * x**1.5)
    assert c == pytest.approx(3) and p == pytest.approx(1.5)


def test_local_perception_numbers_of_seed_003():
    t = local_perception()
    assert t["fully connected"].params == 25_000_000_000
    assert t["locally connected"].params == 10_000_000
    assert t["convolutional"].params == 100
    assert t["locally connected"].multiplies == t["convolutional"].multiplies == 10_000_000
    assert local_perception(kernels=64)["convolutional"].params == 6_400
    with pytest.raises(ValueError, match="units must be an int >= 1"):
        local_perception(units=0)


def test_tied_gradient_three_ways():
    rng = np.random.default_rng(3)
    x, k, g = rng.normal(size=9), rng.normal(size=4), rng.normal(size=6)
    r = tied_gradient(x, k, g)
    np.testing.assert_allclose(r["autograd"], r["summed"], atol=1e-12)
    np.testing.assert_allclose(r["autograd"], r["by_hand"], atol=1e-12)
    assert r["matrix"].shape == (6, 9)
    with pytest.raises(ValueError, match=r"len\(grad_out\) == len\(x\) - len\(k\) \+ 1"):
        tied_gradient(x, k, np.ones(5))


def test_timing_helpers(capsys):
    assert median_time(lambda: sum(range(10)), repeat=3, min_time=1e-4) > 0
    t = compare_times({"a": lambda: None, "b": lambda: sum(range(100))}, reference="a", repeat=3, min_time=1e-4)
    assert [x.name for x in t] == ["a", "b"] and t[0].ratio == 1.0
    print_timings(t, "a", extra={"c": 1.0})
    out = capsys.readouterr().out
    assert "c (estimated)" in out and "ratio to a" in out
    with pytest.raises(ValueError, match=r"reference must be one of \['a'\]"):
        compare_times({"a": lambda: None}, reference="z")


def test_plots_have_labels(points):
    fig, axes = show_images([np.zeros((3, 4)), np.ones((3, 2))], ["a", "b"], symmetric=[False, True])
    assert axes[0].get_xlabel() and axes[1].get_ylabel() and "4 wide x 3 high" in axes[0].get_title()
    ax = plot_matrix(np.eye(3))
    assert "input pixel" in ax.get_xlabel() and "output pixel" in ax.get_ylabel()
    fig = plot_dense_growth(points, (28, 32))
    assert all(a.get_xlabel() == "pixels in the image" and a.get_ylabel() for a in fig.axes[:2])
    with pytest.raises(ValueError, match="need one title per image"):
        show_images([np.zeros((2, 2))], [])
    plt.close("all")


def test_map_sizes():
    from convbook.chapters.parameter_sharing import map_sizes

    assert map_sizes(1024, 5) == []
    assert map_sizes(1024, 4) == [(1, 256), (2, 128), (4, 64), (8, 32), (16, 16)]
    assert map_sizes(980, 5) == [(1, 196), (2, 98), (4, 49), (7, 28), (14, 14)]
    with pytest.raises(ValueError, match="channels must be an int >= 1"):
        map_sizes(10, 0)


def test_colour_photo():
    from convbook import grace_hopper

    rgb = grace_hopper(color=True)
    assert rgb.shape == (3, 280, 320)
    grey = grace_hopper()
    luma = np.tensordot([0.299, 0.587, 0.114], rgb, axes=1)
    assert np.abs(luma - grey).mean() < 0.01
