"""Intent predictions of trained Rasa models, for bench/vs_rasa.py. Runs in the Rasa venv:

    .venv-rasa/bin/python bench/rasa_parse.py JOB.json OUT.json

JOB: [{"model": "path/to/model.tar.gz", "texts": ["...", ...]}, ...]
OUT: one list per job of {"intent", "confidence", "ms"} (ms: that text's parse, wall clock).
Each model's full NLU pipeline runs (DIET, then FallbackClassifier: below its threshold the
intent is nlu_fallback), as `rasa run` does for a message; no dialogue policy runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time


async def parse_all(job: list[dict]) -> list[list[dict]]:
    # optional: Rasa (and TensorFlow, heavy) exist only in .venv-rasa, where this script runs
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog  # optional: .venv-rasa only

    configure_structlog(logging.WARNING)  # not a debug line per parsed message

    results = []
    for part in job:
        agent = Agent.load(part["model"])
        await agent.parse_message("warm up")  # the first call builds TensorFlow's graph
        predictions = []
        for text in part["texts"]:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            predictions.append({"intent": intent.get("name"),
                                "confidence": round(float(intent.get("confidence") or 0.0), 4),
                                "ms": round(1000 * (time.perf_counter() - started), 3)})
        results.append(predictions)
    return results


def main() -> None:
    job_path, out_path = sys.argv[1:3]
    with open(job_path, encoding="utf-8") as f:
        job = json.load(f)
    results = asyncio.run(parse_all(job))
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
