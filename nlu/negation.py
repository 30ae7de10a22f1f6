"""Negation scope: which words of an utterance are UNWANTED ("no horror or thrillers").

A cue ("not", "no more", "anything but", "tired of", "less", ...) negates what follows it up to the
end of its clause. A clause ends at . ; ! ? ( ) or a quote, at "but", "though", "instead", "rather",
"maybe", "more", "prefer", and at "and" when a new clause starts ("and I want ..."), and where a
new request starts without punctuation ("what about", "how about", "i love", "give me",
"recommend": "I don't really like horror movies what about thrillers" wants the thrillers).
A comma ends it
too, unless what follows is the rest of a list ("no horror, thrillers or gore"): "not a romance, a
comedy" wants the comedy. "too" negates only the next two words ("too long", "not too violent").
Some phrases look negative and are not: "I don't mind horror", "not bad", "nothing but comedies",
"I haven't seen it" / "never seen" (not having seen a film is no rejection of it).
Negation does not flip twice: "not too long" is simply long, unwanted.
One cue looks back: "my girlfriend likes horror but I don't" ends a clause with the person's own
"but I don't" (`_DISSENTS`), which negates the clause before it (`dissented_words`).
"""

from __future__ import annotations

from nlu.entity_words import (
    AND_CLAUSE_STARTERS,
    NEGATION_CUES,
    NEGATION_EXCEPTIONS,
    NEW_REQUEST_STARTERS,
    NEW_REQUEST_WORDS,
    NO_FOLLOWERS_NOT_NEGATED,
    SCOPE_BREAKERS,
    STOPWORDS,
)

_CLAUSE_PUNCTUATION = frozenset('.;!?()"“”')
_MAX_CUE_WORDS = 3


def _phrase_at(
    words: list[str], gaps_before: list[str], covered: list[bool], i: int, phrases: frozenset[str]
) -> int:
    """Length in words of the longest phrase of `phrases` starting at word i, or 0."""
    for length in range(min(_MAX_CUE_WORDS, len(words) - i), 0, -1):
        if any(covered[i : i + length]) or any(g.strip() for g in gaps_before[i + 1 : i + length]):
            continue
        if " ".join(words[i : i + length]) in phrases:
            return length
    return 0


def starts_new_request(words: list[str], gaps_before: list[str], k: int) -> bool:
    """Does a new request start at word k ("what about X", "i love X", "recommend X")?"""
    if words[k] in NEW_REQUEST_WORDS:
        return True
    return (k + 1 < len(words) and not gaps_before[k + 1].strip()
            and f"{words[k]} {words[k + 1]}" in NEW_REQUEST_STARTERS)


def _ends_clause(gap: str) -> bool:
    return any(c in _CLAUSE_PUNCTUATION for c in gap)


def _list_continues(words: list[str], gaps_before: list[str], k: int) -> bool:
    """After a comma at word k: is this the rest of a list ("..., thrillers or gore")?"""
    if (
        words[k] in SCOPE_BREAKERS
        or words[k] in AND_CLAUSE_STARTERS
        or (words[k] in STOPWORDS and words[k] not in ("a", "an", "the", "no", "any"))
    ):
        return False  # "..., how about X or Y" starts anew
    for j in range(k, len(words)):
        if j > k and (_ends_clause(gaps_before[j]) or "," in gaps_before[j]):
            return False
        if words[j] in ("or", "nor"):
            return True
    return False


# "... but i dont", "..., not me", "... i dont though": the speaker dissents from the clause
# before (what someone else likes); only at the end of the message or of its clause
_DISSENTS = frozenset((
    "but i dont", "but i do not", "but im not", "but i am not", "but not me", "but i hate it",
    "but i cant stand it", "but i dont like it", "but i do not like it", "not me", "i dont though",
    "but i hate them", "but i cant stand them", "but i dont like them", "but i dont really",
))
_DISSENT_WORDS = 6


def dissented_words(words: list[str], gaps_before: list[str], covered: list[bool]) -> list[bool]:
    """For each word: does a closing dissent ("but i dont") negate it? The words from the
    clause's start (punctuation or the message's start) up to the dissent."""
    n = len(words)
    negated = [False] * n
    for start in range(n):
        for length in range(min(_DISSENT_WORDS, n - start), 1, -1):
            end = start + length
            if any(covered[start:end]) or " ".join(words[start:end]) not in _DISSENTS:
                continue
            if any(_ends_clause(g) for g in gaps_before[start + 1:end]):
                continue
            if end < n and not (_ends_clause(gaps_before[end]) or "," in gaps_before[end]):
                continue  # "but i dont like sad ones": a cue of its own, read forwards
            k = start - 1
            while k >= 0:
                negated[k] = True
                if _ends_clause(gaps_before[k]) or "," in gaps_before[k]:
                    break
                k -= 1
            break
    return negated


def negated_words(words: list[str], gaps_before: list[str], covered: list[bool]) -> list[bool]:
    """For each word: is it inside a negation's scope?

    words: normalised words; gaps_before[i]: punctuation between word i - 1 and word i;
    covered[i]: word i belongs to a title or name, so it cannot be a cue ("No Country for Old Men").
    """
    n = len(words)
    negated = [False] * n
    i = 0
    while i < n:
        if covered[i]:
            i += 1
            continue
        skip = _phrase_at(words, gaps_before, covered, i, NEGATION_EXCEPTIONS)
        if skip:
            i += skip
            continue
        length = _phrase_at(words, gaps_before, covered, i, NEGATION_CUES)
        if not length:
            i += 1
            continue
        cue = " ".join(words[i : i + length])
        end = i + length
        if (
            cue == "no"
            and end < n
            and (words[end] in NO_FOLLOWERS_NOT_NEGATED or gaps_before[end].strip())
        ):
            i = end
            continue
        limit = min(n, end + 2) if cue == "too" else n
        k = end
        while k < limit:
            gap = gaps_before[k]
            if _ends_clause(gap) or ("," in gap and not _list_continues(words, gaps_before, k)):
                break
            if not covered[k]:
                if words[k] in SCOPE_BREAKERS or (k > end and
                                                  starts_new_request(words, gaps_before, k)):
                    break
                if words[k] == "and" and k + 1 < n and words[k + 1] in AND_CLAUSE_STARTERS:
                    break
            negated[k] = True
            k += 1
        i = end
    return negated
