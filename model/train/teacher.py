"""A logistic-regression teacher on the prompt tokens, for knowledge distillation.

The student (the LAMO mini transformer) learns from 2.5-3.3k encounters only; hard yes/no labels for ~100
candidates per visit are a sparse signal. A one-vs-rest logistic regression over section-aware bags of
prompt tokens ("hypertension" under "Past medical history" is another feature than under "Diagnose", and
the previous visit's block is kept apart from the current one) gives a calibrated P(yes) for every
candidate. Its predictions on the student's training encounters are cross-fitted (each fold predicted by a
teacher that did not see it), so they carry what generalises, not what the teacher memorised. The student
is trained on a mix of hard labels and these soft targets.

The teacher sees only the training split; it is a training aid and is not shipped.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from data import Encounter
from lamo_tokenizer import LamoTokenizer
from modeling import linear

_STRUCTURAL = set("[],:.'")


def section_features(enc: Encounter, tok: LamoTokenizer, current_marker: int) -> List[Tuple[int, int, int]]:
    """(part, section header id, token id) for each content token of the prefix; part 0 = previous visit."""
    ids = enc.prefix_ids
    colon = tok.vocab.get(':')
    part, header, feats = 0, -1, []
    for i, t in enumerate(ids):
        if t == current_marker:
            part, header = 1, -1
            continue
        if i + 1 < len(ids) and ids[i + 1] == colon:
            header = t
            continue
        if tok.id_to_token.get(t, '') in _STRUCTURAL:
            continue
        feats.append((part, header, t))
    return feats


class FeatureIndex:
    def __init__(self):
        self.index: Dict[Tuple[int, int, int], int] = {}

    def fit(self, rows: Sequence[List[Tuple[int, int, int]]], min_count: int = 2) -> 'FeatureIndex':
        counts: Dict[Tuple[int, int, int], int] = {}
        for r in rows:
            for f in set(r):
                counts[f] = counts.get(f, 0) + 1
        for f, c in sorted(counts.items()):
            if c >= min_count:
                self.index[f] = len(self.index)
        return self

    def matrix(self, rows: Sequence[List[Tuple[int, int, int]]]) -> torch.Tensor:
        x = torch.zeros(len(rows), len(self.index) + 1)
        x[:, -1] = 1.0  # bias column
        for i, r in enumerate(rows):
            cols = [self.index[f] for f in set(r) if f in self.index]
            if cols:
                x[i, cols] = 1.0
        return x


def fit_logistic(x: torch.Tensor, y: torch.Tensor, l2: float, iters: int = 300, lr: float = 0.05) -> torch.Tensor:
    w = torch.zeros(y.shape[1], x.shape[1], requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr)
    for _ in range(iters):
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(linear(x, w), y) + l2 * (w[:, :-1] ** 2).sum() / y.shape[1]
        loss.backward()
        opt.step()
    return w.detach()


def predict(x: torch.Tensor, w: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return torch.sigmoid(linear(x, w)).numpy()


def teacher_probabilities(tok: LamoTokenizer, train: Sequence[Encounter], others: Sequence[Sequence[Encounter]],
                          folds: int, l2: float, seed: int) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Cross-fitted P(yes) for `train` ([N, C]) and full-teacher P(yes) for each list in `others`."""
    marker = tok.vocab.get('###Current Clinical Condition', -2)
    feats = [section_features(e, tok, marker) for e in train]
    y = torch.tensor(np.stack([e.labels for e in train]))
    rng = np.random.RandomState(seed)
    fold_of = rng.randint(0, folds, size=len(train))
    oof = np.zeros((len(train), y.shape[1]), dtype=np.float32)
    for k in range(folds):
        fit_idx, held = np.where(fold_of != k)[0], np.where(fold_of == k)[0]
        index = FeatureIndex().fit([feats[i] for i in fit_idx])
        w = fit_logistic(index.matrix([feats[i] for i in fit_idx]), y[fit_idx], l2)
        oof[held] = predict(index.matrix([feats[i] for i in held]), w)
    index = FeatureIndex().fit(feats)
    w = fit_logistic(index.matrix(feats), y, l2)
    rest = [predict(index.matrix([section_features(e, tok, marker) for e in encs]), w) for encs in others]
    return oof, rest
