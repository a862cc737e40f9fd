"""The `lamo-cds dataset` JSONL, tokenized and packed for training.

Each line is one encounter with its own candidate set: the vocabulary, then the patient's other earlier drugs
(issue 17 item 2). A candidate the patient was ordered before carries its history text, which the suffix puts
right after the drug's name ("lisinopril, ordered at the last visit, at 3 of the last 3 visits, …").

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

REGIMES = ('first-visit', 'no-renewals', 'some-renewals', 'renewing')


@dataclasses.dataclass
class Encounter:
    key: str
    patient: str
    date: str
    prefix: str
    suffix_template: str
    prefix_ids: List[int]
    names: List[str]          # the visit's candidates
    labels: np.ndarray        # [n] 0/1, aligned with names
    histories: List[str]      # each candidate's history text ('' = never ordered before)
    split: Dict[str, str]
    population: str = ''
    regime: str = 'first-visit'
    unreachable: int = 0      # drugs ordered that are not candidates: a miss for every method

    def suffix_text(self, i: int, name: str = '') -> str:
        """The suffix of candidate i, optionally under another name (name masking)."""
        return self.suffix_template.replace('{drug}', (name or self.names[i]) + self.histories[i])


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
    for key in ('encounter', 'prefix', 'suffixTemplate', 'candidates', 'split', 'regime'):
        if key not in rows[0]:
            raise SystemExit(f'{path}: line 1 has no "{key}" — is this a lamo-cds dataset file (issue 17 format)?')
    return rows


def vocabulary_names(rows: Sequence[dict]) -> List[str]:
    """The candidates every line has (the vocabulary; a line's other candidates are its patient's extras),
    in the order of the first line."""
    common = set(c['name'] for c in rows[0]['candidates'])
    for r in rows[1:]:
        common &= set(c['name'] for c in r['candidates'])
    return [c['name'] for c in rows[0]['candidates'] if c['name'] in common]


def encode_rows(rows: Sequence[dict], tok: LamoTokenizer) -> List[Encounter]:
    out = []
    for r in rows:
        cands = r['candidates']
        out.append(Encounter(r['encounter'], r['patient'], r['date'], r['prefix'], r['suffixTemplate'],
                             tok.encode(r['prefix']), [c['name'] for c in cands],
                             np.array([c['label'] for c in cands], dtype=np.float32),
                             [c.get('history', '') for c in cands], r['split'], r.get('population', ''),
                             r['regime'], int(r.get('unreachableLabels', 0))))
    return out


class SuffixCache:
    """Token ids of suffix texts; most repeat across encounters (a name without history, common histories)."""

    def __init__(self, tok: LamoTokenizer, limit: int = 400_000):
        self.tok, self.limit = tok, limit
        self.cache: Dict[str, List[int]] = {}

    def ids(self, text: str) -> List[int]:
        got = self.cache.get(text)
        if got is None:
            got = self.tok.encode(text)
            if len(self.cache) < self.limit:
                self.cache[text] = got
        return got


@dataclasses.dataclass
class Batch:
    input_ids: torch.Tensor      # [B, T]
    position_ids: torch.Tensor   # [B, T]
    allowed: torch.Tensor        # [B, T, T] bool
    answer_pos: torch.Tensor     # [B, K] index of each scored suffix's last token (0 where unused)
    answer_mask: torch.Tensor    # [B, K] 1 where used
    labels: torch.Tensor         # [B, K]
    lm_targets: torch.Tensor     # [B, T] next prefix token, -100 elsewhere


def pack(prefixes: Sequence[List[int]], suffixes: Sequence[Sequence[List[int]]], labels: Sequence[Sequence[float]],
         pad_id: int, max_prefix: int = 0) -> Batch:
    """One row per encounter: its prefix, then each of its suffixes (token ids) with a label."""
    seqs, segs, poss, answers, lm = [], [], [], [], []
    for prefix, sufs, labs in zip(prefixes, suffixes, labels):
        prefix = prefix[-max_prefix:] if max_prefix else prefix
        ids, seg, pos, ans = list(prefix), [0] * len(prefix), list(range(len(prefix))), []
        for k, (s, y) in enumerate(zip(sufs, labs)):
            ids += s
            seg += [k + 1] * len(s)
            pos += range(len(prefix), len(prefix) + len(s))
            ans.append((len(ids) - 1, float(y)))
        tgt = prefix[1:] + [-100] * (len(ids) - len(prefix) + 1)
        seqs.append(ids), segs.append(seg), poss.append(pos), answers.append(ans), lm.append(tgt)
    T, K = max(map(len, seqs)), max(1, max(map(len, answers)))

    def padded(rows: List[List[float]], width: int, fill: float, dtype) -> torch.Tensor:
        return torch.tensor([list(r) + [fill] * (width - len(r)) for r in rows], dtype=dtype)
    input_ids = padded(seqs, T, pad_id, torch.long)
    position_ids = padded(poss, T, 0, torch.long)
    seg_t = padded(segs, T, -1, torch.long)
    lm_t = padded(lm, T, -100, torch.long)
    a_pos = padded([[p for p, _ in a] for a in answers], K, 0, torch.long)
    a_mask = padded([[1.0] * len(a) for a in answers], K, 0.0, torch.float32)
    a_lab = padded([[y for _, y in a] for a in answers], K, 0.0, torch.float32)
    idx = torch.arange(T)
    causal = idx.unsqueeze(0) <= idx.unsqueeze(1)  # [q, k]
    q_seg, k_seg = seg_t.unsqueeze(2), seg_t.unsqueeze(1)
    allowed = causal.unsqueeze(0) & (k_seg != -1) & ((k_seg == 0) | (k_seg == q_seg))
    allowed |= torch.eye(T, dtype=torch.bool).unsqueeze(0)  # padding rows see themselves: no empty softmax
    return Batch(input_ids, position_ids, allowed, a_pos, a_mask, a_lab, lm_t)


def split_of(encs: Sequence[Encounter], scheme: str, part: str) -> List[Encounter]:
    return [e for e in encs if e.split.get(scheme) == part]
