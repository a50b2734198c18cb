"""The business-action layer, tried through the real services.

- Every catalogued action, done by a role that may do it, writes exactly one audit row
  under its name and, when it is a service item, exactly one journal row naming the item,
  a channel and an outlet; the system never writes a journal row.
- Every action tried by every role: refused (Forbidden, nothing written) exactly when the
  policy matrix says the role may not do it.
"""

from __future__ import annotations

import shutil

import pytest
from django.db import transaction

from sbk.accounts.policy import MATRIX
from sbk.accounts.policy import SYSTEM as SYSTEM_ROLE
from sbk.cards import rules as card_rules
from sbk.cards.models import ServiceTransaction
from sbk.core.actors import is_system
from sbk.core.catalogue import Action
from sbk.core.errors import Forbidden
from sbk.core.models import AuditEntry

from .action_scenarios import ACCOUNT, SCENARIOS, SHELL_ONLY, Context

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def photo_verdict(compliant_photo):
    from sbk.photos.services import evaluate

    return evaluate(compliant_photo)


@pytest.fixture
def ctx(world, tmp_path, settings, compliant_photo, photo_verdict, monkeypatch):
    from sbk.cards import photo as photo_module
    from sbk.cards.photo import PhotoCheck

    settings.MEDIA_ROOT = tmp_path / "media"
    keys = tmp_path / "keys.json"  # key rotation is tried on a copy of the run's keys
    shutil.copy(settings.SBK_KEYS_FILE, keys)
    settings.SBK_KEYS_FILE = str(keys)
    # The card services' photo step is not what is tried here: the fast fake of the card
    # tests (the real checker is tried by PHOTO_CHECK itself and by the photo tests).
    monkeypatch.setattr(
        photo_module, "check", lambda data, **kw: PhotoCheck(True, True, [], "照片机检通过")
    )
    return Context(world, tmp_path, compliant_photo, photo_verdict)


def test_every_action_has_a_scenario_and_a_policy_row():
    assert set(SCENARIOS) == set(Action)
    assert set(MATRIX) == set(Action)
    assert card_rules.account_valid(ACCOUNT)


def test_catalogue_numbers_and_names_are_unique_and_grouped_by_domain():
    names = [a.audit_name for a in Action]
    assert len(set(names)) == len(names)
    domains = {
        1: "person",
        2: "application",
        3: ("card", "enquiry", "ecard"),
        4: "photo",
        5: "export",
    }
    for action in Action:
        expected = domains.get(action.value // 100)
        if expected:
            assert action.audit_name.startswith(expected), action


def test_the_system_is_never_allowed_a_service_item():
    """A service item counts a citizen served; the platform alone serves nobody."""
    for action in Action:
        if action.item is not None:
            assert SYSTEM_ROLE not in MATRIX[action], action


def _counts():
    return AuditEntry.objects.count(), ServiceTransaction.objects.count()


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.audit_name)
def test_every_role_tries_the_action(ctx, action):
    tried = []
    for role, user in ctx.users().items():
        if action in SHELL_ONLY and not is_system(user):
            continue  # a shell command: no user to name
        allowed = (SYSTEM_ROLE if is_system(user) else role) in MATRIX[action]
        with transaction.atomic():
            call = SCENARIOS[action](ctx, user)
            audit_before, journal_before = _counts()
            last_audit = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
            if allowed:
                call()
                new_audit = list(AuditEntry.objects.filter(seq__gt=last_audit or 0))
                assert [e.action for e in new_audit] == [action.audit_name], (role, new_audit)
                journal = list(ServiceTransaction.objects.order_by("id")[journal_before:])
                if action is Action.CARD_IMPORT:  # the vendor's history, marked as such
                    assert journal and all(row.legacy and not row.operator_id for row in journal)
                elif action.item is None:
                    assert journal == [], (role, action)
                else:
                    assert len(journal) == 1, (role, action, journal)
                    row = journal[0]
                    assert (row.item, row.action) == (action.item, action.audit_name)
                    assert row.channel and row.outlet_id, (role, action)
                    assert row.operator_id == getattr(call, "actor", user).pk and not row.legacy
            else:
                with pytest.raises(Forbidden):
                    call()
                assert _counts() == (audit_before, journal_before), (role, action)
            tried.append((role, allowed))
            transaction.set_rollback(True)
    assert any(allowed for _, allowed in tried), "some role must be allowed each action"
