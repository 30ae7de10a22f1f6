"""Intent classifier: a small multi-label MLP head over frozen sentence embeddings plus hashed
character n-grams, with a fallback intent.

One sigmoid per intent (a message may hold several acts: "seen it, not one of my favorites
though" is seen + reject), trained with binary cross-entropy on multi-hot targets. Each intent has
its own threshold, chosen on held-out rows (`choose_thresholds`); the main intent is the most
probable one, and below `threshold` it becomes the fallback intent.

The sentence embedding carries meaning; the n-grams carry spelling ("thnks", "helo", "nah"), which
the embedding of a two-word message barely has (+4–5 points of held-out accuracy on data/nlu.yml).
The n-grams are taken from the delexicalised text ("<title> vibes"), so they generalise over the
catalog instead of memorising the titles in the training data.
A head trained with context rows (`context_dim` > 0) also reads the dialogue around the message
(nlu/dialogue_context.py: what the bot just did); rows without context are zeros there.
Trained from data/nlu.yml (Rasa YAML) and, when present, real seekers' messages (nlu/iard.py).
Below `threshold` confidence the prediction becomes the fallback intent, as Rasa's
FallbackClassifier does.
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
HEAD_FORMAT = "multilabel-v1"  # intent_head.json "format"; older artifacts (softmax) lack it
# chit-chat: the main intent only when nothing else in the message reaches its threshold
# ("I'll watch it, thanks!" is mainly accept)
SOCIAL_INTENTS = frozenset(("greet", "thanks", "goodbye"))
SOCIAL_OVERRULED_AT = 0.5  # ... and only by an intent at least this probable
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
DEFAULT_ACT_THRESHOLD = 0.5


class OldIntentModel(RuntimeError):
    """An intent head saved in an older format: retrain it (`convrec train`)."""


def choose_thresholds(probabilities: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-label threshold maximising that label's F1 on held-out rows.

    probabilities, targets: [n, k] (targets 0/1) → [k]; a label without a positive held-out row
    keeps DEFAULT_ACT_THRESHOLD; ties go to the higher threshold (fewer false acts)."""
    out = np.full(probabilities.shape[1], DEFAULT_ACT_THRESHOLD, dtype=np.float32)
    for j in range(probabilities.shape[1]):
        positive = targets[:, j] > 0.5
        if not positive.any():
            continue
        best = -1.0
        for t in THRESHOLD_GRID:
            predicted = probabilities[:, j] >= t
            tp = float(np.sum(predicted & positive))
            f1 = 2 * tp / (tp + float(predicted.sum()) + float(positive.sum()))
            if f1 >= best:
                best, out[j] = f1, t
    return out


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


def features(embeddings: np.ndarray, texts: list[str], contexts: np.ndarray | None = None
             ) -> np.ndarray:
    """[n, 384] embeddings + texts (+ [n, c] context rows) → [n, 384 + NGRAM_DIM (+ c)]
    classifier input."""
    grams = np.stack([char_ngrams(t) for t in texts]) if texts else np.zeros((0, NGRAM_DIM))
    parts = [embeddings, grams] + ([contexts] if contexts is not None else [])
    return np.hstack(parts).astype(np.float32)


@dataclass(frozen=True)
class IntentConfig:
    hidden_size: int = 256
    epochs: int = 80
    learning_rate: float = 0.003
    dropout: float = 0.2
    threshold: float = 0.3
    seed: int = 7
    # real seekers' messages with dialogue acts (IARD format), relative to the project root;
    # used when the file exists ("" or missing: data/nlu.yml alone)
    seeker_data: str = ""
    # read the dialogue context (the bot's last act, nlu/dialogue_context.py) beside the message;
    # off: +0.012–0.018 IARD macro-F1 on the folds, but 0.55–0.66 points more help-text turns on
    # the ReDial train replay (docs/BENCHMARKS.md, issue 14 rounds 2 and 3)
    dialogue_context: bool = False
    # > 0: fine-tune a copy of the sentence encoder for this many epochs on the intent rows and
    # train the head on its vectors (nlu/intent_encoder.py); 0: the head reads the frozen encoder
    finetune_epochs: int = 0


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
        self, intents: list[str], head: IntentHead, config: IntentConfig, fallback_intent: str,
        thresholds: np.ndarray | None = None, context_dim: int = 0,
    ):
        self.intents = intents
        self.context_dim = context_dim  # width of the context rows it reads (0: none)
        self.head = head.eval()
        self.config = config
        self.fallback_intent = fallback_intent
        # [n_intents] per-intent act thresholds (choose_thresholds)
        self.thresholds = (np.full(len(intents), DEFAULT_ACT_THRESHOLD, dtype=np.float32)
                           if thresholds is None else np.asarray(thresholds, dtype=np.float32))
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
        labels: list[str] | list[tuple[str, ...]],
        config: IntentConfig,
        fallback_intent: str,
        intents: list[str] | None = None,
        thresholds: np.ndarray | None = None,
        contexts: np.ndarray | None = None,
    ) -> IntentClassifier:
        """Fit the head on [n, 384] embeddings (+ the texts' n-grams); deterministic for a seed.

        labels: one intent per row, or a tuple of intents (the acts of a multi-act message).
        contexts: [n, c] dialogue-context rows (nlu/dialogue_context.py), zeros where a row has
        none; None: a head that reads no context."""
        label_sets = [(label,) if isinstance(label, str) else tuple(label) for label in labels]
        intents = intents or sorted({i for s in label_sets for i in s})
        torch.manual_seed(config.seed)
        x = torch.from_numpy(features(embeddings, texts, contexts))  # [n, 384 + NGRAM_DIM (+ c)]
        y = torch.zeros(len(label_sets), len(intents))  # [n, n_intents] multi-hot
        for row, label_set in enumerate(label_sets):
            for intent in label_set:
                y[row, intents.index(intent)] = 1.0
        y = y * 0.96 + 0.02  # label smoothing
        head = IntentHead(x.shape[1], config.hidden_size, len(intents), config.dropout)
        optimiser = torch.optim.AdamW(head.parameters(), lr=config.learning_rate, weight_decay=0.01)
        generator = torch.Generator().manual_seed(config.seed)
        head.train()
        for _ in range(config.epochs):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), 32):
                batch = order[start : start + 32]
                loss = nn.functional.binary_cross_entropy_with_logits(head(x[batch]), y[batch])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return IntentClassifier(intents, head, config, fallback_intent, thresholds,
                                0 if contexts is None else contexts.shape[1])

    def probabilities(self, embeddings: np.ndarray, texts: list[str],
                      contexts: np.ndarray | None = None) -> np.ndarray:
        """[n, 384] embeddings and their n texts (and [n, context_dim] context rows; None:
        zeros, and ignored by a head without context) → [n, n_intents] sigmoid probabilities
        (each in (0, 1), independent: a row need not sum to 1)."""
        if not self.context_dim:
            contexts = None
        elif contexts is None:
            contexts = np.zeros((len(texts), self.context_dim), dtype=np.float32)
        hidden = features(embeddings, texts, contexts) @ self._w1 + self._b1  # [n, hidden]
        hidden = 0.5 * hidden * (1.0 + _erf(hidden / np.sqrt(2.0)))  # exact GELU
        logits = hidden @ self._w2 + self._b2  # [n, n_intents]
        return 1.0 / (1.0 + np.exp(-logits))

    def predict(
        self, embedding: np.ndarray, text: str, context: np.ndarray | None = None
    ) -> tuple[str, float, list[tuple[str, float]]]:
        """One [384] embedding and its text (and [context_dim] context) → (intent or fallback,
        confidence, full ranking)."""
        p = self.probabilities(embedding[None, :], [text],
                               None if context is None else context[None, :])[0]
        return self._decide(p)

    def _decide(self, p: np.ndarray) -> tuple[str, float, list[tuple[str, float]]]:
        """[n_intents] probabilities → (main intent or fallback, its probability, ranking)."""
        order = np.argsort(-p)
        ranking = [(self.intents[i], float(p[i])) for i in order]
        best, confidence = ranking[0]
        if confidence < self.config.threshold:
            return self.fallback_intent, confidence, ranking
        if best in SOCIAL_INTENTS:
            for i in order[1:]:
                if (self.intents[i] not in SOCIAL_INTENTS and p[i] >= self.thresholds[i]
                        and p[i] >= SOCIAL_OVERRULED_AT):
                    return self.intents[i], float(p[i]), ranking
        return best, confidence, ranking

    def predict_acts(
        self, embedding: np.ndarray, text: str, clauses: list[tuple[int, int]],
        context: np.ndarray | None = None,
    ) -> tuple[str, float, list[tuple[str, float]], list[tuple[str, float, int, int]]]:
        """Main intent (as `predict`) plus the message's acts in text order.

        An act is an intent whose probability reaches its threshold (the main intent always is
        one, unless it is the fallback); surest first, each is placed in the clause (a character
        span of `text`, nlu/clauses.py) not yet taken whose own n-grams, beside the message's
        embedding, give it the highest probability (a clause holds two acts only when there are
        more acts than clauses). context: [context_dim] (nlu/dialogue_context.py), or None.
        → (intent, confidence, ranking, [(intent, probability, start, end)])."""
        spans = clauses if len(clauses) > 1 else [(0, len(text))]
        texts = [text] + ([text[a:b] for a, b in spans] if len(spans) > 1 else [])
        p_all = self.probabilities(
            np.repeat(embedding[None, :], len(texts), axis=0), texts,
            None if context is None else np.repeat(context[None, :], len(texts), axis=0))
        p = p_all[0]
        intent, confidence, ranking = self._decide(p)
        if intent == self.fallback_intent:
            return intent, confidence, ranking, []
        chosen = [j for j in range(len(p)) if p[j] >= self.thresholds[j]]
        best = self.intents.index(intent)
        if best not in chosen:
            chosen.append(best)
        acts, used = [], set()
        for j in sorted(chosen, key=lambda j: -p[j]):  # surest act first, each in its own clause
            k = 0
            if len(spans) > 1:
                free = [c for c in range(len(spans)) if c not in used] or list(range(len(spans)))
                k = max(free, key=lambda c: p_all[1 + c, j])
                used.add(k)
            acts.append((self.intents[j], float(p[j]), spans[k][0], spans[k][1]))
        acts.sort(key=lambda a: (a[2], -a[1]))
        return intent, confidence, ranking, acts

    def save(self, folder: Path, extra: dict | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self.head.state_dict(), folder / "intent_head.pt")
        meta = {
            "format": HEAD_FORMAT,
            "intents": self.intents,
            "config": asdict(self.config),
            "fallback_intent": self.fallback_intent,
            "input_dim": self._w1.shape[0],
            "context_dim": self.context_dim,
            "thresholds": [round(float(t), 3) for t in self.thresholds],
        }
        meta.update(extra or {})
        (folder / "intent_head.json").write_text(json.dumps(meta, indent=2))

    @staticmethod
    def load(folder: Path, threshold: float | None = None) -> IntentClassifier:
        """Raises OldIntentModel for a head saved before the multi-label format."""
        meta = json.loads((folder / "intent_head.json").read_text())
        if meta.get("format") != HEAD_FORMAT:
            raise OldIntentModel(
                f"{folder}: intent model of an older format ({meta.get('format', 'softmax')}, "
                f"expected {HEAD_FORMAT}); retrain it with `convrec train`")
        known = {f for f in IntentConfig.__dataclass_fields__}
        config = IntentConfig(**{k: v for k, v in meta["config"].items() if k in known})
        if threshold is not None:
            config = IntentConfig(**{**asdict(config), "threshold": threshold})
        head = IntentHead(
            meta["input_dim"], config.hidden_size, len(meta["intents"]), config.dropout
        )
        head.load_state_dict(torch.load(folder / "intent_head.pt", weights_only=True))
        return IntentClassifier(meta["intents"], head, config, meta["fallback_intent"],
                                np.array(meta["thresholds"], dtype=np.float32),
                                meta.get("context_dim", 0))
