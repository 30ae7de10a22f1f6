"""The chat's own rules as plain callables, for training and evaluation on recorded dialogues.

The recommender receives these and never imports `nlu` or `bot`; both are the very functions a
chat turn runs, so a model is trained on the state the chat would build:
- `session_updater(config)`: the interest update (bot/dialogue/interest.py) as
  `(vector, [(kind, vector, sign)]) -> vector`;
- `constraints_extractor(lexicon)`: an utterance → the Constraints the chat records from its
  entities (`bot.dialogue.state.record_constraints`: genres, people, keywords, years).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.dialogue.interest import Signal, update_interest
from bot.dialogue.state import record_constraints
from nlu.entities import EntityLexicon, extract_entities
from recommender.domain.constraints import Constraints


def session_updater(config: Config):
    params = config.state

    def update(vector, signals):
        return update_interest(vector, [Signal(kind, v, sign) for kind, v, sign in signals],
                               params)

    return update


def constraints_extractor(lexicon: EntityLexicon) -> Callable[[str], Constraints]:
    def constraints_of(text: str) -> Constraints:
        constraints = Constraints()
        record_constraints(constraints, extract_entities(text, lexicon))
        return constraints

    return constraints_of
