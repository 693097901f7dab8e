import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import convbook as cb
from convbook.chapters import structured_outputs as ch
from convbook.exercises import structured_outputs as ex

SEEDS = range(5)


@pytest.fixture(scope="module")
def digit_nets():
    return {seed: ch.train_digits_net(seed=seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def segmenters():
    return {seed: ch.train_segmenter(seed=seed) for seed in SEEDS}


@pytest.fixture(scope="module")
def shapes_test():
    return cb.synthetic_shapes(200, 24, rng=np.random.default_rng(100))


# --- fully connected <-> convolution ---------------------------------------------------------------------------------

def test_digits_net_accuracy_and_conversion_hold_for_every_seed(digit_nets):
    images, _ = cb.digits()
    test = images[-497:, None]
    for seed, (net, acc, model) in digit_nets.items():
        assert acc > 0.95, seed
        dense = net(test)
        np.testing.assert_allclose(net.as_conv(test)[:, :, 0, 0], dense, atol=1e-12)
        with torch.no_grad():
            np.testing.assert_allclose(model(torch.tensor(test)).numpy(), dense, atol=1e-12)


def test_grid_entries_are_the_aligned_crops_for_every_seed(digit_nets):
    scene, labels = ch.digit_scene(3, 3, seed=0)
    rows, cols = cb.aligned_offsets(scene.shape, 8, 2)
    for seed, (net, _, _) in digit_nets.items():
        match = ch.crop_match(net, scene)
        evaluated = [(a, b) for (a, b), d in np.ndenumerate(match) if d < 1e-12]
        assert evaluated == [(a, b) for a in rows for b in cols], seed
        assert match[match > 1e-12].min() > 0.1, seed
        scores = net.as_conv(scene[None, None])[0]
        tiles = scene.reshape(3, 8, 3, 8).transpose(0, 2, 1, 3).reshape(9, 1, 8, 8)
        np.testing.assert_allclose(scores[:, ::4, ::4].reshape(10, 9).T, net(tiles), atol=1e-12)
        assert (scores.argmax(0)[::4, ::4] == labels).sum() >= 7, seed   # test digits: most, not all, are right


def test_digits_net_refuses_other_sizes_for_its_dense_head(digit_nets):
    net = digit_nets[0][0]
    with pytest.raises(ValueError, match="DigitsNet: the dense head needs 8 x 8 inputs"):
        net(np.zeros((1, 1, 9, 8)))
    assert net.feature_shape == (12, 3, 3)
    assert net.n_params == 12 * 9 + 12 + 108 * 32 + 32 + 32 * 10 + 10


def test_multiply_counts(digit_nets):
    net = digit_nets[0][0]
    # one 8x8 pass: 12*6*6*9 conv, 32*108 dense, 10*32 dense
    assert ch.digits_multiplies(net, 8) == 12 * 36 * 9 + 32 * 108 + 10 * 32
    assert ch.digits_multiplies(net, 24) < 81 * ch.digits_multiplies(net, 8)
    # VGG-16 at 224: about 15.5 G multiplies (13 convolutions + 3 dense layers)
    assert ch.vgg16_multiplies(224) == pytest.approx(15.47e9, rel=0.01)
    assert 36 * ch.vgg16_multiplies(224) > 5 * ch.vgg16_multiplies(384)
    shapes = ch.vgg16_layer_shapes(384)
    assert shapes["pool5"] == (512, 12, 12) and shapes["fc6 as 7x7 conv"] == (4096, 6, 6)


def test_digit_scene_is_seeded():
    a, la = ch.digit_scene(2, 3, seed=4)
    b, lb = ch.digit_scene(2, 3, seed=4)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (16, 24) and la.shape == (2, 3)
    trained_on = np.random.default_rng(0).permutation(len(cb.digits()[0]))[:1300]   # train_digits_net's split
    assert len(ch.test_indices(0)) == 497 and not set(ch.test_indices(0)) & set(trained_on)


# --- pixel-wise prediction -------------------------------------------------------------------------------------------

FLOORS = {"background": 0.98, "disc": 0.45, "square": 0.45, "bar": 0.65}


def test_segmenter_iou_floors_and_merging_hold_for_every_seed(segmenters, shapes_test):
    x, y = shapes_test
    for seed, seg in segmenters.items():
        pred = ch.segment(seg, x).argmax(1)
        iou = cb.class_iou(pred, y, 4)
        for c, name in enumerate(cb.SHAPE_CLASSES):
            assert iou[c] > FLOORS[name], (seed, name, iou[c])
        merged = cb.class_iou(np.stack([cb.merge_regions(p) for p in pred]), y, 4)
        assert iou[3] - merged[3] > 0.05, (seed, iou[3], merged[3])
        big_x, big_y = cb.synthetic_shapes(20, 56, rng=np.random.default_rng(7))
        big = ch.segment(seg, big_x[:, :40]).argmax(1)
        assert cb.class_iou(big, big_y[:, :40], 4)[0] > 0.95


def test_segmenter_parameter_count(segmenters):
    c, k = 8, 4
    full = (9 * c + c) + (9 * c * c + c)
    half = (9 * c * 2 * c + 2 * c) + (9 * 4 * c * c + 2 * c)
    out = (9 * 3 * c * c + c) + (c * k + k)
    assert segmenters[0].n_params == full + half + out


def test_iou_table():
    table = ch.iou_table({"net": np.array([1.0, 0.5, 0.25, 0.125])})
    assert table.splitlines()[0] == "| | background | disc | square | bar |"
    assert table.splitlines()[2] == "| net | 1.00 | 0.50 | 0.25 | 0.12 |"


# --- figures ---------------------------------------------------------------------------------------------------------

def test_figures_are_legible(digit_nets, segmenters, shapes_test):
    net = digit_nets[0][0]
    scene, _ = ch.digit_scene()
    fig = ch.plot_prediction_grid(scene, net.as_conv(scene[None, None])[0], ch.crop_match(net, scene), 2)
    assert len(fig.axes) == 3
    plt.close(fig)
    x, y = shapes_test
    pred = ch.segment(segmenters[0], x[:2]).argmax(1)
    fig = ch.plot_segmentation(x[:2], y[:2], {"network": pred})
    assert len(fig.axes) == 6
    plt.close(fig)


# --- exercises -------------------------------------------------------------------------------------------------------

W = np.arange(72.0).reshape(4, 18)


def test_check_dense_to_conv():
    assert ex.check_dense_to_conv(W.reshape(4, 2, 3, 3), W, (2, 3, 3))
    swapped = W.reshape(4, 2, 3, 3).transpose(0, 1, 3, 2)
    fb = ex.check_dense_to_conv(swapped, W, (2, 3, 3))
    assert not fb and "rows and columns swapped" in fb.message
    channels_last = W.reshape(4, 3, 3, 2).transpose(0, 3, 1, 2)
    fb = ex.check_dense_to_conv(channels_last, W, (2, 3, 3))
    assert not fb and "channels-last" in fb.message
    fb = ex.check_dense_to_conv(W.reshape(4, 18), W, (2, 3, 3))
    assert not fb and "(C_out, C, H, W)" in fb.message
    fb = ex.check_dense_to_conv(W.T.reshape(4, 2, 3, 3), W, (2, 3, 3))
    assert not fb
    for bad in (None, "x", [[1, 2], [3]], 3.0, np.full((4, 2, 3, 3), np.nan)):
        fb = ex.check_dense_to_conv(bad, W, (2, 3, 3))
        assert not fb and fb.message


def test_check_grid_size():
    right = ((40 - 8) // 2 + 1, (56 - 8) // 2 + 1)
    assert right == (17, 25)
    assert ex.check_grid_size(right)
    assert ex.check_grid_size(list(right))
    assert ex.check_grid_size(np.array(right))
    for wrong, text in (((33, 49), "every crop"), ((20, 28), "divides the whole input"),
                        ((16, 24), "one short"), ((25, 17), "swapped"), ((17, 24), "floor")):
        fb = ex.check_grid_size(wrong)
        assert not fb and text in fb.message, (wrong, fb.message)
    for bad in (None, 17, "17, 25", (17,), (17.5, 25), (17, 25, 1), {"a": 1}):
        fb = ex.check_grid_size(bad)
        assert not fb and fb.message


def test_check_aligned_offsets():
    assert ex.check_aligned_offsets([0, 4, 8, 12])
    assert ex.check_aligned_offsets({12, 8, 4, 0})
    assert ex.check_aligned_offsets(np.array([0, 4, 8, 12]))
    for wrong, text in ((list(range(13)), "every crop"), ([0, 4, 8, 12, 16], "too many"),
                        ([0, 4, 8], "missing [12]"), ([4, 8, 12], "missing [0]"), ([0, 4, 4, 8, 12], "twice"),
                        ([0, 2, 4, 6], "multiples of 4")):
        fb = ex.check_aligned_offsets(wrong)
        assert not fb and text in fb.message, (wrong, fb.message)
    for bad in (None, 4, "0, 4", [0.5, 4], [[0, 4]], {"a": 1}):
        fb = ex.check_aligned_offsets(bad)
        assert not fb and fb.message


# --- recurrent refinement --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def refiners():
    return {seed: ch.train_refiner(seed=seed, steps=4) for seed in SEEDS}


def test_refinement_improves_over_the_first_steps_for_every_seed(refiners, segmenters, shapes_test):
    x, y = shapes_test
    for seed, ref in refiners.items():
        shape_iou = [float(np.mean(cb.class_iou(s.argmax(1), y, 4)[1:])) for s in ch.refine(ref, x, 6)]
        assert shape_iou[0] < shape_iou[1] < shape_iou[2], (seed, shape_iou)
        assert shape_iou[2] - shape_iou[0] > 0.02, (seed, shape_iou)
        assert abs(shape_iou[5] - shape_iou[2]) < 0.03, (seed, shape_iou)
        per_class = [cb.class_iou(s.argmax(1), y, 4) for s in ch.refine(ref, x, 6)]
        assert per_class[2][3] - per_class[0][3] > 0.1, (seed, "bars", per_class)
        assert max(v[1] for v in per_class) < 0.35, (seed, "discs", per_class)
        seg_iou = cb.class_iou(ch.segment(segmenters[seed], x).argmax(1), y, 4)
        assert max(shape_iou) < np.mean(seg_iou[1:]), seed


def test_refiner_unrolled_receptive_field_and_parameters(refiners, shapes_test):
    ref = refiners[0]
    x = shapes_test[0][:5]
    for steps in (1, 3):
        scores, layers = ch.unrolled(ref, x, steps)
        np.testing.assert_allclose(scores, ch.refine(ref, x, steps)[-1], atol=1e-4)
        assert layers == ["U", "V"] + ["W", "V"] * (steps - 1)
    assert ch.receptive_sides(ref, 5) == [5, 9, 13, 17, 21]
    assert ref.n_params == (25 * 8 + 8) + 25 * 4 * 8 + (8 * 4 + 4)
    assert ch.refine(ref, x).shape == (4, 5, 4, 24, 24)


# --- data types ------------------------------------------------------------------------------------------------------

def test_data_type_examples_and_table():
    examples = ch.data_type_examples(np.random.default_rng(0))
    assert [x.ndim - 2 for x, _ in examples.values()] == [1, 1, 2, 3, 3]
    mults = [cb.convnd_cost(x.shape, w).multiplies for x, w in examples.values()]
    assert len(set(mults)) == len(mults)
    assert all(x.shape[1] == w[1] for x, w in examples.values())
    rows = [(name, x.shape, w, cb.convnd_cost(x.shape, w).output_shape, cb.convnd_cost(x.shape, w).multiplies)
            for name, (x, w) in examples.items()]
    table = ch.data_types_table(rows).splitlines()
    assert len(table) == 2 + len(examples)
    assert table[2] == "| 1-D, one channel: audio | 1 × 400 | 4 × 1 × 9 | 4 × 392 | 14,112 |"
