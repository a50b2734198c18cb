"""Splitting a policy document into passages along its own structure (分段).

Pure: no Django import. A Chinese policy document numbers its parts in a fixed order of
rank — 附件 (an attachment starts again from the top), 第X章, 第X节, 一、, 第X条, （一）,
1., （1）, ① — and Markdown or DOCX headings add ranks of their own. Each passage is the
text under the deepest heading, and knows the path of headings above it
(``二、主要任务 > （五）提升网点服务新体验``), which is what an answer cites.

An item whose heading line carries its text (``（四）补换卡。遗失的，…``) is one passage whose
heading is the part before the first full stop or colon. A heading with nothing under it
but deeper items gives no passage of its own; it stays in its children's paths. Long
stretches without headings are cut at paragraph ends into passages of about
``MAX_CHARS`` characters, all under the same path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_CHARS = 500
TITLE_CHARS = 40
_NUM = "一二三四五六七八九十百零〇两"

# (rank, pattern): a line that matches is a heading of that rank; lower ranks are higher.
PATTERNS: list[tuple[int, re.Pattern]] = [
    (0, re.compile(r"^附件\s*[0-9" + _NUM + r"]*(?:\s*[:：]|\s|$)")),
    (2, re.compile(r"^第[0-9" + _NUM + r"]+[章篇]")),
    (3, re.compile(r"^第[0-9" + _NUM + r"]+节")),
    (4, re.compile(r"^[" + _NUM + r"]+、")),
    (5, re.compile(r"^第[0-9" + _NUM + r"]+条")),
    (6, re.compile(r"^[（(][" + _NUM + r"]+[)）]")),
    (7, re.compile(r"^\d{1,2}(?:[.．](?!\d)|、)")),
    (8, re.compile(r"^[（(]\d{1,2}[)）]")),
    (9, re.compile(r"^[①-⑳]")),
]
# Markdown / DOCX heading levels that carry no numbering of their own.
OUTLINE_RANK = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 7}
_TITLE_END = re.compile(r"[。：:；;！？]")
_SENTENCE = re.compile(r"[。：:；;！？，,]")
ATTACHMENT = 0


@dataclass(frozen=True)
class Line:
    """One paragraph of a loaded document; ``level`` is its outline level when the file
    marks it as a heading (Markdown ``#``, a DOCX "Heading N" style), else 0."""

    text: str
    level: int = 0


@dataclass
class Passage:
    seq: int
    path: tuple[str, ...]
    text: str

    @property
    def heading(self) -> str:
        return " > ".join(self.path)


@dataclass
class _Block:
    path: tuple[str, ...]
    rank: int
    lines: list[str] = field(default_factory=list)
    heading_line: str = ""


def heading_rank(line: Line) -> int | None:
    """The rank of a heading line, or None for body text."""
    text = line.text.strip()
    for rank, pattern in PATTERNS:
        if pattern.match(text):
            if rank == 0 and len(text) > 60:
                return None  # a sentence that starts with "附件" is not a heading
            return rank
    if line.level:
        return OUTLINE_RANK.get(line.level, 7)
    return None


def split_heading(text: str) -> tuple[str, str]:
    """(title, inline body) of a heading line: the title ends at the first full stop or
    colon when that comes early; otherwise the whole line is the title when short."""
    text = text.strip()
    m = _TITLE_END.search(text)
    if m and m.start() <= TITLE_CHARS:
        title = text[: m.start()].strip()
        rest = text[m.end() :].strip()
        return title, rest
    if len(text) <= TITLE_CHARS:
        return text, ""
    return text[:TITLE_CHARS].rstrip() + "…", text


def _bare_attachment(line: Line) -> bool:
    """``附件`` / ``附件2`` alone on its line: where an attachment starts."""
    return heading_rank(line) == ATTACHMENT and not split_heading(line.text)[1]


def _attachment_title(line: Line) -> bool:
    """The line after a bare ``附件2`` that names the attachment (short, not a sentence,
    not a heading): it belongs to the attachment's heading, not to its body."""
    text = line.text
    return heading_rank(line) is None and len(text) <= TITLE_CHARS and not _SENTENCE.search(text)


def split(lines: list[Line], title: str = "") -> list[Passage]:
    """The passages of a document, in order. A first line equal to the title is skipped.

    Attachments as official documents write them: the main text lists them in a note
    (``附件：照片检测不合格原因代码表``, before the signature), and each attachment starts
    on a page of its own with ``附件`` (or ``附件2``) alone on a line and its title on the
    next. The note is main text (no heading), not an attachment of its own; the title
    line joins the attachment's heading (``附件 照片检测不合格原因代码表``)."""
    lines = [Line(ln.text.strip(), ln.level) for ln in lines if ln.text and ln.text.strip()]
    if lines and title and lines[0].text == title.strip():
        lines = lines[1:]
    blocks: list[_Block] = [_Block(path=(), rank=-1)]
    stack: list[tuple[int, str]] = []
    bare = [i for i, ln in enumerate(lines) if _bare_attachment(ln)]
    skip = -1
    for i, line in enumerate(lines):
        if i == skip:
            continue
        rank = heading_rank(line)
        if rank == ATTACHMENT and bare and i < bare[-1] and not _bare_attachment(line):
            # the main text's note listing the attachments that follow
            stack = []
            if blocks[-1].path:
                blocks.append(_Block(path=(), rank=-1))
            blocks[-1].lines.append(line.text)
            continue
        if rank is None:
            blocks[-1].lines.append(line.text)
            continue
        heading, inline = split_heading(line.text)
        if i in bare and i + 1 < len(lines) and _attachment_title(lines[i + 1]):
            heading, skip = f"{heading} {lines[i + 1].text}", i + 1
        while stack and stack[-1][0] >= rank:
            stack.pop()
        stack.append((rank, heading))
        block = _Block(path=tuple(h for _, h in stack), rank=rank, heading_line=line.text)
        if inline:
            block.lines.append(line.text)
        blocks.append(block)
    passages: list[Passage] = []
    for i, block in enumerate(blocks):
        body = block.lines
        if not body:
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            has_children = (
                following is not None
                and len(following.path) > len(block.path)
                and following.path[: len(block.path)] == block.path
            )
            if not block.heading_line or has_children:
                continue
            body = [block.heading_line]
        for chunk in _chunks(body):
            passages.append(Passage(seq=len(passages) + 1, path=block.path, text=chunk))
    return passages


def _chunks(lines: list[str]) -> list[str]:
    out, current = [], ""
    for line in lines:
        if current and len(current) + len(line) > MAX_CHARS:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out
