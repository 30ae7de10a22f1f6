"""What a bare "yes / no / sure / ok / lol / that one / I'll watch that" means, given what the bot
just asked (pure, table-driven).

A short reply carries no content of its own: its meaning is the answer to the bot's last prompt.
`short_reply_kind(text)` says which kind of short reply a message is (or None: it says more than
that); `meaning(kind, asked, focus_item, shown)` looks the pair up in `TABLE` and returns the
intent the turn stands for and the item it is about.

The bot's prompts (`asked`, kept in the session state, set by the agent after each reply):
- "item": an item card (facts about one item, "I'll watch it / Not for me"): the item is in focus;
- "list": a list of suggestions;
- "more_like_it": "Great choice … Want more like it?" after an accepted item;
- "more": "Want more suggestions?" (after thanks);
- "preference": "What are you in the mood for?" (greeting, clarifying question, reset, help text);
- "which": "Which one do you mean?";
- None: nothing asked yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YES, NO, PICK, LAUGH, BYE = "yes", "no", "pick", "laugh", "bye"

_YES = r"(yes+|yeah+|yea|ya+|yep|yup|sure|ok+|okay|okey|k|kk|alright|all right|fine|cool|great|" \
       r"nice|sounds good|sounds great|perfect|definitely|absolutely|of course|please|yes please|" \
       r"why not|go on|go ahead|do it|deal|awesome|sweet|good|love it|i love it|i like it|" \
       r"(yes )?of course|i do|i did|i have|for sure|indeed|totally|exactly|agreed|i agree|" \
       r"true|right)"
_NO = r"(no+|nope|nah+|no thanks|no thank you|not really|nothing|never mind|nevermind|pass|" \
      r"i'?m good|im good|i'?m ok|all good|that'?s all|that'?s it|not now|i don'?t think so|" \
      r"not yet)"
_PICK = r"(that one|this one|that|this|it|that movie|this movie|that film|the one|" \
        r"i'?ll (watch|take|try|see|go with|check out) (that|this|it|that one|this one)( one)?|" \
        r"i'?ll (watch|take) it|let'?s (watch|do|go with) (that|this|it)( one)?|" \
        r"(that|this|it) (one )?(sounds|looks) (good|great|interesting|fun|perfect)|" \
        r"(sounds|looks) (interesting|fun)|i want (that|this|it)( one)?)"
_LAUGH = r"(lol+|lmao+|haha+|hahaha+|hehe+|rofl|:\)|:d|xd|omg|wow|hmm+|huh)"
_BYE = r"(you too|you as well|same to you|likewise|hope (we|to) (chat|talk)( again)?( soon)?|" \
       r"have a (good|great|nice) (day|night|one|evening|weekend))"
_PATTERNS = [(kind, re.compile(rf"^(?:{pattern})$")) for kind, pattern in
             ((YES, rf"{_YES}(?: {_YES})*"),  # "ok cool", "yeah sure sounds good"
              (NO, _NO), (PICK, _PICK), (LAUGH, _LAUGH), (BYE, _BYE))]
# thanks for the help, in any words: "those were all really good suggestions"
THANKS = re.compile(r"\b(good|great|nice|awesome|excellent|some) (suggestions|recommendations|"
                    r"picks|ideas)\b|\bthanks? (you )?(so much |a lot )?for (the|your|all|"
                    r"these|those)\b")
_LEADING_YES = re.compile(r"^(yes+|yeah+|yea|ya+|yep|yup|sure|ok+|okay|alright|cool|great)\s+")
_FILLER = re.compile(r"\b(oh|well|um+|uh+|so|then|just|man|dude|lol|haha+|"
                     r"i guess|i think|maybe)\b")


def short_reply_kind(text: str) -> str | None:
    """YES, NO, PICK, LAUGH or BYE for a message that says nothing else; None otherwise.

    Case, punctuation, emphasis ("yesss"), filler ("oh ok", "ok lol") and a trailing "then" are
    ignored: "Sure!" → YES, "nah" → NO, "I'll watch that" → PICK, "lol" → LAUGH."""
    words = re.sub(r"[^a-z0-9':() ]+", " ", text.lower()).split()
    if not words or len(words) > 7:
        return None
    cleaned = " ".join(words)
    kinds = [kind for kind, pattern in _PATTERNS if pattern.match(cleaned)]
    if kinds:
        return kinds[0]
    stripped = " ".join(_FILLER.sub(" ", cleaned).split())
    if not stripped:  # only filler: "lol", "haha"
        return LAUGH
    kinds = [kind for kind, pattern in _PATTERNS if pattern.match(stripped)]
    if kinds:
        return kinds[0]
    # "ok ill watch that", "yeah that one": a yes before a pick is the pick
    picked = _LEADING_YES.sub("", stripped)
    return PICK if picked != stripped and dict(_PATTERNS)[PICK].match(picked) else None


@dataclass(frozen=True)
class Meaning:
    """What a short reply stands for: an intent the policy knows, and the item it is about."""

    intent: str  # accept | reject | ask_more | goodbye | surprise | clarify | which | acknowledge
    #              | describe (show the item's card)
    item_id: str | None = None


# (asked, kind) → intent; "focus" in the value means: about the item in focus (or the only one
# shown), and falls back to "which" when there is none; "first": about the first item of the list.
# A bare yes to a list with no item in focus asks once which one, naming them; a yes to that
# question shows the first item's card (a yes to the card then takes it), so yes, yes, yes moves
# on instead of asking again.
TABLE: dict[tuple[str | None, str], str] = {
    ("item", YES): "accept focus", ("item", PICK): "accept focus",
    ("item", NO): "reject focus", ("item", LAUGH): "acknowledge",
    ("list", YES): "accept focus", ("list", PICK): "accept focus",
    ("list", NO): "reject all", ("list", LAUGH): "acknowledge",
    ("more_like_it", YES): "ask_more", ("more_like_it", PICK): "ask_more",
    ("more_like_it", NO): "goodbye", ("more_like_it", LAUGH): "acknowledge",
    ("more", YES): "ask_more", ("more", PICK): "ask_more",
    ("more", NO): "goodbye", ("more", LAUGH): "acknowledge",
    ("preference", YES): "surprise", ("preference", PICK): "surprise",
    ("preference", NO): "surprise", ("preference", LAUGH): "surprise",
    ("which", YES): "describe first", ("which", PICK): "describe first",
    ("which", NO): "reject all", ("which", LAUGH): "acknowledge",
    (None, YES): "clarify", (None, PICK): "clarify",
    (None, NO): "clarify", (None, LAUGH): "clarify",
    **{(asked, BYE): "goodbye" for asked in ("item", "list", "more_like_it", "more",
                                             "preference", "which", None)},
}


def meaning(kind: str, asked: str | None, focus_item: str | None,
            shown: list[str]) -> Meaning:
    """The meaning of a short reply of `kind` after the prompt `asked`.

    focus_item: the item last talked about (None: none); shown: ids of the last list, in order.
    "accept focus" / "reject focus" need an item: the focus when it is on screen, else the only
    shown item, else the answer is "which" (ask which one, naming them, with the list's
    buttons). "describe first" shows the first shown item (the focus when it is on screen; with
    nothing shown, "clarify")."""
    action = TABLE.get((asked, kind), "clarify")
    if action == "describe first":
        item = focus_item if focus_item in shown else (shown[0] if shown else None)
        return Meaning("describe", item) if item else Meaning("clarify")
    if action.endswith(" focus"):
        item = focus_item if focus_item and (focus_item in shown or asked == "item") else None
        if item is None and len(shown) == 1:
            item = shown[0]
        if item is None:
            return Meaning("which")
        return Meaning(action.split()[0], item)
    if action == "reject all":
        return Meaning("reject") if shown else Meaning("clarify")
    return Meaning(action)
