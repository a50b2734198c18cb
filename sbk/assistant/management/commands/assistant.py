"""``sbk assistant``: the handling assistant's library and questions from the shell.

    sbk assistant load FILE... [--title T] [--org CODE] [--status in_force|superseded]
    sbk assistant ask "QUESTION" [--json] [-k N]
    sbk assistant synonyms [FILE]          show the list, or replace it with FILE's

``load`` adds each file, or replaces the document of the same file name (a folder: every
.txt/.md/.docx/.pdf in it); ``ask --json`` prints
``{"question", "refused", "answers": [{"document", "heading", "passage", "score"}]}``,
best first, at most N (default 3). The shell acts as the system: it sees every document,
and its questions are not logged.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sbk.assistant import services
from sbk.assistant.loaders import FORMATS
from sbk.assistant.queries import synonyms_text
from sbk.core.actors import SYSTEM
from sbk.core.errors import ServiceError
from sbk.orgs.models import Organisation, OrgKind


def _files(paths: list[str]) -> list[Path]:
    out = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix.lower() in FORMATS and p.is_file())
        elif path.is_file():
            out.append(path)
        else:
            raise CommandError(f"文件不存在：{raw}")
    return out


def _org(code: str | None) -> Organisation:
    if code:
        org = Organisation.objects.filter(code=code).first()
        if org is None:
            raise CommandError(f"机构不存在：{code}")
        return org
    org = Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("path").first()
    if org is None:
        raise CommandError("还没有市卡中心机构：请先建立机构，或用 --org 指定")
    return org


class Command(BaseCommand):
    help = "办理智能小助手：load 加载政策文件，ask 提问，synonyms 同义词"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser("load", help="加载政策文件（同名文件替换）")
        load.add_argument("files", nargs="+", metavar="FILE")
        load.add_argument("--title", help="标题（只加载一个文件时）")
        load.add_argument("--org", help="所属机构代码（默认市卡中心）")
        load.add_argument("--status", choices=["in_force", "superseded"])
        ask = sub.add_parser("ask", help="提问")
        ask.add_argument("question")
        ask.add_argument("--json", action="store_true", help="以 JSON 输出")
        ask.add_argument("-k", type=int, default=3, help="最多几条答案（默认 3）")
        syn = sub.add_parser("synonyms", help="显示同义词，或用文件替换")
        syn.add_argument("file", nargs="?")

    def handle(self, *args, verb, **opts):
        return getattr(self, f"_{verb}")(**opts)

    def _load(self, files, title=None, org=None, status=None, **_):
        paths = _files(files)
        if title and len(paths) != 1:
            raise CommandError("--title 只能用于一个文件")
        target = _org(org)
        failed = 0
        for path in paths:
            try:
                result = services.load_document(
                    acting_user=SYSTEM,
                    org=target,
                    file_name=path.name,
                    data=path.read_bytes(),
                    title=title or "",
                    status=status,
                )
            except ServiceError as exc:
                failed += 1
                self.stderr.write(f"{path.name}: [{exc.code}] {exc.message}")
                continue
            label = {"added": "新增", "replaced": "替换", "unchanged": "未变"}[result.outcome]
            doc = result.document
            self.stdout.write(
                f"{label} {path.name}: 《{doc.title}》 {doc.number or ''} "
                f"{result.passages} 段 #{doc.pk}".replace("  ", " ")
            )
        if failed:
            raise CommandError(f"{failed} 个文件未能加载")

    def _ask(self, question, json=False, k=3, **_):
        if k < 1:
            raise CommandError("-k 应为正整数")
        try:
            answer = services.ask(question, user=SYSTEM, channel="api", k=k, log=False)
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        if json:
            self.stdout.write(_dumps(answer.as_contract()))
            return
        if answer.refused:
            self.stdout.write("抱歉，文件库中没有找到可以回答这个问题的内容。")
            if answer.suggestions:
                self.stdout.write("最接近的章节：")
                for s in answer.suggestions:
                    self.stdout.write(f"  · {s}")
            return
        for i, hit in enumerate(answer.hits, start=1):
            e = hit.entry
            mark = "（已废止）" if e.superseded else ""
            how = "意思相近" if hit.by_meaning else f"得分 {hit.score:.2f}"
            self.stdout.write(f"[{i}] 《{e.title}》{mark} {e.heading}  {how}")
            for line in e.text.splitlines():
                self.stdout.write(f"    {line}")

    def _synonyms(self, file=None, **_):
        if not file:
            self.stdout.write(synonyms_text())
            return
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            text = services.save_synonyms(acting_user=SYSTEM, text=path.read_text("utf-8"))
        except ServiceError as exc:
            raise CommandError(f"[{exc.code}] {exc.message}") from exc
        self.stdout.write(f"同义词 {len(text.splitlines())} 组")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
