"""Receptive fields of stacked convolutions, computed by the size-and-jump recursion.

Chapter: *Sparse interactions*. A unit of layer ``l`` sees a window of the
input, its receptive field (感受野). With layers given as ``(kernel, stride,
dilation)`` along one axis, two numbers per layer describe it
(Araujo et al., 2019; Dumoulin & Visin, 2016):

- the *jump* ``j_l = j_{l-1} * s_l`` (input pixels between adjacent units of
  layer ``l``; ``j_0 = 1``),
- the *size* ``r_l = r_{l-1} + (k_l - 1) * d_l * j_{l-1}`` (``r_0 = 1``).

:func:`receptive_field` evaluates the recursion. The chapter module
:mod:`convbook.chapters.sparse_interactions` measures the same two numbers
on a random torch network (``receptive_field_empirical``, the specification
this is tested against) and counts the paths from each input of the field
to the unit (``path_counts``), which is why the *effective* receptive field
is concentrated in its middle.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["ReceptiveField", "receptive_field", "layer_specs"]


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

    Examples
    --------
    Made by :func:`receptive_field`; two 3-tap convolutions see 3, then 3 + 2 = 5 inputs:

    >>> rf = receptive_field([3, 3])
    >>> rf.size, rf.jump, rf.per_layer
    (5, 1, ((3, 1), (5, 1)))
    """

    size: int
    jump: int
    per_layer: tuple[tuple[int, int], ...] = ()


def layer_specs(layers: Sequence[tuple[int, ...] | int], *, caller: str = "layer_specs") -> list[tuple[int, int, int]]:
    """A stack of layers as ``(kernel, stride, dilation)`` tuples, checked.

    Parameters
    ----------
    layers : sequence
        One entry per layer, input side first: ``(kernel, stride, dilation)``,
        ``(kernel, stride)``, ``(kernel,)`` or a bare ``kernel`` (missing
        values are 1).
    caller : str
        The function named in error messages.

    Returns
    -------
    list of (int, int, int)

    Raises
    ------
    TypeError, ValueError
        If ``layers`` is not a non-empty sequence of such entries of ints >= 1.

    Examples
    --------
    >>> layer_specs([3, (2, 2), (3, 1, 2)])
    [(3, 1, 1), (2, 2, 1), (3, 1, 2)]
    """
    f = caller
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

    Examples
    --------
    A 3-tap convolution, a 2-wide pooling with stride 2, and another 3-tap
    convolution: 1 + 2 + 1 = 4 inputs after the pooling, whose stride makes
    each tap of the last layer 2 inputs apart, so 4 + 2 * 2 = 8:

    >>> rf = receptive_field([3, (2, 2), 3])
    >>> rf.size, rf.jump
    (8, 2)
    >>> receptive_field([(3, 1, 2)]).size  # dilation 2: 1 + (3 - 1) * 2
    5
    """
    size, jump, history = 1, 1, []
    for k, s, d in layer_specs(layers, caller="receptive_field"):
        size += (k - 1) * d * jump
        jump *= s
        history.append((size, jump))
    return ReceptiveField(size, jump, tuple(history))
