"""A teacher for distillation at training time (issue 17 item 4): the structure the issue found to transfer,
fitted on the training part only and never shipped; its outputs are training targets, never an input to the
prompt or to the decision.

  logit(drug | visit) = gate(renewal words) · context(drug | prompt sections) + history(drug's history facts)

* context: one-vs-rest logistic over the prompt's sections (each list item under its header, the visit, age
  band and gender): what the clinical picture says for a new start of this drug;
* history: one model shared by every drug over the facts its suffix states ("ordered at the last visit", "at
  3 of the last 3 visits", "last ordered 4 weeks ago", "renewed every time" …) crossed with the patient's
  renewal words: drug-agnostic, so it carries to drugs never renewed in training;
* gate: one learnt weight per renewal phrase of the prefix (never / sometimes / usually / almost always /
  no earlier visits), in (0, 1): how much the clinical picture counts against the record's own pattern.

Fitted in two stages: the history model alone first (so that it is calibrated by itself, as it must be for a
drug the context model never saw: there the context term is 0), then the context model and the gates on top.

Its predictions on training encounters are cross-fitted (each fold predicted by a teacher that did not see it).
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from data import Encounter

LIST_ITEM = re.compile(r"([A-Za-z][A-Za-z ]*): \[([^\]]*)\]")
RENEWAL = re.compile(r"Drugs ordered again at the next visit: ([a-z ]+)")


def renewal_word(prefix: str) -> str:
    m = RENEWAL.search(prefix)
    return m.group(1).strip() if m else 'unknown'


def section_features(prefix: str) -> List[str]:
    """'<part>|<header>=<item>' for each list item, the visit words, age band and gender."""
    cut = prefix.find('###Current Clinical Condition')
    parts = [('prev', prefix[:cut]), ('cur', prefix[cut:])] if cut >= 0 else [('cur', prefix)]
    out = []
    for part, text in parts:
        for header, items in LIST_ITEM.findall(text):
            header = header.strip().split(', ')[-1]
            if header.startswith('Recent visits'):
                continue
            out += [f'{part}|{header}={item.strip()}' for item in items.split(', ') if item.strip()]
    m = re.search(r"Age: (\d+), Gender: (\w+), Visit: ([^\n]*)", prefix[cut:] if cut >= 0 else prefix)
    if m:
        out += [f'age={min(int(m.group(1)) // 10, 9)}', f'gender={m.group(2)}']
        out += [f'visit={v.strip()}' for v in m.group(3).rstrip(',').split(', ') if v.strip()]
    return out


def history_features(history: str, renewal: str) -> List[str]:
    """The suffix's facts, alone and crossed with the patient's renewal words; 'never ordered' without history."""
    facts = [f.strip() for f in history.split(', ') if f.strip()] or ['never ordered']
    return ['bias'] + facts + [f'{renewal}*{f}' for f in facts]


class Index:
    def __init__(self):
        self.ids: Dict[str, int] = {}

    def fit(self, rows: Sequence[Sequence[str]], min_count: int) -> 'Index':
        counts: Dict[str, int] = {}
        for r in rows:
            for f in set(r):
                counts[f] = counts.get(f, 0) + 1
        for f in sorted(counts):
            if counts[f] >= min_count:
                self.ids[f] = len(self.ids) + 1  # 0 = padding / unknown
        return self

    def encode(self, feats: Sequence[str]) -> List[int]:
        return sorted({self.ids[f] for f in feats if f in self.ids})


# The renewal rate each renewal phrase stands for (src/lamo/history-text.ts renewalWords): its middle.
RATE_OF_WORDS = {'no earlier visits to compare': 0.0, 'never': 0.0, 'sometimes': 0.25, 'usually': 0.65, 'almost always': 0.9}


class Teacher:
    def __init__(self, names: Sequence[str], l2: float = 1e-3, iters: int = 300, lr: float = 0.05, gate: str = 'fixed',
                 combine: str = 'sum'):
        """gate 'fixed': the context counts (1 - renewal rate), as the issue found to transfer; 'learned': fitted.
        combine 'sum': logits add; 'noisy-or': P = 1 - (1 - P(renewal)) (1 - gate P(new start))."""
        self.names, self.name_index = list(names), {n: i for i, n in enumerate(names)}
        self.l2, self.iters, self.lr, self.gate, self.combine = l2, iters, lr, gate, combine

    def _tensors(self, encs: Sequence[Encounter]) -> Tuple:
        """Sparse section matrix [N, F], and per (visit, candidate) pair: visit, candidate index (-1 extra),
        history feature ids [P, H], gate id and label."""
        rows, cols = [], []
        visit, cand, hist, gate, label = [], [], [], [], []
        for n, e in enumerate(encs):
            for f in self.sections.encode(section_features(e.prefix)):
                rows.append(n), cols.append(f)
            word = renewal_word(e.prefix)
            g = self.gates.get(word, 0)
            for i, name in enumerate(e.names):
                visit.append(n), cand.append(self.name_index.get(name, -1)), gate.append(g)
                hist.append(self.history.encode(history_features(e.histories[i], word)))
                label.append(float(e.labels[i]))
        x = torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.ones(len(rows)),
                                    (len(encs), len(self.sections.ids) + 1)).coalesce()
        width = max(map(len, hist))
        h = torch.tensor([ids + [0] * (width - len(ids)) for ids in hist])
        return x, torch.tensor(visit), torch.tensor(cand), h, torch.tensor(gate), torch.tensor(label)

    def _probs(self, t: Tuple) -> torch.Tensor:
        x, visit, cand, h, gate, _ = t
        context = torch.sparse.mm(x, self.w.t())  # [N, C]
        ctx = torch.where(cand >= 0, context[visit, cand.clamp(min=0)], torch.full((), -30.0 if self.combine == 'noisy-or' else 0.0))
        hist = self.v[h].sum(1)
        if self.combine == 'noisy-or':  # ordered as a renewal or as a new decision
            return 1 - (1 - torch.sigmoid(hist)) * (1 - torch.sigmoid(self.g[gate]) * torch.sigmoid(ctx))
        return torch.sigmoid(torch.sigmoid(self.g[gate]) * ctx + hist)

    def fit(self, encs: Sequence[Encounter]) -> 'Teacher':
        self.sections = Index().fit([section_features(e.prefix) for e in encs], 2)
        words = sorted({renewal_word(e.prefix) for e in encs})
        self.gates = {w: i for i, w in enumerate(words)}
        self.history = Index().fit([history_features(h, renewal_word(e.prefix)) for e in encs for h in set(e.histories)], 1)
        t = self._tensors(encs)
        self.w = torch.zeros(len(self.names), len(self.sections.ids) + 1)
        self.v = torch.zeros(len(self.history.ids) + 1)
        rate = torch.tensor([RATE_OF_WORDS.get(w, 0.0) for w in words])
        self.g = torch.logit((1 - rate).clamp(0.02, 0.98)) if self.gate == 'fixed' else torch.zeros(len(words))
        for params in ([self.v], [self.w] + ([self.g] if self.gate == 'learned' else [])):  # history alone, then context
            for p in params:
                p.requires_grad_(True)
            opt = torch.optim.Adam(params, lr=self.lr)
            for _ in range(self.iters):
                opt.zero_grad()
                loss = F.binary_cross_entropy(self._probs(t).clamp(1e-6, 1 - 1e-6), t[5]) + self.l2 * (self.w ** 2).sum() / len(encs)
                loss.backward()
                if self.v.grad is not None:
                    self.v.grad[0] = 0
                opt.step()
            for p in params:
                p.requires_grad_(False)
        return self

    def predict(self, encs: Sequence[Encounter], history_only: bool = False) -> List[np.ndarray]:
        """P(yes) per candidate; `history_only`: as if no drug were known to the context model (a drug shown
        under another name, or never seen in training), i.e. from its history facts alone."""
        t = self._tensors(encs)
        if history_only:
            t = (t[0], t[1], torch.full_like(t[2], -1), *t[3:])
        p = self._probs(t).numpy()
        out, start = [], 0
        for e in encs:
            out.append(p[start:start + len(e.names)])
            start += len(e.names)
        return out


def cross_fitted(names: Sequence[str], train: Sequence[Encounter], folds: int, seed: int,
                 **kw) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """P(yes) of every train encounter's candidates from a teacher fitted without its fold (by patient), with
    the drug known and from its history alone (the target of a name-masked candidate)."""
    rng = np.random.RandomState(seed)
    patients = sorted({e.patient for e in train})
    fold_of = dict(zip(patients, rng.randint(0, folds, size=len(patients))))
    full: List[np.ndarray] = [np.zeros(0)] * len(train)
    hist: List[np.ndarray] = [np.zeros(0)] * len(train)
    for k in range(folds):
        fit = [e for e in train if fold_of[e.patient] != k]
        held = [i for i, e in enumerate(train) if fold_of[e.patient] == k]
        teacher = Teacher(names, **kw).fit(fit)
        encs = [train[i] for i in held]
        for i, p, q in zip(held, teacher.predict(encs), teacher.predict(encs, history_only=True)):
            full[i], hist[i] = p, q
    return full, hist
