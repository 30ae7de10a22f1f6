"""The conversation evidence table (recommender/data/conversation_evidence.py) `convrec train`
gives the ranker: built from the configured ReDial-format dialogues when they are present, else
the table shipped in data/ (built from ReDial's train split by `convrec data evidence`), else
none (the dialogue columns stay zero, and the card says so)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from recommender.data.conversation_evidence import (
    CatalogEvidence,
    ConversationEvidence,
    mention_matrix,
)
from recommender.data.redial import link_movies, read_dialogues, read_movies
from recommender.data.redial_facts import FACTS_FILE, link_by_imdb, read_facts

Log = Callable[[str], None]
SHIPPED = Path(__file__).resolve().parents[2] / "data" / "conversation_evidence.npz"
ATTRIBUTION = ("ReDial (Li et al., NeurIPS 2018), CC BY 4.0: mention counts of its train split's "
               "conversations, no message text")


def evidence_from_dialogues(folder: Path, catalog, log: Log = print) -> ConversationEvidence:
    """The table from DIR/train_data.jsonl, ReDial movies linked to the catalog by title + year
    and, with DIR/movie_facts.json, by IMDb id."""
    folder = Path(folder)
    movies = read_movies(folder / "movies_with_mentions.csv")
    facts = read_facts(folder / FACTS_FILE)
    rows = link_by_imdb(movies, facts, catalog, link_movies(movies, catalog))
    row_of = {m.redial_id: int(r) for m, r in zip(movies, rows) if r >= 0}
    conversations = read_dialogues(folder / "train_data.jsonl")
    evidence = ConversationEvidence.from_mentions(
        mention_matrix(conversations, row_of, len(catalog)), [item.id for item in catalog.items],
        {"source": ATTRIBUTION, "linked_movies": len(row_of)})
    log(f"conversation evidence: {len(conversations)} conversations, {len(evidence.item_ids)} "
        f"catalog items mentioned ({len(row_of)} ReDial movies linked)")
    return evidence


def training_evidence(catalog, dialogues: Path | None, log: Log = print
                      ) -> tuple[CatalogEvidence | None, str]:
    """(the table over catalog rows, where it came from)."""
    if dialogues is not None and (Path(dialogues) / "train_data.jsonl").exists():
        table, source = evidence_from_dialogues(dialogues, catalog, log), str(dialogues)
    elif SHIPPED.exists():
        table, source = ConversationEvidence.load(SHIPPED), str(SHIPPED)
    else:
        log("conversation evidence: no dialogues and no shipped table; the dialogue columns "
            "stay zero")
        return None, "none"
    return table.for_catalog(catalog.index, len(catalog)), source
