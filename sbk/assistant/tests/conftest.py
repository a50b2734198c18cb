"""Fixtures shared by the assistant's tests of taught questions by meaning
(``test_taught_meaning``, ``test_taught_vouch``)."""

from __future__ import annotations

import dataclasses

import pytest

from sbk.assistant import dense

from .test_pure import _entries

TAUGHT = "家里狗把卡咬坏了换一张要钱吗"
FEES = "第十一条 费用"


@pytest.fixture(scope="module")
def library():
    """The test library's entries, their embeddings, the fee passage's position, and the
    entries with ``TAUGHT`` taught to it."""
    entries = _entries()
    vectors = dense.shared_encoder().passages(
        [dense.passage_text(e.title, e.heading, e.text) for e in entries]
    )
    fees = next(i for i, e in enumerate(entries) if e.heading.endswith(FEES))
    taught = [dataclasses.replace(e, taught=(TAUGHT,)) if i == fees else e
              for i, e in enumerate(entries)]  # fmt: skip
    return entries, vectors, fees, taught
