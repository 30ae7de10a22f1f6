"""The dialogue policy: how unsure intents are read, and what the bot decides to do."""

from bot.dialogue.policy import decide, interpret
from bot.dialogue.state import SessionState
from nlu.types import UNWANTED, Act, Entity, Parse

SHOWN = [{"id": i, "title": f"Movie {i}", "year": 2000, "genres": [], "reason": "", "score": 0.0}
         for i in ("10", "20", "30")]


def parse(intent, confidence, *entities, text="x"):
    return Parse(text=text, intent=intent, confidence=confidence, entities=list(entities))


def state(**kw):
    return SessionState("s", last_shown=list(SHOWN), shown=["10", "20", "30"], **kw)


TITANIC = Entity("title", "1721", "titanic", 0, 7, item_ids=("1721",))
COMEDY = Entity("genre", "Comedy", "comedy", 0, 6)
SECOND = Entity("reference", "2", "the second one", 4, 18, item_ids=("20",))
THAT = Entity("reference", "1", "that one", 4, 12, item_ids=("10",), confidence=0.5)


def test_fallback_that_names_a_genre_is_a_request():
    assert interpret(parse("nlu_fallback", 0.2, COMEDY), SessionState("s")).intent == \
        "request_recommendation"


def test_unsure_reject_of_a_title_off_the_list_is_a_request_not_a_rejection():
    read = interpret(parse("reject", 0.4, TITANIC), state())
    assert read.intent == "request_recommendation"
    assert decide(state(positive_items=["1721"]), read, False, True).kind == "recommend"


def test_confident_feedback_stays_feedback():
    assert interpret(parse("seen", 0.92, SECOND), state()).intent == "seen"


def test_unsure_accept_with_a_reference_becomes_a_question_about_it():
    assert interpret(parse("accept", 0.4, SECOND), state()).intent == "ask_item_info"


def test_unsure_goodbye_without_entities_is_fallback():
    assert interpret(parse("goodbye", 0.45, text="too long"), state()).intent == "nlu_fallback"


def test_negated_reference_is_a_rejection():
    not_second = Entity("reference", "2", "the second one", 4, 18, polarity=UNWANTED,
                        item_ids=("20",))
    assert interpret(parse("refine", 0.4, not_second), state()).intent == "reject"


def test_that_one_means_the_item_in_focus():
    read = interpret(parse("reject", 0.9, THAT), state(focus_item="30"))
    assert read.entities[0].item_ids == ("30",)
    assert decide(state(focus_item="30"), read, False, True).item_ids == ("30",)


def test_generic_first_request_asks_once_then_recommends_popular():
    generic = parse("request_recommendation", 0.9, text="recommend me a movie")
    assert decide(SessionState("s"), generic, False, True).kind == "clarify"
    asked = SessionState("s", asked_clarification=True)
    assert decide(asked, generic, False, True) == decide(asked, generic, False, True)
    assert decide(asked, generic, False, True).popular
    assert decide(asked, parse("nlu_fallback", 0.1), False, True).popular


def test_known_user_gets_recommendations_without_a_question():
    generic = parse("request_recommendation", 0.9, text="what should I watch")
    assert decide(SessionState("s", user_id="15"), generic, True, True).kind == "recommend"


def test_feedback_without_a_list_says_nothing_was_shown():
    assert decide(SessionState("s"), parse("reject", 0.9), False, True).kind == "nothing_shown"


def test_thanks_with_a_sure_goodbye_is_a_goodbye_and_plain_thanks_stays_thanks():
    bye = Parse(text="thanks bye", intent="thanks", confidence=0.98, entities=[],
                acts=[Act("thanks", 0.98, 0, 10), Act("goodbye", 0.97, 0, 10)])
    assert interpret(bye, state()).intent == "goodbye"
    thanks = Parse(text="great thanks", intent="thanks", confidence=0.99, entities=[],
                   acts=[Act("thanks", 0.99, 6, 12)])
    assert interpret(thanks, state()).intent == "thanks"
