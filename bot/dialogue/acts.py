"""The acts of one message, and how their replies join into one (pure).

"the last one sounds good, who's in it?" holds an accept and a question; "not that one, something
newer" a rejection and a refinement; "no animated stuff, they've seen all of those" a dislike
and a seen. The NLU fills `Parse.acts`; when it has none (its classifier fell back), the
dialogue splits the message on clause boundaries (`split_clauses`) and reads each clause.
A message counts as several acts only when its clauses do different kinds of things
(`act_group`): "a comedy, not a romance" stays one request.
"""

from __future__ import annotations

import re

# what an act does, for deciding whether clauses are separate acts
GROUPS = {"accept": "feedback", "reject": "feedback", "seen": "feedback", "rate": "feedback",
          "ask_item_info": "question",
          "request_recommendation": "request", "state_preference": "request",
          "refine": "request", "ask_more": "request"}
# clause ends: sentence punctuation, a comma, or "but" / "though" / "so" after a word
_BOUNDARY = re.compile(r"[.!?;,]+\s+|[.!?;]+$|\s+(?=(?:but|though|so|and then)\s)")
# a full stop after an initial or a title is no clause end: "David S. Ward", "Dr. Strangelove"
_ABBREVIATION = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|Vol|No)$")


def split_clauses(text: str) -> list[tuple[int, int]]:
    """[(start, end)] character spans of the message's clauses, in order, without the
    punctuation between them and without empty ones: "not that one, something newer" →
    [(0, 12), (14, 29)]."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(text):
        if match.group(0).startswith(".") and _ABBREVIATION.search(text[:match.start()]):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for a, b in spans:
        while a < b and text[a] in " ,":
            a += 1
        while b > a and text[b - 1] in " ,.!?;":
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed


# a clause that asks about an item in focus ("whos in it", "what's it about", "is it scary"):
# a question word first, a pronoun for the item or a question about a film's facts after it
_ITEM_QUESTION = re.compile(
    r"^(?:who'?s|whos|who|what'?s|whats|what|how|is|does|did|was|when)\b.*"
    r"\b(?:it|that|this|that one|this one|in it|about|directed|plays|stars?)\b", re.IGNORECASE)


def item_question(clause: str) -> bool:
    """Does this clause ask about an item: "whos in it", "what is it about", "how long is it"?"""
    return bool(_ITEM_QUESTION.search(clause.strip()))


def act_group(intent: str) -> str | None:
    return GROUPS.get(intent)


def separate_acts(intents: list[str], confidences: list[float], min_confidence: float = 0.5
                  ) -> bool:
    """Clauses with these intents are separate acts: at least two of them are sure enough and
    do different kinds of things (feedback, question, request)."""
    groups = {act_group(i) for i, c in zip(intents, confidences, strict=True)
              if act_group(i) is not None and c >= min_confidence}
    return len(groups) >= 2


def joined(texts: list[str]) -> str:
    """One reply from the acts' replies, in order, without repeats or empties."""
    return " ".join(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
