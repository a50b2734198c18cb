"""A stored check that fails only rules about the person (no model runs): what an
operator may override. Shared by the photo tests, the action-layer scenario and the
contract case."""

from __future__ import annotations

from sbk.photos.services import record_check
from sbk.photos.verdict import FAIL, PASS, Measurements, PhotoVerdict, RuleResult


def soft_failed_verdict(*rules: str) -> PhotoVerdict:
    failed = rules or ("head_covering",)
    results = [RuleResult("face_width", PASS, "155±7 px", 155.0)]
    results += [RuleResult(r, FAIL, "", 0.9, "疑似戴帽子，要求免冠") for r in failed]
    m = Measurements(width=358, height=441, format="JPEG", mode="RGB", dpi=(350, 350))
    return PhotoVerdict(ok=False, measurements=m, results=results)


def soft_failed_check(acting_user, *, org=None, person=None, rules=("head_covering",)):
    return record_check(
        acting_user=acting_user,
        data=b"override test: a stored photo",
        person=person,
        channel="counter",
        verdict=soft_failed_verdict(*rules),
        collected_at=org,
        person_authorised=True,
    )
