"""Intent classifier: a small MLP head over frozen sentence embeddings plus hashed character
n-grams, with a fallback intent.

The sentence embedding carries meaning; the n-grams carry spelling ("thnks", "helo", "nah"), which
the embedding of a two-word message barely has (+4–5 points of held-out accuracy on data/nlu.yml).
The n-grams are taken from the delexicalised text ("<title> vibes"), so they generalise over the
catalog instead of memorising the titles in the training data.
Trained from data/nlu.yml (Rasa YAML). Below `threshold` confidence the prediction becomes the
fallback intent, as Rasa's FallbackClassifier does.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.special import erf as _erf
from torch import nn

NGRAM_DIM = 2048


def char_ngrams(text: str, dim: int = NGRAM_DIM) -> np.ndarray:
    """[dim] L2-normalised counts of hashed character 2–4-grams and words of the lower-cased
    text."""
    padded = " " + " ".join(text.lower().split()) + " "
    vector = np.zeros(dim, dtype=np.float32)
    for n in (2, 3, 4):
        for i in range(len(padded) - n + 1):
            vector[zlib.crc32(padded[i : i + n].encode()) % dim] += 1.0
    for word in re.findall(r"[a-z']+", padded):
        vector[zlib.crc32(("w:" + word).encode()) % dim] += 1.0
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def delexicalize(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Replace entity spans by their type: "the matrix vibes" → "<title> vibes".

    The n-grams then learn "a bare <title>" or "anything by <person>" instead of memorising the
    titles and names of the training data, which the catalog has thousands more of.
    """
    out, cursor = [], 0
    for start, end, kind in sorted(spans):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(f"<{kind}>")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def features(embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
    """[n, 384] embeddings + texts → [n, 384 + NGRAM_DIM] classifier input."""
    grams = np.stack([char_ngrams(t) for t in texts]) if texts else np.zeros((0, NGRAM_DIM))
    return np.hstack([embeddings, grams]).astype(np.float32)


@dataclass(frozen=True)
class IntentConfig:
    hidden_size: int = 256
    epochs: int = 80
    learning_rate: float = 0.003
    dropout: float = 0.2
    threshold: float = 0.3
    seed: int = 7


class IntentHead(nn.Module):
    """Linear → GELU → dropout → linear over a 384-d sentence embedding."""

    def __init__(self, input_dim: int, hidden_size: int, n_intents: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(input_dim, hidden_size),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_size, n_intents),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # [batch, n_intents] logits


class IntentClassifier:
    def __init__(
        self, intents: list[str], head: IntentHead, config: IntentConfig, fallback_intent: str
    ):
        self.intents = intents
        self.head = head.eval()
        self.config = config
        self.fallback_intent = fallback_intent
        # numpy copies of the weights: a 2-layer MLP on one vector is faster without torch dispatch
        layers = [m for m in head.net if isinstance(m, nn.Linear)]
        self._w1 = layers[0].weight.detach().numpy().T.copy()  # [384 + NGRAM_DIM, hidden]
        self._b1 = layers[0].bias.detach().numpy().copy()  # [hidden]
        self._w2 = layers[1].weight.detach().numpy().T.copy()  # [hidden, n_intents]
        self._b2 = layers[1].bias.detach().numpy().copy()  # [n_intents]

    @staticmethod
    def train(
        embeddings: np.ndarray,
        texts: list[str],
        labels: list[str],
        config: IntentConfig,
        fallback_intent: str,
        intents: list[str] | None = None,
    ) -> IntentClassifier:
        """Fit the head on [n, 384] embeddings (+ the texts' n-grams); deterministic for a seed."""
        intents = intents or sorted(set(labels))
        torch.manual_seed(config.seed)
        x = torch.from_numpy(features(embeddings, texts))  # [n, 384 + NGRAM_DIM]
        y = torch.tensor([intents.index(label) for label in labels])  # [n]
        head = IntentHead(x.shape[1], config.hidden_size, len(intents), config.dropout)
        optimiser = torch.optim.AdamW(head.parameters(), lr=config.learning_rate, weight_decay=0.01)
        generator = torch.Generator().manual_seed(config.seed)
        head.train()
        for _ in range(config.epochs):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), 32):
                batch = order[start : start + 32]
                loss = nn.functional.cross_entropy(head(x[batch]), y[batch], label_smoothing=0.05)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return IntentClassifier(intents, head, config, fallback_intent)

    def probabilities(self, embeddings: np.ndarray, texts: list[str]) -> np.ndarray:
        """[n, 384] embeddings and their n texts → [n, n_intents] softmax probabilities."""
        hidden = features(embeddings, texts) @ self._w1 + self._b1  # [n, hidden]
        hidden = 0.5 * hidden * (1.0 + _erf(hidden / np.sqrt(2.0)))  # exact GELU
        logits = hidden @ self._w2 + self._b2  # [n, n_intents]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def predict(
        self, embedding: np.ndarray, text: str
    ) -> tuple[str, float, list[tuple[str, float]]]:
        """One [384] embedding and its text → (intent or fallback, confidence, top-5 ranking)."""
        p = self.probabilities(embedding[None, :], [text])[0]
        order = np.argsort(-p)
        ranking = [(self.intents[i], float(p[i])) for i in order[:5]]
        best, confidence = ranking[0]
        if confidence < self.config.threshold:
            return self.fallback_intent, confidence, ranking
        return best, confidence, ranking

    def save(self, folder: Path, extra: dict | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self.head.state_dict(), folder / "intent_head.pt")
        meta = {
            "intents": self.intents,
            "config": asdict(self.config),
            "fallback_intent": self.fallback_intent,
            "input_dim": self._w1.shape[0],
        }
        meta.update(extra or {})
        (folder / "intent_head.json").write_text(json.dumps(meta, indent=2))

    @staticmethod
    def load(folder: Path, threshold: float | None = None) -> IntentClassifier:
        meta = json.loads((folder / "intent_head.json").read_text())
        config = IntentConfig(**meta["config"])
        if threshold is not None:
            config = IntentConfig(**{**asdict(config), "threshold": threshold})
        head = IntentHead(
            meta["input_dim"], config.hidden_size, len(meta["intents"]), config.dropout
        )
        head.load_state_dict(torch.load(folder / "intent_head.pt", weights_only=True))
        return IntentClassifier(meta["intents"], head, config, meta["fallback_intent"])
