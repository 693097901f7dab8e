"""Checkers for the exercises of the chapter *Sparse interactions*.

Every expected value is computed with the library, never typed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..connectivity import affected_outputs, conv_connectivity
from ..cost import conv2d_cost, locally_connected_cost
from ..receptive import receptive_field
from ..shapes import output_size
from . import Feedback, check_number, function_answer, show_value, whole_numbers

__all__ = ["check_receptive_field", "check_outputs_reached", "check_local_params", "check_field_function"]


def check_receptive_field(answer: Any, layers: Sequence[tuple[int, int, int]]) -> Feedback:
    """Receptive field size of the stack ``layers`` of ``(kernel, stride, dilation)``."""
    rf = receptive_field(layers)
    ignore_stride = 1 + sum((k - 1) * d for k, _, d in layers)
    ignore_dilation = receptive_field([(k, s, 1) for k, s, _ in layers]).size
    hints = {ignore_stride: "this ignores the strides: after a stride-s layer, one step of the next kernel "
                            "moves s input pixels (the jump)",
             ignore_dilation: "this ignores the dilations: a dilated kernel spans (k - 1) * d + 1 positions",
             sum(k for k, _, _ in layers): "kernel sizes do not add: consecutive windows overlap, so each "
                                           "layer adds (k - 1) * d * jump"}
    hints.pop(rf.size, None)
    return check_number(answer, rf.size, name="receptive field", hints=hints, integer=True)


def check_outputs_reached(answer: Any, kernel: int = 5, depth: int = 3, n: int = 41) -> Feedback:
    """Units of the ``depth``-th of a stack of 'same' convolutions that the central input affects."""
    a = conv_connectivity(n, kernel, mode="same")
    right = len(affected_outputs([a] * depth, n // 2)[-1])
    hints = {kernel * depth: "the windows overlap: each layer adds kernel - 1 units, not kernel",
             kernel: "that is only the first layer: the effect spreads by kernel - 1 units per layer",
             n: "with sparse interactions an input does not reach every output of a shallow stack"}
    hints.pop(right, None)
    return check_number(answer, right, name="units reached", hints=hints, integer=True)


def check_local_params(answer: Any, c_in: int = 3, c_out: int = 8, size: int = 16, k: int = 3) -> Feedback:
    """Weights (no biases) of a locally connected layer ``c_in -> c_out``, ``k x k`` fields, valid, stride 1."""
    side = output_size(size, k)
    right = locally_connected_cost(c_out * side * side, c_in * k * k).params
    shared = conv2d_cost((1, c_in, size, size), (c_out, c_in, k, k)).params
    hints = {shared: "that is the convolution: without sharing every output position has its own kernel",
             c_out * size * size * c_in * k * k: f"outputs are {side} x {side} (valid), not {size} x {size}",
             c_out * side * side * k * k: "each kernel spans all input channels: c_in * k * k weights"}
    hints.pop(right, None)
    return check_number(answer, right, name="weights", hints=hints, integer=True)


# --- deriving the receptive field: the reader writes the function ---------------------------------------------

#: Small stacks first, each adding one thing to the previous ones (a second layer, a dilation, a stride, a
#: stride below a later layer, ...), so that the first one a wrong formula fails on names its mistake.
_FIELD_FIRST = ([(3, 1, 1)], [(5, 1, 1)], [(1, 1, 1)], [(3, 1, 1), (3, 1, 1)], [(3, 1, 2)], [(2, 1, 3)],
                [(3, 2, 1)], [(3, 1, 1), (3, 1, 2)], [(3, 2, 1), (3, 1, 1)], [(2, 2, 1), (3, 1, 1)],
                [(3, 2, 1), (3, 2, 1), (3, 1, 1)], [(3, 2, 1), (3, 1, 2)], [(5, 2, 1), (3, 1, 2), (2, 2, 1), (3, 1, 1)])


def _field_stacks(n_random: int = 60, seed: int = 0) -> list[list[tuple[int, int, int]]]:
    """The stacks a reader's ``field`` is tested on: the small ones above, then random ones (fixed seed)."""
    rng = np.random.default_rng(seed)
    stacks = [list(s) for s in _FIELD_FIRST]
    for _ in range(n_random):
        depth = int(rng.integers(1, 7))
        stacks.append([(int(rng.integers(1, 8)), int(rng.integers(1, 4)), int(rng.integers(1, 4)))
                       for _ in range(depth)])
    return stacks


def _by_steps(stack: Sequence[tuple[int, int, int]], start: int, step: Any, jump: Any) -> int:
    r, j = start, 1
    for k, s, d in stack:
        r, j = r + step(k, s, d, j), jump(j, s, d)
    return r


def _product_of_strides(stack: Sequence[tuple[int, int, int]]) -> int:
    return int(np.prod([s for _, s, _ in stack]))


#: The formulas a reader typically writes instead of the right one, each with what it gets wrong.
_FIELD_MISTAKES: tuple[tuple[Any, str], ...] = (
    (lambda st: _by_steps(st, 1, lambda k, s, d, j: (k - 1) * d * j * s, lambda j, s, d: j * s),
     "you multiplied each layer's span by the stride of the same layer; a layer's stride spaces its outputs, "
     "not its own taps, so the span is multiplied by the strides of the layers below it only"),
    (lambda st: 1 + sum((k - 1) * d for k, _, d in st),
     "this ignores the strides: after a stride-s layer, adjacent units of the next layer are s times further "
     "apart in the input, so every later span is multiplied by the product of the strides below it"),
    (lambda st: _by_steps(st, 1, lambda k, s, d, j: (k - 1) * j, lambda j, s, d: j * s),
     "this ignores the dilations: a kernel of k taps with dilation d spans (k - 1) * d + 1 units of the layer "
     "below"),
    (lambda st: _by_steps(st, 1, lambda k, s, d, j: (k - 1) * d * j, lambda j, s, d: j * s * d),
     "you multiplied the jump by the dilation too: a dilation spreads a layer's taps but leaves its outputs "
     "adjacent, so the jump is the product of the strides only"),
    (lambda st: _by_steps(st, 1, lambda k, s, d, j: (k - 1) * (d + 1) * j, lambda j, s, d: j * s),
     "you read the dilation d as the number of holes between taps; as in torch, dilation d puts d - 1 "
     "holes between taps, so the span is (k - 1) * d + 1"),
    (lambda st: _by_steps(st, 1, lambda k, s, d, j: k * d * j, lambda j, s, d: j * s),
     "a kernel of k taps with dilation d spans (k - 1) * d + 1 units, not k * d + 1: each layer adds "
     "(k - 1) * d steps of the jump"),
    (lambda st: _by_steps(st, 0, lambda k, s, d, j: ((k - 1) * d + 1) * j, lambda j, s, d: j * s),
     "spans do not add up: the windows of adjacent units overlap, so each layer adds its span minus one, "
     "(k - 1) * d, in steps of the jump"),
    (lambda st: _by_steps(st, 0, lambda k, s, d, j: (k - 1) * d * j, lambda j, s, d: j * s),
     "this is one short: before any layer, a unit sees one input pixel, itself, so the size starts at 1"),
    (lambda st: 1 + sum((k - 1) * d for k, _, d in st) * _product_of_strides(st),
     "you multiplied every span by the total stride of the whole stack; each layer's span is multiplied by "
     "the strides of the layers below it only"),
)


def _show_stack(stack: Sequence[tuple[int, int, int]]) -> str:
    return "[" + ", ".join(f"({k}, {s}, {d})" for k, s, d in stack) + "]"


def _call_field(field: Any, stack: Sequence[tuple[int, int, int]]) -> int | Feedback:
    """``field(stack)`` as an int, or the Feedback saying what went wrong (an exception, a non-number)."""
    call = f"field({_show_stack(stack)})"
    try:
        value = field([tuple(layer) for layer in stack])  # a fresh list: the reader's function may change it
    except Exception as e:  # the reader's code: any exception is feedback, not a traceback
        text = str(e).strip().splitlines()[0] if str(e).strip() else ""
        why = (": it should take one argument, the list of layers" if isinstance(e, TypeError)
               and "positional argument" in text else "")
        return Feedback(False, f"calling {call} raised {type(e).__name__}" + (f" ({text[:120]})" if text else "")
                        + why)
    got = whole_numbers([value], "a whole number")
    if isinstance(got, Feedback):
        size = " (it looks like a ReceptiveField: return its .size)" if hasattr(value, "jump") else ""
        return Feedback(False, f"{call} returned {show_value(value)} ({type(value).__name__}); it should "
                               f"return the receptive field size, a whole number{size}")
    return got[0]


def check_field_function(answer: Any) -> Feedback:
    """A reader's function ``field(layers)``: the receptive field size of a stack of ``(kernel, stride,
    dilation)`` layers, tested on small and random stacks against :func:`convbook.receptive_field`.

    Any answer gets feedback: a value that is not a function, a function that raises or returns something
    other than a whole number, and a wrong formula, which is named where it is one of the typical mistakes
    (the stride of the same layer, the strides or the dilations ignored, ...), or else located at the first
    layer where its result goes wrong.
    """
    problem = function_answer(answer, "field(layers)")
    if problem is not None:
        return problem
    stacks = _field_stacks()
    results: list[int | Feedback] = []
    for stack in stacks:
        got = _call_field(answer, stack)
        if isinstance(got, Feedback):
            return got
        results.append(got)
    wrong = [i for i, (stack, got) in enumerate(zip(stacks, results)) if got != receptive_field(stack).size]
    if not wrong:
        return Feedback(True, f"field agrees with cb.receptive_field on all {len(stacks)} stacks tested (1 to 6 "
                              "layers; kernels 1 to 7, strides and dilations 1 to 3)")
    first = stacks[wrong[0]]
    head = (f"field({_show_stack(first)}) returned {show_value(results[wrong[0]])}, but a unit on top of these "
            f"(kernel, stride, dilation) layers sees {receptive_field(first).size:,} input pixels")
    for formula, why in _FIELD_MISTAKES:  # a typical mistake that explains every result
        if all(formula(stack) == got for stack, got in zip(stacks, results)):
            return Feedback(False, f"{head}: {why}")
    for formula, why in _FIELD_MISTAKES:  # or at least this one
        if formula(first) == results[wrong[0]]:
            return Feedback(False, f"{head}. On this stack that is the result of a typical mistake: {why}")
    depth = next((n for n in range(1, len(first)) if _call_field(answer, first[:n]) !=
                  receptive_field(first[:n]).size), len(first))
    if depth == 1:
        k, s, d = first[0]
        return Feedback(False, f"{head}. A single layer of kernel {k} and dilation {d} spans "
                               f"(k - 1) * d + 1 input pixels")
    below = receptive_field(first[: depth - 1])
    got_prefix = results[wrong[0]] if depth == len(first) else _call_field(answer, first[:depth])
    if isinstance(got_prefix, Feedback):
        return got_prefix
    k, s, d = first[depth - 1]
    layers = "its first layer" if depth == 2 else f"its first {depth - 1} layers"
    pixels = "1 input pixel" if below.jump == 1 else f"{below.jump} input pixels"
    return Feedback(False, f"{head}. Your function is right for {layers} (size {below.size}, jump "
                           f"{below.jump}) but not after layer {depth} = ({k}, {s}, {d}): it gives "
                           f"{show_value(got_prefix)} there, where that layer adds (k - 1) * d = {(k - 1) * d} "
                           f"steps of {pixels} (the jump of the layers below it)")
