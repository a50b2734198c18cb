"""Console pages of the handling assistant (办理智能小助手): ask, read a document at the
cited passage, manage the library and the synonyms, see the questions left unanswered and
teach the assistant the passage that answers one (教小助手), and report an answer that
does not answer its question (答非所问), which joins the unanswered list.

Asking writes the question log, so the question is POSTed; every page reached by GET only
reads. A clerk who answered an enquiry with the assistant records it (service item ⑦ 咨询)
through the cards app's ``record_enquiry``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sbk.accounts.policy import can
from sbk.cards.services import record_enquiry
from sbk.core.catalogue import Action
from sbk.core.errors import Forbidden, NotFound, ServiceError
from sbk.orgs.models import Organisation
from sbk.orgs.scope import visible_orgs
from sbk.registry.queries import scoped_people

from . import engine, queries, services
from .forms import AskForm, EnquiryForm, StatusForm, SynonymsForm, TeachForm, UploadForm
from .models import DeclinedQuestion, TaughtQuestion
from .taught import comparable, normalised

# How many passages the teaching page offers for a question (closest first).
TEACH_CANDIDATES = 8
# A word carried from the unanswered list to the synonym page (a key word, never a sentence).
MAX_ADDED_WORD = 20


def citations(answer, viewer: str = "assistant:document") -> list[dict]:
    """The answer's passages with the link to each in the document viewer."""
    out = []
    for hit in answer.hits:
        e = hit.entry
        out.append(
            {
                "title": e.title,
                "heading": e.heading,
                "text": e.text,
                "score": hit.score,
                # 1.0 means every term of the question is there; a passage repeating them
                # scores above it, which reads as nonsense to a clerk ("相关度 1.05").
                "score_shown": min(hit.score, 1.0),
                "by_meaning": hit.by_meaning,
                "superseded": e.superseded,
                "passage_id": e.key,
                "url": reverse(viewer, args=[e.document]) + f"?p={e.key}#passage-{e.key}",
            }
        )
    return out


def _person(request, person_id):
    if not person_id:
        return None
    return scoped_people(request.user).filter(pk=person_id).first()


@login_required
@require_GET
def home(request):
    person = _person(request, request.GET.get("person"))
    form = AskForm(initial={"person": person.pk if person else None})
    return render(
        request,
        "assistant/home.html",
        {"form": form, "person": person, "figures": queries.library_figures(request.user)},
    )


@login_required
@require_POST
def ask(request):
    form = AskForm(request.POST)
    person = _person(request, request.POST.get("person"))
    answer, error = None, None
    if form.is_valid():
        try:
            answer = services.ask(
                form.cleaned_data["question"], user=request.user, channel="console"
            )
        except ServiceError as exc:
            error = exc.message
    return render(
        request,
        "assistant/home.html",
        {
            "form": form,
            "person": person,
            "answer": answer,
            "citations": citations(answer) if answer else [],
            "error": error,
            "may_record": can(request.user, Action.ENQUIRY),
            "may_report": can(request.user, Action.ASSISTANT_REPORT_WRONG),
            "figures": queries.library_figures(request.user),
        },
    )


@login_required
@require_POST
def enquiry(request):
    """咨询: the clerk records that the enquiry was answered (one journal row, item ⑦)."""
    form = EnquiryForm(request.POST)
    person_id = None
    if form.is_valid():
        person_id = form.cleaned_data["person"]
        try:
            record_enquiry(
                acting_user=request.user,
                topic=form.cleaned_data["question"],
                person_id=person_id,
                answer=form.cleaned_data["answer"],
            )
        except NotFound as exc:
            raise Http404(exc.message) from None
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已记录本次咨询（服务事项⑦）")
    if person_id:
        return redirect("web:person_detail", person_id)
    return redirect("assistant:home")


def _acted(request, act, done) -> None:
    """A console POST's service call: a role without the right is refused (403), an object
    not there or out of the user's scope does not exist for them (404), another refusal is
    shown with its code; ``done(result)`` is the message when it acted."""
    try:
        result = act()
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
    else:
        messages.success(request, done(result))


@login_required
@require_POST
def report_wrong(request, question_id):
    """答非所问: the answer just read out does not answer the question; it joins the
    unanswered list for the centre."""
    _acted(
        request,
        lambda: services.report_wrong_answer(acting_user=request.user, question_id=question_id),
        lambda _: "已报告答非所问：该问题已列入未能回答的问题，由中心补充资料",
    )
    return redirect("assistant:home")


@login_required
@require_GET
def documents(request):
    docs = queries.visible_documents(request.user).order_by("status", "-issued_on", "title")
    return render(
        request,
        "assistant/documents.html",
        {
            "documents": docs,
            "form": UploadForm(),
            "may_load": can(request.user, Action.ASSISTANT_DOCUMENT_LOAD),
        },
    )


@login_required
@require_POST
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}：{'；'.join(errors)}")
        return redirect("assistant:documents")
    d = form.cleaned_data
    org = request.user.org
    if d["org"]:
        org = visible_orgs(request.user).filter(code=d["org"]).first()
        if org is None:
            messages.error(request, f"机构不存在或不在您的管辖范围内：{d['org']}")
            return redirect("assistant:documents")
    if not isinstance(org, Organisation):
        messages.error(request, "请指定所属机构")
        return redirect("assistant:documents")
    upload_file = d["file"]
    try:
        result = services.load_document(
            acting_user=request.user,
            org=org,
            file_name=upload_file.name,
            data=upload_file.read(),
            title=d["title"],
            issuer=d["issuer"] or None,
            number=d["number"] or None,
            issued_on=d["issued_on"],
            status=d["status"] or None,
            public=False if d["internal"] else None,
        )
    except ServiceError as exc:
        messages.error(request, f"{exc.message}（{exc.code}）")
        return redirect("assistant:documents")
    label = {"added": "已加载", "replaced": "已替换", "unchanged": "内容未变"}[result.outcome]
    messages.success(request, f"{label}《{result.document.title}》，共 {result.passages} 段")
    return redirect("assistant:document", result.document.pk)


def _document_page(request, document_id, template):
    try:
        document = queries.get_document(request.user, document_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    passages = list(queries.passages_of(document))
    cited = request.GET.get("p", "")
    return render(
        request,
        template,
        {
            "document": document,
            "passages": passages,
            "cited": int(cited) if cited.isdigit() else None,
            "status_form": StatusForm(initial={"status": document.status}),
            "may_status": can(request.user, Action.ASSISTANT_DOCUMENT_STATUS, document),
        },
    )


@login_required
@require_GET
def document(request, document_id):
    return _document_page(request, document_id, "assistant/document.html")


@login_required
@require_POST
def document_status(request, document_id):
    try:
        queries.get_document(request.user, document_id)  # out of scope: as if it did not exist
    except NotFound as exc:
        raise Http404(exc.message) from None
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择效力")
        return redirect("assistant:document", document_id)
    try:
        doc = services.set_document_status(
            document_id,
            acting_user=request.user,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("assistant:document", document_id)
    messages.success(request, f"《{doc.title}》：{doc.get_status_display()}")
    return redirect("assistant:document", document_id)


@login_required
@require_http_methods(["GET", "POST"])
def synonyms(request):
    may_edit = can(request.user, Action.ASSISTANT_SYNONYMS_EDIT)
    initial = queries.synonyms_text()
    # From the unanswered list (?add=偷): a started line for the word, for the admin to
    # finish with the documents' term; nothing is saved until they do.
    add = normalised(request.GET.get("add", ""))[:MAX_ADDED_WORD]
    if add and may_edit and request.method == "GET":
        initial = f"{initial}\n{add} = ".lstrip("\n")
    form = SynonymsForm(request.POST or None, initial={"text": initial})
    if request.method == "POST" and form.is_valid():
        try:
            text = services.save_synonyms(acting_user=request.user, text=form.cleaned_data["text"])
        except ServiceError as exc:
            form.add_error("text", f"{exc.message}（{exc.code}）")
        else:
            messages.success(request, f"同义词已保存，共 {len(text.splitlines())} 组")
            return redirect("assistant:synonyms")
    return render(
        request,
        "assistant/synonyms.html",
        {"form": form, "may_edit": may_edit, "add": add if may_edit else ""},
    )


@login_required
@require_GET
def unanswered(request):
    rows = queries.unanswered(request.user)
    keys = set(DeclinedQuestion.objects.values_list("key", flat=True))
    return render(
        request,
        "assistant/unanswered.html",
        {
            "rows": rows,
            "may_teach": can(request.user, Action.ASSISTANT_TEACH),
            "may_edit_synonyms": can(request.user, Action.ASSISTANT_SYNONYMS_EDIT),
            "taught": set(TaughtQuestion.objects.values_list("text", flat=True)),
            "declined": {r["text"] for r in rows if comparable(r["text"]) in keys},
        },
    )


def _candidates(user, text: str) -> list[dict]:
    """The passages closest to ``text``, gate off (a refused question's closest ones are
    what the centre chooses from)."""
    text = normalised(text)[: services.MAX_QUESTION]
    if not text:
        return []
    answer = engine.current_index().search(
        text,
        k=TEACH_CANDIDATES,
        threshold=0.0,
        coverage=0.0,
        allowed=queries.visible_document_ids(user),
    )
    return citations(answer)


@login_required
@require_http_methods(["GET", "POST"])
def teach(request):
    """指定答案: GET shows the passages closest to the question (or to the words the admin
    searches for); POST links the question to the chosen one."""
    if not can(request.user, Action.ASSISTANT_TEACH):
        messages.error(request, "只有市级中心管理员可以为问题指定答案")
        return redirect("assistant:unanswered")
    if request.method == "POST":
        form = TeachForm(request.POST)
        back = (
            reverse("assistant:teach")
            + "?"
            + urlencode({"question": request.POST.get("question", "")})
        )
        if not form.is_valid():
            messages.error(request, "请选择答案段落（passage_id）")
            return redirect(back)
        try:
            taught = services.teach_question(
                acting_user=request.user,
                question=form.cleaned_data["question"],
                passage_id=form.cleaned_data["passage_id"],
            )
        except ServiceError as exc:
            messages.error(request, f"{exc.message}（{exc.code}）")
            return redirect(back)
        messages.success(
            request, f"已指定答案：“{taught.text}” → {taught.heading or taught.file_name}"
        )
        return redirect("assistant:taught")
    question = request.GET.get("question", "")
    find = request.GET.get("find", "")
    # The admin's own search first (they looked for the answer on purpose), then the
    # passages closest to the question itself; nothing is chosen for them.
    found = _candidates(request.user, find)
    keys = {c["passage_id"] for c in found}
    closest = [c for c in _candidates(request.user, question) if c["passage_id"] not in keys]
    for group, rows in (("found", found), ("closest", closest)):
        for c in rows:
            c["group"] = group
    return render(
        request,
        "assistant/teach.html",
        {"question": question, "find": find, "candidates": found + closest},
    )


@login_required
@require_GET
def taught(request):
    return render(
        request,
        "assistant/taught.html",
        {
            "rows": queries.taught_questions(request.user),
            "may_forget": can(request.user, Action.ASSISTANT_FORGET),
        },
    )


@login_required
@require_POST
def forget(request, taught_id):
    _acted(
        request,
        lambda: services.forget_taught_question(acting_user=request.user, taught_id=taught_id),
        lambda done: f"已删除：“{done.text}”",
    )
    return redirect("assistant:taught")


@login_required
@require_GET
def declined(request):
    """库外问题: the questions the assistant refuses because the centre said no document
    answers them, with the form to add one (the question may come from the unanswered
    list, ``?question=``)."""
    return render(
        request,
        "assistant/declined.html",
        {
            "rows": queries.declined_questions(request.user),
            "may_decline": can(request.user, Action.ASSISTANT_DECLINE),
            "may_undecline": can(request.user, Action.ASSISTANT_UNDECLINE),
            "question": normalised(request.GET.get("question", ""))[: services.MAX_QUESTION],
            "max_note": services.MAX_NOTE,
        },
    )


@login_required
@require_POST
def decline(request):
    _acted(
        request,
        lambda: services.decline_question(
            acting_user=request.user,
            question=request.POST.get("question", ""),
            note=request.POST.get("note", ""),
        ),
        lambda done: f"已标为库外问题：“{done.text}”，小助手将不再作答",
    )
    return redirect("assistant:declined")


@login_required
@require_POST
def undecline(request, declined_id):
    _acted(
        request,
        lambda: services.undecline_question(acting_user=request.user, declined_id=declined_id),
        lambda done: f"已撤销库外问题：“{done.text}”",
    )
    return redirect("assistant:declined")
