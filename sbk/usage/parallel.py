"""Checking a large usage file's parts in worker processes (ADR 0008).

A part's check is mostly Python (the parse, the digests, the card numbers' blind indexes,
the COPY lines), and one Python thread runs on one core however many the machine has:
checked in the importing process, a bank's file of millions of rows kept one core busy for
most of the import while the others waited. Here each part goes to a worker process of a
small pool, which parses it, looks its cards and known row keys up on a database connection
of its own and returns what the importing process needs: the part's problems, its row keys
(for the duplicates across parts) and, unless the file is to be refused, its COPY text.
The importing process copies the parts in file order and writes the rest as before.

Used only where the importer checks apart from the caller's transaction anyway (the command
line, the benchmark: nothing the caller wrote is uncommitted) and for a file of more than one
part in the contract's plain layout (quote-free, columns in order), which splits into parts
at line breaks. Workers are started fresh (``spawn``: a fork would share the importing
connection's socket) with the importing process's database settings and key file.
"""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

import django
from django.conf import settings
from django.db import connection, connections

from . import rules
from .errors import UsageErrorCode as E

MAX_WORKERS = 4


@dataclass
class Checked:
    """A part as checked by a worker: its non-blank lines, its new rows' count, its problems,
    its row keys (each → its first line in the part), its COPY text and its screened first
    days (None: not staged)."""

    lines: int
    new_rows: int
    problems: list[rules.RowProblem]
    seen: dict[str, int]
    staged: str | None
    firsts: str | None


def workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def chunks(text: str, size: int) -> Iterator[tuple[int, str]]:
    """(first line number, ``size`` lines of text) after the header, in file order; blank
    lines count, as the line numbers of the file do."""
    stream = io.StringIO(text)
    next(stream)  # the header
    line = 2
    while block := list(islice(stream, size)):
        yield line, "".join(block)
        line += len(block)


def checked(
    work, text: str, *, size: int, now, batch_id: int | None, problems: list, seen: dict
) -> Iterator[tuple[int, int, str | None]]:
    """Per part, in file order: (its lines, its new rows, its COPY text and screened first
    days, or None), as the importer's ``_checked`` yields them; ``work(first line, text, now, batch_id)`` checks
    one part in a worker and returns its ``Checked``. ``problems`` and ``seen`` grow as
    there: the workers' problems, and a row key of an earlier part met again."""
    context = multiprocessing.get_context("spawn")
    database = dict(connection.settings_dict)
    start = (database, str(settings.SBK_KEYS_FILE))
    with ProcessPoolExecutor(
        workers(), mp_context=context, initializer=_start, initargs=start
    ) as pool:
        pending = []
        parts = chunks(text, size)
        try:
            for first, chunk in islice(parts, workers() + 1):
                pending.append(pool.submit(work, first, chunk, now, batch_id))
            while pending:
                part = pending.pop(0).result()
                for first, chunk in islice(parts, 1):
                    pending.append(pool.submit(work, first, chunk, now, batch_id))
                problems += part.problems
                for key, line in part.seen.items():
                    if key in seen:
                        problems.append(_duplicate(line, seen[key]))
                    else:
                        seen[key] = line
                staged = part.staged is not None and not problems
                yield part.lines, part.new_rows, (part.staged, part.firsts) if staged else None
        finally:
            for future in pending:
                future.cancel()


def _duplicate(line: int, first: int) -> rules.RowProblem:
    return rules.RowProblem(
        line, "row_key", E.DUPLICATE_ROW_KEY, f"第{line}行 行键：与第{first}行重复"
    )


def _start(database: dict, keys_file: str) -> None:
    """A worker's set-up: Django, the importing process's database (a test run's database
    too) and key file; its connection closed when the pool ends."""
    django.setup()
    settings.SBK_KEYS_FILE = keys_file
    connections["default"].settings_dict = database
    atexit.register(connections.close_all)
