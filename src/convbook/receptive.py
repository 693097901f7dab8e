"""Receptive fields of stacked convolutions: computed, and measured by back-propagation.

Chapter: *Sparse interactions*. A unit of layer ``l`` sees a window of the
input, its receptive field (感受野). With layers given as ``(kernel, stride,
dilation)`` along one axis, two numbers per layer describe it
(Araujo et al., 2019; Dumoulin & Visin, 2016):

- the *jump* ``j_l = j_{l-1} * s_l`` (input pixels between adjacent units of
  layer ``l``; ``j_0 = 1``),
- the *size* ``r_l = r_{l-1} + (k_l - 1) * d_l * j_{l-1}`` (``r_0 = 1``).

:func:`receptive_field` evaluates the recursion; :func:`receptive_field_empirical`
measures the same two numbers on a random torch network, from the input
gradient of single output units, and is the specification it is tested
against. :func:`path_counts` counts how many paths lead from each input of
the field to the unit, which is why the *effective* receptive field is
concentrated in its middle.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._checks import as_int

__all__ = ["ReceptiveField", "receptive_field", "receptive_field_empirical", "path_counts"]


@dataclass(frozen=True)
class ReceptiveField:
    """Receptive field of the units of the last layer of a stack, along one axis.

    Attributes
    ----------
    size : int
        Input pixels a unit can see (the extent of its receptive field).
    jump : int
        Input pixels between the receptive fields of adjacent units.
    per_layer : tuple of (size, jump)
        The same two numbers after each layer, first layer first.
    """

    size: int
    jump: int
    per_layer: tuple[tuple[int, int], ...] = ()


def _layers(f: str, layers: Any) -> list[tuple[int, int, int]]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise TypeError(f"{f}: layers must be a sequence of (kernel, stride, dilation) tuples; "
                        f"got {type(layers).__name__}")
    if len(layers) == 0:
        raise ValueError(f"{f}: layers must contain at least one (kernel, stride, dilation) tuple; got []")
    out = []
    for i, layer in enumerate(layers):
        if isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
            layer = (layer, 1, 1)
        if not isinstance(layer, Sequence) or len(layer) not in (1, 2, 3):
            raise ValueError(f"{f}: layers[{i}] must be (kernel,), (kernel, stride) or (kernel, stride, dilation); "
                             f"got {layer!r}")
        values = list(layer) + [1] * (3 - len(layer))
        for name, v in zip(("kernel", "stride", "dilation"), values):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{f}: layers[{i}] {name} must be an int >= 1; got {v!r} ({type(v).__name__})")
            if v < 1:
                raise ValueError(f"{f}: layers[{i}] {name} must be an int >= 1; got {v} in {tuple(layer)!r}")
        out.append((int(values[0]), int(values[1]), int(values[2])))
    return out


def receptive_field(layers: Sequence[tuple[int, int, int] | tuple[int, int] | int]) -> ReceptiveField:
    """Receptive field size and jump of a stack of convolutions (or pooling layers), along one axis.

    Parameters
    ----------
    layers : sequence of (kernel, stride, dilation)
        One tuple per layer, input side first. ``(kernel, stride)`` and a bare
        ``kernel`` mean dilation 1 (and stride 1). A pooling window counts as a
        layer with that kernel and stride. Padding does not change the size of
        a receptive field, only where it sits.

    Returns
    -------
    ReceptiveField
        ``size = 1 + sum_l (k_l - 1) * d_l * prod_{m<l} s_m`` and
        ``jump = prod_l s_l``, with ``per_layer`` holding both after each layer.

    Raises
    ------
    TypeError, ValueError
        If ``layers`` is not a non-empty sequence of such tuples of ints >= 1.
    """
    size, jump, history = 1, 1, []
    for k, s, d in _layers("receptive_field", layers):
        size += (k - 1) * d * jump
        jump *= s
        history.append((size, jump))
    return ReceptiveField(size, jump, tuple(history))


def receptive_field_empirical(layers: Sequence[tuple[int, int, int] | tuple[int, int] | int], *, ndim: int = 1,
                              channels: int = 2, seed: int = 0) -> ReceptiveField:
    """Measure receptive field size and jump by back-propagating through a random torch network.

    Builds ``torch.nn.Conv1d`` (or ``Conv2d`` with square kernels) layers with
    the given kernels, strides and dilations, no padding, and positive random
    weights (so no two paths cancel), on an input generously longer than any
    receptive field the stack can have. The input gradient of one output unit
    near the middle is nonzero exactly on that unit's receptive field; its
    extent is the ``size``, and the offset between the fields of two adjacent
    output units is the ``jump``.

    Parameters
    ----------
    layers : sequence of (kernel, stride, dilation)
        As in :func:`receptive_field`.
    ndim : {1, 2}
        Measure with a 1-D or a 2-D network (2-D checks both axes agree).
    channels : int
        Channels of the hidden layers.
    seed : int
        Seed of the random weights.

    Returns
    -------
    ReceptiveField
        Measured ``size`` and ``jump`` (``per_layer`` holds the measurement
        after each prefix of the stack).
    """
    import torch

    f = "receptive_field_empirical"
    spec = _layers(f, layers)
    if ndim not in (1, 2):
        raise ValueError(f"{f}: ndim must be 1 or 2; got {ndim!r}")
    if isinstance(channels, bool) or not isinstance(channels, numbers.Integral) or channels < 1:
        raise ValueError(f"{f}: channels must be an int >= 1; got {channels!r}")
    gen = torch.Generator().manual_seed(seed)
    history = []
    for depth in range(1, len(spec) + 1):
        history.append(_measure(spec[:depth], ndim, channels, gen, torch))
    return ReceptiveField(history[-1][0], history[-1][1], tuple(history))


def _measure(spec: list[tuple[int, int, int]], ndim: int, channels: int, gen: Any, torch: Any) -> tuple[int, int]:
    # the input length for which the stack has exactly five outputs along each axis
    n = 5
    for k, s, d in reversed(spec):
        n = (n - 1) * s + (k - 1) * d + 1
    conv = torch.nn.functional.conv1d if ndim == 1 else torch.nn.functional.conv2d
    x = torch.rand((1, 1) + (n,) * ndim, dtype=torch.float64, generator=gen, requires_grad=True)
    y = x
    c_in = 1
    for k, s, d in spec:
        w = torch.rand((channels, c_in) + (k,) * ndim, dtype=torch.float64, generator=gen) + 0.1
        y = conv(y, w, stride=s, dilation=d)
        c_in = channels
    length = y.shape[-1]
    centre = length // 2
    starts = []
    size = 0
    for pos in (centre, centre + 1):
        (grad,) = torch.autograd.grad(y[(0, 0) + (pos,) * ndim], x, retain_graph=True)
        g = grad[0, 0].numpy()
        spans = []
        for axis in range(ndim):
            other = tuple(a for a in range(ndim) if a != axis)
            touched = np.flatnonzero(np.abs(g).sum(axis=other) if other else g)
            spans.append((int(touched.min()), int(touched.max())))
        if len({hi - lo for lo, hi in spans}) != 1:  # pragma: no cover - square kernels on a square input
            raise RuntimeError(f"receptive_field_empirical: the axes disagree: {spans}")
        lo, hi = spans[0]
        size = hi - lo + 1
        starts.append(lo)
    return size, starts[1] - starts[0]


def path_counts(depth: int, kernel: int = 3) -> np.ndarray:
    """Paths from each input pixel to one unit of a stack of 1-D convolutions, by back-propagation.

    Every layer has stride 1, no padding and a kernel of ``kernel`` ones, so
    the gradient of the top unit with respect to the input counts the paths
    through the network from each input of its receptive field.

    Parameters
    ----------
    depth : int >= 1
        Number of layers.
    kernel : int >= 1
        Kernel width of every layer.

    Returns
    -------
    array, shape (receptive_field([(kernel, 1, 1)] * depth).size,) = ((kernel - 1) * depth + 1,)
        Entry ``i`` is the number of paths from input ``i`` of the field: the
        coefficient of ``z**i`` in ``(1 + z + ... + z**(kernel - 1))**depth``
        (for ``kernel = 3`` a trinomial coefficient). Computed with torch
        autograd in float64, exact while the counts stay below 2**53.
    """
    import torch

    f = "path_counts"
    depth = as_int(f, "depth", depth, 1)
    kernel = as_int(f, "kernel", kernel, 1)
    size = (kernel - 1) * depth + 1
    x = torch.zeros((1, 1, size), dtype=torch.float64, requires_grad=True)
    ones = torch.ones((1, 1, kernel), dtype=torch.float64)
    y = x
    for _ in range(depth):
        y = torch.nn.functional.conv1d(y, ones)
    (paths,) = torch.autograd.grad(y[0, 0, 0], x)
    return paths[0, 0].numpy()
