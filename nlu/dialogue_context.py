"""The dialogue around a message as a small vector the intent head reads beside the text.

Real seekers' acts depend on what the bot just did: "I loved it" is `seen` right after a
suggestion and `state_preference` when the person brings the film up; "something more recent" is
a `refine` only once a list was shown; the first message is usually the request itself. IARD's
own acts are defined that way (accept / reject / seen react to a recommendation, critiques change
the current one). The vector is taken from the bot's last turn: in the chat from the dialogue
state (bot/dialogue/agent.py), in IARD from the recommender's previous utterance (nlu/iard.py).
A message without context (`ParseContext.bot_act` None) gets zeros: the head reads only its text.
"""

from __future__ import annotations

import numpy as np

from nlu.types import ParseContext

# [known, bot recommended, bot asked, bot answered, items shown so far]
CONTEXT_DIM = 5
_ACT_COLUMN = {"recommend": 1, "ask": 2, "answer": 3}  # "greet": only `known`


def context_features(context: ParseContext | None) -> np.ndarray:
    """[CONTEXT_DIM] float32 0/1 vector of the dialogue around a message; zeros without one."""
    vector = np.zeros(CONTEXT_DIM, dtype=np.float32)
    if context is None or context.bot_act is None:
        return vector
    vector[0] = 1.0
    if context.bot_act in _ACT_COLUMN:
        vector[_ACT_COLUMN[context.bot_act]] = 1.0
    vector[4] = float(context.recommended_before)
    return vector
