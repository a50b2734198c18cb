"""Documents for the assistant's tests, made in memory: a DOCX through python-docx and a PDF
with a real text layer (a Type0 font whose ToUnicode map gives the characters back), so
that the loaders are tried on the formats they claim without files from outside the repo.
"""

from __future__ import annotations

import io


def make_docx(paragraphs: list[tuple[str, str | None]], title: str = "", table=None) -> bytes:
    """``paragraphs``: (text, style or None), e.g. ("一、总则", "Heading 1")."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for text, style in paragraphs:
        document.add_paragraph(text, style=style) if style else document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(lines: list[str], title: str = "") -> bytes:
    """A one-page PDF whose text layer holds ``lines`` (CIDs are the code points)."""
    chars = sorted({ch for line in lines for ch in line})
    cmap_entries = [f"<{ord(ch):04X}> <{ord(ch):04X}>" for ch in chars if ord(ch) <= 0xFFFF]
    blocks = []
    for i in range(0, len(cmap_entries), 100):
        chunk = cmap_entries[i : i + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    ).encode()
    content = []
    y = 800
    for line in lines:
        hexed = "".join(f"{ord(ch):04X}" for ch in line)
        content.append(f"BT /F1 10 Tf 40 {y} Td <{hexed}> Tj ET")
        y -= 16
    stream = "\n".join(content).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/DW 1000 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    info = None
    if title:
        hexed = "FEFF" + "".join(f"{ord(ch):04X}" for ch in title)
        objects.append(f"<< /Title <{hexed}> >>".encode())
        info = len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    trailer = b"<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    out.write(b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def make_image_only_pdf() -> bytes:
    """A PDF with a page and no text at all (a scan, as far as the loader can tell)."""
    return make_pdf([])
