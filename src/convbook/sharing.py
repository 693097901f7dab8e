"""Computations of the chapter *Parameter sharing*.

Each function returns plain numbers or arrays; the notebook only shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import as_array, as_int
from .correlate import correlate2d
from .cost import Cost, correlate2d_cost, dense_matrix_cost, locally_connected_cost, sparse_matrix_cost
from .matrix import conv_matrix
from .timing import median_time

__all__ = ["GrowthPoint", "dense_growth", "power_law", "extrapolate", "local_perception", "tied_gradient",
           "map_sizes"]


@dataclass(frozen=True)
class GrowthPoint:
    """Cost and measured time of the three methods on one image size."""

    shape: tuple[int, int]
    conv: Cost
    sparse: Cost
    dense: Cost
    seconds: dict[str, float]
    max_abs_difference: float


def dense_growth(kernel: np.ndarray, shapes: Sequence[tuple[int, int]], seed: int = 0,
                 repeat: int = 5) -> list[GrowthPoint]:
    """Build and apply the convolution, sparse and dense matrices on growing images.

    For each ``(H, W)`` in ``shapes`` a random image is filtered three ways;
    the results must agree (``max_abs_difference``), and each way is timed
    (median of ``repeat`` rounds) in the same run.
    """
    k = as_array("dense_growth", "kernel", kernel, 2, "(KH, KW)")
    rng = np.random.default_rng(seed)
    points = []
    for shape in shapes:
        x = rng.normal(size=shape)
        m = conv_matrix(k, shape)
        d = conv_matrix(k, shape, sparse=False)
        v = x.ravel()
        ref = correlate2d(x, k).ravel()
        diff = max(float(np.abs(m @ v - ref).max()), float(np.abs(d @ v - ref).max()))
        secs = {
            "convolution": median_time(lambda x=x: correlate2d(x, k), repeat),
            "sparse matrix": median_time(lambda m=m, v=v: m @ v, repeat),
            "dense matrix": median_time(lambda d=d, v=v: d @ v, repeat),
        }
        points.append(GrowthPoint(tuple(shape), correlate2d_cost(shape, k.shape), sparse_matrix_cost(m),
                                  dense_matrix_cost(*d.shape), secs, diff))
    return points


def power_law(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Least-squares fit ``y = c * x**p`` on a log-log scale; returns ``(c, p)``."""
    lx, ly = np.log(np.asarray(x, float)), np.log(np.asarray(y, float))
    p, logc = np.polyfit(lx, ly, 1)
    return float(np.exp(logc)), float(p)


def extrapolate(points: Sequence[GrowthPoint], quantity: str, pixels: int) -> tuple[float, float]:
    """Fit ``quantity ~ c * (pixels)**p`` over ``points`` and evaluate it at ``pixels``.

    ``quantity`` is ``"dense bytes"`` or the name of a timed method (e.g.
    ``"dense matrix"``). Returns ``(p, value at pixels)``.
    """
    xs = [p.shape[0] * p.shape[1] for p in points]
    if quantity == "dense bytes":
        ys = [p.dense.bytes for p in points]
    elif quantity in points[0].seconds:
        ys = [p.seconds[quantity] for p in points]
    else:
        raise ValueError(f"extrapolate: quantity must be 'dense bytes' or one of {list(points[0].seconds)}; "
                         f"got {quantity!r}")
    c, p = power_law(xs, ys)
    return p, c * pixels**p


def local_perception(image: tuple[int, int] = (500, 500), units: int = 10**5, field: tuple[int, int] = (10, 10),
                     kernels: int = 1) -> dict[str, Cost]:
    """Parameters and arithmetic of the local-perception example (seed 003).

    ``units`` hidden units look at an image of ``image`` pixels:

    - fully connected: every unit sees every pixel;
    - locally connected: every unit sees a ``field`` patch with its own weights;
    - convolutional: the ``field`` weights are shared by all units (``kernels``
      feature maps, each with its own kernel).

    Biases are left out, as in the source example.
    """
    units = as_int("local_perception", "units", units, 1)
    kernels = as_int("local_perception", "kernels", kernels, 1)
    pixels = image[0] * image[1]
    taps = field[0] * field[1]
    local = locally_connected_cost(units, taps)
    shared = Cost(kernels * taps, local.multiplies, local.adds, kernels * taps * 8, (units,))
    return {"fully connected": dense_matrix_cost(units, pixels), "locally connected": local,
            "convolutional": shared}


def tied_gradient(x: np.ndarray, k: np.ndarray, grad_out: np.ndarray) -> dict[str, np.ndarray]:
    """Gradient of a 1-D valid correlation with respect to its shared kernel, three ways.

    Parameters
    ----------
    x : array, shape (n,)
    k : array, shape (m,)
    grad_out : array, shape (n - m + 1,)
        The gradient arriving from above.

    Returns
    -------
    dict
        ``"autograd"``: torch's gradient w.r.t. ``k``; ``"matrix"``: torch's
        gradient w.r.t. every entry of the unrolled (Toeplitz) weight matrix,
        shape (n - m + 1, n); ``"summed"``: that matrix gradient summed over
        the entries that hold each kernel tap; ``"by_hand"``: the formula
        ``dL/dk[j] = sum_i grad_out[i] * x[i + j]``.
    """
    import torch

    x = as_array("tied_gradient", "x", x, 1, "(n,)").astype(np.float64)
    k = as_array("tied_gradient", "k", k, 1, "(m,)").astype(np.float64)
    g = as_array("tied_gradient", "grad_out", grad_out, 1, "(n - m + 1,)").astype(np.float64)
    n, m = x.shape[0], k.shape[0]
    if m > n or g.shape[0] != n - m + 1:
        raise ValueError(f"tied_gradient: need len(k) <= len(x) and len(grad_out) == len(x) - len(k) + 1; "
                         f"got x.shape={x.shape}, k.shape={k.shape}, grad_out.shape={g.shape}")
    kt = torch.tensor(k, requires_grad=True)
    y = torch.nn.functional.conv1d(torch.tensor(x)[None, None], kt[None, None])[0, 0]
    y.backward(torch.tensor(g))
    rows = np.arange(n - m + 1)[:, None]
    cols = rows + np.arange(m)[None, :]
    big = torch.zeros(n - m + 1, n, dtype=torch.float64)
    big[rows, cols] = torch.tensor(k)
    big.requires_grad_(True)
    (big @ torch.tensor(x)).backward(torch.tensor(g))
    gm = big.grad.numpy()
    summed = np.array([gm[rows[:, 0], rows[:, 0] + j].sum() for j in range(m)])
    by_hand = np.array([np.dot(g, x[j:j + n - m + 1]) for j in range(m)])
    return {"autograd": kt.grad.numpy(), "matrix": gm, "summed": summed, "by_hand": by_hand}


def map_sizes(total: int, channels: int) -> list[tuple[int, int]]:
    """Every feature-map size ``(H, W)`` with ``H <= W`` and ``channels*H*W == total``.

    Used to check a flattening claim: ``channels`` maps of ``H x W`` flatten
    to a vector of ``channels*H*W`` numbers. Empty when ``channels`` does not
    divide ``total``.
    """
    total = as_int("map_sizes", "total", total, 1)
    channels = as_int("map_sizes", "channels", channels, 1)
    if total % channels:
        return []
    area = total // channels
    return [(h, area // h) for h in range(1, int(area**0.5) + 1) if area % h == 0]
