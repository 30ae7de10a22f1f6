"""SASRec: self-attentive sequential recommendation over each user's last N items.

Paper: Wang-Cheng Kang and Julian McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018.

Causal self-attention blocks (pre-norm, one attention + one point-wise feed-forward each, residual
connections, dropout) over the item embeddings plus learned positional embeddings of the last
`max_len` (50) items. The hidden state at the last position is the user's history representation
([d]); next-item scores are its dot products with the (shared) item embeddings.

Vocabulary: items with at least `min_item_count` training interactions (1 = every item seen in
training). Token 0 pads, tokens 1..V are the kept items, V + 1 stands for any other item in an
input sequence (never a target). Items outside the vocabulary score −inf: the model cannot
recommend them (used on Book-Crossing's 340k ISBNs, where a softmax over all of them is too slow on
a 2-core CPU; the evaluation reports how many targets that rules out).

Training (full softmax cross-entropy over the vocabulary, windows of each user's sequence, early
stopping): `recommender/training/sasrec_loop.py`. `SASRecConfig` holds the training settings too,
so that a checkpoint records everything the model was made with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn


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
        self.qkv = nn.Linear(hidden, 3 * hidden)  # d → 3d: queries, keys, values
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
    """Causal self-attention over item tokens; `encode` gives [B, L, d] hidden states, `score`
    next-item scores over the whole catalog, `represent` the last position's state."""

    def __init__(self, config: SASRecConfig, vocabulary: np.ndarray, n_items: int):
        """`vocabulary`: [V] item indices the model can predict; `n_items`: the full catalog."""
        super().__init__()
        self.config, self.n_items = config, n_items
        self.register_buffer("vocabulary", torch.as_tensor(vocabulary, dtype=torch.int64))  # [V]
        token_of = torch.full((n_items,), len(vocabulary) + 1, dtype=torch.int64)  # [I] → other
        token_of[self.vocabulary] = torch.arange(1, len(vocabulary) + 1)  # [V] tokens 1..V
        self.register_buffer("token_of", token_of)  # [I] item index → token
        with torch.random.fork_rng():  # seeded init without touching the caller's generator
            torch.manual_seed(config.seed)
            self.item_embedding = nn.Embedding(len(vocabulary) + 2, config.hidden,
                                               padding_idx=0)  # [V + 2, d]
            self.position_embedding = nn.Embedding(config.max_len, config.hidden)  # [L, d]
            self.embedding_dropout = nn.Dropout(config.dropout)
            self.blocks = nn.ModuleList(
                CausalSelfAttentionBlock(config.hidden, config.n_heads, config.dropout)
                for _ in range(config.n_layers))
            self.final_norm = nn.LayerNorm(config.hidden)
            nn.init.normal_(self.item_embedding.weight, std=config.hidden ** -0.5)
            nn.init.normal_(self.position_embedding.weight, std=0.02)

    def encode(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [B, L] (left-padded with 0) → hidden states [B, L, d]."""
        batch, length = tokens.shape  # [B, L]
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


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(path: Path, model: SASRec, history: list[dict]) -> None:
    """Config, catalog size, vocabulary, weights and the training history in one file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"config": asdict(model.config), "n_items": model.n_items,
                "vocabulary": model.vocabulary, "state": model.state_dict(),
                "history": history}, path)


def load_checkpoint(path: Path) -> tuple[SASRec, list[dict]]:
    """(model in eval mode, training history) from `save_checkpoint`."""
    saved = torch.load(Path(path), map_location="cpu", weights_only=True)
    model = SASRec(SASRecConfig(**saved["config"]), saved["vocabulary"].numpy(), saved["n_items"])
    model.load_state_dict(saved["state"])
    model.eval()
    return model, saved["history"]
