"""The module rasa-sdk's action server loads: convrec's custom actions and the Agent they use.

    SANIC_HOST=127.0.0.1 python -m rasa_sdk --actions bot.server.rasa_action_server --port 5055

(rasa-sdk binds 0.0.0.0 unless SANIC_HOST says otherwise.) rasa-sdk registers every concrete
`Action` subclass it has imported: the ones of bot/channels/rasa_actions.py, imported here. The
actions are a channel and know no config; this module tells them how to get their Agent: from
config.yml or $CONVREC_CONFIG, as everywhere in convrec, with one torch thread per process. It
says so at import, before rasa-sdk makes the actions, which keep `load_agent` (by name) when
rasa-sdk pickles them for its Sanic workers.

The Agent (sentence encoder, catalog, item vectors) loads on the first action, in the Sanic
worker that runs it, not at import: rasa-sdk also imports this module in Sanic's manager process,
which never runs an action (an agent loaded there holds ~650 MB for nothing, measured), and a
transformers model loaded before Sanic starts its workers has been reported to break the start
("Start method 'spawn' was requested, but 'fork' was already set"; not reproduced here with
rasa-sdk 3.21.1).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.channels import rasa_actions

if TYPE_CHECKING:  # the agent's module loads torch: not in Sanic's manager process
    from bot.dialogue.agent import Agent

logger = logging.getLogger(__name__)


def load_agent() -> Agent:
    """The Agent for config.yml / $CONVREC_CONFIG, set up as `convrec serve` sets it up."""
    # heavy: torch, the NLU and the catalog, loaded in the Sanic worker on its first action
    import torch

    from bot.build import build_agent  # heavy: loads torch, the NLU and the recommender
    from bot.config import load_config  # heavy: loads torch (through the NLU's settings)

    config = load_config()
    # as `convrec serve`: one torch thread per process, turns run in parallel threads
    torch.set_num_threads(config.server.torch_threads or 1)
    logger.info("Loading convrec's agent (catalog, item vectors, NLU) ...")
    return build_agent(config, log=logger.info)


rasa_actions.use_agent(load_agent)
