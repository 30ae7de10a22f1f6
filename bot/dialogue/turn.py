"""One turn from a parse: every act of the message read against what the bot last said, applied
to the state in order, and one reply that covers them all.

`run_turn(agent, state, parse, context)` → (new state, Reply, feedback events, the parse with its
acts). For each act: `read_context` (short replies, "all of those", "he", reversals, occasions,
unknown names) → `interpret` (intent checked against entities) → `update` (state) → `decide`
(policy) → the agent acts. With several acts, feedback is acknowledged in words and one list
comes at the end; the help text is dropped when another act was understood, a greeting or thanks
when another act says something, and a second verdict on the same item in the message.
Then the state remembers the bot's side: what it asked, and how many help texts in a row.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.dialogue.acts import act_group, item_question, joined, separate_acts, split_clauses
from bot.dialogue.policy import (
    CONTENT_ENTITIES,
    WISHES,
    decide,
    interpret,
    read_context,
    strip_title_years,
)
from bot.dialogue.replies import Reply
from bot.dialogue.state import FeedbackEvent, SessionState, target_items, update
from nlu.clauses import clause_spans
from nlu.types import WANTED, Act, Entity, Parse, ParseContext

Agent = Any  # bot.dialogue.agent.Agent, which calls in here (importing it would be a cycle)

QUESTION_RULE_CONFIDENCE = 0.75  # an item question found by `item_question`, not the classifier
# acts whose reply is said only when the message holds nothing else ("hi! a comedy please")
SMALL_TALK = {"greet", "thanks"}
# the bot's reply → what it asked (bot/dialogue/short_replies.py); absent: keep the last one
ASKED_BY_ACTION = {"recommend": "list", "replace": "list", "answer": "item",
                   "which_item": "which", "thanks": "more", "greet": "preference",
                   "clarify": "preference", "reset": "preference", "nothing_shown": "preference",
                   "fallback": "preference", "unknown_title": "preference",
                   "no_results": "preference", "goodbye": None}


def act_parses(agent: Agent, parse: Parse, context: ParseContext, split: bool) -> list[Parse]:
    """The message's acts as parses, in text order: the NLU's `acts` when it found several, else
    its clauses when they do different things, else the parse itself."""
    if not split or parse.slots or parse.embedding is None:
        return [parse]
    acts = with_item_question(parse.text, sorted((a for a in parse.acts if a.end > a.start),
                                                 key=lambda a: a.start))
    disjoint = all(x.end <= y.start for x, y in zip(acts, acts[1:], strict=False))
    if len(acts) >= 2 and disjoint and separate_acts([a.intent for a in acts],
                                                     [a.confidence for a in acts]):
        owner = [wish_owner(e, act_of(e.start, acts), acts) for e in parse.entities]
        return [dataclasses.replace(
            parse, text=parse.text[a.start:a.end], intent=a.intent, confidence=a.confidence,
            entities=[e for e, o in zip(parse.entities, owner, strict=True) if o == k], acts=[])
            for k, a in enumerate(acts)]
    if parse.acts:  # the NLU read the message's acts (one, or several not separate enough):
        return [parse]  # re-reading each clause would encode the message again, for nothing
    # no acts: the classifier fell back; its clauses, read one by one, may still say something
    spans = split_clauses(parse.text)
    if len(spans) < 2:
        return [parse]
    clauses = [agent.nlu.parse(parse.text[a:b], context) for a, b in spans]
    # a clause the classifier is unsure of but that names things is a request ("no animated
    # stuff"), as `interpret` will read it
    intents = [c.intent if c.confidence >= 0.5 or not _names_things(c)
               else "request_recommendation" for c in clauses]
    confidences = [max(c.confidence, 0.5) if _names_things(c) else c.confidence for c in clauses]
    if not separate_acts(intents, confidences):
        return [parse]
    return clauses


def with_item_question(text: str, acts: list[Act]) -> list[Act]:
    """`acts` (disjoint, in text order), with a question about an item made sure of: "the second
    one sounds good whos in it" had its question act under the classifier's 0.5, so only the
    accept acted and the question went unanswered. A question act whose clause asks about an
    item (`item_question`) gets at least QUESTION_RULE_CONFIDENCE; when every act is feedback,
    such a later clause that no act holds becomes a question act."""
    sure = [dataclasses.replace(a, confidence=max(a.confidence, QUESTION_RULE_CONFIDENCE))
            if a.intent == "ask_item_info" and item_question(text[a.start:a.end]) else a
            for a in acts]
    if not sure or any(act_group(a.intent) != "feedback" for a in sure):
        return sure
    for start, end in clause_spans(text):
        if start >= sure[-1].end and item_question(text[start:end]):
            return [*sure, Act("ask_item_info", QUESTION_RULE_CONFIDENCE, start, end)]
    return sure


def act_of(position: int, acts: list[Act]) -> int:
    """The act (index into `acts`, disjoint spans in text order) an entity at `position` belongs
    to: the one whose span holds it, else the last one before it ("Yes, I like them all. I like
    Sylvester Stallone movies": the clause naming Stallone got no act of its own, the preference
    before it takes it), else the first. No entity is dropped."""
    for k, act in enumerate(acts):
        if act.start <= position < act.end:
            return k
    before = [k for k, act in enumerate(acts) if act.end <= position]
    return before[-1] if before else 0


def wish_owner(entity: Entity, owner: int, acts: list[Act]) -> int:
    """The act a wanted genre / person / keyword / soft wish goes to: a feedback act records no
    wishes, so from one it moves to the message's nearest request act, when there is one ("I
    have seen the first one, ... John Candy is a genius. Was": the refinement gets John Candy;
    "No. ... Do you know of any scifi movie": read as seen, its sci-fi goes to the request).
    Anything else stays with `owner`."""
    if entity.type not in WISHES or entity.polarity != WANTED \
            or act_group(acts[owner].intent) != "feedback":
        return owner
    requests = [k for k, a in enumerate(acts) if act_group(a.intent) == "request"]
    return min(requests, key=lambda k: abs(k - owner)) if requests else owner


def _names_things(parse: Parse) -> bool:
    return any(e.type in CONTENT_ENTITIES for e in parse.entities)


def _read(agent: Agent, parse: Parse, state: SessionState) -> Parse:
    def directors(item_id: str) -> tuple[str, ...]:
        return agent.catalog.get(item_id).directors if item_id in agent.catalog else ()

    return interpret(read_context(parse, state, directors), state)


def remember_bot_side(state: SessionState, reply: Reply) -> SessionState:
    """What the reply asked, for the next short answer; the count of help texts in a row."""
    if reply.action in ASKED_BY_ACTION:  # "feedback" and "acknowledge" set or keep their own
        asked = ASKED_BY_ACTION[reply.action]
        state.last_question = asked if reply.items or asked != "list" else "preference"
    state.help_streak = state.help_streak + 1 if reply.action == "fallback" else 0
    return state


def run_turn(agent: Agent, state: SessionState, parse: Parse, context: ParseContext,
             split: bool = True) -> tuple[SessionState, Reply, list[FeedbackEvent], Parse]:
    has_history = state.user_id is not None
    ask_first = agent.config.policy.ask_before_recommending
    parse = strip_title_years(parse)
    parses = act_parses(agent, parse, context, split)  # `_read` strips clauses re-parsed
    if len(parses) == 1:
        read = _read(agent, parse, state)
        new_state, feedback = update(state, read, agent.params, agent.item_vector,
                                     agent.genre_vectors.get)
        action = decide(new_state, read, has_history, ask_first)
        new_state, reply = agent._act(action, new_state, read)
        return remember_bot_side(new_state, reply), reply, feedback, read

    t = agent.templates
    new_state, feedback, texts = state, [], []
    last_reply, list_for, judged, small_talk = None, None, set(), None
    for act in parses:
        read = _read(agent, act, new_state)
        verdict_on = set(target_items(read)) if read.intent in ("accept", "reject", "seen") \
            else set()
        if verdict_on and verdict_on <= judged:
            continue  # one verdict per item and message: the first ("seen it … loved it")
        judged |= verdict_on
        new_state, events = update(new_state, read, agent.params, agent.item_vector,
                                   agent.genre_vectors.get)
        feedback += events
        action = decide(new_state, read, has_history, ask_first)
        if action.kind in SMALL_TALK:  # said only when nothing else is
            small_talk = (action, read)
            continue
        if action.kind == "replace":  # acknowledged now; the new list comes once, at the end
            names = ", ".join(agent.catalog.get(i).title for i in action.item_ids)
            key = ("rejected" if action.feedback == "rejected" else "seen") \
                + ("_many" if len(action.item_ids) > 1 else "")
            texts.append(t.render(key, new_state.turn, title=names))
            list_for = list_for or read
        elif action.kind == "recommend":
            list_for = read
        elif action.kind not in ("fallback", "acknowledge", "which_item", "nothing_shown"):
            new_state, last_reply = agent._act(action, new_state, read)
            texts.append(last_reply.text)
    if list_for is not None:
        reply = Reply(session=new_state.session_id, text="", action="recommend")
        new_state, last_reply = agent._recommend(new_state, reply, list_for, popular=False)
        texts.append(last_reply.text)
    if last_reply is None and small_talk is not None:  # only small talk besides: say it
        new_state, last_reply = agent._act(small_talk[0], new_state, small_talk[1])
        texts.append(last_reply.text)
    if last_reply is None:  # nothing acted on: read the message as one act after all
        return run_turn(agent, state, parse, context, split=False)
    last_reply.text = joined(texts)
    new_state.turn = state.turn + 1  # one message is one turn, whatever its acts
    acts = [Act(p.intent, float(p.confidence), 0, 0) for p in parses]
    return remember_bot_side(new_state, last_reply), last_reply, feedback, \
        dataclasses.replace(parse, acts=acts)
