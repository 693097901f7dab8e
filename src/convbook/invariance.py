"""Invariance of pooling, measured: shift sensitivity and rotation-pooled detectors.

Chapter: *Pooling*. Pooling is said to make a representation approximately
invariant (近似不变) to small translations; these functions measure how
approximately, and rebuild Goodfellow et al.'s fig. 9.9 (a max over detectors
of rotated copies of a pattern) with real digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._checks import as_array, as_int
from .equivariance import rotate
from .pooling import avg_pool2d, max_pool2d

__all__ = ["shift_sensitivity", "upsample_digits", "rotation_bank", "detector_responses",
           "rotation_responses", "relative_spread"]


def shift_sensitivity(image: np.ndarray, op: str, sizes: Sequence[int], shifts: Sequence[int],
                      width: int | None = None) -> np.ndarray:
    """How much a stride-1 pooling's output changes when the scene moves, relative to its input.

    The scene moves by cropping: ``a = image[:, t : t + width]`` is the view
    of a camera moved ``t`` pixels against ``b = image[:, :width]``, so no
    padding or wrap-around enters. For each pool size ``k`` and shift ``t``
    the result is

    .. math:: \\frac{\\lVert P_k(a) - P_k(b) \\rVert_2}{\\lVert a - b \\rVert_2}

    with ``P_k`` the ``k x k`` pooling ``op`` (``'max'`` or ``'avg'``) at
    stride 1, compared position by position. 1 means pooling did not damp the
    change at all (``k = 1``); 0 means perfect invariance.

    Returns
    -------
    array, shape (len(sizes), len(shifts))
    """
    f = "shift_sensitivity"
    x = as_array(f, "image", image, 2, "(H, W)").astype(float)
    if op not in ("max", "avg"):
        raise ValueError(f"{f}: op must be 'max' or 'avg'; got {op!r}")
    tmax = max(as_int(f, "shifts", t, 1) for t in shifts)
    width = x.shape[1] - tmax if width is None else as_int(f, "width", width, 1)
    if width + tmax > x.shape[1]:
        raise ValueError(f"{f}: width + max(shifts) = {width + tmax} exceeds the image width {x.shape[1]}")
    pool = max_pool2d if op == "max" else avg_pool2d
    base = x[:, :width]
    out = np.empty((len(sizes), len(shifts)))
    for i, k in enumerate(sizes):
        pb = pool(base[None, None], k, 1)
        for j, t in enumerate(shifts):
            moved = x[:, t:t + width]
            out[i, j] = np.linalg.norm(pool(moved[None, None], k, 1) - pb) / np.linalg.norm(moved - base)
    return out


def upsample_digits(images: np.ndarray, factor: int = 3, pad: int = 4) -> np.ndarray:
    """Enlarge 8x8 digits bilinearly by ``factor`` and add ``pad`` zeros around them.

    Returns (n, 8*factor + 2*pad, 8*factor + 2*pad): room to rotate a digit
    without cutting its corners off.
    """
    from scipy import ndimage

    x = as_array("upsample_digits", "images", images, 3, "(n, H, W)").astype(float)
    factor = as_int("upsample_digits", "factor", factor, 1)
    pad = as_int("upsample_digits", "pad", pad, 0)
    big = ndimage.zoom(x, (1, factor, factor), order=1)
    return np.pad(big, ((0, 0), (pad, pad), (pad, pad)))


def rotation_bank(template: np.ndarray, angles: Sequence[float]) -> np.ndarray:
    """Detectors that are rotated copies of ``template``: shape (len(angles), H, W)."""
    t = as_array("rotation_bank", "template", template, 2, "(H, W)")
    return np.stack([rotate(t, a) for a in angles])


def _standardise(v: np.ndarray) -> np.ndarray:
    v = v.reshape(v.shape[0], -1)
    v = v - v.mean(axis=1, keepdims=True)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def detector_responses(images: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """Response of every detector of ``bank`` to every image: their correlation coefficient.

    Each detector is one unit whose weights are its (centred, unit-norm)
    template; the response to an image is the Pearson correlation, in
    [-1, 1], so that brightness and contrast do not matter.

    Returns
    -------
    array, shape (n_images, n_detectors)
    """
    x = as_array("detector_responses", "images", images, 3, "(n, H, W)")
    b = as_array("detector_responses", "bank", bank, 3, "(d, H, W)")
    if x.shape[1:] != b.shape[1:]:
        raise ValueError(f"detector_responses: images {x.shape[1:]} and detectors {b.shape[1:]} differ in size")
    return _standardise(x) @ _standardise(b).T


def rotation_responses(images: np.ndarray, bank: np.ndarray, angles: Sequence[float]) -> np.ndarray:
    """Responses of the bank to every image rotated by every angle: (len(angles), n_images, n_detectors)."""
    return np.stack([detector_responses(rotate(images, a), bank) for a in angles])


def relative_spread(responses: np.ndarray) -> float:
    """Mean over images of ``(max - min) / max`` across rotations (axis 0 = angle, axis 1 = image).

    0 for a perfectly invariant unit; near 1 when a rotation can silence it.
    """
    r = as_array("relative_spread", "responses", responses, 2, "(angles, images)")
    return float(((r.max(axis=0) - r.min(axis=0)) / np.abs(r).max(axis=0)).mean())
