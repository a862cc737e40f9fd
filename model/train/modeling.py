"""A small Llama-style decoder (RMSNorm, rotary positions, SwiGLU, tied embeddings) with a KV cache.

Two entry points share the same weights and the same attention code:
  * `forward_packed` (training): one encounter's prefix plus many candidate suffixes in one sequence, with
    a block attention mask (each suffix sees the prefix and itself) and explicit position ids;
  * `OnnxDecoder` (export): the Hugging Face Optimum decoder contract — input_ids, attention_mask over
    past+current positions, position_ids, past_key_values.{i}.key|value → logits, present.{i}.key|value.
"""
from __future__ import annotations

import dataclasses
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclasses.dataclass
class LamoConfig:
    vocab_size: int
    hidden: int = 256
    layers: int = 2
    heads: int = 4
    ffn: int = 512
    rope_theta: float = 10000.0
    norm_eps: float = 1e-5
    dropout: float = 0.0

    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotary_cos_sin(position_ids: torch.Tensor, head_dim: int, theta: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """position_ids [b, s] → cos, sin [b, 1, s, head_dim] (Llama's rotate-half layout)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    freqs = position_ids.to(torch.float32).unsqueeze(-1) * inv_freq  # [b, s, hd/2]
    emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)
    return emb.cos(), emb.sin()


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: LamoConfig):
        super().__init__()
        self.heads, self.head_dim = cfg.heads, cfg.head_dim
        self.q = nn.Linear(cfg.hidden, cfg.hidden, bias=False)
        self.k = nn.Linear(cfg.hidden, cfg.hidden, bias=False)
        self.v = nn.Linear(cfg.hidden, cfg.hidden, bias=False)
        self.o = nn.Linear(cfg.hidden, cfg.hidden, bias=False)
        self.dropout = cfg.dropout

    def forward(self, x, cos, sin, bias, past: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        b, s, _ = x.shape
        q = self.q(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + bias
        probs = torch.softmax(scores, dim=-1)
        if self.training and self.dropout > 0:
            probs = F.dropout(probs, self.dropout)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, -1)
        return self.o(out), (k, v)


class SwiGLU(nn.Module):
    def __init__(self, cfg: LamoConfig):
        super().__init__()
        self.gate = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.up = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.down = nn.Linear(cfg.ffn, cfg.hidden, bias=False)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, cfg: LamoConfig):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.hidden, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.mlp_norm = RMSNorm(cfg.hidden, cfg.norm_eps)
        self.mlp = SwiGLU(cfg)
        self.dropout = cfg.dropout

    def forward(self, x, cos, sin, bias, past=None):
        h, present = self.attn(self.attn_norm(x), cos, sin, bias, past)
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout)
        x = x + h
        h = self.mlp(self.mlp_norm(x))
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout)
        return x + h, present


class LamoLM(nn.Module):
    def __init__(self, cfg: LamoConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.hidden)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.layers)])
        self.norm = RMSNorm(cfg.hidden, cfg.norm_eps)
        self.apply(self._init)
        for blk in self.blocks:  # GPT-2 style: scale residual projections by depth
            nn.init.normal_(blk.attn.o.weight, std=0.02 / math.sqrt(2 * cfg.layers))
            nn.init.normal_(blk.mlp.down.weight, std=0.02 / math.sqrt(2 * cfg.layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def hidden_states(self, input_ids, position_ids, bias, past=None):
        x = self.embed(input_ids)
        cos, sin = rotary_cos_sin(position_ids, self.cfg.head_dim, self.cfg.rope_theta)
        presents = []
        for i, blk in enumerate(self.blocks):
            x, present = blk(x, cos, sin, bias, None if past is None else past[i])
            presents.append(present)
        return self.norm(x), presents

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        return F.linear(h, self.embed.weight)  # tied input/output embeddings

    def forward_packed(self, input_ids, position_ids, allowed):
        """input_ids, position_ids [b, s]; allowed [b, s, s] bool (query row may see key column).
        Returns final hidden states [b, s, hidden]."""
        bias = ((~allowed).to(torch.float32) * -1e9).unsqueeze(1)
        h, _ = self.hidden_states(input_ids, position_ids, bias)
        return h

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


class OnnxDecoder(nn.Module):
    """The exported graph: Optimum's `text-generation-with-past` signature."""

    def __init__(self, lm: LamoLM):
        super().__init__()
        self.lm = lm

    def forward(self, input_ids, attention_mask, position_ids, *past_flat):
        n = self.lm.cfg.layers
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(n)]
        seq = input_ids.shape[1]
        past_len = past_flat[0].shape[2]
        total = past_len + seq
        # Causal: query i (absolute position past_len + i) sees keys 0 .. past_len + i; padding keys never.
        q_pos = torch.arange(seq).unsqueeze(1) + past_len
        k_pos = torch.arange(total).unsqueeze(0)
        causal = k_pos <= q_pos  # [seq, total]
        keep = causal.unsqueeze(0) & (attention_mask.unsqueeze(1) > 0)  # [b, seq, total]
        bias = ((~keep).to(torch.float32) * -1e9).unsqueeze(1)
        h, presents = self.lm.hidden_states(input_ids, position_ids, bias, past)
        out: List[torch.Tensor] = [self.lm.logits(h)]
        for k, v in presents:
            out += [k, v]
        return tuple(out)
