"""The turn gate: one turn computes at a time, in arrival order, turns back from the encoder
first; waiting for the encoder lets the next turn in; turns of one session cannot deadlock."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bot.server.batching import MicroBatchEncoder
from bot.server.gate import TurnGate


def wait_until(condition, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_one_turn_computes_at_a_time():
    gate = TurnGate()
    inside, peak, guard = 0, 0, threading.Lock()

    def turn(_):
        nonlocal inside, peak
        with gate.held():
            with guard:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.0005)
            with guard:
                inside -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(turn, range(80)))
    assert peak == 1
    assert gate.queued == 0 and not gate.holds()


def test_arrival_order_and_turns_back_from_a_wait_go_first():
    gate = TurnGate()
    order: list[str] = []
    back, holding, let_go = threading.Event(), threading.Event(), threading.Event()

    def returning():  # computes, waits for its batch outside the gate, then finishes
        with gate.held():
            order.append("R started")
            with gate.released():
                back.wait()
            order.append("R finished")

    def holder():
        with gate.held():
            holding.set()
            let_go.wait()

    def newcomer(name):
        with gate.held():
            order.append(name)

    threads = [threading.Thread(target=returning)]
    threads[0].start()
    wait_until(lambda: order == ["R started"] and not gate.queued)
    threads.append(threading.Thread(target=holder))
    threads[-1].start()
    holding.wait(5)
    for n, name in enumerate(("A", "B"), start=1):
        threads.append(threading.Thread(target=newcomer, args=(name,)))
        threads[-1].start()
        wait_until(lambda n=n: gate.queued == n)
    back.set()  # R comes back after A and B arrived ...
    wait_until(lambda: gate.queued == 3)
    let_go.set()
    for t in threads:
        t.join(5)
    assert order == ["R started", "R finished", "A", "B"]  # ... and still goes first


def test_released_is_a_no_op_outside_and_held_nests_and_errors_let_go():
    gate = TurnGate()
    with gate.released():  # not holding it: nothing to let go
        assert not gate.holds()
    with gate.held():
        with gate.held():
            assert gate.holds()
        assert gate.holds()
    with pytest.raises(RuntimeError):
        with gate.held():
            raise RuntimeError("turn failed")
    assert _free(gate), "the gate was left closed"


class BlockingEncoder:
    """Encodes only when told to: a row [len(text)] per text."""

    def __init__(self):
        self.started, self.go = threading.Event(), threading.Event()

    def encode(self, texts, **kwargs):
        self.started.set()
        self.go.wait(5)
        return np.array([[len(t)] for t in texts], dtype=np.float32)


def _free(gate: TurnGate) -> bool:
    """The gate is open (a peek at its state)."""
    with gate._mutex:
        return not gate._busy


def test_a_turn_lets_the_gate_go_while_its_utterance_is_encoded():
    gate, inner = TurnGate(), BlockingEncoder()
    batcher = MicroBatchEncoder(inner, max_batch=4, gate=gate)
    result = {}

    def first_turn():
        with gate.held():
            result["vectors"] = batcher.encode(["hello"])
            result["held after"] = gate.holds()

    def second_turn():
        with gate.held():
            result["second ran while the first waited"] = not inner.go.is_set()

    first = threading.Thread(target=first_turn)
    first.start()
    assert inner.started.wait(5)
    wait_until(lambda: _free(gate))
    second = threading.Thread(target=second_turn)
    second.start()
    second.join(5)
    inner.go.set()
    first.join(5)
    batcher.close()
    assert result == {"second ran while the first waited": True, "vectors": result["vectors"],
                      "held after": True}
    assert result["vectors"].tolist() == [[5.0]]


def test_turns_of_one_session_do_not_deadlock_behind_the_gate(agent, monkeypatch):
    gate = TurnGate()
    batcher = MicroBatchEncoder(agent.nlu.encoder, max_batch=16, gate=gate)
    monkeypatch.setattr(agent.nlu, "encoder", batcher)
    monkeypatch.setattr(agent, "turn_gate", gate.held)
    jobs = [("gate-same", "something funny from the 90s")] * 4 + [
        (f"gate-other-{i}", "a thriller with Tom Hanks") for i in range(4)]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda job: agent.handle(*job), jobs, timeout=120))
    batcher.close()
    assert all(r.text for r in replies)
    assert agent.state("gate-same").turn == 4
    assert gate.queued == 0 and _free(gate)
