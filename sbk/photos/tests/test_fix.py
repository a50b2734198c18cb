"""The fixer turns every transformed input that still holds a usable face into a photo
that passes, and explains (rule code + Chinese) why it cannot for the others."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from sbk.photos.checker import check_photo
from sbk.photos.fix import encode_jpeg, fix_photo
from sbk.photos.rules import PhotoRules

from . import imaging as im


def assert_fixed(data: bytes, **kw):
    res = fix_photo(data, **kw)
    assert res.ok, [f.to_dict() for f in res.reasons]
    assert res.jpeg is not None and res.reasons == []
    v = check_photo(res.jpeg)
    assert v.ok, [f.to_dict() for f in v.failures]
    m = v.measurements
    assert (m.width, m.height, m.format, m.mode) == (358, 441, "JPEG", "RGB")
    assert m.dpi == (350, 350)
    assert 20 * 1024 <= m.bytes <= 100 * 1024
    return res, m


def assert_refused(data: bytes, rule: str, **kw):
    res = fix_photo(data, **kw)
    assert not res.ok and res.jpeg is None
    rules = [f.rule for f in res.reasons]
    assert rule in rules, [f.to_dict() for f in res.reasons]
    msg = next(f.message for f in res.reasons if f.rule == rule)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg)
    return res


def test_astronaut_is_fixed(astronaut_png):
    res, m = assert_fixed(astronaut_png)
    assert res.scale == pytest.approx(155 / 91.4, rel=0.03)
    assert abs(res.rotation_deg) < 5
    assert res.quality is not None and 40 <= res.quality <= 95
    assert m.face_width == pytest.approx(155, abs=3)
    assert 9 <= m.head_top <= 16


TRANSFORMS = {
    "shift": lambda r: im.shift(r, 25, 30),
    "shift_up_hair_cut": lambda r: im.shift(r, -10, -30),
    "larger": lambda r: im.scale(r, 1.35),
    "smaller": lambda r: im.scale(r, 0.7),
    "rotated": lambda r: im.rotate(r, 8),
    "blue_background": lambda r: im.recolour_background(r, (40, 90, 200)),
    "grey_background": lambda r: im.recolour_background(r, (170, 170, 170)),
    "framed": lambda r: im.add_frame(r, (0, 0, 0), 3, 0),
    "resampled": lambda r: im.resample(r, 0.6),
    "phone_picture": lambda r: im.paste_on((900, 1200), im.scale(r, 1.6), 300, 194),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_transformed_reference_is_fixed(reference, name):
    rgb = TRANSFORMS[name](reference.rgb)
    assert_fixed(im.to_jpeg(rgb, quality=90))


def test_low_quality_and_png_inputs(reference, astronaut):
    assert_fixed(im.to_jpeg(reference.rgb, quality=25))
    assert_fixed(im.to_png(im.scale(astronaut, 2.0)))


def test_exif_orientation_is_applied(astronaut):
    """A phone stores the picture on its side plus an EXIF orientation tag."""
    stored = np.ascontiguousarray(np.rot90(astronaut, k=1))  # 90° counter-clockwise
    img = Image.fromarray(stored)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    assert_fixed(buf.getvalue())


def test_tall_hair_eye_rule_wins(reference):
    """Seed: when hair top and eye position cannot both hold, the eyes win and the hair
    is cut at the top edge."""
    res, m = assert_fixed(im.to_jpeg(im.tall_hair(reference.rgb)))
    assert m.hair_cut is True and m.head_top == 0
    assert 155 <= m.eye_bottom <= 155 + 8


def test_naming_with_id_and_name(astronaut_png):
    res, _ = assert_fixed(astronaut_png, id_number="612501199001011234", name="张三")
    assert res.file_name == "612501*****张三.jpg"
    assert res.verdict.result("file_name").ok


def test_refusals(reference, astronaut):
    assert_refused(b"garbage", "format")
    assert_refused(im.to_jpeg(skdata.coffee()), "face_count")
    two = im.side_by_side(reference.rgb, reference.rgb)
    assert_refused(im.to_jpeg(two), "face_count")
    tiny = im.to_jpeg(im.scale(astronaut, 0.4))  # face ≈ 37 px: would need ×4 enlargement
    res = assert_refused(tiny, "face_width")
    assert "放大" in res.reasons[0].message
    # a configurable limit: allow a bigger enlargement and the same picture is fixable
    lenient = fix_photo(tiny, rules=PhotoRules(max_upscale=5.0))
    assert "face_width" not in [f.rule for f in lenient.reasons]
    assert_refused(im.to_jpeg(im.grey_as_rgb(reference.rgb)), "color_mode")
    closed = im.close_eyes(reference.rgb, reference.landmarks)
    assert_refused(im.to_jpeg(closed), "eyes_open")


def test_encode_jpeg_hits_the_size_window(reference):
    rules = PhotoRules()
    data, q = encode_jpeg(reference.rgb, rules)
    assert rules.min_bytes <= len(data) <= rules.max_bytes
    tight = PhotoRules(min_kb=20, max_kb=25)
    data, q2 = encode_jpeg(reference.rgb, tight)
    assert tight.min_bytes <= len(data) <= tight.max_bytes and q2 < q
    # one quality step more would not fit: the search found the best quality
    bigger = io.BytesIO()
    Image.fromarray(reference.rgb).save(
        bigger, "JPEG", quality=q2 + 1, dpi=(350, 350), optimize=True
    )
    assert len(bigger.getvalue()) > tight.max_bytes
