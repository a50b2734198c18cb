"""One scenario per catalogued business action: how to do it, as a given user, on objects
that lie in that user's own place (so that only the role decides whether it is allowed).

``SCENARIOS[action](ctx, user)`` prepares what the action needs (as the city admin or the
system, outside the measured part) and returns a callable that performs the action as
``user``. ``sbk/tests/test_action_layer.py`` runs every scenario as every role.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

from sbk.accounts.models import ApiToken, Role, User
from sbk.accounts.services import (
    change_password,
    confirm_totp,
    create_staff,
    create_token,
    deactivate_user,
    revoke_token,
)
from sbk.cards import services as cards
from sbk.cards.importer import import_cards
from sbk.cards.models import Card
from sbk.cards.tests.conftest import GOOD
from sbk.core import retention
from sbk.core.actors import SYSTEM, is_system
from sbk.core.catalogue import Action as A
from sbk.exports import services as exports
from sbk.exports.models import ExportRequest
from sbk.orgs.models import OrgKind
from sbk.orgs.services import change_organisation, create_organisation
from sbk.photos.services import record_check
from sbk.portal.services import register_applicant
from sbk.registry.importer import import_people
from sbk.registry.services import change_person, create_person
from sbk.testing import PASSWORD, org, resident_number, stock_outlets, user

_seq = itertools.count(1)
ACCOUNT = "6222020200112233446"  # a valid Luhn bank card number (checked in the test)


class Context:
    """The world plus the per-role places: where each user works and whom they serve."""

    def __init__(self, world, tmp_path: Path, photo: bytes, photo_verdict):
        self.w = world
        self.tmp = tmp_path
        self.photo = photo
        self.verdict = photo_verdict
        self.kiosk = org("KA1", OrgKind.KIOSK, "310112", world.district_a, name="A自助机")
        stock_outlets(world.centre, [self.kiosk], world.bank)
        self.kiosk_operator = user("kiosk_a", Role.OUTLET_OPERATOR, self.kiosk)
        self.applicant = User(username="app_a", role=Role.APPLICANT, person=world.person_a)
        self.applicant.set_password(PASSWORD)
        self.applicant.save()

    def users(self) -> dict[str, object]:
        w = self.w
        return {
            Role.CITY_ADMIN: w.city_admin,
            Role.DISTRICT_ADMIN: w.admin_a,
            Role.OUTLET_OPERATOR: w.operator_a,
            Role.BANK_OPERATOR: w.bank_operator_a,
            Role.AUDITOR: w.auditor,
            Role.APPLICANT: self.applicant,
            "system": SYSTEM,
        }

    def place(self, u):
        """The outlet where ``u`` works (cards are made there, applications go there)."""
        org_ = getattr(u, "org", None)
        if org_ is not None and org_.is_outlet:
            return org_
        return self.w.bank_outlet_a

    def home(self, u):
        """Where the people ``u`` serves are registered."""
        org_ = getattr(u, "org", None)
        if org_ is not None and org_.is_outlet:
            return org_
        return self.w.outlet_a

    def subject(self, u):
        """A person ``u`` may serve: the applicant's own record, or a new person at home."""
        if getattr(u, "is_applicant", False):
            return self.w.person_a
        return create_person(acting_user=SYSTEM, org=self.home(u), data=person_data(self.home(u)))

    # --- set-up as the city admin (or the system), outside the measured call ---------------
    def started(self, u):
        return cards.start_application(
            self.subject(u).pk, acting_user=self.w.city_admin, outlet=self.place(u)
        )

    def with_photo(self, u):
        app = self.started(u)
        return cards.attach_photo(
            app.pk, acting_user=self.w.city_admin, data=GOOD, source="counter"
        )

    def submitted(self, u):
        return cards.submit_application(self.with_photo(u).pk, acting_user=self.w.city_admin)

    def produced(self, u) -> Card:
        app = self.submitted(u)
        return cards.produce_card(app.pk, acting_user=self.w.city_admin, verified=True)

    def issued(self, u) -> Card:
        return cards.issue_card(self.produced(u).pk, acting_user=self.w.city_admin)

    def write(self, name: str, text: str) -> Path:
        path = self.tmp / f"{next(_seq)}-{name}"
        path.write_text(text, encoding="utf-8")
        return path


def person_data(home) -> dict:
    return {
        "name": "动作测试",
        "id_number": resident_number(home.division_code),
        "category": "employee",
        "phone": f"137{next(_seq):08d}",
    }


def _person_create(ctx, u):
    data = person_data(ctx.home(u))
    return lambda: create_person(acting_user=u, org=ctx.home(u), data=data)


def _person_change(ctx, u):
    p = ctx.subject(u)
    return lambda: change_person(
        p.pk, acting_user=u, changes={"address": "新地址1号"}, reason="搬家"
    )


def _person_import(ctx, u):
    number = resident_number("310112")
    path = ctx.write("people.csv", f"name,id_number,category\n导入人,{number},resident\n")
    return lambda: import_people(path, acting_user=u, default_org=ctx.home(u))


def _person_cancel(ctx, u):
    p = ctx.subject(u)
    return lambda: cards.cancel_person(p.pk, acting_user=u, reason="死亡注销")


def _transfer_in(ctx, u):
    p = ctx.subject(u)
    return lambda: cards.transfer(p.pk, acting_user=u, kind="in_province", target_org="OB1")


def _transfer_cross(ctx, u):
    p = ctx.subject(u)
    return lambda: cards.transfer(p.pk, acting_user=u, kind="cross_province", destination="110101")


def _app_start(ctx, u):
    p = ctx.subject(u)
    return lambda: cards.start_application(p.pk, acting_user=u, outlet=ctx.place(u))


def _app_photo(ctx, u):
    app = ctx.started(u)
    source = "upload" if getattr(u, "is_applicant", False) else "counter"
    return lambda: cards.attach_photo(app.pk, acting_user=u, data=GOOD, source=source)


def _app_submit(ctx, u):
    app = ctx.with_photo(u)
    return lambda: cards.submit_application(app.pk, acting_user=u)


def _app_reject(ctx, u):
    app = ctx.submitted(u)
    return lambda: cards.reject_application(app.pk, acting_user=u, reason="照片与本人不符")


def _app_withdraw(ctx, u):
    app = ctx.started(u)
    return lambda: cards.withdraw_application(app.pk, acting_user=u, reason="本人不再申请")


def _produce(ctx, u):
    app = ctx.submitted(u)
    return lambda: cards.produce_card(app.pk, acting_user=u, verified=True)


def _intercept(ctx, u):
    app = ctx.submitted(u)
    problems = [{"code": "name_mismatch", "message": "姓名不一致", "field": "name"}]
    return lambda: cards.record_interception(app.pk, acting_user=u, problems=problems)


def _produce_on_the_spot(ctx, u):
    app = ctx.submitted(u)
    return lambda: cards.produce_on_the_spot(app.pk, acting_user=u, verified=True)


def _ecard_verify(ctx, u):
    from sbk.ecard.models import ElectronicCard
    from sbk.ecard.services import qr_token, verify_qr

    card = ctx.issued(u)
    token = qr_token(ElectronicCard.objects.get(card=card))
    return lambda: verify_qr(token, acting_user=u)


def _issue(ctx, u):
    card = ctx.produced(u)
    return lambda: cards.issue_card(card.pk, acting_user=u)


def _kiosk(ctx, u):
    # The kiosk's own account is an outlet operator whose organisation is a kiosk.
    actor = ctx.kiosk_operator if getattr(u, "role", None) == Role.OUTLET_OPERATOR else u
    p = create_person(acting_user=SYSTEM, org=ctx.w.outlet_a, data=person_data(ctx.w.outlet_a))
    call = lambda: cards.kiosk_issue(p.id_number, acting_user=actor, photo=GOOD)  # noqa: E731
    call.actor = actor
    return call


def _loss(kind):
    def scenario(ctx, u):
        card = ctx.issued(u)
        return lambda: cards.report_loss(card.pk, acting_user=u, kind=kind)

    return scenario


def _unlock_loss(ctx, u):
    card = ctx.issued(u)
    cards.report_loss(card.pk, acting_user=ctx.w.city_admin, kind="formal")
    return lambda: cards.unlock_loss(card.pk, acting_user=u)


def _activate(ctx, u):
    card = ctx.issued(u)
    return lambda: cards.activate_financial(card.pk, acting_user=u, account_no=ACCOUNT)


def _unlock_pin(ctx, u):
    card = ctx.issued(u)
    return lambda: cards.unlock_pin(card.pk, acting_user=u)


def _change_bank(ctx, u):
    card = ctx.issued(u)
    bank2 = create_organisation(
        acting_user=SYSTEM,
        code="BANK2",
        name="另一银行",
        kind=OrgKind.BANK,
        division_code="310000",
        parent=ctx.w.centre,
    )
    return lambda: cards.change_bank(card.pk, acting_user=u, bank=bank2, reason="持卡人申请")


def _change_pin(ctx, u):
    card = ctx.issued(u)
    return lambda: cards.change_pin(card.pk, acting_user=u)


def _lapse(ctx, u):
    card = ctx.issued(u)
    cards.report_loss(card.pk, acting_user=ctx.w.city_admin, kind="temporary")
    later = timezone.now() + dt.timedelta(days=400)
    return lambda: cards.lapse_temporary_losses(later, acting_user=u)


def _unclaimed(ctx, u):
    ctx.produced(u)
    later = timezone.now() + dt.timedelta(days=400)
    return lambda: cards.mark_unclaimed(later, acting_user=u)


def _card_import(ctx, u):
    number = resident_number("310112")
    head = "id_number,name,category,division_code,card_no,bank,issued_on,activated_on,cancelled_on,replaces_card_no"
    body = f"{number},迁移人,resident,310112,L00000001,测试银行,2020-05-01,,,\n"
    path = ctx.write("cards.csv", f"{head}\n{body}")
    return lambda: import_cards(path, acting_user=u)


def _enquiry(ctx, u):
    return lambda: cards.record_enquiry(acting_user=u, topic="补卡需要带什么材料")


def _photo_check(ctx, u):
    p = ctx.subject(u)
    channel = "online" if getattr(u, "is_applicant", False) else "counter"
    return lambda: record_check(
        acting_user=u, data=ctx.photo, person=p, channel=channel, verdict=ctx.verdict
    )


def _export_people(ctx, u):
    return lambda: exports.export_people(acting_user=u, fmt="csv")


def _big_export(ctx, u, requester=None):
    from django.conf import settings

    settings.SBK_EXPORT_APPROVAL_ROWS = 0  # every export needs approval
    return exports.export_people(
        acting_user=requester or u, fmt="csv", full=True, purpose="年度核对"
    )


def _export_request(ctx, u):
    ctx.subject(u)  # someone to export, in the requester's scope
    return lambda: _big_export(ctx, u)


def _export_decide(approve):
    def scenario(ctx, u):
        # Requested by someone else (nobody decides their own request), in everyone's scope.
        requester = ctx.w.operator_a if u is not ctx.w.operator_a else ctx.w.admin_a
        ctx.subject(requester)
        req = _big_export(ctx, u, requester=requester)
        assert isinstance(req, ExportRequest)
        return lambda: exports.decide_request(req.pk, acting_user=u, approve=approve, note="同意")

    return scenario


def _export_download(ctx, u):
    if is_system(u) or getattr(u, "is_applicant", False):
        return lambda: exports.download_request(0, acting_user=u)
    ctx.subject(u)
    req = _big_export(ctx, u)
    approver = ctx.w.city_admin
    if u is ctx.w.city_admin:  # nobody approves their own request: a second centre admin
        approver = user("city2", Role.CITY_ADMIN, ctx.w.centre)
    exports.decide_request(req.pk, acting_user=approver, approve=True)
    return lambda: exports.download_request(req.pk, acting_user=u)


def _staff_create(ctx, u):
    name = f"new{next(_seq)}"
    return lambda: create_staff(
        acting_user=u,
        username=name,
        password="Strong-pass-2026!",
        role=Role.OUTLET_OPERATOR,
        org=ctx.w.outlet_a,
    )


def _password(ctx, u):
    target = u if not is_system(u) else ctx.w.operator_a
    return lambda: change_password(
        acting_user=u, user=target, old_password=PASSWORD, new_password="Another-pass-2026!"
    )


def _totp(ctx, u):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    owner = u if not is_system(u) else ctx.w.operator_a
    device = TOTPDevice.objects.create(user=owner, name="phone", confirmed=False)
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return lambda: confirm_totp(acting_user=u, device=device, token=str(token).zfill(6))


def _register(ctx, u):
    number = resident_number("310112")
    return lambda: register_applicant(
        name="新申请人",
        id_number=number,
        phone=f"136{next(_seq):08d}",
        password="Applicant-2026!",
        acting_user=u,
    )


def _token_create(ctx, u):
    # One's own token (the shell, the system, names a staff member).
    owner = u if not is_system(u) else ctx.w.operator_a
    return lambda: create_token(acting_user=u, user=owner, name="脚本", days=30, second_factor=True)


def _token_revoke(ctx, u):
    owner = u if not is_system(u) else ctx.w.operator_a
    token = ApiToken.objects.create(
        user=owner, name="脚本", digest=ApiToken.digest_of(ApiToken.new_raw())
    )
    return lambda: revoke_token(token.pk, acting_user=u, reason="不再使用")


def _deactivate(ctx, u):
    leaver = user(f"leaver{next(_seq)}", Role.OUTLET_OPERATOR, ctx.w.outlet_a)
    return lambda: deactivate_user(acting_user=u, user=leaver, reason="离职")


def _org_create(ctx, u):
    code = f"NEW{next(_seq)}"
    return lambda: create_organisation(
        acting_user=u,
        code=code,
        name="新网点",
        kind=OrgKind.COMMUNITY_OUTLET,
        division_code="310112",
        parent=ctx.w.district_a,
    )


def _org_change(ctx, u):
    return lambda: change_organisation(
        ctx.w.outlet_a.pk, acting_user=u, changes={"name": f"A网点{next(_seq)}"}
    )


def _keys(verb):
    # A command of the operator's shell: the system acts (there is no signed-in user).
    def scenario(ctx, u):
        from django.conf import settings

        from sbk.core import keys

        extra = ["--quiet"] if verb in ("reencrypt", "reindex") else []
        if verb == "reindex":  # indexes under an older layer to move
            keys.ring().with_new_index_layer().save(settings.SBK_KEYS_FILE, overwrite=True)
        if verb == "reencrypt":  # something under an old key to re-encrypt
            ctx.subject(ctx.w.city_admin)
            keys.ring().rotated().save(settings.SBK_KEYS_FILE, overwrite=True)
        return lambda: call_command("keys", verb, *extra, stdout=io.StringIO())

    return scenario


def _purge(ctx, u):
    before = retention.earliest_allowed_cutoff()
    return lambda: retention.purge(acting_user=u, before=before)


SCENARIOS = {
    A.PERSON_CREATE: _person_create,
    A.PERSON_CHANGE: _person_change,
    A.PERSON_IMPORT: _person_import,
    A.PERSON_CANCEL: _person_cancel,
    A.PERSON_TRANSFER_IN_PROVINCE: _transfer_in,
    A.PERSON_TRANSFER_CROSS_PROVINCE: _transfer_cross,
    A.APPLICATION_START: _app_start,
    A.APPLICATION_PHOTO: _app_photo,
    A.APPLICATION_SUBMIT: _app_submit,
    A.APPLICATION_REJECT: _app_reject,
    A.APPLICATION_WITHDRAW: _app_withdraw,
    A.CARD_PRODUCE: _produce,
    A.CARD_ISSUE: _issue,
    A.CARD_PRODUCE_ON_THE_SPOT: _produce_on_the_spot,
    A.ECARD_VERIFY: _ecard_verify,
    A.CARD_INTERCEPT: _intercept,
    A.CARD_KIOSK_ISSUE: _kiosk,
    A.CARD_REPORT_LOSS_TEMPORARY: _loss("temporary"),
    A.CARD_REPORT_LOSS_FORMAL: _loss("formal"),
    A.CARD_UNLOCK_LOSS: _unlock_loss,
    A.CARD_ACTIVATE_FINANCIAL: _activate,
    A.CARD_UNLOCK_PIN: _unlock_pin,
    A.CARD_CHANGE_PIN: _change_pin,
    A.CARD_CHANGE_BANK: _change_bank,
    A.CARD_LAPSE_TEMPORARY_LOSS: _lapse,
    A.CARD_MARK_UNCLAIMED: _unclaimed,
    A.CARD_IMPORT: _card_import,
    A.ENQUIRY: _enquiry,
    A.PHOTO_CHECK: _photo_check,
    A.EXPORT_PEOPLE: _export_people,
    A.EXPORT_REQUEST: _export_request,
    A.EXPORT_APPROVE: _export_decide(True),
    A.EXPORT_REJECT: _export_decide(False),
    A.EXPORT_DOWNLOAD: _export_download,
    A.STAFF_CREATE: _staff_create,
    A.STAFF_PASSWORD_CHANGE: _password,
    A.STAFF_TOTP_ENROL: _totp,
    A.APPLICANT_REGISTER: _register,
    A.TOKEN_CREATE: _token_create,
    A.TOKEN_REVOKE: _token_revoke,
    A.STAFF_DEACTIVATE: _deactivate,
    A.ORG_CREATE: _org_create,
    A.ORG_CHANGE: _org_change,
    A.KEYS_ROTATE: _keys("rotate"),
    A.KEYS_REENCRYPT: _keys("reencrypt"),
    A.AUDIT_PURGE: _purge,
    A.KEYS_INDEX_ROTATE: _keys("rotate-index"),
    A.KEYS_REINDEX: _keys("reindex"),
}

# Actions of the operator's shell: no user can be named, the system does them.
SHELL_ONLY = {A.KEYS_ROTATE, A.KEYS_REENCRYPT, A.KEYS_INDEX_ROTATE, A.KEYS_REINDEX}
SCENARIOS.update(__import__("sbk.reports.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.assistant.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.stock.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.photos.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.usage.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.evaluation.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
SCENARIOS.update(__import__("sbk.operations.tests.scenarios", fromlist=["SCENARIOS"]).SCENARIOS)
