"""The `lamo-cds dataset` JSONL, tokenized and packed for training.

One training sequence per encounter: the prompt prefix followed by the suffixes of many candidates. A block
attention mask lets every suffix see the whole prefix and itself only, and suffix positions restart right
after the prefix, so each suffix is scored exactly as if it were the only one (what the Node scorer does
with the KV cache), while the prefix is computed once for all candidates.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Dict, List, Sequence

import numpy as np
import torch

from lamo_tokenizer import LamoTokenizer


@dataclasses.dataclass
class Encounter:
    key: str
    patient: str
    date: str
    prefix: str
    suffix_template: str
    prefix_ids: List[int]
    labels: np.ndarray  # [C] 0/1 in the order of the candidate list
    split: Dict[str, str]
    population: str = ''


def read_jsonl(path: str) -> List[dict]:
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f'{path}:{n}: not valid JSON ({e})')
    if not rows:
        raise SystemExit(f'{path}: no encounters')
    for key in ('encounter', 'prefix', 'suffixTemplate', 'candidates', 'split'):
        if key not in rows[0]:
            raise SystemExit(f'{path}: line 1 has no "{key}" — is this a lamo-cds dataset file?')
    return rows


def candidate_names(rows: Sequence[dict]) -> List[str]:
    names = [c['name'] for c in rows[0]['candidates']]
    for r in rows:
        if [c['name'] for c in r['candidates']] != names:
            raise SystemExit(f'encounter {r["encounter"]}: candidate list differs from the first line')
    return names


def encode_rows(rows: Sequence[dict], tok: LamoTokenizer, names: Sequence[str]) -> List[Encounter]:
    out = []
    for r in rows:
        labels = np.array([c['label'] for c in r['candidates']], dtype=np.float32)
        out.append(Encounter(r['encounter'], r['patient'], r['date'], r['prefix'], r['suffixTemplate'],
                             tok.encode(r['prefix']), labels, r['split'], r.get('population', '')))
    return out


class SuffixTable:
    """Token ids of each candidate's suffix (the same for every encounter with the same suffix template)."""

    def __init__(self, tok: LamoTokenizer, names: Sequence[str]):
        self.tok, self.names = tok, list(names)
        self.cache: Dict[str, List[List[int]]] = {}

    def get(self, template: str) -> List[List[int]]:
        if template not in self.cache:
            self.cache[template] = [self.tok.encode(template.replace('{drug}', n)) for n in self.names]
        return self.cache[template]


@dataclasses.dataclass
class Batch:
    input_ids: torch.Tensor      # [B, T]
    position_ids: torch.Tensor   # [B, T]
    allowed: torch.Tensor        # [B, T, T] bool
    answer_pos: torch.Tensor     # [B, K] index of each scored suffix's last token (0 where unused)
    answer_cand: torch.Tensor    # [B, K] candidate index
    answer_mask: torch.Tensor    # [B, K] 1 where used
    labels: torch.Tensor         # [B, K]
    lm_targets: torch.Tensor     # [B, T] next prefix token, -100 elsewhere


def pack(encs: Sequence[Encounter], suffixes: SuffixTable, cand_lists: Sequence[Sequence[int]],
         pad_id: int, max_prefix: int = 0) -> Batch:
    seqs, segs, poss, answers, lm = [], [], [], [], []
    for enc, cands in zip(encs, cand_lists):
        prefix = enc.prefix_ids[-max_prefix:] if max_prefix else enc.prefix_ids
        table = suffixes.get(enc.suffix_template)
        ids, seg, pos, ans = list(prefix), [0] * len(prefix), list(range(len(prefix))), []
        for k, c in enumerate(cands):
            s = table[c]
            ids += s
            seg += [k + 1] * len(s)
            pos += range(len(prefix), len(prefix) + len(s))
            ans.append((len(ids) - 1, c, float(enc.labels[c])))
        tgt = prefix[1:] + [-100] * (len(ids) - len(prefix) + 1)
        seqs.append(ids), segs.append(seg), poss.append(pos), answers.append(ans), lm.append(tgt)
    B, T, K = len(seqs), max(map(len, seqs)), max(map(len, answers))
    def padded(rows: List[List[float]], width: int, fill: float, dtype) -> torch.Tensor:
        return torch.tensor([list(r) + [fill] * (width - len(r)) for r in rows], dtype=dtype)
    input_ids = padded(seqs, T, pad_id, torch.long)
    position_ids = padded(poss, T, 0, torch.long)
    seg_t = padded(segs, T, -1, torch.long)
    lm_t = padded(lm, T, -100, torch.long)
    a_pos = padded([[p for p, _, _ in a] for a in answers], K, 0, torch.long)
    a_cand = padded([[c for _, c, _ in a] for a in answers], K, 0, torch.long)
    a_mask = padded([[1.0] * len(a) for a in answers], K, 0.0, torch.float32)
    a_lab = padded([[y for _, _, y in a] for a in answers], K, 0.0, torch.float32)
    idx = torch.arange(T)
    causal = idx.unsqueeze(0) <= idx.unsqueeze(1)  # [q, k]
    q_seg, k_seg = seg_t.unsqueeze(2), seg_t.unsqueeze(1)
    allowed = causal.unsqueeze(0) & (k_seg != -1) & ((k_seg == 0) | (k_seg == q_seg))
    allowed |= torch.eye(T, dtype=torch.bool).unsqueeze(0)  # padding rows see themselves: no empty softmax
    return Batch(input_ids, position_ids, allowed, a_pos, a_cand, a_mask, a_lab, lm_t)


def split_of(encs: Sequence[Encounter], scheme: str, part: str) -> List[Encounter]:
    return [e for e in encs if e.split.get(scheme) == part]


def label_matrix(encs: Sequence[Encounter]) -> np.ndarray:
    return np.stack([e.labels for e in encs]) if encs else np.zeros((0, 0), dtype=np.float32)

