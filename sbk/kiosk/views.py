"""The self-service kiosk's screen (自助一体机屏幕, seed 002 §二(二)): read the document,
take the photo (retake until the live verdict passes, the failing rule drawn on the
picture), confirm, take the card. The business is ``sbk.cards.services`` (kiosk_issue,
record_kiosk_photo); the photo verdict and its picture are ``sbk.photos``'.

The machine is signed in with its own account (an outlet operator of a KIOSK
organisation). What the screen remembers between steps is in the session, and only as
ids (the person's and the photo check's pk): never the document number or the name. It
is forgotten when the card is taken, on "start again", and after ``SBK_KIOSK_IDLE_SECONDS``
without a touch (the page's script posts the reset; the server enforces it as well, for a
screen whose script did not run).
"""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sbk.cards import services as cards
from sbk.cards.models import Card, PhotoSource
from sbk.core.errors import ServiceError
from sbk.idcard.text import mask_number
from sbk.orgs.models import OrgKind
from sbk.portal.elder import public_page
from sbk.registry import lookup
from sbk.registry.models import Person

from .forms import DocumentForm, PhotoForm

KEY = "kiosk"


def idle_seconds() -> int:
    return int(getattr(settings, "SBK_KIOSK_IDLE_SECONDS", 90))


def masked_name(name: str) -> str:
    """张三丰 → 张**: the screen faces a queue."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def kiosk_screen(view):
    """Only a kiosk's own account; the session's kiosk state, expired when idle."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        org = getattr(request.user, "org", None)
        if org is None or org.kind != OrgKind.KIOSK:
            return render(request, "kiosk/not_kiosk.html", status=403)
        state = request.session.get(KEY)
        request.kiosk_timed_out = False
        if state and time.time() - state.get("at", 0) > idle_seconds():
            request.session.pop(KEY, None)
            request.kiosk_timed_out, state = True, None
        request.kiosk = state
        return view(request, *args, **kwargs)

    return public_page(wrapper)


def _save(request, **state) -> None:
    request.session[KEY] = {**state, "at": time.time()}


def _person(request) -> Person | None:
    state = request.kiosk or {}
    return Person.objects.filter(pk=state.get("person")).first() if state.get("person") else None


def _check(request, person):
    from sbk.photos.models import PhotoCheck

    check_id = (request.kiosk or {}).get("check")
    if not check_id:
        return None
    return PhotoCheck.objects.filter(pk=check_id, person=person, channel="kiosk").first()


def _context(request, **extra) -> dict:
    return {"idle": idle_seconds(), **extra}


@kiosk_screen
def start(request):
    """Step 1: the document (read by the machine's reader, or typed)."""
    form = DocumentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"].strip().upper()
        person = Person.objects.filter(id_index__in=lookup.id_indexes(number)).first()
        if person is None:
            form.add_error(
                "id_number", "没有找到这个证件号码的登记信息，请核对号码，或到人工窗口办理"
            )
        else:
            _save(request, person=person.pk)
            return redirect("kiosk:photo")
    return render(
        request,
        "kiosk/start.html",
        _context(request, form=form, timed_out=request.kiosk_timed_out),
    )


@kiosk_screen
def photo(request):
    """Step 2: take the photo; the verdict at once; retake until it passes."""
    person = _person(request)
    if person is None:
        return redirect("kiosk:start")
    form = PhotoForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    error = (request.kiosk or {}).get("error", "")
    if request.method == "POST" and form.is_valid():
        try:
            check = cards.record_kiosk_photo(
                person.id_number, acting_user=request.user, photo=form.cleaned_data["photo"].read()
            )
        except ServiceError as exc:
            form.add_error("photo", exc.message)
        else:
            if check is None:
                error = "本机暂时不能检测照片，请到人工窗口办理"
            else:
                _save(request, person=person.pk, check=check.pk)
                return redirect("kiosk:photo")
    else:  # a touch: the idle clock starts again; an error is shown once
        _save(
            request, **{k: v for k, v in (request.kiosk or {}).items() if k not in ("at", "error")}
        )
    check = _check(request, person)
    failures = (
        [r["message"] for r in (check.results or []) if r.get("status") == "fail"] if check else []
    )
    return render(
        request,
        "kiosk/photo.html",
        _context(
            request,
            form=form,
            name=masked_name(person.name),
            id_masked=mask_number(person.id_number),
            check=check,
            failures=failures,
            error=error,
        ),
    )


@kiosk_screen
def preview(request):
    """The picture of the current photo with the measurements, failing rules in red."""
    from sbk.photos.services import preview_png

    person = _person(request)
    check = _check(request, person) if person else None
    if check is None:
        raise Http404("没有照片")
    response = HttpResponse(preview_png(check), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@kiosk_screen
def issue(request):
    """Step 3: the card made and handed over (kiosk_issue with the photo just checked)."""
    person = _person(request)
    check = _check(request, person) if person else None
    if person is None:
        return redirect("kiosk:start")
    if check is None or not check.ok:
        _save(request, person=person.pk, error="请先拍一张合格的照片")
        return redirect("kiosk:photo")
    try:
        card = cards.kiosk_issue(
            person.id_number,
            acting_user=request.user,
            photo_source=PhotoSource.KIOSK,
            photo_check=check,
        )
    except ServiceError as exc:
        _save(request, person=person.pk, check=check.pk, error=exc.message)
        return redirect("kiosk:photo")
    _save(request, card=card.pk)
    return redirect("kiosk:done")


@kiosk_screen
def done(request):
    card_id = (request.kiosk or {}).get("card")
    card = Card.objects.filter(pk=card_id).first() if card_id else None
    if card is None:
        return redirect("kiosk:start")
    return render(
        request, "kiosk/done.html", _context(request, card_masked=_mask_card(card.card_no))
    )


@require_POST
@kiosk_screen
def reset(request):
    """Forget the person: the card taken, "start again", or the idle time-out."""
    request.session.pop(KEY, None)
    return redirect("kiosk:start")


def _mask_card(card_no: str) -> str:
    return (
        card_no[:3] + "*" * max(0, len(card_no) - 5) + card_no[-2:]
        if len(card_no) > 5
        else "*" * len(card_no)
    )
