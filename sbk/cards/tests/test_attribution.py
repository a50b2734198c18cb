"""Attribution that the reports can trust: every journal row names the outlet where the
work was done and the channel it came through; the system journals nothing; legacy rows
are marked; cancellation ends open applications by the rules; the writer's hooks see
every card change."""

import datetime as dt

import pytest
from django.utils import timezone

from sbk.accounts.models import Role, User
from sbk.cards import rules, services
from sbk.cards.importer import import_cards
from sbk.cards.models import Application, Card, ServiceTransaction
from sbk.cards.transitions import on_card_change, remove_card_hook
from sbk.core.actors import IMPORTER
from sbk.core.catalogue import Channel, ServiceItem
from sbk.core.models import AuditEntry
from sbk.orgs.models import OrgKind
from sbk.testing import PASSWORD, login, org, stock_outlets, user

from .conftest import GOOD
from .helpers import issued_card, submitted

pytestmark = pytest.mark.django_db


def journal(action):
    return ServiceTransaction.objects.filter(action=action).order_by("-id").first()


def applicant_of(p):
    u = User(username=f"app{p.pk}", role=Role.APPLICANT, person=p)
    u.set_password(PASSWORD)
    u.save()
    return u


def test_online_application_counts_online_then_at_the_bank_that_produces(world):
    me = applicant_of(world.person_a)
    app = services.start_application(world.person_a.pk, acting_user=me, outlet=world.bank_outlet_a)
    assert app.channel == Channel.ONLINE
    services.attach_photo(app.pk, acting_user=me, data=GOOD, source="upload")
    services.submit_application(app.pk, acting_user=me)
    row = journal("application.submit")
    assert (row.channel, row.outlet_id, row.operator_id) == (
        Channel.ONLINE,
        world.bank_outlet_a.pk,
        me.pk,
    )
    card = services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    row = journal("card.produce")
    # Production at a bank outlet is channel ⑤, not the ⑦ the application came through.
    assert (row.item, row.channel, row.outlet_id) == (
        ServiceItem.APPLICATION,
        Channel.BANK,
        world.bank_outlet_a.pk,
    )
    services.issue_card(card.pk, acting_user=world.bank_operator_a)
    row = journal("card.issue")
    assert (row.channel, row.outlet_id) == (Channel.BANK, world.bank_outlet_a.pk)


def test_counter_submission_counts_for_the_counter_production_for_the_bank(world):
    app = submitted(world, user=world.operator_a, outlet=world.bank_outlet_a)
    row = journal("application.submit")
    assert (row.channel, row.outlet_id) == (Channel.COMMUNITY, world.outlet_a.pk)
    services.produce_card(app.pk, acting_user=world.bank_operator_a, verified=True)
    assert journal("card.produce").outlet_id == world.bank_outlet_a.pk


def test_a_stated_channel_is_kept_and_an_invalid_one_refused(world):
    card = issued_card(world)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary", channel=6)
    row = journal("card.report_loss_temporary")
    assert (row.item, row.channel, row.outlet_id) == (
        ServiceItem.LOSS,
        Channel.HOTLINE,
        world.outlet_a.pk,
    )
    with pytest.raises(Exception) as exc:
        services.unlock_loss(card.pk, acting_user=world.operator_a, channel=11)
    assert exc.value.code == "bad_channel"


def test_applicant_online_loss_counts_for_the_issuing_outlet(world):
    card = issued_card(world)
    me = applicant_of(world.person_a)
    services.report_loss(card.pk, acting_user=me, kind="temporary")
    row = journal("card.report_loss_temporary")
    assert (row.channel, row.outlet_id) == (Channel.ONLINE, card.org_id)


def test_kiosk_counts_for_the_kiosk(world):
    kiosk = org("KA1", OrgKind.KIOSK, "310112", world.district_a)
    stock_outlets(world.centre, [kiosk], world.bank)
    machine = user("kiosk", Role.OUTLET_OPERATOR, kiosk)
    services.kiosk_issue(world.person_a.id_number, acting_user=machine, photo=GOOD)
    row = journal("card.kiosk_issue")
    assert (row.channel, row.outlet_id) == (Channel.KIOSK, kiosk.pk)
    assert ServiceTransaction.objects.count() == 1  # one service, one row


def test_worker_jobs_are_audited_but_never_journalled(world):
    card = issued_card(world)
    services.report_loss(card.pk, acting_user=world.operator_a, kind="temporary")
    made = services.produce_card(
        submitted(world, world.person_b, user=world.operator_b, outlet=world.bank_outlet_b).pk,
        acting_user=world.bank_user,
        verified=True,
    )
    before = ServiceTransaction.objects.count()
    later = timezone.now() + dt.timedelta(days=365)
    assert services.run_due(later) == {"lapsed": 1, "unclaimed": 1}
    assert ServiceTransaction.objects.count() == before
    actors = set(
        AuditEntry.objects.filter(
            action__in=["card.lapse_temporary_loss", "card.mark_unclaimed"]
        ).values_list("actor_username", flat=True)
    )
    assert actors == {"system:worker"}
    assert Card.objects.get(pk=made.pk).status == rules.UNCLAIMED


def test_person_edits_through_the_api_and_the_console_are_item_two(client, world):
    from sbk.cards.tests.test_api import token_for

    r = client.patch(
        f"/api/registry/persons/{world.person_a.pk}",
        {"changes": {"address": "新址1号"}, "reason": "搬家", "channel": 6},
        content_type="application/json",
        **token_for(world.operator_a),
    )
    assert r.status_code == 200, r.content
    row = journal("person.change")
    assert (row.item, row.channel, row.outlet_id, row.person_id) == (
        ServiceItem.INFO_CHANGE,
        Channel.HOTLINE,
        world.outlet_a.pk,
        world.person_a.pk,
    )
    login(client, world.operator_a)
    r = client.post(
        f"/people/{world.person_a.pk}/edit/",
        {"name": world.person_a.name, "category": "employee", "address": "新址2号", "reason": "搬"},
    )
    assert ServiceTransaction.objects.filter(action="person.change").count() == 2, r.content


def test_legacy_import_journals_legacy_rows(world, tmp_path):
    from sbk.testing import resident_number

    number = resident_number("310112")
    path = tmp_path / "cards.csv"
    path.write_text(
        "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,"
        "cancelled_on,replaces_card_no\n"
        f"{number},迁移人,resident,310112,L0000001,测试银行,2015-03-01,,,\n"
        f"{number},迁移人,resident,310112,L0000002,测试银行,2020-03-01,,2024-01-02,L0000001\n",
        encoding="utf-8",
    )
    result = import_cards(path, acting_user=IMPORTER)
    assert result.cards_written == 2, result.errors
    rows = ServiceTransaction.objects.filter(legacy=True).order_by("at")
    assert [(r.item, r.at.date().isoformat()) for r in rows] == [
        (ServiceItem.APPLICATION, "2015-03-01"),
        (ServiceItem.APPLICATION, "2020-03-01"),
        (ServiceItem.CANCELLATION, "2024-01-02"),
    ]
    assert {r.channel for r in rows} == {Channel.OTHER}
    assert not ServiceTransaction.objects.filter(legacy=False).exists()
    statuses = dict(Card.objects.values_list("card_no", "status"))
    assert statuses == {"L0000001": rules.REPLACED, "L0000002": rules.CANCELLED}


def test_cancel_person_ends_applications_by_the_rules(world):
    produced = services.produce_card(
        submitted(world).pk, acting_user=world.bank_operator_a, verified=True
    )
    services.cancel_person(world.person_a.pk, acting_user=world.admin_a, reason="死亡")
    app = Application.objects.get(card=produced)
    assert app.status == rules.APP_CANCELLED  # a made card's application is terminated
    assert Card.objects.get(pk=produced.pk).status == rules.CANCELLED
    draft = services.start_application(
        world.person_b.pk, acting_user=world.operator_b, outlet=world.bank_outlet_b
    )
    services.cancel_person(world.person_b.pk, acting_user=world.admin_b, reason="死亡")
    assert Application.objects.get(pk=draft.pk).status == rules.WITHDRAWN
    assert ServiceTransaction.objects.filter(item=ServiceItem.CANCELLATION).count() == 2


def test_the_writer_hooks_see_every_card_change(world, tmp_path):
    seen = []

    def hook(change):
        seen.append((change.transition, change.before, change.after, change.legacy))

    on_card_change(hook)
    try:
        card = issued_card(world)
        services.report_loss(card.pk, acting_user=world.operator_a, kind="formal")
    finally:
        remove_card_hook(hook)
    assert seen == [
        ("produce", "", rules.PRODUCED, False),
        ("issue", rules.PRODUCED, rules.ISSUED, False),
        ("report_loss_formal", rules.ISSUED, rules.LOST, False),
    ]
