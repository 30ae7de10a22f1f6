"""Leave-one-out by time: the held-out items never leak into what the models are fitted on."""

import numpy as np

from recommender.data.datasets import from_arrays
from recommender.data.splits import hold_out_from_end, leave_one_out


def tiny():
    # user 10: items 0,1,2,3 at times 5,1,3,9 → order 1,2,0,3; user 20: two items (not evaluated);
    # user 30: items 2,4,1 at times 1,2,3
    users = np.array([10, 10, 10, 10, 20, 20, 30, 30, 30])
    items = np.array([0, 1, 2, 3, 4, 0, 2, 4, 1])
    times = np.array([5, 1, 3, 9, 1, 2, 1, 2, 3])
    n = len(users)
    return from_arrays("tiny", users, items, np.full(n, 4.0, np.float32), times, times,
                       np.array(["a", "b", "c", "d", "e"]), list("abcde"), [()] * 5, 4.0,
                       np.ones(n, dtype=bool), "timestamp", [], [])


def test_last_item_is_test_second_to_last_is_valid():
    data = tiny()
    test, valid = leave_one_out(data, "test"), leave_one_out(data, "valid")
    assert test.users.tolist() == [0, 2]  # user 20 has fewer than 3 interactions
    assert test.targets.tolist() == [3, 1]
    assert valid.targets.tolist() == [0, 4]
    assert [s.tolist() for s in test.sequences()] == [[1, 2, 0], [4, 0], [2, 4]]
    assert [s.tolist() for s in valid.sequences()] == [[1, 2], [4, 0], [2]]


def test_held_out_items_never_leak_into_training():
    data = tiny()
    for stage in ("valid", "test"):
        split = leave_one_out(data, stage)
        matrix = split.train_matrix().toarray()
        for user, target, row in zip(split.users, split.targets, split.target_rows):
            assert matrix[user, target] == 0
            assert not split.train_mask[row]
            assert target not in split.sequences()[user]
    valid, test = leave_one_out(data, "valid"), leave_one_out(data, "test")
    # the test item is unseen in the validation stage as well
    for user, target in zip(test.users, test.targets):
        assert valid.train_matrix()[user, target] == 0
    # and the test stage trains on exactly one more row per evaluated user
    assert test.train_mask.sum() == valid.train_mask.sum() + len(valid.users)


def test_earlier_hold_outs_exclude_everything_after_their_target():
    data = tiny()
    third = hold_out_from_end(data, 3)
    assert third.users.tolist() == [0, 2]
    assert third.targets.tolist() == [2, 2]  # user 10: order 1, 2, 0, 3 → item 2
    assert [s.tolist() for s in third.sequences()] == [[1], [4, 0], []]
    fourth = hold_out_from_end(data, 4)
    assert fourth.users.tolist() == [0]  # user 30 has only three items
    for stage in (third, fourth):
        for user, row in zip(stage.users, stage.target_rows):
            later = np.flatnonzero(data.users == user)
            assert not stage.train_mask[later[later >= row]].any()
