"""Data that ships with the installed packages: nothing is downloaded.

Chapter: every chapter that shows a photograph.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ._checks import as_int

__all__ = ["grace_hopper", "digits"]


def _sample_data(name: str) -> Path:
    """A file of matplotlib's sample data, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the sample photograph ships with matplotlib: pip install matplotlib")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "sample_data" / name


def grace_hopper(width: int = 320, height: int = 280, color: bool = False) -> np.ndarray:
    """The photograph of Grace Hopper that matplotlib ships, grey-scale by default.

    The 512x600 colour image is converted to luma (ITU-R 601 weights) unless
    ``color`` is true, the largest crop with the aspect ratio
    ``width:height`` (centred across, from the top third down) is taken, and
    it is resized with a bicubic filter.

    Returns
    -------
    array, shape (height, width), or (3, height, width) with ``color=True``
        float64 in [0, 1], channels first (R, G, B) as in NCHW. The default
        320 wide x 280 high is the size of the edge-detection example in
        Goodfellow et al., fig. 9.6.

    Examples
    --------
    >>> x = grace_hopper()
    >>> x.shape, float(x.min()) >= 0, float(x.max()) <= 1
    ((280, 320), True, True)
    >>> grace_hopper(64, 48, color=True).shape
    (3, 48, 64)
    """
    from PIL import Image

    width = as_int("grace_hopper", "width", width, 1)
    height = as_int("grace_hopper", "height", height, 1)
    with Image.open(_sample_data("grace_hopper.jpg")) as photo:
        rgb = np.asarray(photo.convert("RGB"), dtype=np.float64) / 255.0
    planes = rgb.transpose(2, 0, 1) if color else (rgb @ np.array([0.299, 0.587, 0.114]))[None]
    h0, w0 = planes.shape[1:]
    if w0 * height >= h0 * width:   # too wide: keep full height
        ch, cw = h0, round(h0 * width / height)
    else:                           # too tall: keep full width, crop from the top third
        ch, cw = round(w0 * height / width), w0
    top = (h0 - ch) // 3
    left = (w0 - cw) // 2
    out = []
    for plane in planes:
        crop = np.ascontiguousarray(plane[top:top + ch, left:left + cw], dtype=np.float32)
        img = Image.fromarray(crop, mode="F").resize((width, height), Image.Resampling.BICUBIC)
        out.append(np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0))
    return np.stack(out) if color else out[0]


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 hand-written digits that scikit-learn ships.

    Returns
    -------
    images : array, shape (1797, 8, 8), float64 in [0, 1]
    labels : array, shape (1797,), int

    Examples
    --------
    Pixel values 0..16 are divided by 16, so they lie in [0, 1]; labels are 0..9:

    >>> images, labels = digits()
    >>> images.shape, labels.shape
    ((1797, 8, 8), (1797,))
    >>> float(images.min()), float(images.max()), int(labels.min()), int(labels.max())
    (0.0, 1.0, 0, 9)
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images / 16.0, d.target.astype(np.int64)
