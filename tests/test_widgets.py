"""The book's live widgets redraw when a control moves.

A static page shows only a widget's first state, so these tests are what
proves the callbacks are wired: each moves a control and checks that the
drawing function ran again with the new value.
"""

from __future__ import annotations

import matplotlib
import numpy as np

import convbook.equivariance_widgets as eqw
import convbook.operation as op
import convbook.receptive_widgets as rfw

matplotlib.use("Agg")


def _recording(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def record(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, record)
    return calls


def test_step_widget_redraws_the_chosen_output(monkeypatch):
    calls = _recording(monkeypatch, op, "plot_conv1d_step")
    box = op.conv1d_step_widget(np.array([1.0, 2, 0, -1, 3, 1]), np.array([1.0, 0, -1]))
    slider = box.children[0]
    assert slider.max == 3 and calls[-1][0][2] == 0
    slider.value = 2
    assert len(calls) == 2 and calls[-1][0][2] == 2
    matplotlib.pyplot.close("all")


def test_receptive_field_widget_redraws_for_every_control(monkeypatch):
    calls = _recording(monkeypatch, rfw, "plot_receptive_field")
    box = rfw.receptive_field_widget()
    sliders = {s.description: s for row in box.children[:2] for s in row.children}
    assert calls[-1][1] == {"kernel": 3, "stride": 1, "dilation": 1, "depth": 2}
    for name, value in (("kernel", 5), ("stride", 2), ("dilation", 3), ("depth", 4)):
        sliders[name].value = value
        assert calls[-1][1][name] == value
    assert len(calls) == 5
    matplotlib.pyplot.close("all")


def test_shift_widget_redraws_for_shift_and_padding(monkeypatch):
    calls = _recording(monkeypatch, eqw, "shift_panels")
    img = np.random.default_rng(0).random((20, 24))
    box = eqw.shift_widget(img, np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]))
    dy, dx, pad = box.children[0].children
    dy.value, dx.value = 3, -2
    pad.value = "circular"
    args = calls[-1][0]
    assert args[2:] == (3, -2, True) and len(calls) == 4
    matplotlib.pyplot.close("all")
