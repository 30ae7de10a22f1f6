"""`Agent.handle(session_id, text) -> Reply`: the one call every channel makes.

parse (nlu) → update the session state → decide (policy) → recommend / answer / acknowledge →
persist the turn (store) → Reply. The agent knows no channel.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

import numpy as np

from bot.config import Config
from bot.dialogue.carryover import at_catalog_edge, facet_kind, range_kind, relaxations
from bot.dialogue.occasions import occasion_named, occasion_phrase
from bot.dialogue.policy import Action
from bot.dialogue.replies import (
    MOOD_QUICK_REPLIES,
    Reply,
    Templates,
    answer_about,
    answer_about_facets,
    constraint_summary,
    domain_quick_replies,
    item_quick_replies,
    list_quick_replies,
)
from bot.dialogue.state import (
    FeedbackEvent,
    SessionState,
    reset_preferences,
    target_items,
)
from bot.dialogue.title_notes import assumed_titles, related_titles, unknown_titles
from bot.dialogue.turn import run_turn
from bot.errors import InputError, clean_message
from bot.stores.sqlite import SessionStore
from nlu.parse import NluPipeline, PayloadError
from nlu.types import INTENTS, Parse, ParseContext, ShownItem
from recommender.data.behavior_log import encode_context
from recommender.data.item_vectors import genre_prototypes
from recommender.domain.catalog import Catalog
from recommender.serving.recommend import Recommender, RecommendRequest

# what the bot's last reply did, read from what it asked (bot/dialogue/turn.py ASKED_BY_ACTION),
# for the intent head (nlu/dialogue_context.py: "I loved it" after a suggestion is `seen`)
BOT_ACT_BY_QUESTION = {"list": "recommend", "preference": "ask", "which": "ask",
                       "item": "answer", "more_like_it": "answer", "more": "answer"}


def parse_context(state: SessionState) -> ParseContext:
    """The parser's view of the dialogue: the last list shown and what the bot last did."""
    shown = tuple(ShownItem(i["id"], i["title"], i.get("year"), i.get("facets") or {})
                  for i in state.last_shown)
    bot_act = BOT_ACT_BY_QUESTION.get(state.last_question, "greet") if state.turn else "greet"
    return ParseContext(shown, bot_act, recommended_before=bool(state.shown))


def feedback_context(state: SessionState) -> dict:
    """The context stored with a turn's feedback rows: the list the person was shown (the
    state before the turn) and what the request that produced it knew."""
    return encode_context([i["id"] for i in state.last_shown], state.turn, state.interest_vector,
                          state.constraints.to_json(), state.positive_items, state.excluded())


class Agent:
    def __init__(self, config: Config, catalog: Catalog, recommender: Recommender,
                 nlu: NluPipeline, store: SessionStore, templates: Templates):
        self.config = config
        self.catalog = catalog
        self.recommender = recommender
        self.nlu = nlu
        self.store = store
        self.templates = templates
        self.params = config.state
        self.genre_vectors = genre_prototypes(recommender.item_vectors,
                                              recommender.constraint_index.genre_masks)
        # what a greeting or a clarifying question offers: moods for movies, a schema domain's
        # most common values of its first categorical facet
        self.opening_replies = (domain_quick_replies(catalog) if catalog.schema is not None
                                else list(MOOD_QUICK_REPLIES))
        # write-through cache, only when this process is the store's one writer (SQLite); a
        # shared store (Redis) is read every turn, since another worker may have moved the session
        self._states: OrderedDict[str, SessionState] = OrderedDict()
        # entered for the work of a turn, inside its session's lock: the server passes a gate
        # that lets one turn compute at a time (bot/server/gate.py); alone, nothing to wait for
        self.turn_gate: Callable[[], AbstractContextManager] = nullcontext

    def item_vector(self, item_id: str) -> np.ndarray | None:
        row = self.catalog.index.get(item_id)
        return None if row is None else self.recommender.item_vectors[row]

    # -- state -------------------------------------------------------------------------------
    def state(self, session_id: str, user_id: str | None = None) -> SessionState:
        cached = None if self.store.shared else self._states.get(session_id)
        if cached is not None:
            return cached
        stored = self.store.load_state(session_id)
        return SessionState.from_json(stored) if stored else SessionState(session_id, user_id)

    def has_session(self, session_id: str) -> bool:
        return ((not self.store.shared and session_id in self._states)
                or self.store.load_state(session_id) is not None)

    # -- understanding, without a turn --------------------------------------------------------
    def parse(self, text: str, shown: tuple[str, ...] = ()) -> Parse:
        """The NLU's reading of `text` (`convrec parse`, `POST /model/parse`); `shown`: ids of
        the list last shown, in order, for references ("the second one"). Changes nothing."""
        text = clean_message(text, self.config.nlu.max_message_chars)
        unknown = [i for i in shown if i not in self.catalog]
        if unknown:
            raise InputError(f"unknown item id {unknown[0]!r} in 'shown'")
        context = ParseContext(tuple(ShownItem(i, self.catalog.get(i).title,
                                               self.catalog.get(i).year,
                                               self.catalog.get(i).facets) for i in shown))
        try:
            return self.nlu.parse(text, context)
        except PayloadError as e:
            raise InputError(str(e)) from e

    # -- the turn ----------------------------------------------------------------------------
    def handle(self, session_id: str, text: str, user_id: str | None = None, *,
               intent: str | None = None) -> Reply:
        """One turn. `intent`: an intent the caller already decided (Rasa's NLU, when convrec runs
        as Rasa custom actions); it replaces the classifier's, while entities, references and the
        embedding still come from convrec's parse. A payload keeps its own intent."""
        if not session_id or len(session_id) > 200:
            raise InputError("a session id of 1 to 200 characters is required")
        if intent is not None and intent not in INTENTS:
            raise InputError(f"unknown intent {intent!r} (known: {', '.join(INTENTS)})")
        text = clean_message(text, self.config.nlu.max_message_chars)
        if user_id is not None and not self.recommender.history.has_user(str(user_id)):
            raise InputError(f"unknown user {user_id!r}: not in the behavior history")
        # turns of one session apply one after another; the session's lock comes first, so a
        # turn inside the gate never waits for a session lock
        with self.store.lock(session_id), self.turn_gate():
            state = self.state(session_id, user_id)
            if user_id is not None:
                state.user_id = str(user_id)
            context = parse_context(state)
            try:
                parse = self.nlu.parse(text, context)
            except PayloadError as e:
                raise InputError(str(e)) from e
            if intent is not None and parse.embedding is not None:  # text, not a payload
                parse.intent, parse.confidence = intent, 1.0
            unknown = [i for i in target_items(parse) if i not in self.catalog]
            if unknown:
                raise InputError(f"unknown item id {unknown[0]!r}")
            started = time.perf_counter()
            # every act of the message, read against what the bot last said (bot/dialogue/turn.py)
            new_state, reply, feedback, parse = self._turn(state, parse, context,
                                                           split=intent is None)
            reply.intent = {"name": parse.intent, "confidence": round(float(parse.confidence), 4)}
            reply.entities = [e.to_json() for e in parse.entities]
            # the behavior log keeps what training needs of the turn: the list shown and the
            # state it was recommended from (recommender/data/behavior_log.py)
            shown_context = feedback_context(state) if feedback else None
            feedback_rows = [{"item_id": f.item_id, "kind": f.kind, "value": f.value,
                              "context": shown_context} for f in feedback]
            user_event = {"text": text, "intent": reply.intent, "entities": reply.entities}
            bot_event = {**reply.to_json(), "action": reply.action,
                         "ms": round(1000 * (time.perf_counter() - started), 2)}
            self.store.save_turn(session_id, new_state.user_id, new_state.to_json(),
                                 [("user", user_event), ("bot", bot_event)], feedback_rows)
            if not self.store.shared:
                self._states[session_id] = new_state
                self._states.move_to_end(session_id)
                while len(self._states) > 10_000:
                    self._states.popitem(last=False)
            return reply

    def _turn(self, state: SessionState, parse: Parse, context: ParseContext, split: bool
              ) -> tuple[SessionState, Reply, list[FeedbackEvent], Parse]:
        return run_turn(self, state, parse, context, split)

    def coverage(self) -> str:
        """"films from 1902 to 2016": what the catalog covers, from the catalog ("331 tools"
        for a schema domain)."""
        if self.catalog.schema is not None:
            return f"{len(self.catalog):,} {self.catalog.plural}"
        years = self.catalog.years[self.catalog.years > 0]
        return f"{len(self.catalog):,} films from {years.min()} to {years.max()}"

    def forget_cached(self, session_id: str | None = None) -> None:
        """Drop cached states (another process may have written them)."""
        if session_id is None:
            self._states.clear()
        else:
            self._states.pop(session_id, None)

    # -- actions -----------------------------------------------------------------------------
    def _act(self, action: Action, state: SessionState, parse: Parse) -> tuple[SessionState, Reply]:
        t = self.templates
        turn = state.turn
        reply = Reply(session=state.session_id, text="", action=action.kind)

        def title(item_id: str) -> str:
            return self.catalog.get(item_id).title

        if action.kind == "greet":
            if state.user_id is not None:
                n = len(self.recommender.history.user(state.user_id).item_rows)
                reply.text = t.render("greet_known_user", turn, n_ratings=n)
            else:
                reply.text = t.render("greet", turn)
            reply.quick_replies = list(self.opening_replies)
        elif action.kind == "clarify":
            state.asked_clarification = True
            reply.text = t.render("clarify", turn)
            reply.quick_replies = list(self.opening_replies)
        elif action.kind == "recommend":
            state, reply = self._recommend(state, reply, parse, popular=action.popular)
        elif action.kind == "replace":
            state, reply = self._replace(state, reply, action)
        elif action.kind == "feedback":
            names = ", ".join(title(i) for i in action.item_ids)
            key = {"accepted": "accepted", "rejected": "rejected", "seen": "seen",
                   "rated": "rated"}[action.feedback]
            reply.text = t.render(key, turn, title=names)
            state.last_question = "more_like_it" if key == "accepted" else "list"
            reply.quick_replies = [{"title": "More like it",
                                    "payload": f'/refine{{"item":"{action.item_ids[0]}"}}'},
                                   {"title": "Something else", "payload": "/ask_more"}]
        elif action.kind == "answer":
            item = self.catalog.get(action.item_ids[0])
            state.focus_item = item.id
            people = item.directors if re.search(r"direct|made it", parse.text.lower()) \
                else item.cast if re.search(r"\b(cast|star|actor|actress|who'?s in|who is in)",
                                            parse.text.lower()) else ()
            if people:  # "what else did he make" next means this person
                state.focus_person = people[0]
            answer = (answer_about_facets(item, self.catalog.schema, parse.text)
                      if self.catalog.schema is not None else answer_about(item, parse.text))
            reply.text = t.render("item_info", turn, answer=answer)
            if parse.slots.get("short_reply") == "first":  # a yes to "which one?"
                reply.text = f'{t.render("first_of_list", turn)} {reply.text}'
            reply.quick_replies = [{"title": t.render("accept_item_button", turn),
                                    "payload": f'/accept{{"item":"{item.id}"}}'},
                                   {"title": "Not for me",
                                    "payload": f'/reject{{"item":"{item.id}"}}'}]
        elif action.kind == "acknowledge":  # "lol", "thats great": a nudge about what's next
            reply.text = t.render("acknowledge_list" if state.last_shown else "acknowledge", turn)
            reply.quick_replies = (item_quick_replies(state.last_shown) if state.last_shown
                                   else list(self.opening_replies))
        elif action.kind == "unknown_title":
            reply.text = t.render("unknown_title", turn, name=parse.text.strip(" ?!."),
                                  coverage=self.coverage())
            reply.quick_replies = list(self.opening_replies)
        elif action.kind == "which_item":
            titles = [i["title"] for i in state.last_shown]
            reply.text = t.render("which_of_list", turn, titles=" or ".join(
                [", ".join(titles[:-1]), titles[-1]])) if len(titles) > 1 \
                else t.render("which_item", turn)
            reply.quick_replies = item_quick_replies(state.last_shown)
        elif action.kind == "nothing_shown":
            reply.text = t.render("nothing_shown", turn)
            reply.quick_replies = list(self.opening_replies)
        elif action.kind == "reset":
            state = reset_preferences(state)
            reply.text = t.render("reset", turn)
            reply.quick_replies = list(self.opening_replies)
        else:  # thanks, goodbye, fallback, out_of_scope
            reply.text = t.render(action.kind, turn)
        return state, reply

    def _request(self, state: SessionState, k: int, popular: bool) -> RecommendRequest:
        c = state.constraints
        # nothing specific known yet: the recommender's cold start (varied, well liked, recent)
        cold = state.user_id is None and not state.positive_items and not (
            c.genres_wanted or c.people_wanted or c.year_min is not None
            or c.year_max is not None or c.has_facets())
        return RecommendRequest(
            interest_vector=None if popular else state.interest_vector,
            constraints=state.constraints,
            positive_items=list(state.positive_items),
            excluded_items=state.excluded(),
            user_id=state.user_id,
            k=k,
            cold_start=cold,
            described=state.described and not popular,
            prefer_genres=tuple(state.occasion_genres) if cold else (),
            required_genres=occasion.require if (occasion := occasion_named(state.occasion))
            else (),
            ceilings=(occasion.ceiling,) if occasion and occasion.ceiling else (),
        )

    def _relaxed(self, state: SessionState, request: RecommendRequest, parse: Parse
                 ) -> tuple[list, list[str], str | None]:
        """When nothing fits: at the catalog's edge ("newer" after its last year), the closest
        years it has; else the request without what the person did not name in this turn
        (bot/dialogue/carryover.py). (results, [what was loosened: "years" or kinds], the
        sentence that says so) or ([], [], None)."""
        years = self.catalog.years[self.catalog.years > 0]
        first, last = (int(years.min()), int(years.max())) if len(years) else (0, 0)
        c = state.constraints
        if len(years) and (at_catalog_edge(c, last, first)
                           or (c.year_min is not None and c.year_min >= last - 2)):
            for year_min in (last, last - 3, last - 10):
                looser = dataclasses.replace(c.copy(), year_min=year_min, year_max=None)
                found = self.recommender.recommend(dataclasses.replace(request,
                                                                       constraints=looser))
                if found:
                    state.constraints = looser
                    return found, ["years"], \
                        f"my catalog ends in {last}, so these are the newest I have"
        named = {e.type for e in parse.entities if e.polarity == "wanted"} | {
            facet_kind(e.facet) for e in parse.entities if e.type == "facet" and e.facet} | {
            range_kind(e.facet) for e in parse.entities if e.type == "comparison" and e.facet}
        for kinds, dropped, looser in relaxations(c, named):
            found = self.recommender.recommend(dataclasses.replace(request, constraints=looser))
            if found:
                state.constraints = looser
                return found, kinds, f"nothing fits all of that, so I left out {dropped}"
        return [], [], None

    def _recommend(self, state: SessionState, reply: Reply, parse: Parse,
                   popular: bool) -> tuple[SessionState, Reply]:
        t, turn = self.templates, state.turn
        k = self.config.policy.recommendations_per_turn
        request = self._request(state, k, popular)
        results = self.recommender.recommend(request)
        relaxed, loosened = None, []
        if not results:
            results, loosened, relaxed = self._relaxed(state, request, parse)
        summary = constraint_summary(state.constraints, self.catalog.facet_schema)
        if not results:
            key = "no_more_results" if state.shown else "no_results"
            reply.text = t.render(key, turn, summary=summary, coverage=self.coverage())
            reply.action = "no_results"
            return state, reply
        items = [r.to_json() for r in results]
        if relaxed:
            reply.text = t.render("recommend_relaxed", turn, relaxed=relaxed, summary=summary)
            reply.relaxed = loosened
        elif parse.slots.get("occasion"):
            reply.text = t.render("recommend_occasion", turn,
                                  occasion=occasion_phrase(parse.slots["occasion"]))
        elif popular:
            reply.text = t.render("recommend_popular", turn)
        elif parse.intent == "state_preference":
            reply.text = t.render("recommend_after_preference", turn, summary=summary)
        else:
            reply.text = t.render("recommend", turn, summary=summary)
        reply.text = " ".join([*self._title_notes(parse, turn), reply.text])
        state.last_shown = items
        state.focus_item = None  # "it" now means an item of the new list
        state.shown.extend(i["id"] for i in items if i["id"] not in state.shown)
        reply.items = items
        reply.quick_replies = item_quick_replies(items) + \
            list_quick_replies(items, self.catalog.schema, state.constraints.facets_wanted)
        return state, reply

    def _title_notes(self, parse: Parse, turn: int) -> list[str]:
        """What the reply says first about the titles named (bot/dialogue/title_notes.py)."""
        t, notes = self.templates, []
        unknown = unknown_titles(parse.entities)
        related = related_titles(parse.entities, self.catalog)
        if unknown and related:
            notes.append(t.render("unknown_title_related_note", turn, name='", "'.join(unknown),
                                  coverage=self.coverage(), related=" and ".join(related)))
        elif unknown:
            notes.append(t.render("unknown_title_note", turn, name='", "'.join(unknown),
                                  coverage=self.coverage()))
        for typed, title in assumed_titles(parse.entities, self.catalog):
            notes.append(t.render("assumed_title_note", turn, typed=typed, title=title,
                                  coverage=self.coverage()))
        return notes

    def _replace(self, state: SessionState, reply: Reply,
                 action: Action) -> tuple[SessionState, Reply]:
        """Swap the rejected / seen items of the shown list for new ones, in place."""
        t, turn = self.templates, state.turn
        # what was rejected or seen goes, and so does what breaks a limit said in this turn
        # ("not that one, no horror": the other horror films on the list go too)
        fits = self.recommender.constraint_index.allowed(state.constraints,
                                                         np.zeros(0, dtype=np.int64))
        gone = [s["id"] for s in state.last_shown if s["id"] in action.item_ids
                or not fits[self.catalog.index[s["id"]]]]
        names = ", ".join(self.catalog.get(i).title for i in action.item_ids)
        results = self.recommender.recommend(self._request(state, len(gone), False))
        fresh = iter(r.to_json() for r in results)
        new_list = []
        for item in state.last_shown:
            if item["id"] in gone:
                replacement = next(fresh, None)
                if replacement is not None:
                    new_list.append(replacement)
            else:
                new_list.append(item)
        added = [i for i in new_list if i["id"] not in state.shown]
        state.shown.extend(i["id"] for i in added)
        state.last_shown = new_list
        key = "rejected_replaced" if action.feedback == "rejected" else "seen_replaced"
        if not added:
            key = "rejected" if action.feedback == "rejected" else "seen"
        if len(action.item_ids) > 1:
            key += "_many"
        reply.text = t.render(key, turn, title=names)
        reply.items = new_list
        reply.quick_replies = item_quick_replies(new_list) + \
            list_quick_replies(new_list, self.catalog.schema, state.constraints.facets_wanted)
        return state, reply
