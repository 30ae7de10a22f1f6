"""Split a message into clauses, the spans its separate acts are read from.

"I've seen that one, not one of my favorites though" → "I've seen that one" | "not one of my
favorites though". A clause ends at . ! ? ; , (and "..."), and a new one starts, with or without
punctuation, before "but", "though" / "although" (when words follow), "what about", "how about",
"thanks" / "thank you", and a question word that starts a new question ("no what's it about").
A comma inside a list ("horror, thrillers or gore") is still a boundary: the acts placed in its
parts are the same intent, which is harmless (acts are per intent, not per clause).
"""

from __future__ import annotations

import re

# words (lower case) that open a new clause when they follow other words of the message
_OPENERS = r"but|(?:al)?though\b(?=\s+\w)|however|instead|also|anyway|plus|thanks|thank you|thx"
_QUESTIONS = (r"who|whos|who's|what|whats|what's|when|where|why|how|is it|does it|did it|was it"
              r"|can you|could you")
_BOUNDARY = re.compile(
    rf"[.!?;,]+\s*|\s+(?=(?:{_OPENERS}|{_QUESTIONS}|what about|how about)\b)", re.IGNORECASE
)
_MIN_CHARS = 2  # a clause of fewer non-space characters joins the one before it


def clause_spans(text: str) -> list[tuple[int, int]]:
    """[(start, end)] character spans of the clauses of `text`, in order, stripped of the
    punctuation and spaces between them; one span for a message with no boundary."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        a += len(text[a:b]) - len(text[a:b].lstrip())
        b -= len(text[a:b]) - len(text[a:b].rstrip())
        if b - a < _MIN_CHARS and merged:
            merged[-1] = (merged[-1][0], b)
        elif b > a:
            merged.append((a, b))
    return merged or [(0, len(text))]
