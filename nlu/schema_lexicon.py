"""A schema domain's entity lexicon: the NLU's index of the catalog's titles and people, its
facet words (nlu/facet_lexicon.py), and two corrections a large catalog of titles needs.

Book-Crossing has 271k titles; the title index also files each part of a title ("Agatha
Christie" from "Agatha Christie: An Autobiography", "A Mystery Novel" from "Turtle Baby: A
Mystery Novel"). Read as titles, "anything by agatha christie" asks for one autobiography and
"a mystery novel" for one obscure book. So:
- a title key that is also the name of someone in a person facet (an author) is dropped: a
  name in a message is the person (715 keys on Book-Crossing);
- a title part (not a whole title) made only of words that describe a kind of item ("a mystery
  novel", "an autobiography", "the novel") is dropped: it is a description, read by the sentence
  encoder like any other;
- a person facet's one-word value that is a common first name among its people ("Stephens",
  keyed "stephen") or a common word ("King") is dropped, so "stephen king" is never half-read
  as someone else and "a book about a king" names nobody;
- a prolific person's surname alone names them ("by grisham" → John Grisham) when it is no
  common word, no first name, and nobody else with that surname has a third as many items;
- in a catalog without genres, a genre word of the intent data that enough titles hold
  ("mystery", "thriller", "fantasy") is a keyword: "a mystery novel" steers toward the books
  whose text says mystery;
- a misspelt name ("stephen kin", "by grishm") is found by the lexicon's people index
  (nlu/fuzzy_people.py), to which the person facets' names of two words or more are added.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from nlu.entity_words import COMMON_WORDS, GENRE_LEXICON, STOPWORDS
from nlu.facet_lexicon import FacetHit, FacetLexicon
from nlu.lexicon import EntityLexicon
from recommender.domain.catalog import Catalog
from recommender.domain.constraints import facet_key

DESCRIPTIVE = frozenset("""novel novels mystery mysteries thriller thrillers romance romances
    story stories tale tales book books series paperback hardcover edition fiction nonfiction
    memoir memoirs biography autobiography guide collection anthology classic classics saga
    trilogy poems poetry cookbook""".split())

SURNAME_MIN_ITEMS = 5  # a surname alone names someone with at least this many items
KIND_MIN_TITLES = 20  # a genre word is a keyword of a catalog without genres in this many
KIND_MIN_SHARE = 0.005  # titles, or in this share of them (at least 5) in a smaller catalog
FIRST_NAME_PEOPLE = 5  # a word that begins this many names is a first name


def is_description(key: str, nouns: frozenset[str]) -> bool:
    """The title key says only what kind of item it is: its words are stop words, words of
    `DESCRIPTIVE` or the domain's nouns, at least one of them not a stop word."""
    words = key.split()
    content = [w for w in words if w not in STOPWORDS]
    return bool(content) and all(w in DESCRIPTIVE or w in nouns for w in content)


def schema_lexicon(catalog: Catalog) -> EntityLexicon:
    """The entity lexicon of a schema domain's catalog (`catalog.schema` set), corrected as the
    module docstring says."""
    lexicon = EntityLexicon.from_catalog(catalog)
    facets = FacetLexicon.build(catalog.schema, catalog)
    lexicon.facets = facets
    nouns = frozenset({catalog.schema.noun.lower(), catalog.schema.plural.lower()})
    people = {name for name, kind in facets.types.items() if kind == "person"}
    dropped = set()
    for key, entry in lexicon.titles.items():
        hit = facets.phrases.get(facet_key(key))
        if (hit is not None and hit.facet in people) or \
                (not entry.exact and is_description(key, nouns)):
            dropped.add(key)
    for key in dropped:
        del lexicon.titles[key]
    if lexicon.fuzzy is not None:  # typo lookups must not find a dropped key
        for bucket, keys in lexicon.fuzzy.buckets.items():
            lexicon.fuzzy.buckets[bucket] = [k for k in keys if k not in dropped]
    if not catalog.genres:  # "a mystery novel": "mystery" searched in the items' texts
        for phrase in kind_keywords(catalog, lexicon):
            lexicon.keywords[phrase] = phrase
            first = phrase.split()[0]
            lexicon.phrase_first_len[first] = max(lexicon.phrase_first_len.get(first, 0),
                                                  len(phrase.split()))
    for facet in sorted(people):
        names = name_people(facets, catalog, facet)
        if lexicon.people is not None:  # misspelt names: "stephen kin", "by grishm"
            lexicon.people.add_facet_people(names)
    return lexicon


def name_people(facets: FacetLexicon, catalog: Catalog, facet: str
                ) -> dict[str, tuple[str, str, int]]:
    """Drop `facet`'s one-word phrases that are first names; add prolific people's surnames
    (module docstring). Changes `facets` in place. → the facet's indexed names of two words or
    more: key → (facet, value, items), for misspellings (nlu/fuzzy_people.py)."""
    spellings = Counter(name for item in catalog.items for name in item.facets.get(facet) or ())
    counts: Counter = Counter()  # by key: "AGATHA CHRISTIE" is "Agatha Christie"
    written: dict[str, str] = {}  # key → its most common spelling
    for name, n in spellings.most_common():
        counts[facet_key(name)] += n
        written.setdefault(facet_key(name), name)
    first_words = Counter(key.split()[0] for key in counts if len(key.split()) > 1)
    first_names = {word for word, n in first_words.items() if n >= FIRST_NAME_PEOPLE}
    for phrase, hit in list(facets.phrases.items()):  # "stephen", "king": not a person alone
        if hit.facet == facet and " " not in phrase and \
                (phrase in first_names or phrase in COMMON_WORDS):
            del facets.phrases[phrase]
    by_surname: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for key, n in counts.items():
        if len(key.split()) > 1:
            by_surname[key.split()[-1]].append((n, written[key]))
    for surname, named in by_surname.items():
        named.sort(reverse=True)
        top, name = named[0]
        runner_up = named[1][0] if len(named) > 1 else 0
        if top < SURNAME_MIN_ITEMS or top < 3 * runner_up or len(surname) < 4 \
                or " " in surname or surname in COMMON_WORDS or surname in first_names:
            continue
        held = facets.phrases.get(surname)  # another facet's value, or a one-name person
        if held is not None and (held.facet != facet or counts[facet_key(held.value)] * 3 > top):
            continue
        facets.phrases[surname] = FacetHit(facet, name)
        facets.first_len[surname] = max(facets.first_len.get(surname, 0), 1)
    return {key: (facet, hit.value, counts[key]) for key, hit in facets.phrases.items()
            if hit.facet == facet and " " in key and key in counts}


def kind_keywords(catalog: Catalog, lexicon: EntityLexicon) -> list[str]:
    """The intent data's genre words that name their genre ("mystery", "thrillers", "science
    fiction" for Sci-Fi; not "funny" or "scary", which no title says of itself), of at least
    four letters, that at least `KIND_MIN_TITLES` titles hold (or, in a smaller catalog,
    `KIND_MIN_SHARE` of them, at least 5): in a catalog without genres they are keywords,
    searched in the items' texts (recommender/serving/text_search.py)."""
    least = min(KIND_MIN_TITLES, max(5.0, KIND_MIN_SHARE * len(catalog.items)))
    words: Counter = Counter()
    for item in catalog.items:
        tokens = "".join(c if c.isalnum() else " " for c in item.title.lower()).split()
        words.update(set(tokens) | {" ".join(pair) for pair in zip(tokens, tokens[1:])})
    return [phrase for phrase, genres in GENRE_LEXICON.items()
            if len(phrase) >= 4 and phrase.count(" ") <= 1
            and any(phrase[:3] == genre.lower()[:3] for genre in genres)
            and phrase not in lexicon.keywords and phrase not in lexicon.genres
            and words[phrase] >= least]
