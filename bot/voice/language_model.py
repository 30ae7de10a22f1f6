"""The offline recogniser's language model, built from what people say to convrec.

pocketsphinx's general English model turns "recommend me a funny movie from the nineties" into
"and thought you read i see". A small trigram model of this domain fixes most of that. Its
corpus, in spoken form (bot/voice/spoken.py):
- every example of the intent training data (`data/nlu.yml`), twice;
- request templates filled with the catalog's genres (and their synonyms in nlu.yml), decades,
  years, the most rated titles and the most rated films' directors and actors;
- references to the shown list ("not the second one", "who directed the third one").
The model is an ARPA back-off trigram (pocketsphinx.lm.ArpaBoLM, fixed discount 0.5) with a
pronouncing dictionary of its words only: CMUdict where it has the word, else espeak-ng's
phonemes mapped to the CMU phone set (names such as "Gromit", "Shyamalan").

Built once into <artifacts>/models/voice/ (lm.arpa, words.dict, manifest.json) and rebuilt when
its inputs or settings change.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pocketsphinx import get_model_path
from pocketsphinx.lm import ArpaBoLM

from bot.voice.spoken import DECADES, to_spoken, year_words
from nlu.training_data import load_nlu_yaml
from recommender.domain.catalog import Catalog

VERSION = 3  # bump when the corpus recipe changes

REQUESTS = [
    "recommend me a {genre} movie", "something {genre}", "a {genre} movie from the {decade}",
    "i want to watch a {genre} film", "show me some {genre} movies", "any good {genre} movies",
    "a {genre} from the {decade} not a {genre2}", "{genre} movies with {person}",
    "movies directed by {person}", "something like {title}", "more like {title}",
    "i loved {title}", "i liked {title} anything similar", "a movie like {title} but newer",
    "tell me about {title}", "who directed {title}", "who is in {title}", "anything but {genre}",
    "no more {person} please", "not a {genre}", "nothing before {year}", "something from {year}",
    "a movie with {person}", "i love {person}", "what about {title}", "i have seen {title}",
    "something funny from the {decade}", "a {genre} with {person}", "i don't want {genre}",
    "give me a {genre} from the {decade}", "what should i watch tonight", "a good {genre} movie",
    "something from the {decade}", "an old {genre} movie", "a recent {genre} movie",
    "no {genre} please", "i'm in the mood for a {genre}", "i hated {title}",
    "recommend me a funny movie from the {decade}", "find me a {genre} film",
    "i'd like a {genre} movie with {person}", "movies by {person} from the {decade}",
    "is {title} any good", "i already saw {title}", "what is {title} about",
]
REFERENCES = [
    "the {ordinal} one", "not the {ordinal} one", "seen the {ordinal} one",
    "tell me about the {ordinal} one", "who directed the {ordinal} one",
    "who is in the {ordinal} one", "more like the {ordinal} one", "i'll watch the {ordinal} one",
    "i loved the {ordinal} one", "what is the {ordinal} one about",
    "when did the {ordinal} one come out", "i've seen the {ordinal} one",
    "the {ordinal} one looks good", "no not the {ordinal} one",
]
SHORT = [
    "more", "show me more", "something else", "older", "newer", "older please", "yes", "no",
    "thanks", "thank you", "bye", "goodbye", "hello", "hi", "start over", "seen it",
    "not that one", "i'll watch it", "loved it", "more please", "something different",
    "surprise me", "help",
]
ORDINALS = ["first", "second", "third", "last"]
ROMAN = {"ii": "two", "iii": "three", "iv": "four", "v": "five", "vi": "six", "vii": "seven",
         "viii": "eight", "ix": "nine", "x": "ten", "vol": "volume", "pt": "part"}

# espeak-ng IPA → CMU phones (longest symbol first when parsing)
IPA_TO_CMU = {
    "tʃ": "CH", "dʒ": "JH", "aɪ": "AY", "aʊ": "AW", "eɪ": "EY", "oʊ": "OW", "ɔɪ": "OY",
    "iə": "IY AH", "ɪə": "IH R", "eə": "EH R", "ʊə": "UH R", "ɑː": "AA", "ɔː": "AO",
    "ɜː": "ER", "iː": "IY", "uː": "UW", "oː": "OW", "aː": "AA", "ɚ": "ER", "ɝ": "ER",
    "ɑ": "AA", "ɒ": "AA", "æ": "AE", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɛ": "EH", "e": "EH",
    "ɪ": "IH", "ᵻ": "IH", "i": "IY", "ʊ": "UH", "u": "UW", "ɔ": "AO", "o": "OW", "a": "AA",
    "ɜ": "ER", "y": "UW", "ø": "ER", "b": "B", "d": "D", "f": "F", "ɡ": "G", "g": "G",
    "h": "HH", "j": "Y", "k": "K", "l": "L", "ɫ": "L", "m": "M", "n": "N", "ŋ": "NG",
    "p": "P", "ɹ": "R", "r": "R", "s": "S", "ʃ": "SH", "t": "T", "θ": "TH", "ð": "DH",
    "v": "V", "w": "W", "z": "Z", "ʒ": "ZH", "ɾ": "T", "ʔ": "T", "x": "K", "ç": "HH",
    "ɬ": "L", "ʲ": "", "ː": "", "ˈ": "", "ˌ": "", "\u0329": "",
}
_IPA_SYMBOLS = sorted(IPA_TO_CMU, key=len, reverse=True)


@dataclass(frozen=True)
class VoiceModel:
    lm: Path  # ARPA trigram model
    dictionary: Path  # pronunciations of the model's words
    manifest: dict


def spoken_title(title: str) -> list[str]:
    """What people call a film aloud: its main title (before a colon), Roman numerals as words.
    "Star Wars: Episode IV - A New Hope" → ["star", "wars"]; "Rocky II" → ["rocky", "two"]."""
    main = re.split(r"\s*:\s+|\s+-\s+|\s*\(", title)[0]
    return [ROMAN.get(w, w) for w in to_spoken(main)]


def popular_people(catalog: Catalog, limit: int) -> list[str]:
    """Directors and the first three billed actors, weighted by the ratings of their films."""
    weight: Counter[str] = Counter()
    for item in catalog.items:
        for person in (*item.directors[:2], *item.cast[:3]):
            weight[person] += item.n_ratings
    return [person for person, _ in weight.most_common(limit)]


def genre_words(catalog: Catalog, synonyms: dict[str, str]) -> list[str]:
    """Catalog genres and their synonyms from nlu.yml, spoken ("sci fi", "romantic comedy")."""
    canon = {g.lower() for g in catalog.genres if g != "(no genres listed)"}
    words = canon | {syn for syn, value in synonyms.items() if value.lower() in canon}
    return sorted({" ".join(to_spoken(w)) for w in words} - {""})


def build_corpus(nlu_path: Path, catalog: Catalog, popular_titles: int, people: int,
                 seed: int = 7) -> list[str]:
    """Sentences (spoken form, one per entry) for the language model; deterministic."""
    rng = random.Random(seed)
    data = load_nlu_yaml(nlu_path)
    sentences = [" ".join(to_spoken(ex.text)) for ex in data.examples] * 2
    items = sorted(catalog.items, key=lambda item: -item.n_ratings)[:popular_titles]
    titles = [" ".join(spoken_title(item.title)) for item in items]
    names = [" ".join(to_spoken(person)) for person in popular_people(catalog, people)]
    genres = genre_words(catalog, data.synonyms)
    decades = list(DECADES) + ["twenty tens", "two thousands"]
    years = [year_words(y) for y in range(1950, 2017)]
    fills = {"title": titles, "person": names, "genre": genres, "genre2": genres,
             "decade": decades, "year": years}

    def fill(template: str) -> str:
        return template.format(**{k: rng.choice(v) for k, v in fills.items()
                                  if "{" + k + "}" in template})

    # every title, person and genre in at least three sentences; every template used often
    for kind, values in (("title", titles), ("person", names), ("genre", genres)):
        templates = [t for t in REQUESTS if "{" + kind + "}" in t]
        for value in values:
            for template in rng.sample(templates, min(3, len(templates))):
                sentences.append(template.replace("{" + kind + "}", value, 1).format(
                    **{k: rng.choice(v) for k, v in fills.items() if "{" + k + "}" in template}))
    sentences += [fill(t) for t in REQUESTS for _ in range(20)]
    sentences += [t.format(ordinal=o) for t in REFERENCES for o in ORDINALS for _ in range(3)]
    sentences += SHORT * 5
    return [s for s in (" ".join(s.split()) for s in sentences) if s]


def cmu_dictionary(path: Path) -> dict[str, list[str]]:
    """CMUdict file → word → pronunciations ("word(2)" variants folded in)."""
    entries: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            if phones:
                entries.setdefault(word.split("(")[0], []).append(phones.strip())
    return entries


def ipa_to_cmu(ipa: str) -> str | None:
    """One word of espeak-ng IPA (phonemes separated by "_") → CMU phones; None if unmappable."""
    phones = []
    for symbol in ipa.strip().replace(" ", "_").split("_"):
        while symbol:
            for candidate in _IPA_SYMBOLS:
                if symbol.startswith(candidate):
                    phones.extend(IPA_TO_CMU[candidate].split())
                    symbol = symbol[len(candidate):]
                    break
            else:
                return None
    return " ".join(phones) or None


def espeak_pronunciations(words: list[str]) -> dict[str, str]:
    """Pronunciations for words CMUdict lacks, from espeak-ng's letter-to-sound rules."""
    if not words:
        return {}
    out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", "--sep=_"],
                         input="\n".join(words) + "\n", capture_output=True, text=True,
                         timeout=120, check=True).stdout.splitlines()
    lines = [line for line in out if line.strip()]
    if len(lines) != len(words):
        raise RuntimeError(f"espeak-ng gave {len(lines)} pronunciations for {len(words)} words")
    found = {}
    for word, ipa in zip(words, lines):
        phones = ipa_to_cmu(ipa)
        if phones:
            found[word] = phones
    return found


def _inputs_digest(nlu_path: Path, catalog_dir: Path, settings: dict) -> str:
    digest = hashlib.sha256(json.dumps({**settings, "version": VERSION}, sort_keys=True).encode())
    digest.update(Path(nlu_path).read_bytes())
    manifest = catalog_dir / "manifest.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()[:16]


def ensure_voice_model(nlu_path: Path, catalog: Catalog, catalog_dir: Path, folder: Path,
                       popular_titles: int, people: int,
                       log: Callable[[str], None] = lambda m: None) -> VoiceModel:
    """Load the built model, or build it (seconds) when absent or stale."""
    folder = Path(folder)
    settings = {"popular_titles": popular_titles, "people": people}
    digest = _inputs_digest(nlu_path, catalog_dir, settings)
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("digest") == digest:
            return VoiceModel(folder / "lm.arpa", folder / "words.dict", manifest)
    log(f"Building the voice language model ({popular_titles} titles, {people} people) ...")
    sentences = build_corpus(nlu_path, catalog, popular_titles, people)
    cmu = cmu_dictionary(Path(get_model_path()) / "en-us" / "cmudict-en-us.dict")
    vocabulary = sorted({w for s in sentences for w in s.split()})
    missing = [w for w in vocabulary if w not in cmu]
    guessed = espeak_pronunciations(missing)
    unknown = set(missing) - set(guessed)
    sentences = [s for s in sentences if not unknown & set(s.split())]
    vocabulary = sorted({w for s in sentences for w in s.split()})
    model = ArpaBoLM(text="\n".join(sentences), add_start=True, discount_mass=0.5)
    model.compute()
    folder.mkdir(parents=True, exist_ok=True)
    arpa = io.StringIO()
    model.write(arpa)
    (folder / "lm.arpa").write_text(arpa.getvalue(), encoding="utf-8")
    lines = []
    for word in vocabulary:
        for i, phones in enumerate(cmu.get(word) or [guessed[word]]):
            lines.append(f"{word}{'' if i == 0 else f'({i + 1})'} {phones}")
    (folder / "words.dict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "corpus.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    manifest = {"digest": digest, **settings, "sentences": len(sentences),
                "words": len(vocabulary), "espeak_pronunciations": len(guessed),
                "dropped_words": sorted(unknown)}
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    log(f"Voice model: {len(sentences)} sentences, {len(vocabulary)} words "
        f"({len(guessed)} pronounced by espeak-ng, {len(unknown)} dropped).")
    return VoiceModel(folder / "lm.arpa", folder / "words.dict", manifest)
