"""What a bare "yes / no / sure / ok / lol / that one / I'll watch that" means after each prompt."""

from __future__ import annotations

import pytest

from bot.dialogue.short_replies import (
    BYE,
    LAUGH,
    NO,
    PICK,
    TABLE,
    THANKS,
    YES,
    Meaning,
    meaning,
    short_reply_kind,
)


@pytest.mark.parametrize("text, kind", [
    ("yes", YES), ("Yes!", YES), ("yesss", YES), ("ya", YES), ("yeah", YES), ("sure", YES),
    ("ok", YES), ("OK.", YES), ("okay", YES), ("oh ok", YES), ("sounds good", YES),
    ("ok lol", YES), ("sure thing", None), ("ok cool", YES), ("yeah sure", YES),
    ("ya sounds good", YES), ("Ok cool!", YES), ("yep", YES), ("ok cool a comedy", None),
    ("no", NO), ("nah", NO), ("nope", NO), ("no thanks", NO), ("not really", NO),
    ("i'm good", NO),
    ("that one", PICK), ("I'll watch that", PICK), ("ill watch that one", PICK),
    ("I'll take it", PICK), ("that sounds good", PICK), ("this one", PICK),
    ("ok ill watch that", PICK), ("yeah that one", PICK), ("sure, I'll take it", PICK),
    ("lol", LAUGH), ("haha", LAUGH), ("hahaha", LAUGH), ("omg", LAUGH), ("hmm", LAUGH),
    ("a comedy", None), ("yes, a comedy from the 90s", None), ("no horror", None),
    ("who directed it", None), ("", None), ("thanks!", None), ("thank you", None),
    ("Yes of course!", YES), ("I do!", YES), ("I don't think so", NO), ("not yet", NO),
    ("You too.", BYE), ("you as well", BYE), ("hope we chat again soon", BYE),
    ("have a good night", BYE),
])
def test_short_reply_kind(text, kind):
    assert short_reply_kind(text) == kind


SHOWN = ["a", "b", "c"]


@pytest.mark.parametrize("kind, asked, focus, shown, expected", [
    # after an item card (facts about one item): yes / that one accept it, no rejects it
    (YES, "item", "x", [], Meaning("accept", "x")),
    (PICK, "item", "x", [], Meaning("accept", "x")),
    (NO, "item", "x", [], Meaning("reject", "x")),
    (LAUGH, "item", "x", [], Meaning("acknowledge")),
    # after a list: the item in focus, the only item, or ask which one
    (YES, "list", "b", SHOWN, Meaning("accept", "b")),
    (YES, "list", None, ["a"], Meaning("accept", "a")),
    (YES, "list", None, SHOWN, Meaning("which")),
    (PICK, "list", "z", SHOWN, Meaning("which")),  # the focus is no longer on screen
    (NO, "list", None, SHOWN, Meaning("reject")),
    (LAUGH, "list", None, SHOWN, Meaning("acknowledge")),
    # "Which one do you mean: A, B or C?" asked already: never the same question twice; a yes
    # to it shows the first one's card (the focus, when it is on the list)
    (YES, "which", None, SHOWN, Meaning("describe", "a")),
    (PICK, "which", "c", SHOWN, Meaning("describe", "c")),
    (YES, "which", None, [], Meaning("clarify")),
    (LAUGH, "which", None, SHOWN, Meaning("acknowledge")),
    (NO, "which", None, SHOWN, Meaning("reject")),
    # "Want more like it?" / "Want more suggestions?"
    (YES, "more_like_it", "a", SHOWN, Meaning("ask_more")),
    (NO, "more_like_it", "a", SHOWN, Meaning("goodbye")),
    (YES, "more", None, SHOWN, Meaning("ask_more")),
    (NO, "more", None, SHOWN, Meaning("goodbye")),
    # "What are you in the mood for?": any short answer means "you choose"
    (YES, "preference", None, [], Meaning("surprise")),
    (NO, "preference", None, [], Meaning("surprise")),
    (LAUGH, "preference", None, [], Meaning("surprise")),
    # nothing asked yet
    (YES, None, None, [], Meaning("clarify")),
    (NO, None, None, [], Meaning("clarify")),
    # "you too": a goodbye, whatever was asked
    (BYE, "list", None, SHOWN, Meaning("goodbye")),
    (BYE, None, None, [], Meaning("goodbye")),
])
def test_meaning_table(kind, asked, focus, shown, expected):
    assert meaning(kind, asked, focus, shown) == expected


def test_every_prompt_answers_every_kind_and_none_is_the_help_text():
    prompts = {asked for asked, _ in TABLE}
    for asked in prompts:
        for kind in (YES, NO, PICK, LAUGH, BYE):
            assert (asked, kind) in TABLE
            assert meaning(kind, asked, "x", ["x"]).intent != "nlu_fallback"


@pytest.mark.parametrize("text, praise", [
    ("Those were all really good suggestions", True),
    ("thanks so much for the help!", True), ("thank you for your time", True),
    ("great picks, thanks", True), ("a good comedy", False), ("thanks", False),
])
def test_praise_of_the_suggestions_is_thanks(text, praise):
    assert bool(THANKS.search(text.lower())) is praise
