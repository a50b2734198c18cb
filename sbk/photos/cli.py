"""Command-line front ends: ``sbk photo check`` and ``sbk photo fix``. Pure: no Django.

    sbk photo check FILE... [--json] [--id NUMBER --name NAME] [--rules RULES.json]
                            [--annotate DIR]
    sbk photo fix IN OUT [--id NUMBER --name NAME] [--rules RULES.json] [--json]

``check`` exits 0 when every file passes, 1 when any fails (2 on bad arguments). With
``--json`` it prints one JSON object per file and line (see ``PhotoVerdict.to_dict``).
An unreadable, missing or non-image file is a ``format`` failure, never a crash.

``fix`` exits 0 when the produced photo passes the check, else 1 with the reasons. OUT
is the output file; with ``--id``/``--name`` OUT is a directory (created when missing)
and the file inside it is named by the convention (``612501*****张三.jpg``). When OUT
is an existing directory without ``--id``/``--name``, the file is ``<input stem>.jpg``
inside it. Nothing is written when the fix fails.

The platform's console script calls :func:`check_main` / :func:`fix_main` with the
arguments after ``photo check`` / ``photo fix``; ``python -m sbk.photos.cli check FILE``
does the same for development.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from .rules import DEFAULT_RULES, KB, RULE_TITLES, PhotoRules
from .verdict import FAIL, PASS, WARN, Failure, PhotoVerdict


class _ArgumentError(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _parser(prog: str, stdout: TextIO) -> argparse.ArgumentParser:
    class Parser(argparse.ArgumentParser):
        def exit(self, status: int = 0, message: str | None = None):  # never sys.exit
            if message:
                (stdout if status == 0 else sys.stderr).write(message)
            raise _ArgumentError(status)

        def print_help(self, file=None) -> None:
            super().print_help(stdout)

    return Parser(prog=prog)


def _load_rules(path: str | None, default: PhotoRules | None = None) -> PhotoRules:
    if not path:
        return default or DEFAULT_RULES
    with open(path, encoding="utf-8") as fh:
        return PhotoRules.from_dict(json.load(fh))


def _add_identity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--id", dest="id_number", metavar="NUMBER", help="ID number (身份证号)")
    p.add_argument("--name", metavar="NAME", help="name (姓名)")
    p.add_argument("--rules", metavar="JSON", help="JSON file with PhotoRules settings")


def _identity_ok(args: argparse.Namespace) -> bool:
    if bool(args.id_number) != bool(args.name):
        sys.stderr.write("--id and --name must be given together\n")
        return False
    return True


def _value(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}".rstrip("0").rstrip(".")
    if isinstance(v, list):
        return "×".join(_value(x) for x in v) if v else "无"
    return str(v)


def format_report(verdict: PhotoVerdict) -> str:
    """Readable Chinese report of one verdict."""
    m = verdict.measurements
    lines = [f"照片：{verdict.file}"]
    n_fail = len(verdict.failures)
    lines.append("结论：合格" if verdict.ok else f"结论：不合格（{n_fail} 项不符合要求）")
    lines.append(
        f"  文件：{m.format}，{m.width}×{m.height} 像素，{m.bytes / KB:.1f} KB，"
        f"颜色模式 {m.mode}，分辨率 {_value(list(m.dpi)) if m.dpi else '未标注'} dpi"
    )
    skipped = []
    for r in verdict.results:
        title = RULE_TITLES.get(r.rule, r.rule)
        if r.status not in (PASS, FAIL, WARN):
            skipped.append(f"{title}（{r.rule}）")
            continue
        mark = {PASS: "✓", WARN: "!"}.get(r.status, "✗")
        line = f"  {mark} {title}（{r.rule}）：{_value(r.actual)}"
        if r.status in (FAIL, WARN) and r.message:
            line += f" —— {r.message}"
        lines.append(line)
    if skipped:
        lines.append(f"  – 未能测量：{'、'.join(skipped)}")
    return "\n".join(lines)


def _read(path: str) -> tuple[bytes | None, str | None]:
    try:
        return Path(path).read_bytes(), None
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc.strerror or exc}"


def _unreadable_verdict(path: str, error: str) -> PhotoVerdict:
    from .checker import check_photo

    v = check_photo(b"", filename=path)
    r = v.result("format")
    if r is not None:
        idx = v.results.index(r)
        v.results[idx] = dataclasses.replace(r, message=f"无法读取文件：{error}")
    return v


def check_main(
    argv: list[str], stdout: TextIO | None = None, *, rules: PhotoRules | None = None
) -> int:
    """``sbk photo check``; returns the exit code."""
    stdout = stdout or sys.stdout
    p = _parser("sbk photo check", stdout)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--annotate", metavar="DIR", help="write an annotated PNG per file here")
    _add_identity(p)
    try:
        args = p.parse_args(argv)
        rules = _load_rules(args.rules, rules)
    except _ArgumentError as exc:
        return exc.code
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"rules: {exc}\n")
        return 2
    if not _identity_ok(args):
        return 2
    from .checker import check_photo

    all_ok = True
    for i, path in enumerate(args.files):
        data, error = _read(path)
        if data is None:
            verdict = _unreadable_verdict(path, error or "")
        else:
            verdict = check_photo(
                data, filename=path, id_number=args.id_number, name=args.name, rules=rules
            )
        all_ok &= verdict.ok
        if args.json:
            stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False) + "\n")
        else:
            if i:
                stdout.write("\n")
            stdout.write(format_report(verdict) + "\n")
        if args.annotate and data is not None:
            from .annotate import annotate

            os.makedirs(args.annotate, exist_ok=True)
            out = Path(args.annotate) / (Path(path).stem + ".check.png")
            out.write_bytes(annotate(data, verdict, rules=rules))
    stdout.flush()
    return 0 if all_ok else 1


def _reason_lines(reasons: list[Failure]) -> list[str]:
    return [f"  ✗ {RULE_TITLES.get(f.rule, f.rule)}（{f.rule}）：{f.message}" for f in reasons]


def fix_main(
    argv: list[str], stdout: TextIO | None = None, *, rules: PhotoRules | None = None
) -> int:
    """``sbk photo fix``; returns the exit code."""
    stdout = stdout or sys.stdout
    p = _parser("sbk photo fix", stdout)
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    _add_identity(p)
    try:
        args = p.parse_args(argv)
        rules = _load_rules(args.rules, rules)
    except _ArgumentError as exc:
        return exc.code
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"rules: {exc}\n")
        return 2
    if not _identity_ok(args):
        return 2
    from .fix import FixResult, fix_photo

    data, error = _read(args.input)
    if data is None:
        result = FixResult(
            ok=False,
            jpeg=None,
            reasons=[Failure("format", "image", "unreadable", f"无法读取文件：{error}")],
        )
    else:
        result = fix_photo(data, rules=rules, id_number=args.id_number, name=args.name)

    out_path: Path | None = None
    if result.ok and result.jpeg is not None:
        out = Path(args.output)
        if result.file_name:
            out.mkdir(parents=True, exist_ok=True)
            out_path = out / result.file_name
        elif out.is_dir():
            out_path = out / (Path(args.input).stem + ".jpg")
        else:
            if out.parent and not out.parent.exists():
                out.parent.mkdir(parents=True, exist_ok=True)
            out_path = out
        out_path.write_bytes(result.jpeg)

    if args.json:
        obj = {
            "input": args.input,
            "output": str(out_path) if out_path else None,
            "ok": result.ok,
            "quality": result.quality,
            "scale": round(result.scale, 4) if result.scale else None,
            "measurements": result.verdict.measurements.to_dict() if result.verdict else None,
            "failures": [f.to_dict() for f in result.reasons],
        }
        stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    elif result.ok and out_path is not None:
        size = len(result.jpeg or b"")
        stdout.write(
            f"已生成合格照片：{out_path}（JPEG 质量 {result.quality}，{size / KB:.1f} KB，"
            f"{rules.target_dpi} dpi）\n"
        )
    else:
        stdout.write(f"无法生成合格照片：{args.input}\n")
        stdout.write("\n".join(_reason_lines(result.reasons)) + "\n")
    stdout.flush()
    return 0 if result.ok else 1


USAGE = "usage: python -m sbk.photos.cli {check,fix} ...\n"


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdout = stdout or sys.stdout
    if not argv or argv[0] not in ("check", "fix"):
        (stdout if argv and argv[0] in ("-h", "--help") else sys.stderr).write(USAGE)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    if argv[0] == "check":
        return check_main(argv[1:], stdout)
    return fix_main(argv[1:], stdout)


if __name__ == "__main__":
    sys.exit(main())
