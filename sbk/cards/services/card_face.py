"""The card face (卡面) and the card's bank: what the applicant stated and the warnings at
start, the record of a production blocked by card-face interception, and which bank makes a
replacement (seed 002 §二(三)). Used by the application services."""

from __future__ import annotations

from sbk.accounts.policy import ensure
from sbk.core import actions
from sbk.core.catalogue import Action
from sbk.core.errors import Conflict, ServiceError
from sbk.idcard import check_id_number, mask_number, normalise
from sbk.registry import lookup

from ..errors import CardErrorCode as E
from ..interception import intercept
from ..models import Card
from .common import lock_application


def _stated(person, stated: dict | None) -> dict:
    """What the applicant or the clerk stated for the card face (entered, not copied from
    the registry): compared with the registry at start (a warning) and before production
    (a block). Without a statement (online, where the account was matched to the registry;
    a kiosk that read the document's chip) the registry's values stand for it."""
    if not stated:
        return {
            "stated_name": person.name,
            "stated_id_index": person.id_index,
            "stated_id_masked": person.id_masked,
            "stated_gender": person.gender,
            "stated_birth_date": person.birth_date,
            "stated_category": person.category,
        }
    name = (stated.get("name") or "").strip()
    if not name:
        raise ServiceError(E.STATED, "请填写申请人所报姓名", field="stated.name")
    result = check_id_number(normalise(stated.get("id_number") or ""))
    if not result.valid:
        raise ServiceError(E.STATED, "所报证件号码无效", field="stated.id_number")
    number = result.upgraded or result.number
    return {
        "stated_name": name,
        "stated_id_index": lookup.id_index(number),
        "stated_id_masked": mask_number(number),
        # A resident number carries both; other documents: as the registry has them.
        "stated_gender": result.gender or person.gender,
        "stated_birth_date": result.birth_date or person.birth_date,
        "stated_category": (stated.get("category") or person.category).strip(),
    }


def _warnings(app, person) -> list[dict]:
    """Card-face problems found at start: said at once, blocking only at production."""
    problems, _ = intercept(app, person)
    return [p.as_dict() for p in problems if p.field != "photo"]


def ensure_same_bank(old: Card, outlet) -> None:
    """补换卡 is made by the old card's bank on the original data (seed 002 §二(三)
    “到相应银行按原有数据”): another bank's outlet is refused, unless the holder changed bank
    first (``change_bank``, a recorded step). An outlet of no bank (a community outlet, a
    kiosk) makes it on a blank of the card's (new) bank."""
    allowed = {old.bank_id, old.bank_change_to_id}
    if old.bank_id and outlet.bank_id and outlet.bank_id not in allowed:
        raise Conflict(
            E.REPLACEMENT_OTHER_BANK,
            f"原卡 {old.card_no} 为{old.bank.name}卡，补换卡须到该行网点按原有数据办理；"
            "如持卡人要更换合作银行，请先办理“变更合作银行”",
            field="outlet",
        )


def _replacement_bank(old: Card | None):
    """A replacement made where the outlet has no bank: the bank the holder moved to, else
    the old card's."""
    if old is None:
        return None
    return old.bank_change_to if old.bank_change_to_id else old.bank


@actions.atomic
def record_interception(app_id: int, *, acting_user, problems: list[dict]) -> None:
    """卡面差错拦截: a production refused for card-face errors, kept with its reasons after
    the production itself has rolled back (an audit row; not a service to the citizen)."""
    ensure(acting_user, Action.CARD_INTERCEPT)
    person, app = lock_application(acting_user, app_id, outlet_scope=True)
    actions.record(
        Action.CARD_INTERCEPT,
        acting_user=acting_user,
        obj=app,
        after={"problems": problems, "outlet": app.outlet.code, "id_masked": person.id_masked},
    )
