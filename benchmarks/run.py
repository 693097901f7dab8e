"""Speed of convbook against what a user would pick instead (torch, scipy), as ratios measured in one run.

The machine is shared and noisy, so absolute times mean little; each ratio
compares two methods timed in interleaved rounds in the same process
(:func:`convbook.timing.compare_times`), and is printed as the median over the
rounds with the smallest and largest round. Every result is checked equal to
the reference's before it is timed. Run with ``make bench``. Both sides use
one thread (``CONVBOOK_BENCH_THREADS=2`` sets another number), so that a ratio
compares algorithms, not core counts.

The first tables hold the speed and memory targets, one row each, with PASS/MISS:

- ``conv2d`` float32 on the medium layer (batch 8, 32 -> 64 channels, 32x32,
  3x3, padding 1) at most 1.3x ``torch.nn.functional.conv2d``, on the large
  layer (batch 16, 64 -> 128 channels, 56x56, 3x3, padding 1) at most 1.15x;
  both as a user calls it (``method='auto'``) and by im2col + matmul;
- ``conv2d_backward`` (input, weight and bias gradients) at most 2x torch's
  ``convolution_backward`` (the backward kernel alone, no forward pass) on
  both layers;
- max and average pooling, forward and backward, at most 1x torch
  (``max_pool2d``/``avg_pool2d`` and their backward kernels) on a
  (16, 64, 56, 56) float32 map; ``max_pool2d_backward`` takes the input, not
  indices, so torch's side is ``max_pool2d_with_indices`` then its backward;
- ``correlate2d(method='auto')`` ('same' mode, 512x512, k = 3 ... 31, float32
  and float64) no slower than the faster of ``scipy.signal.correlate2d`` and
  ``scipy.signal.fftconvolve``;
- the peak memory of ``conv2d`` on the large layer at most 1.5x torch's
  (as called, and by im2col).

**Peak memory** is measured as the growth of the resident set of a fresh
process during one call (after one warm-up call): each side runs in its own
subprocess, resets the kernel's high-water mark (``/proc/self/clear_refs``),
calls the layer once and reads ``VmHWM`` minus the ``VmRSS`` before the call
from ``/proc/self/status``. The subprocesses run with
``MALLOC_MMAP_THRESHOLD_=131072``, so that glibc serves every large array
from its own mapping and returns it when freed (otherwise memory freed by the
warm-up is reused without growing the resident set). This counts everything
either library touches (output, im2col buffer, torch's workspaces) in the
same way; ``tracemalloc``, which sees numpy's allocations but not torch's,
is printed beside it for convbook as a cross-check.

**Fraction of peak**: the peak is this CPU's floating-point throughput on one
core, measured as the best rate (2 FLOPs per fused multiply-add) of square
matrix products (384 to 768, in cache; float32 and float64; numpy's OpenBLAS
and torch; one thread; the fastest of many short trials, see
:func:`peak_flops`): a GEMM keeps the FMA units as busy as any code can, so
its best rate is the attainable FMA throughput (a lower bound on the data
sheet's peak). Each convolution row prints the fraction of that peak it
reaches, counting ``2 * N * C_out * C_in/groups * KH * KW * OH * OW`` FLOPs
for the forward pass and twice that for the backward pass (weight and input
gradients).
"""

from __future__ import annotations

import os

THREADS = os.environ.get("CONVBOOK_BENCH_THREADS", "1")
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):   # before numpy loads its BLAS
    os.environ.setdefault(_name, THREADS)

import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from functools import partial  # noqa: E402

import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402
import torch  # noqa: E402

import convbook as cb  # noqa: E402
from convbook.timing import Timing, compare_times  # noqa: E402

torch.set_num_threads(int(THREADS))
REPEAT = 5
MIN_TIME = 0.1   # seconds per method per round

#: The two layers of the targets: (batch, C_in, H = W, C_out), 3x3 kernels, padding 1.
LAYERS = {"medium": (8, 32, 32, 64), "large": (16, 64, 56, 128)}
POOL_SHAPE = (16, 64, 56, 56)


@dataclass(frozen=True)
class Row:
    """One target: the ratio of convbook to the reference (median and spread over rounds), and the limit."""

    name: str
    timing: Timing | None        # convbook's Timing (ratio to the reference); None for a memory row
    target: float
    ratio: float
    low: float
    high: float
    flops: float = 0.0           # FLOPs of one call, for the fraction of peak (0: not a convolution)
    note: str = ""
    is_target: bool = True       # False: shown beside a target for comparison, not counted

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target


def _row(name: str, timings: list[Timing], target: float, flops: float = 0.0, note: str = "") -> Row:
    t = timings[1]
    assert t.ratio_low is not None and t.ratio_high is not None
    return Row(name, t, target, t.ratio, t.ratio_low, t.ratio_high, flops, note)


def _close(ours: np.ndarray, ref: np.ndarray | torch.Tensor, what: str, rtol: float = 1e-4, atol: float = 1e-3) -> None:
    ref = ref.detach().numpy() if isinstance(ref, torch.Tensor) else ref
    assert ours.shape == ref.shape and ours.dtype == ref.dtype, (what, ours.shape, ref.shape, ours.dtype, ref.dtype)
    scale = max(1.0, float(np.abs(ref).max()))
    assert np.allclose(ours, ref, rtol=rtol, atol=atol * scale), f"{what}: not equal to the reference"


# ---------------------------------------------------------------------------------------------------------------
# Peak FLOP rate of one core


def peak_flops(trials: int = 40) -> dict[str, float]:
    """Best GEMM rate per dtype (FLOP/s) on this core: the fastest of many short trials.

    Square products of 384, 512 and 768 (in cache, so that memory does not
    limit them), by numpy (OpenBLAS: :func:`convbook.peak_gemm_flops`, the
    measurement the book's chapter uses) and by torch, one thread; each trial
    lasts a few milliseconds and the best one counts, so that a busy moment of
    the shared machine does not lower the peak.
    """
    sizes = (384, 512, 768)
    best: dict[str, float] = {}
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        rate = cb.peak_gemm_flops(dtype, sizes, trials)           # numpy's side
        for n in sizes:                                           # torch's side
            ta = torch.from_numpy(rng.normal(size=(n, n)).astype(dtype))
            tout = torch.empty_like(ta)
            torch.mm(ta, ta, out=tout)
            reps = max(1, int(1e8 / (2 * n**3)))
            for _ in range(trials):
                t0 = time.perf_counter()
                for _ in range(reps):
                    torch.mm(ta, ta, out=tout)
                rate = max(rate, 2 * n**3 * reps / (time.perf_counter() - t0))
        best[np.dtype(dtype).name] = rate
    return best


def conv_flops(n: int, c: int, h: int, o: int, k: int = 3) -> float:
    """FLOPs of the forward pass of a stride-1 'same' layer: 2 per multiply-add."""
    return 2.0 * n * o * c * k * k * h * h


# ---------------------------------------------------------------------------------------------------------------
# The targets


def _layer(name: str, dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, c, h, o = LAYERS[name]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, c, h, h)).astype(dtype)
    w = (rng.normal(size=(o, c, 3, 3)) / np.sqrt(9 * c)).astype(dtype)
    g = rng.normal(size=(n, o, h, h)).astype(dtype)
    return x, w, g


def conv_rows(name: str, target: float) -> list[Row]:
    """conv2d float32 on one layer, as called (method='auto') and by im2col + matmul."""
    x, w, _ = _layer(name)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    ref = torch.nn.functional.conv2d(tx, tw, padding=1)
    from convbook.algorithms import resolve_conv2d_method
    auto = resolve_conv2d_method("conv2d", "auto", x, w, cb.Geometry.conv2d(x.shape, w.shape, padding=1), 1)
    _close(cb.conv2d(x, w, padding=1), ref, f"conv2d {name}")
    _close(cb.conv2d(x, w, padding=1, method="im2col"), ref, f"conv2d {name} im2col")
    ts = compare_times({
        "torch": lambda: torch.nn.functional.conv2d(tx, tw, padding=1),
        "auto": lambda: cb.conv2d(x, w, padding=1),
        "im2col": lambda: cb.conv2d(x, w, padding=1, method="im2col"),
    }, reference="torch", repeat=REPEAT, min_time=MIN_TIME)
    flops = conv_flops(*LAYERS[name])
    return [_row(f"conv2d {name} (method='auto': {auto})", ts[:2], target, flops),
            replace(_row(f"conv2d {name} (method='im2col')", [ts[0], ts[2]], target, flops,
                         note="for comparison: the target is conv2d as called"), is_target=False)]


def backward_row(name: str) -> Row:
    """conv2d_backward float32 against torch's convolution_backward (the backward kernel alone)."""
    x, w, g = _layer(name)
    o = w.shape[0]
    tx, tw, tg = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(g)

    def torch_backward() -> tuple[torch.Tensor, ...]:
        return torch.ops.aten.convolution_backward(tg, tx, tw, [o], [1, 1], [1, 1], [1, 1], False, [0, 0], 1,
                                                   [True, True, True])

    for ours, ref, what in zip(cb.conv2d_backward(g, x, w, padding=1), torch_backward(), ("x", "weight", "bias")):
        _close(ours, ref, f"conv2d_backward {name}: grad {what}")
    ts = compare_times({"torch": torch_backward, "convbook": lambda: cb.conv2d_backward(g, x, w, padding=1)},
                       reference="torch", repeat=REPEAT, min_time=MIN_TIME)
    return _row(f"conv2d_backward {name}", ts, 2.0, 2 * conv_flops(*LAYERS[name]))


POOLS = ((2, 2, 0), (3, 2, 1))   # (kernel, stride, padding): the two poolings of VGG and ResNet


def pool_rows_for(x: np.ndarray, k: int, s: int, p: int) -> list[Row]:
    """max/avg pooling, forward and backward, float32, against torch's kernels, for one window shape."""
    tx = torch.from_numpy(x)
    F = torch.nn.functional
    label = f"{k}x{k}, stride {s}, padding {p}"
    rows = []
    ty = F.max_pool2d(tx, k, s, p)
    _close(cb.max_pool2d(x, k, s, p), ty, "max_pool2d", 0, 0)
    rows.append(_row(f"max_pool2d {label}", compare_times({
        "torch": lambda: F.max_pool2d(tx, k, s, p), "convbook": lambda: cb.max_pool2d(x, k, s, p)},
        reference="torch", repeat=REPEAT, min_time=MIN_TIME), 1.0))
    _close(cb.avg_pool2d(x, k, s, p), F.avg_pool2d(tx, k, s, p), "avg_pool2d", 1e-5, 1e-6)
    rows.append(_row(f"avg_pool2d {label}", compare_times({
        "torch": lambda: F.avg_pool2d(tx, k, s, p), "convbook": lambda: cb.avg_pool2d(x, k, s, p)},
        reference="torch", repeat=REPEAT, min_time=MIN_TIME), 1.0))
    g = np.random.default_rng(6).normal(size=tuple(ty.shape)).astype(np.float32)
    tg = torch.from_numpy(g)

    def torch_max_backward() -> torch.Tensor:   # from x, as convbook: find the indices, then route
        _, idx = torch.ops.aten.max_pool2d_with_indices(tx, [k, k], [s, s], [p, p], [1, 1], False)
        return torch.ops.aten.max_pool2d_with_indices_backward(tg, tx, [k, k], [s, s], [p, p], [1, 1], False, idx)

    def torch_avg_backward() -> torch.Tensor:
        return torch.ops.aten.avg_pool2d_backward(tg, tx, [k, k], [s, s], [p, p], False, True, None)

    _close(cb.max_pool2d_backward(g, x, k, s, p), torch_max_backward(), "max_pool2d_backward", 1e-5, 1e-5)
    rows.append(_row(f"max_pool2d_backward {label}", compare_times({
        "torch": torch_max_backward, "convbook": lambda: cb.max_pool2d_backward(g, x, k, s, p)},
        reference="torch", repeat=REPEAT, min_time=MIN_TIME), 1.0,
        note="torch: max_pool2d_with_indices, then its backward"))
    _close(cb.avg_pool2d_backward(g, x.shape, k, s, p), torch_avg_backward(), "avg_pool2d_backward", 1e-5, 1e-5)
    rows.append(_row(f"avg_pool2d_backward {label}", compare_times({
        "torch": torch_avg_backward, "convbook": lambda: cb.avg_pool2d_backward(g, x.shape, k, s, p)},
        reference="torch", repeat=REPEAT, min_time=MIN_TIME), 1.0))
    return rows


def pool_rows() -> list[Row]:
    x = np.random.default_rng(4).normal(size=POOL_SHAPE).astype(np.float32)
    return [row for k, s, p in POOLS for row in pool_rows_for(x, k, s, p)]


# ---- correlate2d(method='auto') against the faster of scipy.signal.correlate2d and fftconvolve

CORRELATE_KERNELS = (3, 5, 9, 15, 31)
#: scipy.signal.correlate2d (direct, in C) is timed up to this kernel size; beyond it fftconvolve is always faster
CORRELATE_DIRECT_MAX = 9


def correlate_rows() -> list[Row]:
    """correlate2d(method='auto'), 'same' mode on 512 x 512, against the faster of scipy's two ways, per k and dtype.

    auto is the reference of the interleaved rounds; each scipy way's per-round ratio to it is inverted, so the row's
    ratio is auto's time over the faster scipy way's (median and spread over the rounds)."""
    rows = []
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=(512, 512)).astype(dtype)
        for k in CORRELATE_KERNELS:
            kk = rng.normal(size=(k, k)).astype(dtype)
            flipped = np.ascontiguousarray(kk[::-1, ::-1])
            ref = scipy.signal.fftconvolve(x.astype(np.float64), flipped.astype(np.float64), "same")
            ours = cb.correlate2d(x, kk, "same")
            tol = (1e-10 if dtype == np.float64 else 1e-4) * float(np.abs(x).max() * np.abs(kk).sum())
            assert ours.dtype == dtype and np.allclose(ours, ref, rtol=0, atol=tol), f"correlate2d k={k}: not equal"
            methods: dict[str, Callable[[], object]] = {
                "auto": partial(cb.correlate2d, x, kk, "same"),
                "fftconvolve": partial(scipy.signal.fftconvolve, x, flipped, "same")}
            if k <= CORRELATE_DIRECT_MAX:
                assert np.allclose(scipy.signal.correlate2d(x, kk, "same"), ref, rtol=0, atol=tol)
                methods["correlate2d"] = partial(scipy.signal.correlate2d, x, kk, "same")
            ts = compare_times(methods, reference="auto", repeat=REPEAT, min_time=MIN_TIME)
            fastest = min(ts[1:], key=lambda t: t.ratio)        # the scipy way with the smallest time over auto's
            assert fastest.ratio_low is not None and fastest.ratio_high is not None
            auto = ts[0]
            chosen = cb.choose_correlate2d_method(x, kk, "same")
            rows.append(Row(f"correlate2d auto ({chosen}) {np.dtype(dtype).name} k={k}, 512x512", auto, 1.0,
                            1 / fastest.ratio, 1 / fastest.ratio_high, 1 / fastest.ratio_low,
                            note=f"vs scipy.signal.{fastest.name}"))
    return rows


CORRELATE_ROWS: list[Callable[[], list[Row]]] = [correlate_rows]


_MEMORY_SCRIPT = r"""
import os, sys
import numpy as np
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
n, c, h, o = {layer}
rng = np.random.default_rng(0)
x = rng.normal(size=(n, c, h, h)).astype(np.float32)
w = rng.normal(size=(o, c, 3, 3)).astype(np.float32)
if sys.argv[1] == "torch":
    import torch
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    fn = lambda: torch.nn.functional.conv2d(tx, tw, padding=1)
else:
    import convbook as cb
    fn = lambda: cb.conv2d(x, w, padding=1, method=sys.argv[1])
out = fn()
del out
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")                           # reset VmHWM to the current resident set
before = status("VmRSS")
out = fn()
peak = status("VmHWM") - before
traced = -1
if sys.argv[1] != "torch":
    import tracemalloc
    del out
    tracemalloc.start()
    out = fn()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
print(peak, traced)
"""


def memory_rows() -> list[Row]:
    """Peak memory of conv2d on the large layer against torch's, each in a fresh subprocess (see the module)."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", OMP_NUM_THREADS=THREADS)
    script = _MEMORY_SCRIPT.replace("{layer}", repr(LAYERS["large"]))
    peaks, traced = {}, {}
    for side in ("torch", "auto", "im2col"):
        out = subprocess.run([sys.executable, "-c", script, side], env=env, capture_output=True, text=True,
                             check=True).stdout.split()
        peaks[side], traced[side] = int(out[0]), int(out[1])
    n, c, h, o = LAYERS["large"]
    rows = []
    for side in ("auto", "im2col"):
        ratio = peaks[side] / peaks["torch"]
        note = (f"convbook {cb.format_bytes(peaks[side])} (tracemalloc {cb.format_bytes(traced[side])}), torch "
                f"{cb.format_bytes(peaks['torch'])}; the output alone is {cb.format_bytes(n * o * h * h * 4)}")
        rows.append(Row(f"peak memory of conv2d, large layer (method='{side}')", None, 1.5, ratio, ratio, ratio,
                        note=note))
    return rows


# ---------------------------------------------------------------------------------------------------------------
# Other comparisons (no target)


def other_comparisons() -> list[tuple[str, list[Timing]]]:
    rng = np.random.default_rng(2)
    out = []
    x, w, _ = _layer("medium", np.float64)
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    _close(cb.conv2d(x, w, padding=1), torch.nn.functional.conv2d(tx, tw, padding=1), "conv2d float64", 1e-9, 1e-9)
    out.append(("conv2d, medium layer in float64", compare_times({
        "torch.nn.functional.conv2d": lambda: torch.nn.functional.conv2d(tx, tw, padding=1),
        "convbook.conv2d": lambda: cb.conv2d(x, w, padding=1),
    }, reference="torch.nn.functional.conv2d", repeat=REPEAT, min_time=MIN_TIME)))
    xt = rng.normal(size=(8, 64, 16, 16))
    wt = rng.normal(size=(64, 32, 3, 3))
    txt, twt = torch.from_numpy(xt), torch.from_numpy(wt)
    args = dict(stride=2, padding=1, output_padding=1)
    _close(cb.conv_transpose2d(xt, wt, **args), torch.nn.functional.conv_transpose2d(txt, twt, **args),
           "conv_transpose2d", 1e-9, 1e-9)
    out.append(("transposed convolution, stride 2, 64 -> 32 channels, 16x16 -> 32x32, 3x3, float64", compare_times({
        "torch.nn.functional.conv_transpose2d": lambda: torch.nn.functional.conv_transpose2d(txt, twt, **args),
        "convbook.conv_transpose2d": lambda: cb.conv_transpose2d(xt, wt, **args),
    }, reference="torch.nn.functional.conv_transpose2d", repeat=REPEAT, min_time=MIN_TIME)))
    img = cb.grace_hopper()
    kern = rng.normal(size=(7, 7))
    _close(cb.correlate2d(img, kern, "valid"), scipy.signal.correlate2d(img, kern, "valid"), "correlate2d", 1e-9, 1e-9)
    out.append(("single-channel correlation of the 280x320 photo, 7x7 kernel (float64)", compare_times({
        "scipy.signal.correlate2d": lambda: scipy.signal.correlate2d(img, kern, "valid"),
        "convbook.correlate2d": lambda: cb.correlate2d(img, kern, "valid"),
    }, reference="scipy.signal.correlate2d", repeat=REPEAT, min_time=MIN_TIME)))
    return out


# ---------------------------------------------------------------------------------------------------------------


def print_rows(rows: list[Row], peak: dict[str, float]) -> None:
    print(f"\n{'target':58s} {'ratio':>6s} {'(rounds)':>14s} {'limit':>6s} {'':4s} {'ms':>8s} {'of peak':>8s}")
    for r in rows:
        ms = f"{r.timing.seconds * 1e3:8.2f}" if r.timing is not None else " " * 8
        frac = f"{r.flops / r.timing.seconds / peak['float32']:8.0%}" if r.flops and r.timing else " " * 8
        print(f"{r.name:58s} {r.ratio:6.2f} {f'({r.low:.2f}-{r.high:.2f})':>14s} {r.target:6.2f} "
              f"{('PASS' if r.passed else 'MISS') if r.is_target else '  - '} {ms} {frac}"
              + (f"  {r.note}" if r.note else ""), flush=True)


def main() -> None:
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
          f"threads {THREADS} (torch {torch.get_num_threads()})")
    print(f"ratios are convbook's time over the reference's: the median of {REPEAT} interleaved rounds, with the "
          "smallest and largest round; PASS when the median is at most the limit")
    peak = peak_flops()
    print(f"peak of {THREADS} thread(s), the best GEMM rate: float32 {peak['float32'] / 1e9:.1f} GFLOP/s, "
          f"float64 {peak['float64'] / 1e9:.1f} GFLOP/s")
    rows = conv_rows("medium", 1.3) + conv_rows("large", 1.15)
    print_rows(rows, peak)
    more = [backward_row("medium"), backward_row("large")]
    print_rows(more, peak)
    rows += more
    more = pool_rows()
    print_rows(more, peak)
    rows += more
    more = [row for fn in CORRELATE_ROWS for row in fn()]
    if more:
        print_rows(more, peak)
    rows += more
    more = memory_rows()
    print_rows(more, peak)
    rows += more
    targets = [r for r in rows if r.is_target]
    print(f"\n{sum(r.passed for r in targets)} of {len(targets)} targets met ('of peak' counts the direct method's "
          "FLOPs, so Winograd, which does fewer multiplies, can exceed 100 %)")
    for title, timings in other_comparisons():
        print(f"\n{title}")
        for t in timings:
            print(f"  {t.name:38s} {t.seconds * 1e3:10.3f} ms  {t.ratio:7.2f} x  "
                  f"(rounds: {t.ratio_low:.2f} to {t.ratio_high:.2f})")


if __name__ == "__main__":
    main()
