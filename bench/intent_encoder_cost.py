"""What the head's fine-tuned encoder costs per message: parse time with and without it.

    .venv/bin/python bench/intent_encoder_cost.py [--messages 500]

Needs a head trained with `finetune_epochs` > 0 (config.yml; `convrec train --force`), whose copy
is in <artifacts>/models/intent/encoder. Real seekers' messages (IARD dev, ../shared) are parsed
one at a time by two pipelines over the same lexicon and head, one reading the tuned copy and one
not, alternated message by message so that the machine's load hits both alike; the encoder caches
are off, so every parse pays its encoding. Prints p50 / p90 in ms as JSON.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.build import build_agent  # noqa: E402
from bot.config import load_config  # noqa: E402
from nlu import intent_encoder  # noqa: E402
from nlu.encoder import SentenceEncoder  # noqa: E402
from nlu.iard import load_seeker_messages  # noqa: E402
from nlu.parse import NluPipeline  # noqa: E402
from nlu.train import ENCODER_FOLDER, seeker_path  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    config = load_config()
    cold = dataclasses.replace(config.nlu.encoder, cache_size=0)
    tuned = intent_encoder.load(config.models_dir / "intent" / ENCODER_FOLDER, cold)
    seekers = seeker_path(config.nlu.intent)
    if tuned is None or seekers is None:
        print("needs a head trained with finetune_epochs > 0 (config.yml, then `convrec train "
              "--force`) and the IARD file config.yml names", file=sys.stderr)
        return 2
    nlu = build_agent(config).nlu
    frozen = SentenceEncoder(cold, config.models_dir / "encoder")
    pipelines = {
        "with the tuned copy": NluPipeline(frozen, nlu.lexicon, nlu.classifier, nlu.item_nouns,
                                           tuned),
        "frozen encoder only": NluPipeline(frozen, nlu.lexicon, nlu.classifier, nlu.item_nouns),
    }
    texts = [m.text for m in load_seeker_messages(seekers)][: args.messages]
    times: dict[str, list[float]] = {name: [] for name in pipelines}
    for pipeline in pipelines.values():
        pipeline.parse("warm up")
    for i, text in enumerate(texts):
        order = list(pipelines.items())
        for name, pipeline in order if i % 2 else order[::-1]:
            started = time.perf_counter()
            pipeline.parse(text)
            times[name].append(1000 * (time.perf_counter() - started))
    print(json.dumps({name: {"n": len(t), "p50_ms": round(float(np.percentile(t, 50)), 2),
                             "p90_ms": round(float(np.percentile(t, 90)), 2)}
                      for name, t in times.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
