"""Console pages for the stock books (卡基台账): the outlet (today's movements, close the
day), the district (its outlets' balances, missed closes, discrepancies), the centre
(inbound, allocation, returns, write-offs) and the trace of one serial.

Pages read through ``queries`` and act through ``services``; every organisation named in
a URL is looked up within the user's scope (404 outside it); GET never writes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation, OrgKind
from sbk.orgs.scope import scoped, visible_orgs

from . import queries, rules, services
from .models import DayClose, Discrepancy, Serial


def _org(user, code: str) -> Organisation:
    org = visible_orgs(user).filter(code=code).first()
    if org is None:
        raise Http404("机构不存在或不在您的管辖范围内")
    return org


def _serials(text: str) -> list[str]:
    return [s for s in (text or "").replace(",", " ").split() if s]


def _day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise ServiceError("bad_date", "日期应为 YYYY-MM-DD", field="date") from None


def _act(request, fn, done: str):
    try:
        fn()
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, done)


def _side(org, state: str, item: str) -> str:
    """One end of a ledger entry in words: "A网点 在库·卡基", "卡厂（未入账）"."""
    if state == rules.NONE:
        return "卡厂（未入账）"
    return f"{org.name if org else '—'} {rules.Place(state, None, item).label()}"


def _kind_label(e) -> str:
    if e.kind == rules.ALLOCATE and e.src_state == rules.NONE:
        return "卡厂入库"
    return rules.KIND_LABELS.get(e.kind, e.kind)


def entry_rows(entries) -> list[dict]:
    """Ledger entries as the trace shows them: each end with its item, the kind in words."""
    return [
        {
            "entry": e,
            "kind": _kind_label(e),
            "src": _side(e.src_org, e.src_state, e.src_item),
            "dst": _side(e.dst_org, e.dst_state, e.dst_item),
        }
        for e in entries
    ]


def movements(entries) -> list[dict]:
    """Today's entries grouped into the movements (batches) they belong to, in order: a
    movement of fifty serials is one line, not fifty."""
    groups: dict = {}
    for row in entry_rows(entries):
        e = row["entry"]
        key = (e.batch, row["src"], row["dst"])
        if key not in groups:
            groups[key] = {**row, "serials": [], "versions": set()}
        groups[key]["serials"].append(e.serial)
        groups[key]["versions"].add(e.version)
    out = list(groups.values())
    for g in out:
        g["versions"] = "、".join(sorted(g["versions"]))
    return out


@login_required
def home(request):
    org = getattr(request.user, "org", None)
    if org is None:
        return redirect("stock:centre")
    if org.is_outlet:
        return redirect("stock:outlet", code=org.code)
    if org.kind in (OrgKind.DISTRICT, OrgKind.BANK):
        return redirect("stock:district", code=org.code)
    return redirect("stock:centre")


def _named(ids) -> dict[int, Organisation]:
    return Organisation.objects.in_bulk(list(ids))


@login_required
@require_http_methods(["GET", "POST"])
def outlet(request, code: str):
    org = _org(request.user, code)
    user, post = request.user, request.POST
    if request.method == "POST":
        what = post.get("do", "")
        serials, day = _serials(post.get("serials", "")), None
        try:
            day = _day(post.get("date", ""))
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("stock:outlet", code=code)
        if what == "close":
            _act(request, lambda: services.close_day(org, day, acting_user=user), "已日清")
        elif what == "spoil":
            _act(
                request,
                lambda: services.spoil_blanks(
                    acting_user=user,
                    outlet=org,
                    serials=serials,
                    day=day,
                    note=post.get("note", ""),
                ),
                "已登记损耗（转为废卡）",
            )
        elif what == "receive":
            _act(
                request,
                lambda: services.receive(acting_user=user, target=org, serials=serials, day=day),
                "已签收",
            )
        elif what == "return":
            _act(
                request,
                lambda: services.return_upward(
                    acting_user=user,
                    source=org,
                    serials=serials,
                    day=day,
                    note=post.get("note", ""),
                ),
                "已上缴",
            )
        elif what == "count":
            _act(
                request,
                lambda: services.count_stock(
                    org,
                    acting_user=user,
                    item=post.get("item", "blank"),
                    qty=int(post["qty"]) if post.get("qty", "").isdigit() else -1,
                    serials=serials or None,
                    version=post.get("version", ""),
                ),
                "盘点已录入",
            )
        else:
            messages.error(request, "未知操作")
        return redirect("stock:outlet", code=code)
    today = timezone.localdate()
    incoming = Serial.objects.filter(state=rules.TRANSIT, org=org).order_by("serial")[:200]
    return render(
        request,
        "stock/outlet.html",
        {
            "org": org,
            "today": today,
            "report": queries.balance_report(org),
            "grid": queries.balance_grid(org),
            "movements": movements(queries.entries_of(org, today)[:2000]),
            "incoming": incoming,
            "returnable": Serial.objects.filter(
                org=org, state=rules.STOCK, item__in=[rules.WASTE, rules.UNCLAIMED]
            ).order_by("serial")[:200],
            "closed": DayClose.objects.filter(org=org).order_by("-day")[:10],
            "versions": _versions(),
            "closed_today": DayClose.objects.filter(org=org, day__gte=today).exists(),
            "missed": queries.missed_closes([org.pk], today - dt.timedelta(days=60), today).get(
                org.pk, []
            ),
            "discrepancies": queries.open_discrepancies([org.pk]),
            "kinds": rules.KIND_LABELS,
        },
    )


def _allocation(request, org, *, source):
    """Blanks from ``source`` (None: from the card factory into the books) to the
    organisation the form names (``org`` itself when it names none in scope)."""
    user, post = request.user, request.POST

    def run():
        target = visible_orgs(user).filter(code=post.get("to", "")).first()
        bank = Organisation.objects.filter(code=post.get("bank", ""), kind=OrgKind.BANK).first()
        return services.allocate_blanks(
            acting_user=user,
            source=source,
            target=target if source is not None and target else org,
            bank=bank,
            serials=_serials(post.get("serials", "")),
            version=post.get("version", ""),
        )

    return run


def _dispatch(request, forms: dict) -> None:
    """Run the form's action (``do``) from ``forms``: name → (action, message when done)."""
    chosen = forms.get(request.POST.get("do", ""))
    if chosen is None:
        messages.error(request, "未知操作")
    else:
        _act(request, *chosen)


@login_required
@require_http_methods(["GET", "POST"])
def district(request, code: str):
    org = _org(request.user, code)
    user = request.user
    if request.method == "POST":
        serials = _serials(request.POST.get("serials", ""))
        forms = {
            "allocate": (_allocation(request, org, source=org), "已下拨，待网点签收"),
            "receive": (
                lambda: services.receive(acting_user=user, target=org, serials=serials),
                "已签收",
            ),
            "return": (
                lambda: services.return_upward(acting_user=user, source=org, serials=serials),
                "已上缴",
            ),
        }
        _dispatch(request, forms)
        return redirect("stock:district", code=code)
    return render(request, "stock/district.html", _overview(user, org))


def _overview(user, org) -> dict:
    today = timezone.localdate()
    outlets = list(queries.outlets_under(org).filter(pk__in=visible_orgs(user).values("pk")))
    ids = [o.pk for o in outlets]
    balances = queries.current_balances(ids + [org.pk])
    rows = []
    for o in outlets:
        figures = {i: 0 for i in rules.ITEMS}
        versions: dict[str, int] = {}  # blanks per card version (卡版本)
        for (oid, item, _, version), n in balances.items():
            if oid == o.pk:
                figures[item] += n
                if item == rules.BLANK:
                    versions[version] = versions.get(version, 0) + n
        rows.append((o, figures, sorted(versions.items())))
    missed = queries.missed_closes(ids, today - dt.timedelta(days=60), today)
    own = {i: 0 for i in rules.ITEMS}
    for (oid, item, *_), n in balances.items():
        if oid == org.pk:
            own[item] += n
    return {
        "org": org,
        "own": own,
        "grid": queries.balance_grid(org),
        "versions": _versions(),
        "rows": rows,
        "missed": [(o, missed[o.pk]) for o in outlets if o.pk in missed],
        "discrepancies": queries.open_discrepancies(ids + [org.pk]),
        "incoming": Serial.objects.filter(state=rules.TRANSIT, org=org).order_by("serial")[:200],
        "banks": Organisation.objects.filter(kind=OrgKind.BANK).order_by("code"),
        "held": Serial.objects.filter(org=org, state=rules.STOCK).order_by("item", "serial")[:200],
    }


def _versions() -> list[str]:
    """The card versions a form offers, the current one first."""
    current = settings.SBK_CARD_VERSION
    return [current] + [v for v in reversed(rules.CARD_VERSIONS) if v != current]


@login_required
@require_http_methods(["GET", "POST"])
def centre(request):
    user, post = request.user, request.POST
    org = (
        visible_orgs(user).filter(kind=OrgKind.CENTRE).first()
        or visible_orgs(user).filter(kind=OrgKind.CITY).first()
    )
    if org is None:
        raise Http404("卡中心不在您的管辖范围内")
    if request.method == "POST":
        serials = _serials(post.get("serials", ""))
        forms = {
            "inbound": (_allocation(request, org, source=None), "已入库"),
            "allocate": (_allocation(request, org, source=org), "已下拨，待接收方签收"),
            "receive": (
                lambda: services.receive(acting_user=user, target=org, serials=serials),
                "已签收上缴物品",
            ),
            "write_off": (
                lambda: services.write_off(acting_user=user, centre=org, serials=serials),
                "已核销",
            ),
            "correct": (
                lambda: services.correct_movement(
                    post.get("batch", ""), acting_user=user, reason=post.get("reason", "")
                ),
                "已更正",
            ),
        }
        _dispatch(request, forms)
        return redirect("stock:centre")
    context = _overview(user, org)
    context["districts"] = visible_orgs(user).filter(kind=OrgKind.DISTRICT)
    return render(request, "stock/centre.html", context)


@login_required
def trace(request):
    serial = (request.GET.get("serial") or "").strip()
    place, entries, card = None, [], None
    if serial:
        place, entries = queries.trace(serial)
        mine = set(visible_orgs(request.user).values_list("pk", flat=True))
        touched = {e.src_org_id for e in entries} | {e.dst_org_id for e in entries}
        if place is None or not (touched & mine):
            place, entries = None, []
        else:
            card = queries.card_of(serial)
    return render(
        request,
        "stock/trace.html",
        {
            "serial": serial,
            "place": place,
            "entries": entries,
            "card": card,
            "rows": entry_rows(entries),
            "kinds": rules.KIND_LABELS,
            "states": rules.STATE_LABELS,
            "items": rules.ITEM_LABELS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def discrepancy(request, discrepancy_id: int):
    found = scoped(request.user, Discrepancy.objects.select_related("org", "stocktake"))
    disc = found.filter(pk=discrepancy_id).first()
    if disc is None:
        raise Http404("账实差异不存在或不在您的管辖范围内")
    if request.method == "POST":
        user, post = request.user, request.POST
        if post.get("do") == "explain":
            _act(
                request,
                lambda: services.explain_discrepancy(
                    disc.pk, acting_user=user, text=post.get("reason", "")
                ),
                "已说明原因",
            )
        elif post.get("do") == "rectify":
            _act(
                request,
                lambda: services.rectify_discrepancy(
                    disc.pk,
                    acting_user=user,
                    reason=post.get("reason", ""),
                    lost_serials=_serials(post.get("serials", "")) or None,
                    found_serials=_serials(post.get("found", "")) or None,
                    bank=Organisation.objects.filter(
                        code=post.get("bank", ""), kind=OrgKind.BANK
                    ).first(),
                    version=post.get("version", ""),
                ),
                "已整改",
            )
        else:
            messages.error(request, "未知操作")
        return redirect(reverse("stock:discrepancy", args=[disc.pk]))
    return render(
        request,
        "stock/discrepancy.html",
        {
            "disc": disc,
            "take": disc.stocktake,
            "events": disc.events.select_related("actor"),
            "banks": Organisation.objects.filter(kind=OrgKind.BANK).order_by("code"),
            "versions": _versions(),
        },
    )
