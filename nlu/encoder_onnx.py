"""all-MiniLM-L6-v2 on ONNX Runtime: the graph nlu/encoder_export.py wrote, run on the CPU.

The graph holds the whole sentence-transformers pipeline, traced from the packaged model's own
modules: BERT → mean pooling over the attention mask → L2 normalisation. What is left here is
the tokenising, with the packaged tokenizer (copied beside the graph) and the settings
sentence-transformers uses for this model: truncate to `max_seq_length` (256) tokens, pad to the
longest text of the batch with [PAD] (whose attention mask is 0, so padding changes nothing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "encoder.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")  # each int64 [batch, tokens]
OUTPUT = "sentence_embedding"  # float32 [batch, 384], unit rows
ONNXRUNTIME = "onnxruntime==1.31.1"


class OnnxEncoderError(RuntimeError):
    """The onnx backend cannot run: no onnxruntime, no export, or a failed export."""


def import_onnxruntime():
    """The onnxruntime module, or an OnnxEncoderError that says how to get it (no silent
    fallback to torch: the backend config.yml names is the one that runs)."""
    try:
        # optional: only the onnx backend needs it (~0.1 s to import)
        import onnxruntime
    except ImportError as e:
        raise OnnxEncoderError(
            f"The onnx sentence encoder needs {ONNXRUNTIME} (make install does it); or set "
            "`backend: torch` on the SentenceEncoder in config.yml."
        ) from e
    return onnxruntime


def read_meta(folder: Path) -> dict:
    """The export's record (fingerprint, max_seq_length, pad token, ...); {} when absent."""
    path = Path(folder) / META_FILE
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def make_tokenizer(path: Path, max_seq_length: int, pad_id: int, pad_token: str) -> Tokenizer:
    """The packaged fast tokenizer with sentence-transformers' settings for this model.

    The file itself says truncate at 128 and pad every text to 128 tokens; sentence-transformers
    overrides both (max_seq_length, padding to the batch's longest), and so does this."""
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)
    return tokenizer


class OnnxSentenceModel:
    """`encode(texts) -> float32 [n, 384]` unit rows from the exported graph in `folder`."""

    def __init__(self, folder: Path, threads: int = 1):
        folder = Path(folder)
        meta = read_meta(folder)
        if not meta or not (folder / MODEL_FILE).exists():
            raise OnnxEncoderError(f"The exported sentence encoder is missing in {folder}: run "
                               "`convrec train` to export it.")
        onnxruntime = import_onnxruntime()
        # one process, one thread for this: tokenizers' own pool would fight the turn threads
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: its optimiser's notes are not for users
        self.session = onnxruntime.InferenceSession(str(folder / MODEL_FILE), options,
                                                    providers=["CPUExecutionProvider"])
        self.tokenizer = make_tokenizer(folder / TOKENIZER_FILE, meta["max_seq_length"],
                                        meta["pad_id"], meta["pad_token"])
        self.dim = int(meta["dim"])

    def features(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The graph's inputs for `texts`: each int64 [len(texts), longest text's tokens]."""
        encodings = self.tokenizer.encode_batch(texts)
        return {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }

    def run(self, texts: list[str]) -> np.ndarray:
        """One forward pass: float32 [len(texts), 384]."""
        return self.session.run([OUTPUT], self.features(texts))[0]

    def encode(self, texts: list[str], batch_size: int = 64, progress: bool = False
               ) -> np.ndarray:
        """float32 [len(texts), 384] unit rows. Many texts go in batches of similar length
        (longest first, as sentence-transformers does), so little of a batch is padding."""
        if len(texts) <= batch_size:
            return self.run(texts)
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # a progress bar for bulk encoding in a terminal: ~30 ms to import, which a server never
        # pays (optional)
        from tqdm import tqdm

        for start in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not progress):
            rows = order[start:start + batch_size]
            out[rows] = self.run([texts[i] for i in rows])
        return out
