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


# Debian's python3-torch calls the system BLAS (libblas.so.3). With the reference BLAS, nn.Linear and
# matmul run at ~3-5 GFLOP/s on this machine, while the same products written as 1x1 convolutions go through
# oneDNN at 40-80 GFLOP/s (forward + backward); with Debian's OpenBLAS (libopenblas0-openmp, which takes over
# libblas.so.3) the plain ops are as fast (measured: 16.5 vs 18.7 ms CPU for a 3200x128x256 product, forward
# and backward, one thread). Training switches the convolutions on only under the reference BLAS; export and
# evaluation in tests use the plain ops (MatMul in the ONNX graph). Both compute the same function.
_FAST_CPU = {'on': False}


def use_fast_cpu_kernels(on: bool) -> None:
    _FAST_CPU['on'] = on


def system_blas() -> str:
    """'openblas' when the BLAS torch calls is OpenBLAS, else 'reference' (read from the loaded libraries)."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # make sure the BLAS library is loaded
    try:
        with open('/proc/self/maps', encoding='utf-8') as f:
            return 'openblas' if 'openblas' in f.read() else 'reference'
    except OSError:
        return 'reference'


def linear(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """x [..., in] @ w[out, in]^T."""
    if not _FAST_CPU['on']:
        return F.linear(x, w)
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    n = x2.shape[0]
    y = F.conv2d(x2.t().reshape(1, shape[-1], n, 1), w.view(w.shape[0], w.shape[1], 1, 1))
    return y.view(w.shape[0], n).t().reshape(*shape[:-1], w.shape[0])


def batched_matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a [..., T, D] @ b [..., D, S] → [..., T, S], as a grouped 1x1 convolution when fast kernels are on."""
    if not _FAST_CPU['on']:
        return torch.matmul(a, b)
    lead = a.shape[:-2]
    t, d, s = a.shape[-2], a.shape[-1], b.shape[-1]
    a3, b3 = a.reshape(-1, t, d), b.reshape(-1, d, s)
    g = a3.shape[0]
    x = a3.transpose(1, 2).reshape(1, g * d, t, 1)
    w = b3.transpose(1, 2).reshape(g * s, d, 1, 1)
    y = F.conv2d(x, w, groups=g)  # [1, g*s, t, 1]
    return y.view(g, s, t).transpose(1, 2).reshape(*lead, t, s)


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

    def forward(self, x, cos, sin, bias, past: Optional[Tuple[torch.Tensor, torch.Tensor]] = None):
        b, s, _ = x.shape
        q = linear(x, self.q.weight).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = linear(x, self.k.weight).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = linear(x, self.v.weight).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        scores = batched_matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + bias
        probs = torch.softmax(scores, dim=-1)  # no dropout here: a [b, heads, s, s] mask costs more than the rest
        out = batched_matmul(probs, v).transpose(1, 2).reshape(b, s, -1)
        return linear(out, self.o.weight), (k, v)


class SwiGLU(nn.Module):
    def __init__(self, cfg: LamoConfig):
        super().__init__()
        self.gate = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.up = nn.Linear(cfg.hidden, cfg.ffn, bias=False)
        self.down = nn.Linear(cfg.ffn, cfg.hidden, bias=False)

    def forward(self, x):
        return linear(F.silu(linear(x, self.gate.weight)) * linear(x, self.up.weight), self.down.weight)


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
        return linear(h, self.embed.weight)  # tied input/output embeddings

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
