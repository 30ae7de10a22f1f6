"""IARD real-seeker messages as convrec NLU examples: several intents per message, gold titles.

IARD (../shared/datasets/iard-dev/, dialogues from ReDial) labels each utterance with dialogue
acts. A seeker's acts map to convrec's intents by IARD_TO_CONVREC; OTH (chit-chat) and the acts
with no convrec intent (ANS, ASK, NRE) carry no label. A message may hold several acts: "I've seen
it, not one of my favorites though" is SEE + REJ. Titles in IARD text are written "Title (Year)",
as ReDial's interface inserted them; those that name a catalog film are the gold title slots.

Each message carries the dialogue around it, as the intent head reads it (nlu/dialogue_context.py):
what the recommender's previous utterance did (its acts, by RECOMMENDER_ACTS) and whether it had
recommended anything earlier in the conversation.

Nothing here needs the data to exist: callers check the path (a fresh machine lacks ../shared).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from nlu.types import ParseContext

IARD_TO_CONVREC = {
    "IQU": "request_recommendation",  # initial query: "I'm in the mood for a love story"
    "PRO": "state_preference",  # provide preference: "My kids love Moana"
    "ACC": "accept",  # "I'll have to check that one out"
    "REJ": "reject",  # "no, not interested in that one"
    "SEE": "seen",  # "I've seen that one and I liked it"
    "INQ": "ask_item_info",  # "Do you know who stars in that?"
    "CRI-A": "refine",  # critique, add a constraint: "I would like something more recent"
    "CRI-C": "refine",  # critique, compare: "can you recommend other movies like it?"
    "CRI-F": "refine",  # critique a feature: "No that's too old for my liking"
    "REF": "refine",  # refine the query
    "CON": "ask_more",  # continue: "Anything else you can suggest?"
    # start over (Cai & Chen, UMAP 2020): the seeker starts a new query, asking for
    # recommendations on a new basis ("Any suggestions for date night next weekend?", "I could
    # also go for a comedy", "how about a good action"): a new request, not convrec's `reset`
    # ("forget everything": no IARD seeker asks the recommender to drop what they said)
    "STO": "request_recommendation",
    "END": "goodbye",
}
IARD_UNMAPPED = frozenset(("ANS", "ASK", "NRE", "OTH"))  # no convrec intent
# OTH is chit-chat; where its words say which, it is convrec's greet / thanks / goodbye
CHIT_CHAT = (
    ("greet", re.compile(r"^\W*(hi|hello|hey|hiya|good (morning|afternoon|evening))\b", re.I)),
    ("thanks", re.compile(r"\b(thanks|thank you|thank u|thx|ty|appreciate it)\b", re.I)),
    ("goodbye", re.compile(r"\b(bye|goodbye|good ?night|see ya|see you|take care|have a (good|"
                           r"great|nice|wonderful))\b", re.I)),
)
# the recommender's acts → what the bot did (nlu/types.py BOT_ACTS), the first that applies:
# REC-S / REC-E recommend (show / explore), REQ / CLQ ask (request information / clarifying
# question), R-ANS / EXP-I / RESP answer (answer, explain an item, respond); OTH alone greets
RECOMMENDER_ACTS = (("recommend", frozenset(("REC-S", "REC-E"))),
                    ("ask", frozenset(("REQ", "CLQ"))),
                    ("answer", frozenset(("R-ANS", "EXP-I", "RESP"))))
_TITLE_YEAR = re.compile(r"\((\d{4})\)")


@dataclass(frozen=True)
class GoldTitle:
    """A title the seeker wrote: text[start:end] is "Title (Year)"; item_id: the catalog film."""

    start: int
    end: int
    item_id: str


@dataclass
class SeekerMessage:
    conversation_id: str
    text: str
    intents: tuple[str, ...]  # mapped convrec intents, in the order of the acts (no repeats)
    single: str | None  # the one intent when the acts map to exactly one and none is unmapped
    mapped: tuple[str, ...] = ()  # the intents of IARD_TO_CONVREC alone (no chit-chat)
    titles: list[GoldTitle] = field(default_factory=list)
    bot_act: str = "greet"  # what the recommender's previous utterance did (BOT_ACTS)
    recommended_before: bool = False  # the recommender recommended in this conversation so far

    @property
    def context(self) -> ParseContext:
        """The dialogue around the message, as the chat's parse gets it."""
        return ParseContext(bot_act=self.bot_act, recommended_before=self.recommended_before)


def bot_act_of(acts: list[str]) -> str:
    """The recommender's acts of one utterance → what it did (RECOMMENDER_ACTS; else "greet")."""
    for act, codes in RECOMMENDER_ACTS:
        if codes & set(acts):
            return act
    return "greet"


def _title_key(title: str) -> str:
    words = re.sub(r"[^a-z0-9 ]", " ", title.lower()).split()
    if len(words) > 1 and words[-1] in ("the", "a", "an"):  # "Godfather, The"
        words = [words[-1]] + words[:-1]
    return " ".join(words)


def catalog_title_index(items) -> dict[tuple[str, int], str]:
    """(title key, year) → item id for catalog items with a year (the most rated one wins)."""
    index: dict[tuple[str, int], tuple[int, str]] = {}
    for item in items:
        if item.year is None:
            continue
        key = (_title_key(item.title), int(item.year))
        if key not in index or item.n_ratings > index[key][0]:
            index[key] = (item.n_ratings, item.id)
    return {key: item_id for key, (_, item_id) in index.items()}


def gold_titles(text: str, title_index: dict[tuple[str, int], str]) -> list[GoldTitle]:
    """Each "Title (Year)" of `text` whose title (the 1–8 words before the year) is a catalog
    film of that year; the longest matching title wins."""
    found = []
    for match in _TITLE_YEAR.finditer(text):
        year = int(match.group(1))
        head = text[: match.start()].rstrip()
        for n in range(8, 0, -1):
            words = list(re.finditer(r"\S+", head))[-n:]
            if len(words) < n:
                continue
            start = words[0].start()
            item_id = title_index.get((_title_key(head[start:]), year))
            if item_id is not None:
                found.append(GoldTitle(start, match.end(), item_id))
                break
    return found


def load_seeker_messages(path: Path, title_index: dict | None = None) -> list[SeekerMessage]:
    """The seeker utterances of IARD with at least one act that maps to a convrec intent.

    Raises ValueError on an act that is in neither IARD_TO_CONVREC nor IARD_UNMAPPED."""
    out = []
    for conversation in json.loads(Path(path).read_text(encoding="utf-8")):
        bot_act, recommended_before = "greet", False
        for utterance in conversation["conversation"]:
            acts = [act["intent"] for act in utterance["dialogue_acts"]]
            if utterance["participant"] != "USER":
                bot_act = bot_act_of(acts)
                recommended_before = recommended_before or bot_act == "recommend"
                continue
            unknown = set(acts) - set(IARD_TO_CONVREC) - IARD_UNMAPPED
            if unknown:
                raise ValueError(f"IARD acts {sorted(unknown)} are in no list: map them")
            text = " ".join(utterance["utterance"].split())
            mapped = tuple(dict.fromkeys(IARD_TO_CONVREC[a] for a in acts if a in IARD_TO_CONVREC))
            unmapped = set(acts) & {"ANS", "ASK", "NRE"}
            # the single-label view keeps the acts IARD maps (chit-chat beside them is ignored)
            single = mapped[0] if len(mapped) == 1 and not unmapped else None
            chat = [intent for intent, pattern in CHIT_CHAT if pattern.search(text)]
            intents = mapped + tuple(i for i in chat if "OTH" in acts and i not in mapped)
            if not intents:
                continue
            titles = gold_titles(text, title_index) if title_index else []
            out.append(SeekerMessage(str(conversation["conversation_id"]), text, intents, single,
                                     mapped, titles, bot_act, recommended_before))
    return out


def conversation_folds(messages: list[SeekerMessage], k: int) -> list[int]:
    """Fold number (0..k-1) of each message: whole conversations per fold, in order of first
    appearance, round robin (deterministic, no randomness)."""
    order = list(dict.fromkeys(m.conversation_id for m in messages))
    fold_of = {cid: i % k for i, cid in enumerate(order)}
    return [fold_of[m.conversation_id] for m in messages]
