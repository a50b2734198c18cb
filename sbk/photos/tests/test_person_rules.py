"""The rules about the person (issue 21): each seen passing on compliant photos and
failing on a real or synthetically edited one, with its measured value and a Chinese
message; the fixer refuses what it cannot repair."""

from __future__ import annotations

import pytest

from sbk.photos.checker import check_photo
from sbk.photos.person import natural_hair
from sbk.photos.rules import SOFT_RULES, PhotoRules
from sbk.photos.stamp import stamp_dpi
from sbk.photos.verdict import FAIL, PASS, WARN

from . import imaging as im


def verdict_of(rgb, **kw):
    return check_photo(im.to_jpeg(rgb), **kw)


def status(v, rule):
    return v.result(rule).status


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_compliant_reference_passes_every_person_rule(reference):
    v = check_photo(reference.jpeg)
    assert v.ok
    for rule in SOFT_RULES:
        assert status(v, rule) == PASS, (rule, v.result(rule))
    p = v.measurements.person
    assert p["covering"] < 0.1 and p["lens_dark"] < 0.2 and p["white_top"] < 0.1
    assert 0.6 <= p["head_ratio"] <= 0.68  # "about 2/3"
    assert abs(p["yaw_deg"]) < 5 and abs(p["pitch_deg"]) < 5
    assert 0.1 < p["mouth_ratio"] < 0.25  # a smile with teeth is natural


def test_switched_off_the_person_rules_are_not_reported(reference):
    v = check_photo(reference.jpeg, rules=PhotoRules(person_rules=False))
    assert v.ok and not {r.rule for r in v.results} & SOFT_RULES


# (edit, rule that must fail) on the compliant astronaut reference
NEGATIVES = {
    "sunglasses": (lambda r, p, m: im.glasses(r, p, opacity=0.85), "sunglasses"),
    "blue_lenses": (lambda r, p, m: im.glasses(r, p, lens=(40, 60, 160), opacity=0.5), "sunglasses"),
    "brown_lenses": (lambda r, p, m: im.glasses(r, p, lens=(60, 40, 20), opacity=0.6), "sunglasses"),
    "navy_cap": (lambda r, p, m: im.cap(r, p), "head_covering"),
    "red_cap": (lambda r, p, m: im.cap(r, p, colour=(200, 30, 30)), "head_covering"),
    "white_top": (lambda r, p, m: im.whiten_top(r, p, m), "white_top"),
    "turned_right": (lambda r, p, m: im.displace(r, p[1], 35, 0, 0.35 * (p[454, 0] - p[234, 0])), "frontal"),
    "turned_left": (lambda r, p, m: im.displace(r, p[1], -35, 0, 0.35 * (p[454, 0] - p[234, 0])), "frontal"),
    "nodded": (lambda r, p, m: im.displace(r, p[1], 0, -35, 0.35 * (p[454, 0] - p[234, 0])), "frontal"),
    "mouth_open": (lambda r, p, m: im.open_mouth(r, p), "expression"),
    "eyes_closed": (lambda r, p, m: im.close_eyes(r, p), "expression"),
    "head_small": (lambda r, p, m: im.shrink(r, 0.8), "head_ratio"),
}  # fmt: skip


@pytest.mark.parametrize("edit", sorted(NEGATIVES))
def test_rule_fails_on_the_edited_photo(reference, reference_mask, edit):
    fn, rule = NEGATIVES[edit]
    v = verdict_of(fn(reference.rgb, reference.landmarks, reference_mask))
    r = v.result(rule)
    assert r.status == FAIL, (rule, r, v.measurements.person)
    assert not v.ok and has_chinese(r.message) and r.actual is not None


# edits a compliant photo may carry: the person rules still pass
POSITIVES = {
    "clear_glasses": lambda r, p, m: im.glasses(r, p, opacity=0.0),
    "short_hair": lambda r, p, m: im.short_hair(r, p, m),
    "slightly_turned": lambda r, p, m: im.displace(r, p[1], 10, 0, 0.35 * (p[454, 0] - p[234, 0])),
    "slightly_nodded": lambda r, p, m: im.displace(r, p[1], 0, 15, 0.35 * (p[454, 0] - p[234, 0])),
}  # fmt: skip


@pytest.mark.parametrize("edit", sorted(POSITIVES))
def test_person_rules_pass_on_compliant_variants(reference, reference_mask, edit):
    v = verdict_of(POSITIVES[edit](reference.rgb, reference.landmarks, reference_mask))
    failed = [r.rule for r in v.results if r.status == FAIL and r.rule in SOFT_RULES]
    assert failed == [], (failed, v.measurements.person)


def test_dark_uniform_without_cap_is_a_warning_not_a_refusal(reference, reference_mask):
    v = verdict_of(im.uniform_top(reference.rgb, reference.landmarks, reference_mask))
    assert status(v, "uniform") == WARN and v.ok
    assert [w.rule for w in v.warnings] == ["uniform"] and has_chinese(v.warnings[0].message)


def test_grace_hopper_cap_and_uniform_fail_clear_glasses_pass(grace_fix):
    """A real portrait the old checker passed after fixing: a peaked cap and a uniform."""
    v = check_photo(grace_fix.candidate)
    assert status(v, "head_covering") == FAIL
    assert status(v, "uniform") == FAIL  # dark uniform + insignia + cap: sure enough
    assert status(v, "sunglasses") == PASS  # her glasses are clear
    for rule in ("face_width", "head_top", "eye_bottom", "centered", "background"):
        assert status(v, rule) == PASS, rule  # geometrically the fix worked


def test_fixer_refuses_what_it_cannot_repair(grace_fix):
    assert not grace_fix.ok and grace_fix.jpeg is None
    reasons = {f.rule: f.message for f in grace_fix.reasons}
    assert "head_covering" in reasons and reasons["head_covering"].startswith("无法自动修正")


def test_threshold_is_configurable(reference, reference_mask):
    capped = im.to_jpeg(im.cap(reference.rgb, reference.landmarks))
    assert status(check_photo(capped), "head_covering") == FAIL
    lax = PhotoRules.from_dict({"covering_max": 1.0})
    assert status(check_photo(capped, rules=lax), "head_covering") == PASS


def test_natural_hair_colours():
    import numpy as np

    px = np.array(
        [
            [20, 18, 15],
            [120, 80, 40],
            [200, 170, 110],
            [180, 180, 178],
            [30, 60, 200],
            [40, 160, 60],
        ],
        np.uint8,
    )
    assert natural_hair(px).tolist() == [True, True, True, True, False, False]


def test_stamp_dpi_sets_the_density_without_touching_the_pixels(reference):
    from sbk.photos.analysis import decode

    plain = im.to_jpeg(reference.rgb, dpi=None)
    assert decode(plain).dpi is None
    stamped = stamp_dpi(plain, 350)
    dec = decode(stamped)
    assert dec.dpi == (350, 350)
    assert (dec.rgb == decode(plain).rgb).all()
    assert stamp_dpi(b"not a jpeg", 350) == b"not a jpeg"
    # a JPEG without any JFIF header gets one
    bare = plain[:2] + plain[2 + 2 + int.from_bytes(plain[4:6], "big") :]
    assert decode(stamp_dpi(bare, 350)).dpi == (350, 350)
