"""Written ↔ spoken forms of what people say to convrec, and word error rate (pure functions).

The recogniser's language model is trained on spoken forms ("from the nineties", "nineteen
ninety five"); its transcripts are turned back into the written forms the NLU reads ("1995").
Only years and decades are turned back into digits: small numbers stay words ("the first two"),
and title keys already treat "two" and "2" alike.
"""

from __future__ import annotations

import re

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
DECADES = {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60,
           "seventies": 70, "eighties": 80, "nineties": 90}
ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
            "6th": "sixth", "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth"}


def number_words(n: int) -> str:
    """0 ≤ n < 10000 as English words: 42 → "forty two", 305 → "three hundred five"."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    rest = n % 1000
    return ONES[n // 1000] + " thousand" + ("" if rest == 0 else " " + number_words(rest))


def year_words(year: int) -> str:
    """How a year is said: 1995 → "nineteen ninety five", 1900 → "nineteen hundred",
    2005 → "two thousand five", 2012 → "twenty twelve"."""
    if 2000 <= year <= 2009:
        return number_words(year)
    century, rest = divmod(year, 100)
    if rest == 0:
        return number_words(century) + " hundred"
    return number_words(century) + (" oh " + ONES[rest] if rest < 10 else " " + number_words(rest))


def decade_words(decade: int) -> str:
    """1990 → "nineties" (no century word: that is how people say it); 2010 → "twenty tens"."""
    if 1920 <= decade <= 1990:
        return list(DECADES)[(decade - 1920) // 10]
    if decade == 2000:
        return "two thousands"
    said = year_words(decade)  # "twenty ten", "twenty twenty"
    if decade % 100 == 0:
        return said + "s"
    return said[:-1] + "ies" if said.endswith("y") else said + "s"


_TOKEN = re.compile(r"['’]?\d+(?:st|nd|rd|th|s|'s)?|[a-z]+(?:['’][a-z]+)*")


def to_spoken(text: str) -> list[str]:
    """A written request → the words a person would say, lower case, no punctuation.

    "a comedy from the 90s, not before 1985" → [..., "the", "nineties", ..., "nineteen",
    "eighty", "five"]. Hyphens split words ("sci-fi" → "sci fi"); "&" is "and".
    """
    words: list[str] = []
    text = text.lower().replace("&", " and ").replace("-", " ")
    for token in _TOKEN.findall(text):
        token = token.replace("’", "'").lstrip("'")
        if token in ORDINALS:
            words.append(ORDINALS[token])
        elif token.isdigit():
            n = int(token)
            words.extend((year_words(n) if 1900 <= n <= 2099 else number_words(n) if n < 10000
                          else " ".join(ONES[int(d)] for d in token)).split())
        elif re.fullmatch(r"\d+(s|'s)", token):
            n = int(re.match(r"\d+", token).group())
            if n < 100 and n % 10 == 0:
                words.append(decade_words(1900 + n))
            elif 1900 <= n <= 2090 and n % 10 == 0:
                words.extend(decade_words(n).split())
            else:
                words.extend(number_words(n).split())
        elif re.fullmatch(r"\d+(st|nd|rd|th)", token):
            words.extend(number_words(int(token[:-2])).split())  # rare beyond 10th: cardinal
        else:
            words.append(token)
    return words


_UNITS = {w: i for i, w in enumerate(ONES)}
_TENS_WORDS = {w: i * 10 for i, w in enumerate(TENS) if w}
_DECADE_TENS = {"tens": 10, "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50,
                "sixties": 60, "seventies": 70, "eighties": 80, "nineties": 90}


def _two_digit(words: list[str], i: int) -> tuple[int | None, int]:
    """Parse "ninety five" / "ninety" / "twelve" / "oh five" at words[i:]; (value, words used)."""
    if i >= len(words):
        return None, 0
    w = words[i]
    if w == "oh" and i + 1 < len(words) and words[i + 1] in _UNITS and _UNITS[words[i + 1]] < 10:
        return _UNITS[words[i + 1]], 2
    if w in _TENS_WORDS:
        if i + 1 < len(words) and words[i + 1] in _UNITS and 0 < _UNITS[words[i + 1]] < 10:
            return _TENS_WORDS[w] + _UNITS[words[i + 1]], 2
        return _TENS_WORDS[w], 1
    if w in _UNITS and _UNITS[w] >= 10:
        return _UNITS[w], 1
    return None, 0


def to_written(transcript: str) -> str:
    """A recogniser transcript → text for the NLU: spoken years and decades become digits.

    "nineteen ninety five" → "1995", "nineteen nineties" → "1990s", "two thousand five" → "2005",
    "twenty twelve" → "2012"; everything else is left as it was ("the nineties" is understood).
    """
    words = transcript.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        century = {"nineteen": 19, "twenty": 20}.get(w)
        if w == "two" and i + 1 < len(words) and words[i + 1] in ("thousand", "thousands"):
            if words[i + 1] == "thousands":
                out.append("2000s")
                i += 2
                continue
            rest, used = (_UNITS.get(words[i + 2]), 1) if i + 2 < len(words) else (None, 0)
            if rest is not None and rest < 10:
                out.append(str(2000 + rest))
                i += 2 + used
            else:
                out.append("2000")
                i += 2
            continue
        if century is not None and i + 1 < len(words):
            nxt = words[i + 1]
            if nxt in _DECADE_TENS:
                out.append(f"{century}{_DECADE_TENS[nxt]}s")
                i += 2
                continue
            if nxt in ("hundred", "hundreds"):
                out.append(f"{century}00" + ("s" if nxt == "hundreds" else ""))
                i += 2
                continue
            value, used = _two_digit(words, i + 1)
            if value is not None and (century == 19 or value >= 10):
                out.append(f"{century}{value:02d}")
                i += 1 + used
                continue
        out.append(w)
        i += 1
    return " ".join(out)


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(word edits, reference words): Levenshtein distance over words (substitutions,
    insertions, deletions). WER = edits / reference words, summed over a test set first."""
    ref, hyp = reference.split(), hypothesis.split()
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1], len(ref)
