"""Accuracy of the geometric measurements on a labelled set made by known transforms of
the compliant reference photo: shifting by k px moves head_top / eye_bottom /
face_center_x by exactly k, scaling by f scales every length by f, rotating by a degrees
changes the eye-line angle by a. Clean images must measure within ±2 px (±1°)."""

from __future__ import annotations

import pytest

from sbk.photos.checker import check_photo

from . import imaging as im

PX = 2.0  # tolerance in pixels
DEG = 1.0  # tolerance in degrees


def measure(rgb, **kw):
    return check_photo(im.to_jpeg(rgb, **kw)).measurements


def test_reference_is_compliant_and_centred(reference):
    m = reference.m
    assert abs(m.face_width - 155) <= PX
    assert abs(m.head_top - 12) <= PX  # fixer target
    assert abs(m.face_center_x - 179) <= PX
    assert abs(m.tilt_deg) <= DEG
    assert m.eye_bottom >= 155 + 4 - PX
    assert m.background_white > 0.99


@pytest.mark.parametrize("dy", [-8, -3, 2, 5, 9, 20, 40])
def test_vertical_shift_moves_head_top_and_eyes_by_k(reference, dy):
    m0 = reference.m
    m = measure(im.shift(reference.rgb, 0, dy))
    assert m.head_top == pytest.approx(m0.head_top + dy, abs=PX)
    assert m.eye_bottom == pytest.approx(m0.eye_bottom - dy, abs=PX)
    assert m.face_width == pytest.approx(m0.face_width, abs=PX)
    assert m.face_center_x == pytest.approx(m0.face_center_x, abs=PX)


@pytest.mark.parametrize("dx", [-25, -12, -4, 3, 7, 15, 25])
def test_horizontal_shift_moves_face_centre_by_k(reference, dx):
    m0 = reference.m
    m = measure(im.shift(reference.rgb, dx, 0))
    assert m.face_center_x == pytest.approx(m0.face_center_x + dx, abs=PX)
    assert m.face_width == pytest.approx(m0.face_width, abs=PX)
    assert m.head_top == pytest.approx(m0.head_top, abs=PX)
    assert m.eye_bottom == pytest.approx(m0.eye_bottom, abs=PX)


@pytest.mark.parametrize("f", [0.8, 0.9, 0.95, 1.05, 1.1, 1.2])
def test_scaling_scales_lengths(reference, f):
    m0 = reference.m
    m = measure(im.scale(reference.rgb, f))
    assert m.face_width == pytest.approx(m0.face_width * f, abs=PX)
    assert m.head_top == pytest.approx(m0.head_top * f, abs=PX)
    assert m.eye_bottom == pytest.approx(m0.eye_bottom * f, abs=PX)
    assert m.face_center_x == pytest.approx(m0.face_center_x * f, abs=PX)


@pytest.mark.parametrize("deg", [-10, -4, 3, 8])
def test_rotation_changes_tilt(reference, deg):
    m0 = reference.m
    # rotate about the eye midpoint so the face stays in place
    g = reference.verdict.geometry
    centre = ((g.iris_a[0] + g.iris_b[0]) / 2, (g.iris_a[1] + g.iris_b[1]) / 2)
    m = measure(im.rotate(reference.rgb, deg, centre))
    # counter-clockwise as displayed = negative angle in y-down image coordinates
    assert m.tilt_deg == pytest.approx(m0.tilt_deg - deg, abs=DEG)
    assert m.face_width == pytest.approx(m0.face_width, abs=PX)


@pytest.mark.parametrize("quality", [40, 70, 90])
def test_jpeg_quality_and_resampling_keep_geometry(reference, quality):
    m0 = reference.m
    for m in (
        measure(reference.rgb, quality=quality),
        measure(im.resample(reference.rgb, 0.7), quality=quality),
    ):
        assert m.face_width == pytest.approx(m0.face_width, abs=PX)
        assert m.head_top == pytest.approx(m0.head_top, abs=PX)
        assert m.eye_bottom == pytest.approx(m0.eye_bottom, abs=PX)
        assert m.face_center_x == pytest.approx(m0.face_center_x, abs=PX)


def test_background_colour_does_not_move_the_head_top(reference):
    m0 = reference.m
    for colour in ((40, 90, 200), (200, 40, 40), (150, 150, 150)):
        m = measure(im.recolour_background(reference.rgb, colour))
        assert m.head_top == pytest.approx(m0.head_top, abs=PX), colour
        assert m.face_width == pytest.approx(m0.face_width, abs=PX)
