"""Scenarios of the evaluation actions (13xx), merged into
``sbk/tests/action_scenarios.SCENARIOS``."""

import itertools

from sbk.core.catalogue import Action as A
from sbk.evaluation import services

_seq = itertools.count(1)


def _run(ctx, u):
    return lambda: services.run_period("2026Q1", acting_user=u)


def _enter(ctx, u):
    return lambda: services.enter_figure(
        ctx.w.district_a, "2026Q1", "featured_work", next(_seq) % 5, acting_user=u
    )


SCENARIOS = {A.EVALUATION_RUN: _run, A.EVALUATION_ENTER: _enter}
