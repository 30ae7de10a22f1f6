"""The ReDial (CRSLab) protocol on hand-made dialogues: targets, contexts, full vs dedup, recall,
and the dialogue log's leave-one-out evidence. The real ReDial files are optional."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED

from recommender.redial import (
    RECOMMENDER,
    SEEKER,
    dialogue_turns,
    mention_counts,
    parse_movie_name,
    recall_at,
    recommendation_targets,
    seeker_labels,
)

NAMES = {"1": "Heat (1995)", "2": "Ronin (1998)", "3": "Collateral (2004)", "4": "Thief (1981)"}


def message(sender: int, text: str) -> dict:
    return {"senderWorkerId": sender, "text": text}


# seeker = 10, recommender = 20. By hand (consecutive messages of one sender are one turn):
#  turn 0 seeker "hi, I loved @1"                  mentions 1
#  turn 1 rec    "try @2" + "or @3"                targets 2 (new), 3 (new)
#  turn 2 seeker "seen @2, what else?"             mentions 2
#  turn 3 rec    "@1 again? or @4" + "@3 is great" targets 1 (repeated), 4 (new), 3 (repeated)
# full = 5 targets, dedup = 3 (2, 3, 4)
DIALOGUE = {
    "conversationId": "c1", "initiatorWorkerId": 10, "respondentWorkerId": 20,
    "movieMentions": {"1": "Heat (1995)", "2": "Ronin (1998)", "3": "Collateral (2004)",
                      "4": "Thief (1981)"},
    "messages": [message(10, "hi, I loved @1"), message(20, "try @2"), message(20, "or @3"),
                 message(10, "seen @2, what else?"), message(20, "@1 again? or @4"),
                 message(20, "@3 is great")],
    "initiatorQuestions": {"2": {"suggested": 1, "seen": 1, "liked": 0},
                           "4": {"suggested": 1, "seen": 0, "liked": 2}},
    "respondentQuestions": {"4": {"suggested": 1, "seen": 0, "liked": 1}},
}


def test_turns_merge_consecutive_messages_and_replace_mentions_by_names():
    turns = dialogue_turns(DIALOGUE, NAMES)
    assert [t.role for t in turns] == [SEEKER, RECOMMENDER, SEEKER, RECOMMENDER]
    assert turns[1].text == "try Ronin (1998) or Collateral (2004)"
    assert turns[1].mentions == ("2", "3")
    assert turns[3].mentions == ("1", "4", "3")
    assert "@" not in " ".join(t.text for t in turns)


def test_targets_full_and_dedup_counted_by_hand():
    targets = recommendation_targets(DIALOGUE, NAMES)
    assert [(t.target, t.repeated) for t in targets] == [
        ("2", False), ("3", False), ("1", True), ("4", False), ("3", True)]
    full, dedup = len(targets), sum(not t.repeated for t in targets)
    assert (full, dedup) == (5, 3)
    # the context is every earlier turn, never the target's own turn
    assert [len(t.context) for t in targets] == [1, 1, 3, 3, 3]
    assert all("Thief" not in turn.text for turn in targets[3].context)


def test_targets_outside_the_candidate_set_are_dropped():
    targets = recommendation_targets(DIALOGUE, NAMES, candidates={"1", "2", "3"})
    assert [t.target for t in targets] == ["2", "3", "1", "3"]


def test_seeker_answers_win_and_recommender_answers_fill_gaps():
    labels = seeker_labels(DIALOGUE)
    assert labels["2"]["liked"] == 0
    assert labels["4"]["liked"] == 1  # the seeker did not say (2): the recommender's answer


def test_recall_and_names_and_counts():
    assert recall_at(np.array([0, 5, 9, 10, 60])) == {"recall@1": 0.2, "recall@10": 0.6,
                                                       "recall@50": 0.8}
    assert parse_movie_name("Whip It  (2009)") == ("Whip It", 2009)
    assert parse_movie_name("How to Train Your Dragon ") == ("How to Train Your Dragon", None)
    counts = mention_counts([DIALOGUE, DIALOGUE], RECOMMENDER)
    assert counts == {"1": 2, "2": 2, "3": 2, "4": 2}  # once per conversation
    assert mention_counts([DIALOGUE], SEEKER) == {"1": 1, "2": 1}


def test_dialogue_log_leaves_the_conversation_out():
    from recommender.redial import RedialMovie
    from recommender.redial_ranking import DialogueLog, RedialItems

    movies = [RedialMovie(i, NAMES[i].split(" (")[0], None) for i in "1234"]
    items = RedialItems(movies, np.full(4, -1), np.zeros((4, 384), dtype=np.float32))
    other = {"conversationId": "c2", "initiatorWorkerId": 1,
             "messages": [message(1, "@1 and @4"), message(2, "@4!")]}
    log = DialogueLog([DIALOGUE, other], items)
    # seeds = Heat (index 0): co-mentioned with 2, 3, 4 in c1 and with 4 in c2
    raw = np.log1p(np.array([0, 1, 1, 2])) / np.log1p(2)
    assert np.allclose(log.evidence(np.array([0])), raw)
    left_out = np.log1p(np.array([0, 0, 0, 1])) / np.log1p(1)
    assert np.allclose(log.evidence(np.array([0]), leave_out="c1"), left_out)
    assert np.allclose(log.popularity(leave_out="c1"), [1, 0, 0, 1])


@pytest.mark.skipif(not (SHARED / "redial-dev" / "valid_data.jsonl").exists(),
                    reason="../shared/datasets/redial-dev is not here")
def test_real_redial_valid_split_targets():
    from recommender.redial import read_dialogues, read_movies

    movies = read_movies(SHARED / "redial-dev" / "movies_with_mentions.csv")
    assert len(movies) == 6924
    names = {m.redial_id: m.name for m in movies}
    conversations = read_dialogues(SHARED / "redial-dev" / "valid_data.jsonl")
    targets = [t for c in conversations for t in recommendation_targets(c, names, set(names))]
    assert len(targets) > 200
    assert 0 < sum(t.repeated for t in targets) < len(targets)
