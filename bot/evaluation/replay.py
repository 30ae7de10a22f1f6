"""`convrec evaluate replay --data DIR`: the seeker side of ReDial conversations replayed through
the real Agent, with transcripts written to a file and three numbers a user would feel.

Each seeker turn (consecutive seeker messages merged, `@ids` → movie names, as
recommender/data/redial.py reads them) is sent to the agent as one message; the agent's replies
are recorded but the seeker's script does not react to them (it is a replay, not a simulation).

Numbers, over all replayed turns:
- `help_share`: share of turns answered with the generic help text (the `fallback` action);
- `violation_share`: share of turns whose shown items break a constraint the person stated
  (`stated_violations`: the year limits and exclusions said so far, as the NLU read them, plus
  the wanted genres / people of that very turn), unless the reply said it relaxed them;
- `success_at_5`: share of conversations where a movie the seeker liked and the human
  recommender suggested was among the agent's items within the first 5 turns.

The evaluated split is only read here: nothing is fitted or tuned on it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.build import build_agent
from bot.config import Config
from recommender.data.redial import (
    SEEKER,
    dialogue_turns,
    link_movies,
    read_dialogues,
    read_movies,
    seeker_labels,
)
from recommender.domain.catalog import Item

Log = Callable[[str], None]
HELP_ACTION = "fallback"  # the action whose reply is the generic help text
REQUEST_INTENTS = {"request_recommendation", "state_preference", "refine", "ask_more"}


def bracketed(text: str, start: int, end: int) -> bool:
    """The span is a year in brackets after a name: "Baywatch (2017)"."""
    opened = text[start:start + 1] == "(" or bool(re.search(r"\(\s*$", text[:start]))
    closed = text[end - 1:end] == ")" or bool(re.match(r"\s*\)", text[end:]))
    return opened and closed and bool(re.search(r"\w\W?\s*\(?\s*$", text[:start]))


@dataclass
class StatedConstraints:
    """What the person said they want or rule out, read from each turn's entities only (not from
    the agent's state, so a constraint the agent dropped still counts).

    Year limits persist until a later year replaces them; exclusions until the same value is
    wanted again; wanted genres / people hold for the turn that asks for them (a request intent:
    "I saw that comedy" asks for nothing), unless the same turn also rules them out (the last
    word holds, as in the chat's `record_constraints`). A year in brackets after a name
    ("Baywatch (2017)") is the film's, not a limit. An exclusion with no span in the message
    was added by the dialogue, not said: an occasion's own ("date night": no horror), which a
    later wish replaces (bot/dialogue/occasions.py). A reset clears all; a reply that says it
    loosened the years (at the catalog's edge) clears the year limits.
    """

    year_min: int | None = None
    year_max: int | None = None
    genres_unwanted: set[str] = field(default_factory=set)
    people_unwanted: set[str] = field(default_factory=set)
    genres_now: set[str] = field(default_factory=set)
    people_now: set[str] = field(default_factory=set)

    def read(self, intent: str, entities: Iterable[dict], text: str = "") -> None:
        """Apply one turn: `entities` as `Entity.to_json()` writes them, `text` the message."""
        self.genres_now, self.people_now = set(), set()
        if intent in ("reset", "restart"):
            self.__init__()
            return
        requesting = intent in REQUEST_INTENTS
        for e in entities:
            if e["type"] == "year" and bracketed(text, e["start"], e["end"]):
                continue
            wanted = e.get("polarity", "wanted") == "wanted"
            if e["type"] == "year":
                low, high = e.get("year_min"), e.get("year_max")
                if wanted:
                    self.year_min, self.year_max = low, high
                elif low is None and high is not None:
                    self.year_min, self.year_max = high + 1, None
                elif high is None and low is not None:
                    self.year_min, self.year_max = None, low - 1
            elif e["type"] in ("genre", "person"):
                unwanted = self.genres_unwanted if e["type"] == "genre" else self.people_unwanted
                now = self.genres_now if e["type"] == "genre" else self.people_now
                if wanted:
                    unwanted.discard(e["value"])
                    if requesting:
                        now.add(e["value"])
                elif e["start"] < e["end"]:  # said, not an occasion's own
                    unwanted.add(e["value"])
                    now.discard(e["value"])

    def broken_by(self, item: Item) -> list[str]:
        """The stated constraints `item` breaks, in words ([] when none)."""
        broken = []
        if self.year_min is not None and (item.year is None or item.year < self.year_min):
            broken.append(f"year >= {self.year_min}")
        if self.year_max is not None and (item.year is None or item.year > self.year_max):
            broken.append(f"year <= {self.year_max}")
        broken += [f"no {g}" for g in self.genres_unwanted if g in item.genres]
        people = {p.lower() for p in (*item.directors, *item.cast)}
        broken += [f"no {p}" for p in self.people_unwanted if p.lower() in people]
        if self.genres_now and not self.genres_now & set(item.genres):
            broken.append("one of " + "/".join(sorted(self.genres_now)))
        if self.people_now and not {p.lower() for p in self.people_now} & people:
            broken.append("with " + "/".join(sorted(self.people_now)))
        return broken


@dataclass
class TurnCounts:
    """Running counts over replayed or simulated turns."""

    turns: int = 0
    help_turns: int = 0
    help_twice_in_a_row: int = 0
    violation_turns: int = 0
    conversations: int = 0
    successes: int = 0
    examples: list[str] = field(default_factory=list)  # a few violations, for the report

    def summary(self) -> dict:
        return {
            "conversations": self.conversations, "turns": self.turns,
            "help_share": round(self.help_turns / max(self.turns, 1), 4),
            "help_twice_in_a_row": self.help_twice_in_a_row,
            "violation_share": round(self.violation_turns / max(self.turns, 1), 4),
            "success_at_5": round(self.successes / max(self.conversations, 1), 4),
            "violation_examples": self.examples[:10],
        }


def check_turn(counts: TurnCounts, stated: StatedConstraints, text: str, reply, catalog,
               previous_action: str | None) -> list[str]:
    """Count one turn's reply: the generic help text, and items breaking what was stated.
    Returns the violations in words (for the transcript)."""
    counts.turns += 1
    if reply.action == HELP_ACTION:
        counts.help_turns += 1
        if previous_action == HELP_ACTION:
            counts.help_twice_in_a_row += 1
    stated.read(reply.intent.get("name", ""), reply.entities, text)
    relaxed = getattr(reply, "relaxed", [])
    if "years" in relaxed:  # the reply said it loosened the years (the catalog's edge)
        stated.year_min = stated.year_max = None
    if relaxed:  # the reply said what it loosened
        return []
    broken = []
    for shown in reply.items:
        broken += [f"{shown['title']}: {b}" for b in stated.broken_by(catalog.get(shown["id"]))]
    if broken:
        counts.violation_turns += 1
        if len(counts.examples) < 10:
            counts.examples.append(f"{reply.intent.get('name')}: {'; '.join(broken[:2])}")
    return broken


def replay(config: Config, folder: Path, out_dir: Path, limit: int | None = 100,
           turns_for_success: int = 5, log: Log = print, split: str = "valid") -> dict:
    """Replay the seeker side of DIR/<split>_data.jsonl; write replay.json and
    replay-transcripts.txt under `out_dir`; return the summary. Look for failures on `train`
    conversations; report `valid` (read once per reported setting)."""
    started = time.perf_counter()
    path = folder / f"{split}_data.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"no {path}")
    state_dir = Path(tempfile.mkdtemp(prefix="convrec-replay-"))
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths, state=state_dir))
    agent = build_agent(config, log=log)
    movies = read_movies(folder / "movies_with_mentions.csv")
    rows = link_movies(movies, agent.catalog)
    names = {m.redial_id: m.name for m in movies}
    catalog_id = {m.redial_id: agent.catalog.items[int(r)].id
                  for m, r in zip(movies, rows.tolist(), strict=True) if r >= 0}
    conversations = read_dialogues(path)[:limit]
    counts = TurnCounts()
    lines: list[str] = []
    for n, conversation in enumerate(conversations):
        session = f"replay-{n}"
        labels = seeker_labels(conversation)
        liked = {catalog_id[m] for m, v in labels.items()
                 if v["suggested"] == 1 and v["liked"] == 1 and m in catalog_id}
        stated, previous, found = StatedConstraints(), None, False
        counts.conversations += 1
        lines.append(f"=== conversation {conversation.get('conversationId')} "
                     f"(liked suggestions in the catalog: {len(liked)})")
        seeker_turns = [t for t in dialogue_turns(conversation, names) if t.role == SEEKER]
        for index, turn in enumerate(seeker_turns):
            text = turn.text[:config.nlu.max_message_chars].strip()
            if not text:
                continue
            reply = agent.handle(session, text)
            broken = check_turn(counts, stated, text, reply, agent.catalog, previous)
            previous = reply.action
            if index < turns_for_success and liked & {i["id"] for i in reply.items}:
                found = True
            lines.append(f"USER: {text}")
            lines.append(f"BOT [{reply.intent.get('name')} → {reply.action}]: {reply.text}")
            lines += [f"    - {i['title']} ({i['year']}): {i['reason']}" for i in reply.items]
            if broken:
                lines.append(f"    !! breaks what was stated: {'; '.join(broken[:3])}")
        counts.successes += found
    out_dir.mkdir(parents=True, exist_ok=True)
    transcripts = out_dir / "replay-transcripts.txt"
    transcripts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = {"data": str(path), **counts.summary(), "transcripts": str(transcripts),
              "seconds": round(time.perf_counter() - started, 1)}
    (out_dir / "replay.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    agent.store.close()
    return result
