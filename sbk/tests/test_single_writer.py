"""Read the source: card and application status has one writer, and audit rows one door.

- ``Card.status`` / ``Application.status`` are assigned only in ``sbk/cards/transitions.py``
  (no ``x.status = …``, no ``status=`` in a ``Card(…)``/``Application(…)``/``.update(…)``
  /``bulk_update`` outside it). Other models' statuses (people, exports, the SMS outbox) are
  named in ``OTHER_MACHINES`` with the one module allowed to write each.
- ``audit.record`` is called only by ``sbk/core/actions.py``: every audit row is a catalogued
  action; the journal model is written only there too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sbk

ROOT = Path(sbk.__file__).parent
WRITER = ROOT / "cards" / "transitions.py"
# Other state machines and the one module that writes each one's status.
OTHER_MACHINES = {
    ROOT / "registry" / "services.py": "Person (mark_cancelled)",
    ROOT / "exports" / "services.py": "ExportRequest",
    ROOT / "assistant" / "services.py": "Document (in force / superseded)",
    ROOT / "notify" / "services.py": "Outbox message",
    ROOT / "notify" / "models.py": "Outbox message",
    ROOT / "stock" / "services" / "stocktake.py": "Discrepancy (stock)",
    ROOT / "usage" / "services.py": "ServiceBank (set_bank_status), Venue (change_venue)",
}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if "migrations" in parts or "tests" in parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _status_writes(tree) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr == "status":
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"Card", "Application", "update", "create", "update_or_create"}:
                if any(k.arg == "status" for k in node.keywords):
                    lines.append(node.lineno)
            if name in {"bulk_update"}:
                for arg in node.args[1:]:
                    if isinstance(arg, ast.List | ast.Tuple) and any(
                        isinstance(e, ast.Constant) and e.value == "status" for e in arg.elts
                    ):
                        lines.append(node.lineno)
            if name == "save":
                for k in node.keywords:
                    if k.arg == "update_fields" and "'status'" in ast.unparse(k.value):
                        lines.append(node.lineno)
    return lines


def test_status_is_written_only_by_the_transition_writer():
    offenders = []
    for path, tree in _sources():
        if path == WRITER or path in OTHER_MACHINES:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n in _status_writes(tree)]
    assert offenders == [], "status assigned outside sbk/cards/transitions.py: " + ", ".join(
        offenders
    )


def test_the_scan_sees_a_status_write():
    """The scan itself must notice each way of writing a status."""
    samples = [
        "card.status = 'issued'",
        "Card(status='issued')",
        "Card.objects.filter(pk=1).update(status='cancelled')",
        "Card.objects.bulk_update(cards, ['status'])",
        "card.save(update_fields=['status'])",
    ]
    for sample in samples:
        assert _status_writes(ast.parse(sample)), sample


def _calls(tree, dotted: str) -> list[int]:
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == dotted
    ]


def test_audit_rows_are_written_only_through_the_action_layer():
    offenders = []
    for path, tree in _sources():
        if path == ROOT / "core" / "actions.py":
            continue
        for dotted in ("audit.record", "ServiceTransaction.objects.create", "record_txn"):
            offenders += [f"{path.relative_to(ROOT)}:{n} {dotted}" for n in _calls(tree, dotted)]
    assert offenders == []
