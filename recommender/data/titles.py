"""Title normalisation and the joins of the movie catalog build: pure functions, no I/O.

MovieLens titles are split into a display title and alternate titles, then normalised into join
keys; Wikidata films are joined on title + year and Wikipedia plots on title alone, with the
plot's categories as a sanity check. Also here: splitting people lists and cleaning plot text,
the other pure steps of turning source rows into `Item` fields. Fetching the sources, writing the
artifacts and the manifest live in `recommender/data/build.py`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter, defaultdict

import pandas as pd
from tqdm import tqdm

# ---------------------------------------------------------------- titles

# MovieLens writes leading articles last ("Hangover, The", "Boot, Das", "Atalante, L'").
_TRAILING_ARTICLE = re.compile(
    r"^(?P<rest>.+), (?P<article>The|A|An|Le|La|Les|L'|Il|I|Lo|Gli|El|Los|Las|Der|Die|Das|Den|Det"
    r"|De|En|Un|Une)$"
)
_LEADING_ENGLISH_ARTICLE = re.compile(r"^(the|a|an)\s+")
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}
_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])}
_SEQUEL_WORDS = {"part", "episode", "chapter", "volume"}
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe",
                       "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"})


def move_article(title: str) -> str:
    """'Hangover, The' -> 'The Hangover'; 'Atalante, L'' -> "L'Atalante". Others unchanged."""
    title = title.strip()
    match = _TRAILING_ARTICLE.match(title)
    if not match:
        return title
    article, rest = match["article"], match["rest"]
    return f"{article}{rest}" if article.endswith("'") else f"{article} {rest}"


def _closing_group_start(title: str) -> int | None:
    """Index of the '(' that opens the parenthesised group ending `title`, if any."""
    depth = 0
    for index in range(len(title) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(title[index], 0)
        if depth == 0:
            return index
    return None


def split_movielens_title(raw: str) -> tuple[str, list[str]]:
    """Split a MovieLens title into (display title, alternate titles).

    Trailing parenthesised groups are alternate titles ("Seven (a.k.a. Se7en)"); a title that only
    opens with one ("(500) Days of Summer") keeps it. Articles move to the front in both parts.
    """
    title, aliases = raw.strip(), []
    while title.endswith(")"):
        start = _closing_group_start(title)
        rest = title[:start].rstrip() if start else ""
        # "Birdman: Or (The Unexpected Virtue of Ignorance)": the group belongs to the title.
        if not rest or rest.endswith((":", " Or", "-")) or title[start - 1] != " ":
            break
        alias = re.sub(r"^a\.k\.a\.\s*", "", title[start + 1:-1].strip())
        if alias:
            aliases.insert(0, move_article(alias))
        title = rest
    return move_article(title), aliases


def _roman_to_int(token: str) -> int | None:
    if not token or not _ROMAN.match(token):
        return None
    values = [_ROMAN_VALUES[c] for c in token]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def normalize_title(title: str) -> str:
    """A join key: lower case, article moved then a leading English article dropped, accents and
    punctuation folded, '&' -> 'and', roman numerals and 'part two' -> digits.

    >>> normalize_title("Godfather: Part II, The") == normalize_title("The Godfather Part II")
    True
    """
    text = move_article(title).translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _LEADING_ENGLISH_ARTICLE.sub("", text)
    text = text.replace("&", " and ")
    text = re.sub(r"['’`´]", "", text)  # "bug's" -> "bugs", not "bug s"
    tokens = re.sub(r"[^0-9a-z]+", " ", text).split()
    out: list[str] = []
    for token in tokens:
        previous = out[-1] if out else ""
        if token == "vol":
            token = "volume"
        number = _roman_to_int(token)
        # Single letters (I, V, X) are only numerals after "part"/"episode": "I Am Sam" stays.
        if number and (len(token) > 1 or previous in _SEQUEL_WORDS):
            token = str(number)
        elif previous in _SEQUEL_WORDS and token in _NUMBER_WORDS:
            token = _NUMBER_WORDS[token]
        out.append(token)
    return " ".join(out)


def split_people(value) -> tuple[str, ...]:
    """'Robert Downey, Jr., Tom Hanks' -> ('Robert Downey Jr.', 'Tom Hanks'); None/'' -> ()."""
    if not isinstance(value, str):
        return ()
    names: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if part in {"Jr.", "Jr", "Sr.", "Sr", "II", "III"} and names:
            names[-1] = f"{names[-1]} {part}"
        elif part:
            names.append(part)
    return tuple(names)


def order_by_film_count(names: tuple[str, ...], film_count: Counter) -> tuple[str, ...]:
    """Most-filmed people first (ties alphabetical): a prominence proxy for cast lists that come
    alphabetical, without billing order, so "Starring ..." names Al Pacino, not Abe Vigoda."""
    return tuple(sorted(names, key=lambda name: (-film_count[name], name)))


# ---------------------------------------------------------------- joins

def _frame(rows: list[tuple], columns: list[str], label: str) -> pd.DataFrame:
    """Rows as a DataFrame; the `label` column is kept as objects so None stays None and
    integer labels do not turn into floats."""
    return pd.DataFrame({name: pd.Series([row[i] for row in rows],
                                         dtype=object if name == label else None)
                         for i, name in enumerate(columns)})


JOIN_RULES = ("exact", "year_off", "alias_exact", "alias_year_off", "prefix_exact")  # best first


def join_on_title_year(movies: pd.DataFrame, films: pd.DataFrame,
                       year_tolerance: int = 1) -> pd.DataFrame:
    """Match movies (movieId, title, aliases, year) to films (title, year; any index).

    Keys are tried in order: the display title, each alternate title, then the part before a
    colon on either side (same year only). A key matches when exactly one film has it with the
    same year, or else exactly one within `year_tolerance` years; several films for one key and
    year is "ambiguous" and not joined. A film claimed by several movies goes to the claim with
    the best rule (JOIN_RULES order) when that claim is unique or the claimants are one film
    listed twice (same title and year); the other claims become "ambiguous".
    Returns columns movieId, film (label in `films`, None when ambiguous), rule; by movieId.
    """
    full: dict[str, list] = defaultdict(list)
    prefix: dict[str, list] = defaultdict(list)
    for label, title, year in zip(films.index, films["title"], films["year"]):
        if isinstance(title, str) and pd.notna(year):
            full[normalize_title(title)].append((label, int(year)))
            if ":" in title:
                prefix[normalize_title(title.split(":")[0])].append((label, int(year)))

    def find(index: dict, key: str, year: int, exact_only: bool) -> tuple[object, str] | None:
        candidates = index.get(key, [])
        exact = [label for label, y in candidates if y == year]
        near = [label for label, y in candidates if abs(y - year) <= year_tolerance]
        chosen, rule = (exact, "exact") if exact or exact_only else (near, "year_off")
        if not chosen:
            return None
        return (chosen[0], rule) if len(chosen) == 1 else (None, "ambiguous")

    rows = []
    for movie_id, title, aliases, year in tqdm(
            zip(movies["movieId"], movies["title"], movies["aliases"], movies["year"]),
            total=len(movies), desc="join title+year", leave=False):
        if not isinstance(title, str) or pd.isna(year):
            continue
        key, year = normalize_title(title), int(year)
        attempts = [(full, key, False, "")]
        attempts += [(full, normalize_title(a), False, "alias_") for a in aliases]
        if ":" in title:  # "Borat: Cultural Learnings of America ..." -> "Borat"
            attempts.append((full, normalize_title(title.split(":")[0]), True, "prefix_"))
        attempts.append((prefix, key, True, "prefix_"))  # "Poison Ivy II" -> "Poison Ivy II: Lily"
        for index, attempt_key, exact_only, tag in attempts:
            found = find(index, attempt_key, year, exact_only) if attempt_key else None
            if found:
                rule = "ambiguous" if found[0] is None else tag + found[1]
                rows.append((movie_id, found[0], rule, (key, year)))
                break
    result = _frame(rows, ["movieId", "film", "rule", "identity"], "film")
    rank = result["rule"].map({rule: n for n, rule in enumerate(JOIN_RULES)})
    for _, claims in result[result["film"].notna()].groupby("film"):
        if len(claims) == 1:
            continue
        best = claims[rank[claims.index] == rank[claims.index].min()]
        losers = claims.index.difference(best.index) if best["identity"].nunique() == 1 \
            else claims.index
        result.loc[losers, ["film", "rule"]] = [None, "ambiguous"]
    return result.drop(columns="identity").sort_values("movieId", kind="stable").reset_index(
        drop=True)


def join_on_unique_title(movies: pd.DataFrame, texts: pd.DataFrame,
                         also_ambiguous: set[str] = frozenset()) -> pd.DataFrame:
    """Match movies (movieId, title) to texts (title; any index) on the normalised title alone.

    For sources without a year: a key joins ('unique_title') only when it names exactly one movie
    and one text; when it is also in `also_ambiguous` (keys another source knows as several
    films, e.g. remakes) the row says 'ambiguous_elsewhere' and `text` is None.
    Returns columns movieId, text (label in `texts`), rule; sorted by movieId.
    """
    movie_keys = [normalize_title(t) if isinstance(t, str) else "" for t in movies["title"]]
    text_keys = [normalize_title(t) if isinstance(t, str) else "" for t in texts["title"]]
    movie_count, text_count = Counter(movie_keys), Counter(text_keys)
    text_label = dict(zip(text_keys, texts.index))
    rows = [(movie_id, None, "ambiguous_elsewhere") if key in also_ambiguous
            else (movie_id, text_label[key], "unique_title")
            for movie_id, key in zip(movies["movieId"], movie_keys)
            if key and movie_count[key] == 1 and text_count[key] == 1]
    return _frame(rows, ["movieId", "text", "rule"], "text").sort_values("movieId", kind="stable") \
        .reset_index(drop=True)


def keys_with_several_films(films: pd.DataFrame) -> set[str]:
    """Normalised titles that name more than one film (different years) in `films`."""
    years: dict[str, set] = defaultdict(set)
    for title, year in zip(films["title"], films["year"]):
        if isinstance(title, str):
            years[normalize_title(title)].add(year)
    return {key for key, ys in years.items() if len(ys) > 1}


_INDIAN_CINEMA = ("Bollywood", "Tollywood", "Tamil cinema", "Malayalam Cinema", "Indian Western")


def plot_fits_movie(category: str, year: int | None, runtime: float | None,
                    countries: tuple[str, ...] = ()) -> bool:
    """False when a title-only plot match is contradicted by the plot's Wikipedia categories:
    a silent film or short cannot be a 1990 feature of the same name ("It", "Men in Black")."""
    category = category if isinstance(category, str) else ""
    if year is not None and "Silent film" in category and year >= 1930:
        return False
    if year is not None and "Black-and-white" in category and year >= 1970:
        return False
    if "Short Film" in category and runtime is not None and runtime > 45:
        return False
    indian = any(c in category for c in _INDIAN_CINEMA)
    return not (indian and countries and "India" not in countries)


def clean_plot(text: str) -> str:
    """Strip wiki markup left in the Wikipedia plots (templates, refs, links, entities, often
    unclosed) and the double spaces where actor names were cut ("Jane Austen  is")."""
    text = html.unescape(str(text))
    text = re.sub(r"\{\{\s*plot\s*\|\s*date", " ", text, flags=re.IGNORECASE)  # unclosed
    text = re.sub(r"<ref[^<>]*?(?:/>|>.*?</ref>|>|\}\})|</?[a-z]+[^<>]*>", " ", text,
                  flags=re.DOTALL)
    for _ in range(3):  # nested templates, innermost first; unclosed ones end at ">"
        text = re.sub(r"\{\{[^{}]*?(?:\}\}|>)", " ", text, flags=re.DOTALL)
    text = re.sub(r"\[https?://[^\]]*\]|https?://\S+|\}\}", " ", text)
    text = re.sub(r"\(\[\[[^()\[\]]*?(?=\s{2}|\s[,.;]|$)", " ", text)  # "([[Mukesh , his"
    text = re.sub(r"\s+", " ", text.replace("[[", "").replace("]]", ""))
    return re.sub(r"\s+([,.;:!?])", r"\1", text).strip()
