"""The demo's policy library: the documents written for the demo (``library/``) and the
default synonym list (``data/synonyms.txt``), loaded into the centre's library."""

from __future__ import annotations

from pathlib import Path

from sbk.core.actors import DEMO
from sbk.orgs.models import Organisation, OrgKind

from . import services
from .loaders import FORMATS

HERE = Path(__file__).resolve().parent
LIBRARY = HERE / "library"
SYNONYMS = HERE / "data" / "synonyms.txt"


def load_demo_library(acting_user=DEMO, centre: Organisation | None = None) -> int:
    centre = centre or Organisation.objects.filter(kind=OrgKind.CENTRE).order_by("path").first()
    if centre is None:
        return 0
    services.save_synonyms(acting_user=acting_user, text=SYNONYMS.read_text("utf-8"))
    loaded = 0
    for path in sorted(LIBRARY.iterdir()):
        if path.suffix.lower() in FORMATS:
            services.load_document(
                acting_user=acting_user, org=centre, file_name=path.name, data=path.read_bytes()
            )
            loaded += 1
    return loaded
