"""Reading policy documents (政策文件) from plain text, Markdown, DOCX and PDF.

Pure: no Django import. A loader gives the document's paragraphs as ``Line``s (with the
outline level the file marks, if any) and what it can tell of the document itself: title,
issuing body, document number (文号, ``沪人社卡〔2026〕1号``), date. A text or Markdown file
may begin with a front-matter block that states them::

    ---
    title: 社会保障卡补换卡办理规程
    issuer: 市社会保障卡服务中心
    number: 沪卡中心〔2026〕3号
    date: 2026-01-15
    status: in_force        # or superseded
    public: yes             # shown to applicants on the portal
    ---

Otherwise they are read from the text (the number and date lines of an official document)
and the title falls back to the first line, then to the file name.

A PDF needs a text layer: a scanned PDF (images only) is refused, never guessed at.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .splitting import Line

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".docx": "docx",
    ".pdf": "pdf",
}
MAX_BYTES = 20 * 1024 * 1024

_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,8}[〔\[［(（]\s*\d{4}\s*[〕\]］)）]\s*\d{1,4}\s*号")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISSUER_END = ("局", "中心", "厅", "委员会", "办公室", "部", "政府", "委", "处", "科")
_SENTENCE_END = "。：:；;！？!?）)」”"


class LoadError(ValueError):
    """A file that cannot be read as a document; ``code`` is stable for machines."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class LoadedDocument:
    file_name: str
    fmt: str
    lines: list[Line]
    title: str = ""
    issuer: str = ""
    number: str = ""
    issued_on: dt.date | None = None
    validity: str = ""  # "in_force" / "superseded" when the file says so
    public: bool | None = None
    meta_errors: list[str] = field(default_factory=list)
    signature: set[int] = field(default_factory=set)  # the signing lines (issuer, date)

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def title_as_stored(self, stated: str = "") -> str:
        """The title the library keeps: the one the loader states, else the document's own,
        else the file's name."""
        return (stated or self.title).strip()[:200] or Path(self.file_name).stem

    @property
    def body_lines(self) -> list[Line]:
        """The lines to split: without the signing body and date, which answer nothing."""
        return [ln for i, ln in enumerate(self.lines) if i not in self.signature]


def load_path(path: str | Path) -> LoadedDocument:
    path = Path(path)
    if not path.is_file():
        raise LoadError("file_missing", f"文件不存在：{path}")
    return load_bytes(path.name, path.read_bytes())


def load_bytes(file_name: str, data: bytes) -> LoadedDocument:
    fmt = FORMATS.get(Path(file_name).suffix.lower())
    if fmt is None:
        raise LoadError(
            "unsupported_format",
            f"不支持的文件格式：{file_name}（支持 .txt、.md、.docx、.pdf）",
        )
    if len(data) > MAX_BYTES:
        raise LoadError("file_too_large", f"文件超过 {MAX_BYTES // 1024 // 1024} MB：{file_name}")
    reader = {"txt": _read_text, "md": _read_markdown, "docx": _read_docx, "pdf": _read_pdf}[fmt]
    doc = reader(file_name, data)
    doc.lines = [ln for ln in doc.lines if ln.text.strip()]
    if not doc.lines:
        raise LoadError("empty_document", f"文件中没有可读的文字：{file_name}")
    _fill_meta(doc)
    return doc


# ---------------------------------------------------------------------------- text
def _decode(file_name: str, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LoadError("undecodable", f"无法识别文件编码（应为 UTF-8 或 GB18030）：{file_name}")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, text
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            return meta, "\n".join(lines[i + 1 :])
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.split("#", 1)[0].strip()
    return {}, text  # no closing line: not front matter


def _apply_front_matter(doc: LoadedDocument, meta: dict[str, str]) -> None:
    doc.title = meta.get("title", "")
    doc.issuer = meta.get("issuer", "")
    doc.number = meta.get("number", "")
    if meta.get("date"):
        doc.issued_on = parse_date(meta["date"])
        if doc.issued_on is None:
            doc.meta_errors.append(f"date：无法识别的日期“{meta['date']}”（应为 YYYY-MM-DD）")
    status = meta.get("status", "").lower()
    if status in ("in_force", "superseded"):
        doc.validity = status
    elif status:
        doc.meta_errors.append(f"status：应为 in_force 或 superseded，而不是“{status}”")
    if meta.get("public"):
        doc.public = meta["public"].lower() in ("yes", "true", "1", "是")


def _read_text(file_name: str, data: bytes) -> LoadedDocument:
    meta, body = _front_matter(_decode(file_name, data))
    doc = LoadedDocument(file_name, "txt", [Line(t) for t in body.splitlines()])
    _apply_front_matter(doc, meta)
    return doc


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+\))\s+")
_MD_INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: keep the text
    (re.compile(r"(\*\*|__|\*|`)"), ""),
]


def _md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text.strip()


def _read_markdown(file_name: str, data: bytes) -> LoadedDocument:
    meta, body = _front_matter(_decode(file_name, data))
    lines = []
    for raw in body.splitlines():
        m = _MD_HEADING.match(raw)
        if m:
            lines.append(Line(_md_inline(m.group(2)), len(m.group(1))))
            continue
        stripped = raw.strip()
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
                continue  # the separator row of a table
            lines.append(Line(" | ".join(_md_inline(c) for c in cells)))
            continue
        stripped = _MD_LIST.sub("", stripped).lstrip("> ").strip()
        if stripped:
            lines.append(Line(_md_inline(stripped)))
    doc = LoadedDocument(file_name, "md", lines)
    _apply_front_matter(doc, meta)
    if not doc.title:
        first = next((ln for ln in lines if ln.level == 1), None)
        doc.title = first.text if first else ""
    return doc


# ---------------------------------------------------------------------------- DOCX
def _read_docx(file_name: str, data: bytes) -> LoadedDocument:
    # python-docx is imported here only: it pulls lxml in, which plain-text use never needs.
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError("bad_docx", f"无法读取 DOCX 文件：{file_name}（{exc}）") from None
    lines: list[Line] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            lines.append(Line(para.text, _docx_level(para)))
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells = []
                for cell in row.cells:
                    text = cell.text.strip()
                    if text and (not cells or cells[-1] != text):  # merged cells repeat
                        cells.append(text)
                if cells:
                    lines.append(Line(" | ".join(cells)))
    doc = LoadedDocument(file_name, "docx", lines)
    doc.title = (document.core_properties.title or "").strip()
    return doc


def _docx_level(para) -> int:
    name = (para.style.name if para.style is not None else "") or ""
    m = re.match(r"^(?:Heading|标题)\s*(\d)$", name.strip(), re.IGNORECASE)
    if m:
        return int(m.group(1))
    return 1 if name.strip().lower() in ("title", "标题") else 0


# ----------------------------------------------------------------------------- PDF
def _read_pdf(file_name: str, data: bytes) -> LoadedDocument:
    # pypdf only where a PDF is read.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError) as exc:
        raise LoadError("bad_pdf", f"无法读取 PDF 文件：{file_name}（{exc}）") from None
    if not "".join(pages).strip():
        raise LoadError(
            "pdf_no_text",
            f"PDF 没有文字层（可能是扫描件）：{file_name}；请提供带文字的 PDF 或 DOCX",
        )
    lines = _unwrap([t for page in pages for t in page.splitlines()])
    doc = LoadedDocument(file_name, "pdf", [Line(t) for t in lines])
    doc.title = ((reader.metadata or {}).get("/Title") or "").strip() if reader.metadata else ""
    return doc


def _unwrap(raw: list[str]) -> list[str]:
    """Join the lines a PDF wrapped inside a paragraph: a line continues the one before when
    that one ran to (nearly) the full width of the page's text and did not end a sentence,
    and this one does not start a heading."""
    from .splitting import heading_rank

    lines = [t.strip() for t in raw if t.strip()]
    width = max((len(t) for t in lines), default=0)
    out: list[str] = []
    previous_full = False
    for text in lines:
        if (
            out
            and previous_full
            and not out[-1].endswith(tuple(_SENTENCE_END))
            and heading_rank(Line(text)) is None
        ):
            out[-1] += text
        else:
            out.append(text)
        previous_full = len(text) >= 0.8 * width
    return out


# ------------------------------------------------------------------------ metadata
def parse_date(value: str) -> dt.date | None:
    value = (value or "").strip()
    m = _ISO_DATE.match(value) or _DATE.search(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _fill_meta(doc: LoadedDocument) -> None:
    texts = [ln.text.strip() for ln in doc.lines]
    if not doc.number:
        for text in texts[:10]:
            m = _NUMBER.search(text)
            if m:
                doc.number = re.sub(r"\s+", "", m.group())
                break
    date_at = None
    if texts:
        # The signing date stands at the end of the main text, before any 附件.
        end = next((i for i, t in enumerate(texts) if t.startswith("附件") and i > 3), len(texts))
        for i in range(end - 1, max(-1, end - 8), -1):
            if len(texts[i]) <= 20 and _DATE.fullmatch(texts[i]):
                doc.issued_on = doc.issued_on or parse_date(texts[i])
                date_at = i
                break
    if date_at:
        doc.signature.add(date_at)
        before = texts[date_at - 1]
        if len(before) <= 30 and before.endswith(_ISSUER_END):
            doc.issuer = doc.issuer or before
            doc.signature.add(date_at - 1)
    if not doc.title:
        first = texts[0]
        doc.title = first if len(first) <= 80 else Path(doc.file_name).stem
    doc.title = doc.title[:200]
