"""The network: token embedding, stacked LSTM over whole sequences, dropout, softmax over tokens.

This is the original design (stacked LSTM layers returning full sequences, dropout, softmax with
cross-entropy) with an embedding in place of one-hot scaled inputs. ``forward`` takes and returns
the LSTM state, so generation feeds one token per step and never re-runs a window.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

State = tuple[torch.Tensor, torch.Tensor]


@dataclass
class ModelConfig:
    vocab_size: int
    embedding_size: int = 256
    hidden_size: int = 512
    layers: int = 2
    dropout: float = 0.3

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ModelConfig":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


class MusicLSTM(nn.Module):
    """Predicts the next token at every position of a token sequence."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)
        self.lstm = nn.LSTM(config.embedding_size, config.hidden_size, num_layers=config.layers,
                            dropout=config.dropout if config.layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, tokens: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """tokens (batch, time) -> logits (batch, time, vocab) and the LSTM state after the last step."""
        x = self.dropout(self.embedding(tokens))
        out, state = self.lstm(x, state)
        return self.head(self.dropout(out)), state

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
