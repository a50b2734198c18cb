"""Happy paths of the photo API added by issue 21 for
``sbk/tests/test_contract_happy_paths.py`` (``cases(Call)`` is merged into its ``CASES``)."""

from __future__ import annotations

from .overrides import soft_failed_check


def cases(Call) -> dict:
    return {
        "sbk_photos_api_override": lambda c, s: Call(
            c.w.operator_a,
            path={"check_id": soft_failed_check(c.w.operator_a, person=c.w.person_a).pk},
            json={"reason": "medical", "text": "术后头部包扎，已核对本人"},
        ),
    }
