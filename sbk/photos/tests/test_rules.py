"""PhotoRules settings object and the file-name convention (no models involved)."""

from __future__ import annotations

import dataclasses

import pytest

from sbk.photos import naming
from sbk.photos.rules import DEFAULT_RULES, FACE_RULES, RULE_CODES, RULE_TITLES, PhotoRules


def test_defaults_are_the_seed_numbers():
    r = PhotoRules()
    assert (r.width, r.height) == (358, 441)
    assert r.min_dpi == 300
    assert (r.min_bytes, r.max_bytes) == (20 * 1024, 100 * 1024)
    assert r.face_width_range == (148, 162)
    assert (r.head_top_min, r.head_top_max) == (9, 16)
    assert r.eye_bottom_min == 155
    assert r.formats == ("JPEG",)


def test_rule_codes_are_stable_and_titled():
    assert set(RULE_CODES) == {
        "size_px", "dpi", "color_mode", "format", "file_size", "face_count", "face_width",
        "head_top", "eye_bottom", "centered", "background", "border", "tilt", "eyes_open",
        "sharpness", "file_name",
        # the person (issue 21)
        "head_covering", "sunglasses", "white_top", "uniform", "expression", "frontal",
        "head_ratio",
    }  # fmt: skip
    assert set(RULE_TITLES) == set(RULE_CODES)
    assert FACE_RULES < set(RULE_CODES)


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES.width = 1  # type: ignore[misc]


def test_from_dict_coerces_and_round_trips():
    r = PhotoRules.from_dict(
        {"face_width": "160", "formats": ["JPEG", "PNG"], "require_dpi": "yes", "width": 300.0}
    )
    assert r.face_width == 160.0 and isinstance(r.face_width, float)
    assert r.formats == ("JPEG", "PNG")
    assert r.require_dpi is True
    assert r.width == 300 and isinstance(r.width, int)
    assert PhotoRules.from_dict(r.to_dict()) == r
    assert PhotoRules.from_dict(None) == PhotoRules()
    assert r.replace(width=358).width == 358


def test_from_dict_rejects_unknown_and_bad_values():
    with pytest.raises(ValueError, match="face_widht"):
        PhotoRules.from_dict({"face_widht": 150})
    with pytest.raises(ValueError, match="face_width"):
        PhotoRules.from_dict({"face_width": "wide"})


def test_file_name_convention():
    assert naming.expected_file_name("612501199001011234", "张三") == "612501*****张三.jpg"
    assert naming.expected_stem(" 61250119900101123x ", " 张三 ") == "612501*****张三"
    ok = [
        "612501*****张三.jpg",
        "612501*****张三.JPEG",
        "/upload/dir/612501*****张三.jpeg",
        "C:\\photos\\612501*****张三.jpg",
    ]
    for name in ok:
        assert naming.file_name_matches(name, "612501199001011234", "张三"), name
    bad = [
        "612501*****张三.png",
        "612501****张三.jpg",
        "612502*****张三.jpg",
        "612501*****李四.jpg",
        "612501*****张三",
        "6125011990****1234张三.jpg",
    ]
    for name in bad:
        assert not naming.file_name_matches(name, "612501199001011234", "张三"), name
    custom = PhotoRules(id_keep_prefix=4, id_mask_stars=3, file_extensions=(".jpeg",))
    assert naming.expected_file_name("612501199001011234", "张三", custom) == "6125***张三.jpeg"
    with pytest.raises(ValueError):
        naming.expected_stem("", "张三")
