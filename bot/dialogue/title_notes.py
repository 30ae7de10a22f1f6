"""What a reply says about the titles a message named, before its list.

- A title the catalog lacks ("what about tenet", NLU type `unknown_title`): say so, with what the
  catalog covers, then show what it has; for a sequel or a new film of a title it has ("john
  wick 4"), going by that one (`related_titles`).
- A title taken on thin evidence: typed in lower case, with no year, and matched to a film almost
  nobody rated ("i liked parasite" → Parasite (1982), 1 rating). The person most likely means a
  newer, famous film the catalog lacks; say which film convrec took, so that they can correct it
  ("no, the 2019 one"). Movies only: a schema catalog's counts mean other things.
"""

from __future__ import annotations

from nlu.types import WANTED, Entity
from recommender.domain.catalog import Catalog

OBSCURE_RATINGS = 5  # a film with fewer ratings than this is no safe guess for a bare word


def unknown_titles(entities: list[Entity]) -> list[str]:
    """The surface texts of the titles the catalog lacks, in order, without repeats."""
    return list(dict.fromkeys(e.text for e in entities if e.type == "unknown_title" and e.text))


def related_titles(entities: list[Entity], catalog: Catalog) -> list[str]:
    """"Title (Year)" of the catalog films that wanted unknown titles continue ("john wick 4" →
    John Wick (2014)), in order, without repeats."""
    ids = dict.fromkeys(i for e in entities if e.type == "unknown_title"
                        and e.polarity == WANTED for i in e.item_ids)
    return [_dated(catalog.get(i)) for i in ids]


def _dated(item) -> str:
    return f"{item.title} ({item.year})" if item.year else item.title


def assumed_titles(entities: list[Entity], catalog: Catalog) -> list[tuple[str, str]]:
    """(typed text, "Title (Year)") for each wanted title matched on thin evidence (above)."""
    if catalog.schema is not None:
        return []
    out = []
    for e in entities:
        if e.type != "title" or e.polarity != WANTED or not e.item_ids or not e.text:
            continue
        if e.text != e.text.lower() or any(ch.isdigit() for ch in e.text):
            continue
        item = catalog.get(e.item_ids[0])
        if item.n_ratings < OBSCURE_RATINGS:
            out.append((e.text, _dated(item)))
    return out
