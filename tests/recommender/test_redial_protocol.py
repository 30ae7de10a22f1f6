"""The ReDial (CRSLab) protocol on hand-made dialogues: targets, contexts, full vs dedup, recall,
and the dialogue log's features, fitted without the scored conversation's fold. The real ReDial
files are optional."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.data.dialogue_log import DialogueLog, FoldedDialogueLogs, fold_of
from recommender.data.redial import (
    RECOMMENDER,
    SEEKER,
    dialogue_turns,
    mention_counts,
    parse_movie_name,
    read_dialogues,
    read_movies,
    recall_at,
    recommendation_targets,
    seeker_labels,
)
from tests.support import SHARED

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


def test_dialogue_log_features_by_hand():
    index = {i: int(i) - 1 for i in "1234"}
    other = {"conversationId": "c2", "initiatorWorkerId": 1,
             "messages": [message(1, "any scary horror please, I liked @1"), message(2, "@4!")]}
    log = DialogueLog([DIALOGUE, other], index, 4,
                      genres_of=lambda text: {"Horror"} if "horror" in text else set())
    # seeds = Heat (index 0): co-mentioned with 2, 3, 4 in c1 and with 4 in c2
    assert np.allclose(log.evidence(np.array([0])), np.log1p([0, 1, 1, 2]) / np.log1p(2))
    assert np.allclose(log.popularity(), np.log1p([2, 1, 1, 2]) / np.log1p(2))
    # after "horror", recommenders suggested only Thief (index 3), once
    assert np.allclose(log.genre({"Horror"}), [0, 0, 0, 1])
    assert not log.genre({"Comedy"}).any()
    # "scary" appears in one target's context (c2 → Thief); one-off words are ignored
    assert not log.words_score({"scary"}).any()
    # EASE: Thief, co-mentioned with Heat in both conversations, is Heat's strongest neighbour
    ease = log.ease(np.array([0]))
    assert ease[0] == 0 and ease[3] > ease[1] > 0


def test_folded_logs_never_hold_the_conversation_they_score():
    conversations = [dict(DIALOGUE, conversationId=f"c{i}") for i in range(12)]
    logs = FoldedDialogueLogs(conversations, {i: int(i) - 1 for i in "1234"}, 4)
    for conversation in conversations:
        cid = conversation["conversationId"]
        log = logs.for_conversation(cid)
        same_fold = sum(fold_of(f"c{i}", 5) == fold_of(cid, 5) for i in range(12))
        assert log.matrix.shape[0] == 12 - same_fold  # its whole fold is out
    assert logs.for_conversation("valid-1").matrix.shape[0] == 12  # others read all of train


@pytest.mark.skipif(not (SHARED / "redial-dev" / "valid_data.jsonl").exists(),
                    reason="../shared/datasets/redial-dev is not here")
def test_real_redial_valid_split_targets():
    movies = read_movies(SHARED / "redial-dev" / "movies_with_mentions.csv")
    assert len(movies) == 6924
    names = {m.redial_id: m.name for m in movies}
    conversations = read_dialogues(SHARED / "redial-dev" / "valid_data.jsonl")
    targets = [t for c in conversations for t in recommendation_targets(c, names, set(names))]
    assert len(targets) > 200
    assert 0 < sum(t.repeated for t in targets) < len(targets)
