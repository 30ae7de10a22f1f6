"""The tasks of the multi-task ranker, in the order of its heads and of every label column.

- `accept`: the person takes the suggestion in a conversation (simulated and ReDial dialogues);
- `like`: they would rate it 4 or more (MovieLens ratings);
- `interact`: it is their next item (their history, in time order).

Training, serving, config.yml's `recommender.task_weights` and the evaluations all read this one
tuple; a label matrix `[n, len(TASKS)]` has the column `TASKS.index(task)` for each task.
"""

TASKS: tuple[str, ...] = ("accept", "like", "interact")
