"""The dialogue policy: given the updated state and the parse, decide what to do (rules, pure).

It asks one clarifying question before recommending when nothing useful is known (unless the
person insists or has a behavior history), recommends, answers questions about an item,
acknowledges feedback (replacing a rejected or seen item in the shown list), or closes.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from bot.dialogue.carryover import is_reversal, person_in_focus
from bot.dialogue.occasions import occasion_of
from bot.dialogue.short_replies import THANKS, meaning, short_reply_kind
from bot.dialogue.state import GENERIC_WORDS, SessionState, has_content, target_items
from nlu.types import UNWANTED, WANTED, Entity, Parse

RECOMMEND_INTENTS = {"request_recommendation", "state_preference", "refine", "ask_more"}
# Intents that change something the person cannot easily undo (a rejected movie never returns,
# goodbye ends the chat): below this confidence the turn is read from its entities instead.
ACTING_INTENTS = {"accept": 0.55, "reject": 0.55, "seen": 0.55, "goodbye": 0.6}
# what a person can ask for: a message naming one of these is a request even when the classifier
# is unsure ("attribute": a soft wish such as "nothing scary", nlu/soft_wishes.py; "facet" and
# "comparison": a schema domain's values and numeric limits, "vegetarian", "quicker")
CONTENT_ENTITIES = {"genre", "person", "year", "keyword", "title", "attribute", "facet",
                    "comparison"}
WISHES = {"genre", "person", "keyword", "attribute"}  # what a preference acts on
_ALL_SHOWN = re.compile(r"\b(all|both|every|each|any) (of )?(those|these|them|the movies|three|"
                        r"two|ones)\b|\b(seen|watched|saw) (them|those|these|all|both)\b")
_ANYTHING = re.compile(r"^\W*(just )?(surprise me|anything( really| is fine| goes)?|whatever|"
                       r"you (choose|pick|decide)|dealer'?s choice|i don'?t (mind|care))\W*$")
_BRACKETED_YEAR = re.compile(r"\w\W?\s*\(\s*$")  # the text before "2017)": "Baywatch ("
CHITCHAT = set("""
thats that's cool awesome agree agreed true right yes no lol wow nice haha hmm same too me bye
thanks thank sounds fun funny omg really totally exactly hello hi hey how are you doing fine well
good bad okay sure yeah yep nope nah oh ah um uh and but or not i'm im ive i've have has had was
were been seen watched heard love loved hate liked know think guess hope definitely probably
""".split())


def strip_title_years(parse: Parse) -> Parse:
    """Drop year entities that are a film's own year ("Baywatch (2017)", "It (1990)"): a year in
    brackets right after a name says which film, not which years the person wants."""
    kept = [e for e in parse.entities if not (e.type == "year" and _is_title_year(parse.text, e))]
    return parse if len(kept) == len(parse.entities) else dataclasses.replace(parse,
                                                                             entities=kept)


def _is_title_year(text: str, entity: Entity) -> bool:
    """"Baywatch (2017)": the year sits in brackets right after a word."""
    before, inside, after = text[:entity.start], text[entity.start:entity.end], text[entity.end:]
    if re.fullmatch(r"\(\s*\d{4}\s*\)", inside.strip()):
        return bool(re.search(r"\w\W?\s*$", before))
    return bool(_BRACKETED_YEAR.search(before)) and after.lstrip().startswith(")")


def unknown_name(parse: Parse, anything_shown: bool) -> bool:
    """A short request that names something the NLU found nothing for ("oppenheimer"): likely a
    title or person the catalog does not hold. Feedback intents count when nothing was shown
    (they cannot be feedback then) or when the classifier is unsure of them (they would not
    act: `interpret`)."""
    intents = {"request_recommendation", "state_preference", "ask_item_info", "nlu_fallback"}
    if not anything_shown or parse.confidence < ACTING_INTENTS.get(parse.intent, 0.0):
        intents |= {"accept", "reject", "seen"}
    if parse.entities or parse.intent not in intents:
        return False
    words = re.findall(r"[a-z0-9']+", parse.text.lower())
    return 0 < len(words) <= 3 and all(w not in GENERIC_WORDS and w not in CHITCHAT
                                       for w in words)


def _with_intent(parse: Parse, intent: str, entities: list[Entity] | None = None,
                 **slots) -> Parse:
    return dataclasses.replace(parse, intent=intent, confidence=1.0,
                               entities=parse.entities if entities is None else entities,
                               slots={**parse.slots, **slots})


def _reference(item_ids: tuple[str, ...], text: str) -> Entity:
    return Entity("reference", ",".join(item_ids), text, 0, len(text), item_ids=item_ids)


def read_context(parse: Parse, state: SessionState, directors_of) -> Parse:
    """The turn read against what the bot said before it (pure; `directors_of(item_id)` → the
    item's directors). Runs before `interpret`:

    - "surprise me", "anything really", "you choose": picks now, no question;
    - a short reply ("yes", "nah", "lol", "I'll watch that", "you too") means what
      `short_replies` says for the bot's last prompt; praise of the suggestions is thanks;
    - "seen all of those" points at every shown item;
    - "what else did he make" asks for the person in focus (or the focused item's director);
    - "no actually something happy" is a new request that takes back the old one;
    - a vague opener naming an occasion ("date night"), or a reversal naming one ("no actually
      something happy"), is a request, with the occasion;
    - a short request naming nothing the catalog knows ("oppenheimer") is an unknown name.
    """
    parse = strip_title_years(parse)
    if parse.slots:  # a button payload says exactly what it means
        return parse
    shown = [item["id"] for item in state.last_shown]
    kinds = {e.type for e in parse.entities}
    if _ANYTHING.match(parse.text.lower()) and not kinds & CONTENT_ENTITIES:
        return _with_intent(parse, "request_recommendation", surprise=True)
    kind = short_reply_kind(parse.text)
    if kind is not None and not kinds & CONTENT_ENTITIES:
        m = meaning(kind, state.last_question, state.focus_item, shown)
        if m.intent in ("accept", "reject") and m.item_id:
            return _with_intent(parse, m.intent, [_reference((m.item_id,), parse.text)])
        if m.intent == "reject":
            return _with_intent(parse, "reject", [_reference(tuple(shown), parse.text)])
        if m.intent == "which":
            return _with_intent(parse, "accept", [], short_reply="which")
        if m.intent == "describe":  # a yes to "which one?": the first one's card
            return _with_intent(parse, "ask_item_info", [_reference((m.item_id,), parse.text)],
                                short_reply="first")
        if m.intent == "surprise":
            return _with_intent(parse, "request_recommendation", surprise=True)
        if m.intent == "clarify":
            return _with_intent(parse, "request_recommendation", short_reply="clarify")
        if m.intent == "acknowledge":
            return _with_intent(parse, "nlu_fallback", short_reply="acknowledge")
        return _with_intent(parse, m.intent)
    if THANKS.search(parse.text.lower()) and not kinds & CONTENT_ENTITIES \
            and parse.intent not in ("goodbye", "thanks"):  # "...thanks for your help, bye"
        leaving = re.search(r"\b(bye|goodbye|good night|goodnight)\b", parse.text.lower())
        return _with_intent(parse, "goodbye" if leaving else "thanks")
    if parse.intent in ("accept", "reject", "seen") and shown and not target_items(parse) \
            and _ALL_SHOWN.search(parse.text.lower()):
        return dataclasses.replace(parse, entities=[*parse.entities,
                                                    _reference(tuple(shown), parse.text)])
    focus_directors = tuple(directors_of(state.focus_item)) if state.focus_item else ()
    person = person_in_focus(parse.text, parse.entities, state.focus_person, focus_directors)
    if person is not None:
        entity = Entity("person", person, person, 0, 0, polarity=WANTED)
        return _with_intent(parse, "request_recommendation", [*parse.entities, entity])
    reversal = is_reversal(parse.text) and has_content(parse.text)
    content = kinds & {"genre", "person", "title"}
    occasion = occasion_of(parse.text)
    # an occasion opens a conversation, or a reversal ("no actually something happy")
    if occasion is not None and not content and (not state.shown or reversal) \
            and parse.intent not in ("reset", "restart") \
            and not (parse.intent == "ask_item_info" and parse.confidence >= 0.8):
        avoid = [Entity("genre", g, g, 0, 0, polarity=UNWANTED) for g in occasion.avoid]
        return _with_intent(parse, "request_recommendation", [*parse.entities, *avoid],
                            occasion=occasion.name, soft_genres=list(occasion.genres))
    if reversal and parse.intent in ("nlu_fallback", "refine", "reject", "out_of_scope"):
        return _with_intent(parse, "request_recommendation")
    if unknown_name(parse, bool(shown)):
        return _with_intent(parse, "nlu_fallback", unknown_name=True)
    return parse


def interpret(parse: Parse, state: SessionState) -> Parse:
    """The turn as the dialogue reads it: the classifier's intent checked against the entities.

    - "comedy", "tom hanks movies", "the matrix": a fallback (or unsure) intent that names catalog
      things is a request.
    - an unsure accept / reject / seen / goodbye does not act: with a reference to the shown list
      it becomes a question about that item, else a request when it names things, else fallback.
    - feedback on a title that is not on the shown list and came with low confidence ("titanic")
      is a request for something like it.
    - an accept or seen with no item but a wanted genre / person / keyword ("I love Robin
      Williams") is a preference.
    - "it" / "that one" guessed as the first shown item mean the item in focus (the one just
      asked about), when it is on the shown list or the bot's last reply was about it.
    - a negated pointer at the shown list ("not the second one", "none of these") is a rejection.
    - thanks said with a sure goodbye ("thanks bye") is a goodbye.
    """
    parse = dataclasses.replace(parse, entities=list(parse.entities))
    if parse.intent in ("reset", "restart", "rate") or parse.slots:
        return parse
    farewell = [a for a in parse.acts if a.intent == "goodbye"
                and a.confidence >= ACTING_INTENTS["goodbye"]]
    if parse.intent == "thanks" and farewell:  # "thanks, bye": the goodbye is the answer
        return dataclasses.replace(parse, intent="goodbye", confidence=farewell[0].confidence)
    shown = [item["id"] for item in state.last_shown]
    if any(e.type == "reference" and e.confidence >= 1.0 for e in parse.entities):
        # "the second one sounds good, who's in it": "it" is the one just named, not a guess
        parse.entities = [e for e in parse.entities
                          if not (e.type == "reference" and e.confidence < 1.0)]
    if state.focus_item and (state.focus_item in shown or state.last_question == "item"):
        # the item just talked about, on the list or not ("what about saving private ryan" →
        # its card; "ive seen it, loved it" is about it, not about the list's first)
        parse.entities = [_refocus(e, state.focus_item) for e in parse.entities]
    kinds = {e.type for e in parse.entities}
    unwanted_shown = [e for e in parse.entities if e.type == "reference" and e.polarity == UNWANTED
                      and set(e.item_ids) & set(shown)]
    if unwanted_shown and parse.intent in ("reject", "refine", "nlu_fallback", "ask_item_info"):
        # "not the second one", "none of these": a negated pointer at the list is a rejection
        return dataclasses.replace(parse, intent="reject")
    names_things = bool(kinds & CONTENT_ENTITIES)
    if parse.intent in ("accept", "seen") and not target_items(parse) and any(
            e.type in WISHES and e.polarity == WANTED for e in parse.entities):
        # "I love Robin Williams", "I've seen lots of comedies": a liking with nothing to
        # accept is a wish
        return dataclasses.replace(parse, intent="state_preference")
    unsure = parse.confidence < ACTING_INTENTS.get(parse.intent, 0.0)
    titles_off_list = [e for e in parse.entities if e.type == "title"
                       and not set(e.item_ids) & set(shown)]
    if parse.intent in ("accept", "reject", "seen") and titles_off_list \
            and "reference" not in kinds and parse.confidence < 0.8:
        unsure = True
    if parse.intent == "nlu_fallback" or parse.intent == "out_of_scope" and names_things \
            and parse.confidence < 0.8:
        unsure = True
    if not unsure:
        return parse
    if "reference" in kinds and shown:
        intent = "ask_item_info"
    elif names_things:
        intent = "request_recommendation"
    else:
        intent = "nlu_fallback"
    return dataclasses.replace(parse, intent=intent)


def _refocus(entity: Entity, focus: str) -> Entity:
    """A pronoun that the parser guessed as the first shown item (confidence < 1) → the focus."""
    if entity.type == "reference" and entity.confidence < 1.0 and len(entity.item_ids) == 1:
        return dataclasses.replace(entity, item_ids=(focus,))
    return entity


@dataclass(frozen=True)
class Action:
    kind: str  # greet | clarify | recommend | replace | answer | feedback | which_item
    #            nothing_shown | thanks | goodbye | fallback | out_of_scope | reset
    #            acknowledge | unknown_title
    item_ids: tuple[str, ...] = ()  # the items the action is about (feedback, answer, replace)
    feedback: str | None = None  # accepted | rejected | seen | rated
    popular: bool = False  # recommending without knowing anything: popular items


def decide(state: SessionState, parse: Parse, has_history: bool, ask_first: bool) -> Action:
    intent = parse.intent
    targets = tuple(target_items(parse))
    shown_ids = [item["id"] for item in state.last_shown]

    if intent in ("reset", "restart"):
        return Action("reset")
    if intent == "greet":
        return Action("greet")
    if intent == "goodbye":
        return Action("goodbye")
    if intent == "thanks":
        return Action("thanks")
    if intent == "out_of_scope":
        return Action("out_of_scope")

    if intent in ("accept", "reject", "seen", "rate"):
        kind = {"accept": "accepted", "reject": "rejected", "seen": "seen", "rate": "rated"}[intent]
        if not targets:
            if not shown_ids:
                return Action("nothing_shown")
            if intent == "reject":  # "nah, none of these": the whole list goes
                return Action("recommend", feedback=kind)
            if state.last_question == "which":  # never the same question twice in a row
                return Action("acknowledge")
            return Action("which_item", feedback=kind)
        if kind in ("rejected", "seen") and any(t in shown_ids for t in targets):
            return Action("replace", item_ids=targets, feedback=kind)
        return Action("feedback", item_ids=targets, feedback=kind)

    if intent == "ask_item_info":
        if targets:
            return Action("answer", item_ids=targets[:1])
        if len(shown_ids) == 1:
            return Action("answer", item_ids=(shown_ids[0],))
        if state.focus_item:
            return Action("answer", item_ids=(state.focus_item,))
        if shown_ids and state.last_question != "which":
            return Action("which_item")
        if shown_ids:
            return Action("acknowledge")
        return Action("nothing_shown")

    if intent in RECOMMEND_INTENTS:
        insisted = bool(parse.slots.get("surprise")) or state.asked_clarification
        if state.knows_something(has_history):
            return Action("recommend")
        if ask_first and not insisted:
            return Action("clarify")
        return Action("recommend", popular=True)

    if parse.slots.get("unknown_name"):
        return Action("unknown_title")
    if parse.slots.get("short_reply") == "acknowledge":
        return Action("acknowledge")
    if intent == "nlu_fallback" and state.asked_clarification and not state.shown:
        # the answer to our own question was not understood: do not loop, show popular picks
        return Action("recommend", popular=True)
    if state.help_streak > 0:
        # never the help text twice in a row: a short prompt about what is on screen, or picks
        return Action("acknowledge") if shown_ids else Action("recommend", popular=True)
    return Action("fallback")
