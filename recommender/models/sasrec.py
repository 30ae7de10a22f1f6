"""SASRec: self-attentive sequential recommendation over each user's last N items.

Paper: Wang-Cheng Kang and Julian McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018.

Causal self-attention blocks (pre-norm, one attention + one point-wise feed-forward each, residual
connections, dropout) over the item embeddings plus learned positional embeddings of the last
`max_len` (50) items. The hidden state at the last position is the user's history representation
([d]); next-item scores are its dot products with the (shared) item embeddings.

Unlike the paper's sampled binary cross-entropy, training uses FULL softmax cross-entropy over the
whole item vocabulary at every position (as in Klenitskiy & Vasilev, RecSys 2023, which found it
much stronger). Each user contributes the last `max_len` + 1 items of their history per epoch
(the paper's choice; `windows_per_user` > 1 adds older, non-overlapping windows).

Vocabulary: items with at least `min_item_count` training interactions (1 = every item seen in
training). Token 0 pads, tokens 1..V are the kept items, V + 1 stands for any other item in an
input sequence (never a target). Items outside the vocabulary score −inf: the model cannot
recommend them (used on Book-Crossing's 340k ISBNs, where a softmax over all of them is too slow on
a 2-core CPU; the evaluation reports how many targets that rules out).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm


@dataclass(frozen=True)
class SASRecConfig:
    max_len: int = 50  # N: the last N items are read
    hidden: int = 64  # d
    n_layers: int = 2
    n_heads: int = 1
    dropout: float = 0.2
    min_item_count: int = 1
    epochs: int = 30
    batch_size: int = 128  # windows per step
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    patience: int = 3  # epochs without a better validation NDCG@10
    windows_per_user: int = 1  # 1 = the paper's last max_len items only; more = older windows too
    seed: int = 7


class CausalSelfAttentionBlock(nn.Module):
    """x + Attention(LayerNorm(x)), then x + FeedForward(LayerNorm(x)); causal, padding-aware."""

    def __init__(self, hidden: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.attention_norm = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.attention_out = nn.Linear(hidden, hidden)
        self.feed_forward_norm = nn.LayerNorm(hidden)
        self.feed_forward = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(),
                                          nn.Dropout(dropout), nn.Linear(hidden, hidden))
        self.residual_dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape  # [B, L, d]
        q, k, v = self.qkv(self.attention_norm(x)).split(hidden, dim=2)  # 3 × [B, L, d]
        heads = (batch, length, self.n_heads, hidden // self.n_heads)
        q, k, v = (t.view(heads).transpose(1, 2) for t in (q, k, v))  # 3 × [B, h, L, d/h]
        attended = nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=allowed, dropout_p=self.dropout if self.training else 0.0
        )  # [B, h, L, d/h]
        attended = attended.transpose(1, 2).reshape(batch, length, hidden)  # [B, L, d]
        x = x + self.residual_dropout(self.attention_out(attended))  # [B, L, d]
        return x + self.residual_dropout(self.feed_forward(self.feed_forward_norm(x)))  # [B, L, d]


class SASRec(nn.Module):
    def __init__(self, config: SASRecConfig, vocabulary: np.ndarray, n_items: int):
        """`vocabulary`: [V] item indices the model can predict; `n_items`: the full catalog."""
        super().__init__()
        self.config, self.n_items = config, n_items
        self.register_buffer("vocabulary", torch.as_tensor(vocabulary, dtype=torch.int64))  # [V]
        token_of = torch.full((n_items,), len(vocabulary) + 1, dtype=torch.int64)  # [I] → other
        token_of[self.vocabulary] = torch.arange(1, len(vocabulary) + 1)
        self.register_buffer("token_of", token_of)  # [I] item index → token
        with torch.random.fork_rng():  # seeded init without touching the caller's generator
            torch.manual_seed(config.seed)
            self.item_embedding = nn.Embedding(len(vocabulary) + 2, config.hidden, padding_idx=0)
            self.position_embedding = nn.Embedding(config.max_len, config.hidden)
            self.embedding_dropout = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList(
                CausalSelfAttentionBlock(config.hidden, config.n_heads, config.dropout)
                for _ in range(config.n_layers))
            self.final_norm = nn.LayerNorm(config.hidden)
            nn.init.normal_(self.item_embedding.weight, std=config.hidden ** -0.5)
            nn.init.normal_(self.position_embedding.weight, std=0.02)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B, L] (left-padded with 0) → hidden states [B, L, d]."""
        batch, length = tokens.shape
        positions = torch.arange(length)  # [L]
        x = self.item_embedding(tokens) * self.config.hidden ** 0.5  # [B, L, d]
        x = self.embedding_dropout(x + self.position_embedding(positions))  # [B, L, d]
        real = tokens > 0  # [B, L]
        causal = torch.tril(torch.ones(length, length, dtype=torch.bool))  # [L, L]
        # a query sees earlier real items and always itself (no row is fully masked)
        allowed = (causal & real[:, None, :]) | torch.eye(length, dtype=torch.bool)  # [B, L, L]
        allowed = allowed[:, None]  # [B, 1, L, L]
        for block in self.blocks:
            x = block(x, allowed)  # [B, L, d]
        return self.final_norm(x) * real[..., None]  # [B, L, d], zero at padding

    def vocabulary_logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden [..., d] → logits over the vocabulary [..., V] (token k+1 ↔ column k)."""
        return hidden @ self.item_embedding.weight[1:-1].T  # [..., V]

    def tokens(self, sequences: list[np.ndarray]) -> torch.Tensor:
        """The last max_len items of each sequence as tokens, left-padded: [B, L]."""
        length = self.config.max_len
        tokens = torch.zeros(len(sequences), length, dtype=torch.int64)  # [B, L]
        for row, items in enumerate(sequences):
            tail = torch.as_tensor(np.asarray(items[-length:], dtype=np.int64))  # [n]
            if len(tail):
                tokens[row, length - len(tail):] = self.token_of[tail]
        return tokens

    @torch.no_grad()
    def represent(self, sequences: list[np.ndarray]) -> np.ndarray:
        """History representation of each sequence: last position's hidden state, [B, d]."""
        self.eval()
        return self.encode(self.tokens(sequences))[:, -1].numpy()  # [B, d]

    @torch.no_grad()
    def score(self, sequences: list[np.ndarray]) -> np.ndarray:
        """Next-item scores over the whole catalog [B, n_items]; −inf outside the vocabulary."""
        hidden = torch.as_tensor(self.represent(sequences))  # [B, d]
        scores = torch.full((len(sequences), self.n_items), float("-inf"))  # [B, I]
        scores[:, self.vocabulary] = self.vocabulary_logits(hidden)  # [B, V]
        return scores.numpy()


def training_windows(sequences: list[np.ndarray], max_len: int,
                     windows_per_user: int = 1) -> list[np.ndarray]:
    """Up to `windows_per_user` non-overlapping windows of max_len + 1 items, cut from the end of
    each sequence (input = window[:-1], targets = window[1:]); with enough windows every item
    after a sequence's first is predicted exactly once."""
    windows = []
    for items in sequences:
        end, taken = len(items), 0
        while end >= 2 and taken < windows_per_user:
            taken += 1
            start = max(0, end - max_len - 1)
            windows.append(items[start:end])
            end = start + 1  # the next window ends where this one's inputs begin
            if start == 0:
                break
    return windows


def window_batch(model: SASRec, windows: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs [B, L], targets [B, L]) as tokens; target 0 = no loss (padding or out of vocab)."""
    inputs = model.tokens([w[:-1] for w in windows])  # [B, L]
    targets = model.tokens([w[1:] for w in windows])  # [B, L]
    targets[targets > len(model.vocabulary)] = 0  # an item outside the vocabulary is no target
    return inputs, targets


def window_loss(model: SASRec, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Full softmax cross-entropy over the vocabulary at every position with a target."""
    hidden = model.encode(inputs)  # [B, L, d]
    where = targets > 0  # [B, L]
    logits = model.vocabulary_logits(hidden[where])  # [N, V]
    return nn.functional.cross_entropy(logits, targets[where] - 1)  # []


def train_sasrec(sequences: list[np.ndarray], n_items: int, config: SASRecConfig = SASRecConfig(),
                 validate: Callable[[SASRec], float] | None = None, epochs: int | None = None,
                 checkpoint: Path | None = None, log: Callable[[str], None] = print,
                 progress: bool = True) -> tuple[SASRec, list[dict]]:
    """Train on each user's training sequence; return (model with the best epoch's weights,
    one record per epoch). `validate(model)` (higher is better, e.g. NDCG@10 on held-out items)
    drives early stopping; without it, exactly `epochs` (default config.epochs) are run, which is
    how the test stage reuses the epoch count chosen on validation."""
    counts = np.bincount(np.concatenate([s for s in sequences if len(s)] or [np.zeros(0, int)]),
                         minlength=n_items)  # [I]
    vocabulary = np.flatnonzero(counts >= max(config.min_item_count, 1))  # [V]
    model = SASRec(config, vocabulary, n_items)
    torch.manual_seed(config.seed)
    generator = np.random.default_rng(config.seed)
    windows = training_windows(sequences, config.max_len, config.windows_per_user)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate,
                                 weight_decay=config.weight_decay)
    history, best, best_state, stale = [], None, None, 0
    for epoch in range(1, (epochs or config.epochs) + 1):
        started, total, n_batches = time.perf_counter(), 0.0, 0
        model.train()
        order = generator.permutation(len(windows))
        steps = range(0, len(order), config.batch_size)
        bar = tqdm(steps, desc=f"sasrec epoch {epoch}", leave=False, disable=not progress)
        for start in bar:
            inputs, targets = window_batch(model, [windows[i] for i in
                                                   order[start:start + config.batch_size]])
            if not (targets > 0).any():
                continue
            loss = window_loss(model, inputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, n_batches = total + float(loss.detach()), n_batches + 1
            bar.set_postfix(loss=f"{total / n_batches:.3f}", refresh=False)
        record = {"epoch": epoch, "train_loss": round(total / max(n_batches, 1), 4)}
        if validate is not None:
            record["valid_ndcg@10"] = round(float(validate(model)), 4)
        record["seconds"] = round(time.perf_counter() - started, 1)
        history.append(record)
        log("sasrec " + " ".join(f"{k}={v}" for k, v in record.items()))
        if validate is None:
            continue
        if best is None or record["valid_ndcg@10"] > best:
            best, best_state, stale = record["valid_ndcg@10"], copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
            if stale >= config.patience:
                log(f"sasrec early stop after epoch {epoch} (best NDCG@10 {best})")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    if checkpoint is not None:
        save_checkpoint(checkpoint, model, history)
    return model, history


def best_epoch(history: list[dict]) -> int:
    """The epoch with the best validation NDCG@10 (the first one on ties)."""
    return max(history, key=lambda r: (r.get("valid_ndcg@10", 0.0), -r["epoch"]))["epoch"]


def save_checkpoint(path: Path, model: SASRec, history: list[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(model.config), "n_items": model.n_items,
                "vocabulary": model.vocabulary, "state": model.state_dict(),
                "history": history}, path)


def load_checkpoint(path: Path) -> tuple[SASRec, list[dict]]:
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = SASRec(SASRecConfig(**saved["config"]), saved["vocabulary"].numpy(), saved["n_items"])
    model.load_state_dict(saved["state"])
    model.eval()
    return model, saved["history"]
