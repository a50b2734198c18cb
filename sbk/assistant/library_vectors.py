"""Write the embeddings of the demo library's passages (``dense.SHIPPED``):

    .venv/bin/python -m sbk.assistant.library_vectors

Run it after changing a document of ``library/`` (a test says when it is needed): the texts
are the ones ``services.load_document`` embeds, passage by passage, for each file as the
demo loads it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import dense, loaders
from .splitting import split

LIBRARY = Path(__file__).resolve().parent / "library"


def library_texts(folder: Path = LIBRARY) -> list[str]:
    texts = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in loaders.FORMATS:
            continue
        loaded = loaders.load_bytes(path.name, path.read_bytes())
        # The title as the service keeps it when the loader states none.
        title = loaded.title_as_stored()
        for p in split(loaded.body_lines, loaded.title or title):
            texts.append(dense.passage_text(title, p.heading, p.text))
    return texts


def main() -> int:
    n = dense.write_table(library_texts(), dense.SHIPPED)
    print(f"{n} passages written to {dense.SHIPPED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
