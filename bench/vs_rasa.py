"""convrec vs Rasa, side by side in one run: latency, memory, start-up, training, NLU quality.

    make bench-rasa        (.venv/bin/python bench/vs_rasa.py [--turns 200] [--json out.json])

(a) convrec alone: `convrec serve` on 127.0.0.1, spoken to through its Rasa-compatible REST
    webhook (POST /webhooks/rest/webhook). Without bot/server/app.py the in-process Agent stands in,
    and every number of that side says so.
(b) Rasa 3.6.21 with convrec inside: `rasa run` (REST channel, the same webhook) → rasa-sdk's
    action server (bot/server/rasa_action_server.py: the actions of bot/channels/rasa_actions.py)
    → convrec's Agent. The assistant (bot/rasa_assistant/) is trained in this run from the same
    data/nlu.yml, with empty caches.

Both sides get the same scripted conversations (bench/turn_latency.py SCRIPT), one turn at a
time from this process, with convrec's utterance-embedding cache off (every turn pays for its
encoding, as a new utterance would). Measured:
- per-turn latency p50 / p99: client side, request sent → reply read, after one warm-up turn;
- peak memory: VmHWM (peak RSS) of every server process, summed (what the machine must hold);
- start-up: processes started → first reply with items (Rasa: both servers; the action server
  loads convrec's agent on its first action);
- training: a fresh process training convrec's intent classifier (what `convrec train` does for
  NLU: encode the examples, fit the held-out head and the final head) vs `rasa train` (NLU + core);
- NLU quality, intent accuracy and macro-F1 (nlu/train.py `macro_f1`, over the true labels;
  `nlu_fallback` counts as a wrong answer on both sides):
  (1) the held-out split of data/nlu.yml: `split_train_test(test_fraction=0.2, seed=<the
      IntentClassifier seed of config.yml>)`, exactly nlu/train.py's split; each side trained on
      the train part only;
  (2) IARD dev (../shared/datasets/iard-dev/), user utterances mapped to convrec's intents by
      nlu/iard.py IARD_TO_CONVREC; each side's model trained on all of data/nlu.yml (convrec's
      without the seeker messages its chat head also learns from). Skipped when the data set is
      absent.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from turn_latency import SCRIPT, machine  # noqa: E402

from bot.build import build_agent, ensure_encoder  # noqa: E402
from bot.config import load_config  # noqa: E402
from nlu import intent_encoder  # noqa: E402
from nlu.entities import EntityLexicon, extract_entities  # noqa: E402
from nlu.iard import IARD_TO_CONVREC, IARD_UNMAPPED  # noqa: E402
from nlu.intent_classifier import IntentClassifier, delexicalize  # noqa: E402
from nlu.train import ENCODER_FOLDER, macro_f1  # noqa: E402
from nlu.training_data import load_nlu_yaml, parse_example, split_train_test  # noqa: E402
from recommender.domain.catalog import Catalog  # noqa: E402

BIN = ROOT / ".venv" / "bin"
RASA_BIN = ROOT / ".venv-rasa" / "bin"
RASA_DIR = ROOT / "bot" / "rasa_assistant"
IARD = ROOT.parent / "shared" / "datasets" / "iard-dev" / "iard_annotated_partial_dev.json"
WARM_UP = "something funny from the 90s"
# convrec's side runs one torch thread per process, as `convrec serve` and the action server do:
# on 2 cores shared with other jobs, two torch threads made one utterance's encoding 10× slower
# (median 326 ms vs 31 ms, measured here). Rasa keeps TensorFlow's own thread settings.
TORCH_THREADS = 1

# IARD user dialogue acts → convrec intents: nlu/iard.py's map (the one convrec's training uses).
# Here an utterance is used when its acts map to exactly one convrec intent; OTH (chit-chat) is
# ignored beside another act, and an utterance with an unmapped act is left out.


# -- processes --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict, timeout: float = 300.0):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (OSError, urllib.error.URLError):
        return False


def start(command: list, env: dict, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([str(c) for c in command], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group this script started, SIGKILL what is left after 15 s."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue


def descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(parents.get(p, []))
    return found


def peak_rss_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) of a process and all its descendants, in MB, by "pid name"."""
    peaks = {}
    for p in descendants(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
            command = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        for line in status:
            if line.startswith("VmHWM:"):
                peaks[f"{p} {command[:80].strip()}"] = round(int(line.split()[1]) / 1024, 1)
    return peaks


def wait_first_items(url: str, processes: list[subprocess.Popen], logs: list[Path],
                     timeout: float = 900.0) -> list[dict]:
    """POST the warm-up turn until a reply with items comes back (servers still starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs):
            if process.poll() is not None:
                raise RuntimeError(f"server exited ({process.returncode}); see {log}:\n"
                                   + log.read_text(errors="replace")[-3000:])
        try:
            messages = post(url, {"sender": "warm-up", "message": WARM_UP})
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
            continue
        if reply_items(messages):
            return messages
        raise RuntimeError(f"the warm-up turn got no items: {messages}")
    raise TimeoutError(f"no reply from {url} within {timeout:.0f} s")


def reply_items(messages: list[dict]) -> list[dict]:
    """Items of a Rasa-REST reply: both convrec serve and convrec's Rasa actions send them as
    {"custom": {"items": [...]}}."""
    found = []
    for message in messages:
        found.extend((message.get("custom") or {}).get("items") or [])
    return found


def converse(send, turns: int, prefix: str) -> dict:
    """The scripted conversations, one turn at a time: latencies and how many turns had items."""
    latencies, with_items, session = [], 0, 0
    while len(latencies) < turns:
        session += 1
        for text in SCRIPT[: turns - len(latencies)]:
            started = time.perf_counter()
            items = send(f"{prefix}-{session}", text)
            latencies.append(1000 * (time.perf_counter() - started))
            with_items += bool(items)
    ms = np.array(latencies)
    return {"turns": len(ms), "turns_with_items": with_items,
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "mean_ms": round(float(ms.mean()), 1)}


# -- (a) convrec, (b) Rasa + convrec's actions ----------------------------------------------------
def bench_convrec(config_path: Path, turns: int, work: Path) -> dict:
    if not (ROOT / "bot" / "server" / "app.py").exists():
        return bench_convrec_in_process(config_path, turns)
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    env = {**os.environ, "CONVREC_CONFIG": str(config_path)}
    log = work / "convrec_serve.log"
    started = time.perf_counter()
    server = start([BIN / "convrec", "serve", "--host", "127.0.0.1", "--port", port], env, log)
    try:
        wait_first_items(url, [server], [log])
        startup = time.perf_counter() - started
        result = converse(lambda sender, text: reply_items(
            post(url, {"sender": sender, "message": text})), turns, "convrec")
        peaks = peak_rss_mb(server.pid)
    finally:
        stop(server)
    return {**result, "mode": "convrec serve (REST webhook, 1 worker)",
            "startup_s": round(startup, 1), "peak_rss_mb": round(sum(peaks.values())),
            "processes": len(peaks), "process_peaks_mb": peaks}


def bench_convrec_in_process(config_path: Path, turns: int) -> dict:
    torch.set_num_threads(TORCH_THREADS)
    started = time.perf_counter()
    agent = build_agent(load_config(config_path))
    agent.handle("warm-up", WARM_UP)
    startup = time.perf_counter() - started
    result = converse(lambda sender, text: agent.handle(sender, text).items, turns, "convrec")
    return {**result, "mode": "IN-PROCESS Agent.handle (no `convrec serve` yet: no HTTP)",
            "startup_s": round(startup, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "processes": 1}


def bench_rasa(config_path: Path, model: Path, turns: int, work: Path) -> dict:
    action_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n')
    url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
    action_env = {**os.environ, "SANIC_HOST": "127.0.0.1", "CONVREC_CONFIG": str(config_path),
                  "PYTHONPATH": str(ROOT)}
    rasa_env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    logs = [work / "action_server.log", work / "rasa_run.log"]
    started = time.perf_counter()
    actions = start([BIN / "python", "-m", "rasa_sdk", "--actions",
                     "bot.server.rasa_action_server", "--port", action_port], action_env, logs[0])
    rasa = start([RASA_BIN / "rasa", "run", "--model", model.resolve(), "--endpoints", endpoints,
                  "--credentials", RASA_DIR / "credentials.yml", "--interface", "127.0.0.1",
                  "--port", rasa_port], rasa_env, logs[1], cwd=work)
    try:
        ready = {}
        deadline = time.monotonic() + 900
        while len(ready) < 2 and time.monotonic() < deadline:
            for name, check in (("action_server_up_s", f"http://127.0.0.1:{action_port}/health"),
                                ("rasa_up_s", f"http://127.0.0.1:{rasa_port}/")):
                if name not in ready and is_up(check):
                    ready[name] = round(time.perf_counter() - started, 1)
            if any(p.poll() is not None for p in (actions, rasa)):
                break
            time.sleep(0.3)
        wait_first_items(url, [actions, rasa], logs)
        startup = time.perf_counter() - started
        result = converse(lambda sender, text: reply_items(
            post(url, {"sender": sender, "message": text})), turns, "rasa")
        rasa_peak, action_peaks = peak_rss_mb(rasa.pid), peak_rss_mb(actions.pid)
    finally:
        stop(rasa)
        stop(actions)
    return {**result, "mode": "rasa run (REST webhook) + rasa-sdk action server "
                              "(bot/server/rasa_action_server.py)",
            "startup_s": round(startup, 1), **ready,
            "peak_rss_mb": round(sum(rasa_peak.values()) + sum(action_peaks.values())),
            "rasa_peak_rss_mb": round(sum(rasa_peak.values())),
            "action_server_peak_rss_mb": round(sum(action_peaks.values())),
            "processes": len(rasa_peak) + len(action_peaks),
            "process_peaks_mb": {**rasa_peak, **action_peaks}}


# -- training and NLU quality ------------------------------------------------------------------
class _LiteralDumper(yaml.SafeDumper):
    pass


_LiteralDumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))


def write_rasa_nlu(nlu_path: Path, examples: list, out: Path) -> None:
    """Rasa NLU data of `examples` with their original markup (entities, roles), plus the
    synonym blocks of `nlu_path`."""
    lines = nlu_path.read_text(encoding="utf-8").splitlines()
    by_intent: dict[str, list[str]] = {}
    for example in examples:
        line = lines[int(example.source.rsplit(":", 1)[1]) - 1].strip()
        markup = line[1:].strip()
        assert line.startswith("-") and parse_example(markup)[0] == example.text, example.source
        by_intent.setdefault(example.intent, []).append(markup)
    others = [block for block in yaml.safe_load(nlu_path.read_text(encoding="utf-8"))["nlu"]
              if "intent" not in block]
    blocks = [{"intent": intent, "examples": "".join(f"- {m}\n" for m in markups)}
              for intent, markups in by_intent.items()] + others
    out.write_text(yaml.dump({"version": "3.1", "nlu": blocks}, Dumper=_LiteralDumper,
                             sort_keys=False, allow_unicode=True, width=10_000), encoding="utf-8")


def rasa_train(arguments: list, name: str, work: Path) -> tuple[Path, float]:
    """`rasa train ...` from an empty cache; (model path, wall seconds)."""
    out = work / "rasa_models"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false",
           "RASA_CACHE_DIRECTORY": str(work / f"rasa_cache_{name}")}
    log = work / f"rasa_train_{name}.log"
    started = time.perf_counter()
    with open(log, "wb") as f:
        done = subprocess.run([str(RASA_BIN / "rasa"), "train", *map(str, arguments), "--out",
                               str(out), "--fixed-model-name", name], cwd=RASA_DIR, env=env,
                              stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"rasa train {name} failed; see {log}")
    return out / f"{name}.tar.gz", seconds


CONVREC_TRAIN = """
import json, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)  # see TORCH_THREADS
from bot.config import load_config
from bot.build import ensure_encoder
from nlu.train import train_intents
import dataclasses
config = load_config(sys.argv[1])
# data/nlu.yml alone, as Rasa gets it: the chat's head also learns from IARD's seeker messages
# (nlu.pipeline IntentClassifier.seeker_data), which this bench scores on
intent = dataclasses.replace(config.nlu.intent, seeker_data="")
card = train_intents(config.path("nlu_data"), ensure_encoder(config, lambda m: None),
                     intent, config.nlu.fallback_intent, Path(sys.argv[2]),
                     log=lambda m: None)
print(json.dumps(card))
"""


def convrec_train(config_path: Path, work: Path) -> tuple[dict, float]:
    """A fresh process trains convrec's intent classifier into `work`; (its card, wall s)."""
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "python"), "-c", CONVREC_TRAIN, str(config_path),
                           str(work / "convrec_intent")], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"convrec's intent training failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), seconds


def iard_examples() -> list[tuple[str, str]]:
    conversations = json.loads(IARD.read_text(encoding="utf-8"))
    examples = []
    for conversation in conversations:
        for utterance in conversation["conversation"]:
            if utterance["participant"] != "USER":
                continue
            acts = {act["intent"] for act in utterance["dialogue_acts"]}
            unknown = acts - set(IARD_TO_CONVREC) - IARD_UNMAPPED
            if unknown:
                raise ValueError(f"IARD acts {sorted(unknown)} are in no list: map them")
            if len(acts) > 1:
                acts.discard("OTH")
            if not acts or not acts <= set(IARD_TO_CONVREC):
                continue
            intents = {IARD_TO_CONVREC[act] for act in acts}
            if len(intents) == 1:
                examples.append((" ".join(utterance["utterance"].split()), intents.pop()))
    return examples


def scores(truth: list[str], predicted: list[str]) -> dict:
    return {"n": len(truth),
            "accuracy": round(float(np.mean([t == p for t, p in zip(truth, predicted)])), 4),
            "macro_f1": round(macro_f1(truth, predicted, sorted(set(truth))), 4)}


def per_intent_f1(truth: list[str], predicted: list[str]) -> dict[str, float]:
    return {label: round(macro_f1(truth, predicted, [label]), 3) for label in sorted(set(truth))}


def nlu_quality(config_path: Path, work: Path) -> dict:
    config = load_config(config_path)
    nlu_path = config.path("nlu_data")
    examples = load_nlu_yaml(nlu_path).examples
    train, test = split_train_test(examples, test_fraction=0.2, seed=config.nlu.intent.seed)
    write_rasa_nlu(nlu_path, train, work / "nlu_train.yml")

    print("training convrec's intent classifier (fresh process) ...", file=sys.stderr)
    card, convrec_seconds = convrec_train(config_path, work)
    print("training the Rasa assistant (rasa train, NLU + core) ...", file=sys.stderr)
    full_model, rasa_seconds = rasa_train(
        ["--data", nlu_path, "data", "--domain", "domain.yml", "--config", "config.yml",
         "--force"], "full", work)
    print("training Rasa NLU on the train part of the split ...", file=sys.stderr)
    held_out_model, rasa_nlu_seconds = rasa_train(
        ["nlu", "--nlu", work / "nlu_train.yml", "--domain", "domain.yml", "--config",
         "config.yml"], "held_out", work)

    iard = iard_examples() if IARD.exists() else []
    job = [{"model": str(held_out_model), "texts": [e.text for e in test]}]
    if iard:
        job.append({"model": str(full_model), "texts": [text for text, _ in iard]})
    (work / "rasa_job.json").write_text(json.dumps(job))
    print("Rasa's predictions ...", file=sys.stderr)
    subprocess.run([str(RASA_BIN / "python"), str(ROOT / "bench" / "rasa_parse.py"),
                    str(work / "rasa_job.json"), str(work / "rasa_predictions.json")],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    rasa_predictions = json.loads((work / "rasa_predictions.json").read_text())

    truth = [e.intent for e in test]
    result = {
        "split": {"train": len(train), "test": len(test), "seed": config.nlu.intent.seed,
                  "test_fraction": 0.2},
        "held_out": {"convrec": card["held_out"],
                     "rasa": scores(truth, [p["intent"] for p in rasa_predictions[0]])},
        "training_s": {"convrec_intents_process": round(convrec_seconds, 1),
                       "convrec_intents_inside": card["train_seconds"],
                       "rasa_train_full": round(rasa_seconds, 1),
                       "rasa_train_nlu_split": round(rasa_nlu_seconds, 1)},
        "nlu_parse_ms": {"rasa_mean": round(float(np.mean(
            [p["ms"] for part in rasa_predictions for p in part])), 2)},
    }
    result["full_rasa_model"] = str(full_model)
    if not iard:
        result["iard"] = {"skipped": f"{IARD} not found"}
        return result

    torch.set_num_threads(TORCH_THREADS)
    encoder = ensure_encoder(config, lambda message: None)
    classifier = IntentClassifier.load(work / "convrec_intent",
                                       threshold=config.nlu.intent.threshold)
    # the head reads its fine-tuned copy of the encoder when it was trained with one
    encoder = intent_encoder.load(work / "convrec_intent" / ENCODER_FOLDER,
                                  config.nlu.encoder) or encoder
    # the classifier reads the text as parse() gives it: entity spans replaced by their type
    lexicon = EntityLexicon.from_catalog(Catalog.load(config.catalog_dir))
    texts = [text for text, _ in iard]
    encoder.encode(["warm up"])
    convrec_predicted, convrec_ms = [], []
    for text in texts:  # one at a time, as a server sees them
        started = time.perf_counter()
        spans = [(e.start, e.end, e.type) for e in extract_entities(text, lexicon)]
        convrec_predicted.append(classifier.predict(encoder.encode([text])[0],
                                                    delexicalize(text, spans))[0])
        convrec_ms.append(1000 * (time.perf_counter() - started))
    iard_truth = [intent for _, intent in iard]
    rasa_predicted = [p["intent"] for p in rasa_predictions[1]]
    result["iard"] = {
        "convrec": scores(iard_truth, convrec_predicted),
        "rasa": scores(iard_truth, rasa_predicted),
        "support": dict(sorted(Counter(iard_truth).items())),
        "per_intent_f1": {"convrec": per_intent_f1(iard_truth, convrec_predicted),
                          "rasa": per_intent_f1(iard_truth, rasa_predicted)},
        "fallback_answers": {"convrec": convrec_predicted.count("nlu_fallback"),
                             "rasa": rasa_predicted.count("nlu_fallback")},
    }
    result["nlu_parse_ms"]["convrec_mean"] = round(float(np.mean(convrec_ms)), 2)
    return result


# -- the run -----------------------------------------------------------------------------------
def bench_config(folder: Path) -> Path:
    """config.yml with absolute paths, sessions in `folder`, the embedding cache off."""
    raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    paths = raw.setdefault("paths", {})
    for key, default in (("artifacts", "data/build"), ("nlu_data", "data/nlu.yml"),
                         ("replies", "data/replies.yml")):
        paths[key] = str((ROOT / paths.get(key, default)).resolve())
    paths["state"] = str(folder / "state")
    for component in raw["nlu"]["pipeline"]:
        if component["name"] == "SentenceEncoder":
            component["cache_size"] = 0
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def ratio(a: float, b: float) -> str:
    return f"{b / a:.1f}×" if a else "–"


def markdown(r: dict) -> str:
    a, b, n = r["convrec"], r["rasa"], r["nlu"]
    t = n["training_s"]
    rows = [
        ("per-turn latency p50", f"{a['p50_ms']} ms", f"{b['p50_ms']} ms",
         f"Rasa {ratio(a['p50_ms'], b['p50_ms'])} slower"),
        ("per-turn latency p99", f"{a['p99_ms']} ms", f"{b['p99_ms']} ms",
         f"Rasa {ratio(a['p99_ms'], b['p99_ms'])} slower"),
        ("turns answered with items", f"{a['turns_with_items']} / {a['turns']}",
         f"{b['turns_with_items']} / {b['turns']}", "same script"),
        ("peak memory (RSS, all server processes)", f"{a['peak_rss_mb']} MB ({a['processes']})",
         f"{b['peak_rss_mb']} MB ({b['processes']}: Rasa {b['rasa_peak_rss_mb']} + actions "
         f"{b['action_server_peak_rss_mb']})", ratio(a["peak_rss_mb"], b["peak_rss_mb"])),
        ("start-up to first reply with items", f"{a['startup_s']} s",
         f"{b['startup_s']} s (Rasa up {b.get('rasa_up_s', '?')} s)",
         ratio(a["startup_s"], b["startup_s"])),
        ("training (fresh process, imports included)",
         f"{t['convrec_intents_process']} s (intent head; {t['convrec_intents_inside']} s "
         "inside)", f"{t['rasa_train_full']} s (`rasa train`: DIET + TED + rules)",
         ratio(t["convrec_intents_process"], t["rasa_train_full"])),
        ("NLU parse per utterance (mean)", f"{n['nlu_parse_ms'].get('convrec_mean', '–')} ms",
         f"{n['nlu_parse_ms']['rasa_mean']} ms", ""),
    ]
    for name, key in (("held-out split of data/nlu.yml", "held_out"), ("IARD dev", "iard")):
        part = n[key]
        if "skipped" in part:
            rows.append((f"{name}: accuracy / macro-F1", part["skipped"], "", ""))
            continue
        c, s = part["convrec"], part["rasa"]
        rows.append((f"{name} (n = {c['n']}): accuracy / macro-F1",
                     f"{c['accuracy']:.3f} / {c['macro_f1']:.3f}",
                     f"{s['accuracy']:.3f} / {s['macro_f1']:.3f}",
                     f"macro-F1 {c['macro_f1'] - s['macro_f1']:+.3f} for convrec"))
    lines = [f"| | (a) {a['mode']} | (b) {b['mode']} | |", "| --- | --- | --- | --- |"]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    if "per_intent_f1" in n["iard"]:
        f1 = n["iard"]["per_intent_f1"]
        lines += ["", "IARD dev, F1 per intent (support):", "",
                  "| intent | support | convrec | Rasa DIET |", "| --- | --- | --- | --- |"]
        lines += [f"| {label} | {n['iard']['support'][label]} | {f1['convrec'][label]:.3f} | "
                  f"{f1['rasa'][label]:.3f} |" for label in f1["convrec"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=200, help="scripted turns per side")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if not (RASA_BIN / "rasa").exists():
        sys.exit("no Rasa venv: run `make rasa` first")

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="convrec-vs-rasa-") as tmp:
        work = Path(tmp)
        config_path = bench_config(work)
        nlu = nlu_quality(config_path, work)
        print("(a) convrec ...", file=sys.stderr)
        convrec = bench_convrec(config_path, args.turns, work)
        print("(b) Rasa + convrec's actions ...", file=sys.stderr)
        rasa = bench_rasa(config_path, Path(nlu.pop("full_rasa_model")), args.turns, work)
    results = {"convrec": convrec, "rasa": rasa, "nlu": nlu, "machine": machine(),
               "convrec_torch_threads": TORCH_THREADS,
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in os.getloadavg()],
               "command": "make bench-rasa  (.venv/bin/python bench/vs_rasa.py --turns "
                          f"{args.turns})"}
    print(json.dumps(results, indent=2))
    print()
    print(markdown(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
