"""The staff console. Views translate HTTP to services and queries, nothing more."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST

from sbk.core.errors import NotFound, ServiceError
from sbk.orgs.models import OrgKind
from sbk.orgs.scope import visible_orgs
from sbk.registry import services
from sbk.registry.models import PersonChange
from sbk.registry.queries import refuse_number_in_query, scoped_people, search_people

from .forms import PersonForm, RevealForm


def _person_or_404(request, person_id):
    person = scoped_people(request.user).filter(pk=person_id).first()
    if person is None:
        raise Http404(NotFound("持卡人").message)
    return person


class LogoutView(auth_views.LogoutView):
    """The one logout of both sides: an applicant lands on the portal's own login
    (``portal:login``) whatever ``next`` says, staff on ``LOGOUT_REDIRECT_URL`` (/login/)
    or their ``next``."""

    def post(self, request, *args, **kwargs):
        # read before auth_views.LogoutView.post logs the user out
        self.applicant = bool(getattr(request.user, "is_applicant", False))
        return super().post(request, *args, **kwargs)

    def get_success_url(self):
        if self.applicant:
            return resolve_url("portal:login")
        return super().get_success_url()


@login_required
def home(request):
    orgs = visible_orgs(request.user)
    people = scoped_people(request.user)
    stats = {
        "people": people.count(),
        "unprintable": people.filter(name_printable=False).count(),
        "outlets": orgs.exclude(
            kind__in=[OrgKind.CENTRE, OrgKind.CITY, OrgKind.DISTRICT, OrgKind.BANK]
        ).count(),
        "districts": orgs.filter(kind=OrgKind.DISTRICT).count(),
    }
    return render(request, "web/home.html", {"stats": stats})


@login_required
def person_list(request):
    """The search. Its form posts: a whole document number must not travel in the URL,
    which the server's and every proxy's access log and the browser's history keep
    (issue 23). A GET still lists, and finds by name or partial number; a GET with a
    whole number is refused (400), with no results and without the number."""
    source = request.POST if request.method == "POST" else request.GET
    q = source.get("q", "").strip()
    if request.method != "POST":
        try:
            refuse_number_in_query(q)
        except ServiceError as exc:
            messages.error(request, exc.message)
            page = Paginator(search_people(request.user, "").none(), 25).get_page(1)
            return render(request, "web/person_list.html", {"page": page, "q": ""}, status=400)
    page = Paginator(search_people(request.user, q), 25).get_page(source.get("page"))
    return render(request, "web/person_list.html", {"page": page, "q": q})


@login_required
def person_detail(request, person_id):
    person = _person_or_404(request, person_id)
    changes = PersonChange.objects.filter(person=person).select_related("actor")[:50]
    return render(
        request,
        "web/person_detail.html",
        {"person": person, "changes": changes, "reveal_form": RevealForm()},
    )


@login_required
@require_POST
def person_reveal(request, person_id):
    person = _person_or_404(request, person_id)
    form = RevealForm(request.POST)
    full = None
    if form.is_valid():
        try:
            full = services.reveal_person(
                person.pk, acting_user=request.user, purpose=form.cleaned_data["purpose"]
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
    changes = PersonChange.objects.filter(person=person).select_related("actor")[:50]
    return render(
        request,
        "web/person_detail.html",
        {"person": person, "changes": changes, "reveal_form": form, "full": full},
    )


@login_required
def person_create(request):
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            person = services.create_person(
                acting_user=request.user,
                org=request.user.org,
                data=data,
                reason=reason,
                access_channel="console",
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"已登记 {person.name}")
            return redirect("web:person_detail", person_id=person.pk)
    return render(request, "web/person_form.html", {"form": form, "title": "登记持卡人"})


@login_required
def person_edit(request, person_id):
    person = _person_or_404(request, person_id)
    initial = {
        f: getattr(person, f)
        for f in (
            "name",
            "doc_type",
            "gender",
            "birth_date",
            "nationality",
            "residence_division",
            "category",
            "category_note",
        )
    }
    form = PersonForm(request.POST or None, initial=initial)
    form.fields["id_number"].required = False
    for secret in ("id_number", "phone", "address"):
        form.fields[secret].required = False
        form.fields[secret].help_text = "留空表示不修改"
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "reason"}
        # Blank means "unchanged": the full number, phone and address are never pre-filled.
        changes = {k: v for k, v in data.items() if v not in ("", None)}
        try:
            services.change_person(
                person.pk,
                acting_user=request.user,
                changes=changes,
                reason=form.cleaned_data["reason"],
                access_channel="console",
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "已保存变更")
            return redirect("web:person_detail", person_id=person.pk)
    return render(
        request,
        "web/person_form.html",
        {"form": form, "title": f"变更信息：{person.name}", "person": person},
    )


@login_required
def org_list(request):
    orgs = (
        visible_orgs(request.user)
        .select_related("parent", "bank")
        .annotate(n_people=Count("people"))
    )
    return render(request, "web/org_list.html", {"orgs": orgs})


@login_required
def org_detail(request, code):
    org = visible_orgs(request.user).select_related("parent", "bank").filter(code=code).first()
    if org is None:
        raise Http404(NotFound("机构").message)
    children = visible_orgs(request.user).filter(parent=org)
    staff = org.staff.all()
    people = scoped_people(request.user).filter(org=org).count()
    return render(
        request,
        "web/org_detail.html",
        {"org": org, "children": children, "staff": staff, "people_count": people},
    )
