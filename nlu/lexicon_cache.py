"""A schema domain's entity lexicon, built once and kept on disk beside its catalog.

Indexing 271k book titles and 100k authors (nlu/lexicon.py, nlu/facet_lexicon.py) takes about
a minute; reading the pickled result back takes seconds. The file (`lexicon.pickle` in the
domain's folder) is keyed by what the lexicon is made from — the catalog file (size and
modification time), the schema's text and the source of every nlu module (nlu/schema_lexicon.py
among them) — so a rebuilt catalog, an edited schema or changed NLU code builds it
again. The file is ours, written by
this process's code; nothing else is ever unpickled.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from nlu.lexicon import EntityLexicon

CACHE_FILE = "lexicon.pickle"
NLU_SOURCES = Path(__file__).resolve().parent  # this package


def lexicon_key(catalog_file: Path, schema_file: Path | None) -> str:
    """What a cached lexicon must match: the catalog file's size and mtime, the schema's text
    and the source of the nlu package."""
    digest = hashlib.sha256()
    stat = Path(catalog_file).stat()
    digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    if schema_file is not None:
        digest.update(Path(schema_file).read_bytes())
    for source in sorted(NLU_SOURCES.rglob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def cached_lexicon(folder: Path, schema_file: Path | None, build: Callable[[], EntityLexicon],
                   log: Callable[[str], None] = print) -> EntityLexicon:
    """The lexicon pickled in `folder` when its key matches (`lexicon_key` of the folder's
    items.jsonl and `schema_file`), else `build()`, saved (whole, then renamed) and returned."""
    folder = Path(folder)
    path = folder / CACHE_FILE
    key = lexicon_key(folder / "items.jsonl", schema_file)
    if path.exists():
        with path.open("rb") as f:
            try:
                stored_key, lexicon = pickle.load(f)
            except Exception:  # a file from older code: built again below
                stored_key, lexicon = None, None
        if stored_key == key:
            return lexicon
    log(f"Indexing the catalog's titles and facet values (once; cached in {path}) ...")
    lexicon = build()
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as f:
        pickle.dump((key, lexicon), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
    return lexicon
