"""The nightly invariant check (``sbk stock verify``): the counters, the serial places and
the close snapshots must equal a recount from the ledger, and every serial's path must be
continuous. Reads only; names every difference it finds."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count

from . import rules
from .models import Balance, DaySnapshot, Entry, Serial


def _place(state, org, item) -> rules.Place:
    return rules.Place(state, org, item or "")


def verify(chunk: int = 20000) -> list[str]:
    problems: list[str] = []
    # 1. Counters against the ledger.
    recount: dict = defaultdict(int)
    per_day: dict = defaultdict(int)  # (org, item, bank, version, day) -> net
    for side, sign in (("dst", 1), ("src", -1)):
        rows = (
            Entry.objects.filter(**{f"{side}_state": rules.STOCK})
            .values_list(f"{side}_org_id", f"{side}_item", "bank_id", "version", "day")
            .order_by()
        )
        for org, item, bank, version, day, n in rows.annotate(n=Count("id")):
            recount[(org, item, bank, version)] += sign * n
            per_day[(org, item, bank, version, day)] += sign * n
    counters = {(b.org_id, b.item, b.bank_id, b.version): b.qty for b in Balance.objects.all()}
    for key in sorted(set(recount) | set(counters), key=str):
        if recount.get(key, 0) != counters.get(key, 0):
            problems.append(
                f"余额不符：机构#{key[0]} {key[1]} 银行#{key[2]} {key[3]}版 计数器 {counters.get(key, 0)}，"
                f"台账重算 {recount.get(key, 0)}"
            )
    # 2. Serial places against the counters.
    placed = {
        (o, i, b, v): n
        for o, i, b, v, n in Serial.objects.filter(state=rules.STOCK)
        .values_list("org_id", "item", "bank_id", "version")
        .annotate(n=Count("id"))
        .order_by()
    }
    for key in sorted(set(placed) | set(counters), key=str):
        if placed.get(key, 0) != counters.get(key, 0):
            problems.append(
                f"序列号与余额不符：机构#{key[0]} {key[1]} 银行#{key[2]} {key[3]}版 在库序列号 "
                f"{placed.get(key, 0)}，计数器 {counters.get(key, 0)}"
            )
    # 3. Snapshots against the ledger up to their day.
    running: dict = defaultdict(list)  # (org, item, bank, version) -> [(day, net)]
    for (org, item, bank, version, day), net in per_day.items():
        running[(org, item, bank, version)].append((day, net))
    for series in running.values():
        series.sort()
    for snap in DaySnapshot.objects.order_by("org_id", "day").iterator(chunk_size=chunk):
        key = (snap.org_id, snap.item, snap.bank_id, snap.version)
        total = sum(n for d, n in running.get(key, []) if d <= snap.day)
        if total != snap.closing:
            problems.append(
                f"日清快照不符：机构#{snap.org_id} {snap.day} {snap.item} 银行#{snap.bank_id} "
                f"{snap.version}版 "
                f"快照 {snap.closing}，台账重算 {total}"
            )
    # 4. Every serial's path is continuous and ends where the serial is.
    here = {
        s: _place(st, o, i)
        for s, st, o, i in Serial.objects.values_list("serial", "state", "org_id", "item")
    }
    seen: set[str] = set()
    current, steps, ids = None, [], []

    def flush():
        for i in rules.path_breaks(steps):
            before = steps[i - 1][1] if i else rules.OUTSIDE
            problems.append(
                f"序列号 {current} 流转断开：台账#{ids[i]} 自“{steps[i][0].label()}”，"
                f"此前在“{before.label()}”"
            )
        _end(problems, current, steps[-1][1], here)

    rows = Entry.objects.order_by("serial", "id").values_list(
        "serial", "id", "src_state", "src_org_id", "src_item", "dst_state", "dst_org_id", "dst_item"
    )
    for serial, pk, ss, so, si, ds, do, di in rows.iterator(chunk_size=chunk):
        if serial != current:
            if current is not None:
                flush()
            current, steps, ids = serial, [], []
            seen.add(serial)
        steps.append((_place(ss, so, si), _place(ds, do, di)))
        ids.append(pk)
    if current is not None:
        flush()
    for serial, place in here.items():
        if serial not in seen and place.state != rules.NONE:
            problems.append(f"序列号 {serial} 没有任何台账记录")
    return problems


def _end(problems, serial, at: rules.Place, here: dict) -> None:
    now = here.get(serial)
    if now is None:
        problems.append(f"序列号 {serial} 有台账记录但没有位置记录")
        return
    # The serial row keeps its item where the entry leaves it blank (outside the books).
    if (now.state, now.org) != (at.state, at.org) or (at.item and now.item != at.item):
        problems.append(f"序列号 {serial} 台账终点“{at.label()}”与当前位置“{now.label()}”不符")
