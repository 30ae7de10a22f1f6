"""A sentence encoder fine-tuned to read intents, for the intent head only.

The frozen all-MiniLM-L6-v2 carries a message's meaning (the interest vector, matching items):
it must stay as packaged, since the catalog was encoded with it. Which act a message performs
("No, what's that about?", "I've seen that one, not one of my favorites though") is a different
question, and frozen mean-pooled embeddings answer it less well than the same network whose
weights have learnt from the intent rows (standard fine-tuning of a pre-trained encoder for
classification: Devlin et al., NAACL 2019; Sun et al., "How to Fine-Tune BERT for Text
Classification?", CCL 2019). With `finetune_epochs` > 0 (config.yml), `convrec train` fine-tunes a
copy on the intent rows (data/nlu.yml and the real seekers' messages) and exports it beside the
head (<artifacts>/models/intent/encoder); the head then reads this copy's vectors. IARD 5-fold
macro-F1 0.709–0.748 against 0.688 frozen, but a second encoder pass per message (+6 ms at p50 on
2 cores), so it is off by default (docs/BENCHMARKS.md).

Training: one sigmoid per intent over the copy's unit sentence embedding (a linear layer, scaled
logits), binary cross-entropy on the multi-hot acts, AdamW, a few epochs. The linear layer is
thrown away afterwards: the head of nlu/intent_classifier.py is trained on the tuned vectors as
it is on frozen ones, so everything downstream (thresholds, acts, fallback) is unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlu.encoder import EncoderConfig, SentenceEncoder, load_torch_model

TORCH_FOLDER = "sentence-transformers"  # the torch backend's copy (SentenceTransformer.save)
LOGIT_SCALE = 10.0  # unit vectors → logits of a usable range for the linear layer

Log = Callable[[str], None]


@dataclass(frozen=True)
class TuningSettings:
    epochs: int = 3
    learning_rate: float = 4e-5  # the encoder's; the throw-away linear layer learns at 50×
    batch_size: int = 16
    seed: int = 7


def finetune(texts: list[str], labels: list[tuple[str, ...]], intents: list[str],
             settings: TuningSettings, log: Log = print, progress: bool = False):
    """A fine-tuned copy of the packaged sentence-transformers model (torch, on the CPU).

    texts: the messages as written; labels: each row's intents (several acts allowed); intents:
    the label order of the throw-away layer. About 2 minutes for 1,200 rows on 2 cores."""
    import torch  # heavy: torch, loaded with the model
    from tqdm import tqdm  # a progress bar in a terminal

    torch.manual_seed(settings.seed)
    model = load_torch_model()
    targets = torch.tensor([[i in label for i in intents] for label in labels],
                           dtype=torch.float32)  # [n, k]
    layer = torch.nn.Linear(int(model.get_embedding_dimension()), len(intents))
    optimiser = torch.optim.AdamW(
        [{"params": model.parameters(), "lr": settings.learning_rate},
         {"params": layer.parameters(), "lr": settings.learning_rate * 50}],
        weight_decay=0.01)
    generator = torch.Generator().manual_seed(settings.seed)
    model.train()
    steps = (len(texts) + settings.batch_size - 1) // settings.batch_size
    for epoch in range(settings.epochs):
        order = torch.randperm(len(texts), generator=generator)
        total = 0.0
        for start in tqdm(range(0, len(texts), settings.batch_size), total=steps,
                          desc=f"Tuning the intent encoder, epoch {epoch + 1}/{settings.epochs}",
                          disable=not progress):
            rows = order[start:start + settings.batch_size]
            features = model.preprocess([texts[i] for i in rows])
            embedding = model(features)["sentence_embedding"]  # [b, 384], unit rows
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                layer(embedding * LOGIT_SCALE), targets[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach())
        log(f"Intent encoder epoch {epoch + 1}/{settings.epochs}: loss {total / steps:.3f}")
    return model.eval()


def save(model, folder: Path, backend: str, log: Log = print) -> None:
    """Write the tuned copy for `backend`: an ONNX export (nlu/encoder_export.py, checked
    against the torch model) or the sentence-transformers folder."""
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    if backend == "onnx":
        from nlu import encoder_export  # heavy: the exporter imports torch.onnx; only to save

        encoder_export.export(folder, log=log, model=model)
    else:
        model.save(str(folder / TORCH_FOLDER))


def load(folder: Path, config: EncoderConfig) -> SentenceEncoder | None:
    """The tuned copy saved in `folder` as a SentenceEncoder of `config`'s backend; None when
    the head was trained on the frozen encoder (nothing saved)."""
    folder = Path(folder)
    if config.backend == "onnx":
        return SentenceEncoder(config, folder) if (folder / "model.onnx").exists() else None
    torch_folder = folder / TORCH_FOLDER
    return SentenceEncoder(config, model_dir=torch_folder) if torch_folder.exists() else None


def tuned_encoder(texts: list[str], labels: list[tuple[str, ...]], intents: list[str],
                  settings: TuningSettings, folder: Path, config: EncoderConfig,
                  log: Log = print, progress: bool = False) -> SentenceEncoder:
    """Fine-tune, save into `folder`, and load it back as the encoder the head reads."""
    log(f"Fine-tuning a copy of the sentence encoder on {len(texts)} intent rows "
        f"({settings.epochs} epochs) ...")
    save(finetune(texts, labels, intents, settings, log, progress), folder, config.backend, log)
    encoder = load(folder, config)
    assert encoder is not None  # just saved
    return encoder

