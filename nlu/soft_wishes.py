"""Soft wishes: moods and comparatives that are directions in taste, not keywords.

"less violent", "not too gory", "uplifting", "something to cry to", "funnier", "less dark" name
no word a film must mention; they move the interest toward some genres and away from others.
Each wish becomes one "attribute" entity: value "<direction>:up" or "<direction>:down" (e.g.
"violence:down"), `weights` the signed genre weights the state adds as genre-prototype signals
(bot/dialogue/state.py). A lowering wish ("not too X", "less X", "non-X") has UNWANTED polarity,
so the wanted text drops it, and it never becomes a hard constraint or a "mentions X" reason.
Facets the catalog lacks (runtime: "shorter", "longer") give a direction with no weights: the
word is then at least no keyword ("shorter" is not The Big Short).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# direction → genre weights (catalog genre names) for "more of it"; "less of it" negates them.
# Each direction is balanced (its weights sum to about 0): every film shares much of its vector
# with every genre prototype, and only a balanced sum leaves that common part out, so "less
# violent" moves toward the gentler genres instead of toward odd films far from all of them.
DIRECTIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "violence": (("Horror", 1.0), ("War", 1.0), ("Crime", 1.0), ("Action", 0.5),
                 ("Thriller", 0.5), ("Comedy", -1.0), ("Children", -1.0), ("Romance", -0.5),
                 ("Animation", -0.5), ("Musical", -0.5)),
    "darkness": (("Film-Noir", 1.0), ("Crime", 0.7), ("Horror", 0.7), ("Thriller", 0.5),
                 ("Drama", 0.3), ("Comedy", -1.0), ("Children", -1.0), ("Animation", -0.7),
                 ("Musical", -0.5)),
    "fear": (("Horror", 1.0), ("Thriller", 0.7), ("Mystery", 0.3), ("Comedy", -0.7),
             ("Children", -0.7), ("Romance", -0.6)),
    "lightness": (("Comedy", 1.0), ("Children", 0.5), ("Animation", 0.5), ("Musical", 0.5),
                  ("Romance", 0.3), ("Horror", -0.7), ("War", -0.7), ("Crime", -0.5),
                  ("Film-Noir", -0.5), ("Thriller", -0.4)),
    "humour": (("Comedy", 1.0), ("Drama", -0.5), ("Thriller", -0.3), ("Horror", -0.2)),
    "sadness": (("Drama", 1.0), ("Romance", 0.5), ("Comedy", -0.7), ("Action", -0.5),
                ("Horror", -0.3)),
    "excitement": (("Action", 1.0), ("Thriller", 0.7), ("Adventure", 0.7), ("Drama", -1.0),
                   ("Romance", -0.7), ("Documentary", -0.7)),
    "calm": (("Drama", 0.5), ("Romance", 0.5), ("Documentary", 0.3), ("Animation", 0.2),
             ("Action", -0.5), ("Horror", -0.5), ("Thriller", -0.5)),
    "seriousness": (("Drama", 1.0), ("Comedy", -0.7), ("Children", -0.3)),
    "length": (),  # no runtime facet in the catalog
}
# words (and their comparatives) → (direction, sign of "more of the word")
WORDS: dict[str, tuple[str, int]] = {}
for _direction, _sign, _words in (
    ("violence", 1, "violent violence gory gore bloody blood brutal graphic gruesome"),
    ("violence", -1, "nonviolent peaceful"),
    ("darkness", 1, "dark darker grim bleak depressing heavy disturbing"),
    ("fear", 1, "scary scarier frightening creepy creepier terrifying spooky"),
    ("lightness", 1, """uplifting light lighter lighthearted light-hearted feelgood feel-good
        heartwarming heart-warming cheerful happy happier upbeat wholesome fun"""),
    ("humour", 1, "funnier humorous hilarious goofy silly sillier"),
    ("sadness", 1, "sad sadder tearjerker tear-jerker weepy emotional moving"),
    ("excitement", 1, "exciting thrilling intense action-packed gripping suspenseful"),
    ("calm", 1, "calm calmer relaxing slow slower chill mellow quiet"),
    ("seriousness", 1, "serious"),
    ("length", -1, "short shorter quick quicker"),
    ("length", 1, "long longer epic"),
):
    for _word in _words.split():
        WORDS[_word] = (_direction, _sign)
# phrases that are wishes as a whole
PHRASES = {"something to cry to": ("sadness", 1), "make me cry": ("sadness", 1),
           "to cry to": ("sadness", 1), "cheer me up": ("lightness", 1),
           "make me laugh": ("humour", 1), "less blood": ("violence", -1)}
_LOWER = r"less|not too|not so|not very|not that|not as|not overly|nothing too|nothing overly|" \
         r"without much|without too much|too|a little less|bit less|fewer|non|no"
_RAISE = r"more|extra|really|very|super|even more"
_WORD = "|".join(sorted((re.escape(w) for w in WORDS), key=len, reverse=True))
_PATTERN = re.compile(
    rf"(?:(?P<phrase>{'|'.join(map(re.escape, PHRASES))})"
    rf"|(?:(?P<mod>{_LOWER}|{_RAISE})[\s-]+)?(?P<word>{_WORD}))\b",
    re.IGNORECASE,
)
# a "light" / "long" / "slow" before these is no wish ("long time", "light saber")
_NOT_BEFORE = re.compile(r"\s+(?:time|ago|way|saber|years?|weekend|story|while|list|shot)\b",
                         re.IGNORECASE)


_QUESTION_BEFORE = re.compile(r"\bhow\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class SoftWish:
    start: int  # character span in the text
    end: int
    direction: str  # a key of DIRECTIONS
    sign: int  # +1 more of it, -1 less
    modified: bool = False  # a modifier before the word set the sign ("less", "not too", "more")

    @property
    def value(self) -> str:
        return f"{self.direction}:{'up' if self.sign > 0 else 'down'}"

    @property
    def weights(self) -> tuple[tuple[str, float], ...]:
        """Signed genre weights of this wish, strongest first."""
        return tuple((genre, self.sign * w) for genre, w in DIRECTIONS[self.direction])


def find_soft_wishes(text: str) -> list[SoftWish]:
    """Soft wishes of `text` in order. "not too gory" → violence down; "funnier" → humour up;
    "scary" stays the Horror genre it already is (nlu/entities.py drops a wish a wanted genre
    covers)."""
    out = []
    for match in _PATTERN.finditer(text):
        if not (match.start() == 0 or not text[match.start() - 1].isalnum()):
            continue
        if _NOT_BEFORE.match(text, match.end()) or _QUESTION_BEFORE.search(text[:match.start()]):
            continue  # "a long time ago", "how long is it"
        modifier = (match.group("mod") or "").lower()
        if match.group("phrase"):
            direction, sign = PHRASES[match.group("phrase").lower()]
        else:
            direction, sign = WORDS[match.group("word").lower()]
            if re.fullmatch(_LOWER, modifier):
                sign = -sign
        out.append(SoftWish(match.start(), match.end(), direction, sign, bool(modifier)))
    return out
