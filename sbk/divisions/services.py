"""Loading the division table into the database from the packaged GB/T 2260 data."""

from django.db import transaction

from .models import Division
from .table import load_table


def load_divisions() -> tuple[int, int]:
    """Replace the table with the packaged one; return (rows before, rows after).

    Idempotent: run it after upgrading python-stdnum to pick up new codes.
    """
    rows = [
        Division(
            code=r.code,
            name=r.name,
            level=r.level,
            parent_code=r.parent or "",
            valid_from=r.valid_from,
            valid_to=r.valid_to,
        )
        for r in load_table().all()
    ]
    with transaction.atomic():
        before = Division.objects.count()
        Division.objects.all().delete()
        Division.objects.bulk_create(rows, batch_size=2000)
    return before, len(rows)


def current_name(code: str) -> str:
    d = Division.objects.filter(code=code).order_by("valid_to", "-valid_from").first()
    return d.name if d else ""
