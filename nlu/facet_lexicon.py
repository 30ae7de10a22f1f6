"""The words of a schema domain's facets: values, synonyms and people → (facet, value), and the
numeric facets `nlu.comparisons` reads limits for.

Built once from the domain schema and the built catalog (`FacetLexicon.build`). A phrase is
matched in the form `recommender.domain.constraints.facet_key` gives ("Kanban Boards" and
"kanban board" are one phrase), up to `MAX_WORDS` words. What is indexed:
- every value of a categorical, multi-categorical or person facet ("project-management" →
  "project management"; "Kanban Boards"), except single words that say nothing on their own
  (stop words, the item noun, words of `VAGUE`) and, for a facet with more than `RARE_FACET`
  distinct values, values only one item has (a long tail of "Drag-and-Drop Editor"s);
- the schema's synonyms of those values ("pm tool" → project-management; "kanban" → Kanban
  Boards);
- a boolean facet's name and its synonyms of "true" ("free plan", "vegetarian") → true.
Numeric facets, and categorical ones with an `order` (a scale: "at most PG-13"), go to
`numeric` for nlu/comparisons.py.
When a phrase names values of several facets, the one the schema lists as a synonym wins, then
the facet with the fewest distinct values (a category before a feature).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from nlu.comparisons import NumericFacet
from nlu.entity_words import STOPWORDS
from recommender.domain.catalog import Catalog
from recommender.domain.constraints import facet_key
from recommender.domain.schema import DomainSchema

MAX_WORDS = 6
RARE_FACET = 200  # distinct values above which a value one item has is not indexed
VAGUE = frozenset("""app apps tool tools software platform service thing free good best new
    plan plans price pricing support""".split())
INDEXED = ("categorical", "multi_categorical", "person", "boolean")


@dataclass(frozen=True)
class FacetHit:
    """One (facet, value) a phrase names; value as the catalog writes it ("true" for booleans)."""

    facet: str
    value: str


@dataclass
class FacetLexicon:
    phrases: dict[str, FacetHit]  # facet_key phrase → what it names
    first_len: dict[str, int]  # first word of a phrase → longest phrase starting with it
    numeric: list[NumericFacet] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # facet name → its type

    def __repr__(self) -> str:
        return f"FacetLexicon({len(self.phrases)} phrases, {len(self.numeric)} numeric facets)"

    def lookup(self, words: list[str]) -> FacetHit | None:
        return self.phrases.get(facet_key(" ".join(words)))

    @staticmethod
    def build(schema: DomainSchema, catalog: Catalog) -> FacetLexicon:
        candidates: dict[str, list[tuple[int, int, FacetHit]]] = defaultdict(list)
        ignored = STOPWORDS | VAGUE | {facet_key(schema.noun), facet_key(schema.plural)}
        for name, facet in schema.facets.items():
            if facet.type not in INDEXED or not facet.filterable:
                continue
            counts: Counter = Counter()
            for item in catalog.items:
                held = item.facets.get(name)
                counts.update(held if isinstance(held, (list, tuple)) else
                              ([] if held is None else [held]))
            if facet.type == "boolean":
                words = [name.replace("_", " ")] + list(facet.synonyms.get("true", ()))
                for word in words:
                    candidates[facet_key(word)].append((0, 2, FacetHit(name, "true")))
                continue
            by_key: dict[str, str] = {}
            for value, n in counts.most_common():
                key = facet_key(value)
                by_key.setdefault(key, str(value))  # the most common spelling stands for all
                if (len(counts) > RARE_FACET and n < 2) or not key or \
                        (" " not in key and (key in ignored or len(key) < 3)):
                    continue
                candidates[key].append((1, len(counts), FacetHit(name, by_key[key])))
            for value, synonyms in facet.synonyms.items():
                target = by_key.get(facet_key(value), value)
                for synonym in synonyms:
                    candidates[facet_key(synonym)].append((0, len(counts),
                                                           FacetHit(name, target)))
        phrases = {key: min(hits, key=lambda h: (h[0], h[1]))[2]
                   for key, hits in candidates.items()
                   if key and key.count(" ") < MAX_WORDS}
        first_len: dict[str, int] = {}
        for key in phrases:
            first, n = key.split(" ", 1)[0], key.count(" ") + 1
            first_len[first] = max(first_len.get(first, 0), n)
        numeric = [NumericFacet(name, f.unit, f.comparisons, dict(f.phrases),
                                unit_required=f.unit_required)
                   for name, f in schema.facets.items()
                   if f.type == "numeric" and f.filterable]
        numeric += [NumericFacet(name, scale=f.order) for name, f in schema.facets.items()
                    if f.order and f.filterable]  # "at most PG-13"
        return FacetLexicon(phrases, first_len, numeric,
                            {name: f.type for name, f in schema.facets.items()})
