"""Compares decision rules offline on the visits a run scored (its checkpoint's `scored`): each rule is tuned on
the training populations' validation part and measured there and on the held-out population of a
leave-one-population-out fold, never tuned on it. What the selection log (selection-log.md) reports.

  /usr/bin/python3 model/train/select.py DIR/A-without-*.pt

Rules: `global` (one threshold, the number of drugs within ±10 % of the truth on validation), `per-candidate`
(plus each frequent candidate's own threshold), `history-split` (one threshold for candidates the patient was
ordered before, one for the others: renewal and new start as two decisions).
"""
from __future__ import annotations

import argparse
import os
import sys
from types import SimpleNamespace
from typing import Dict, List

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decision import tune_recommend  # noqa: E402
from metrics import THRESHOLD_GRID, Flat, set_metrics  # noqa: E402


def flat_of(visits: List[dict], name_index: Dict[str, int]) -> Flat:
    encs = [SimpleNamespace(names=v['names'], labels=v['labels'], unreachable=v['unreachable'], regime=v['regime'],
                            population=v['population']) for v in visits]
    flat = Flat(encs, [v['p'] for v in visits], name_index)
    flat.history = np.concatenate([np.array(v['history'], dtype=bool) for v in visits])
    return flat


def split_threshold(flat: Flat, t_hist: float, t_new: float) -> np.ndarray:
    return np.where(flat.history, t_hist, t_new)


def tune_split(flat: Flat) -> tuple:
    """Best (history, new) thresholds on `flat` with the number of drugs within ±10 % of the truth (as
    best_threshold: unconstrained when no pair qualifies)."""
    best, free = (0.5, 0.5, -1.0), (0.5, 0.5, -1.0)
    for th in THRESHOLD_GRID:
        for tn in THRESHOLD_GRID:
            m = metrics_at(flat, split_threshold(flat, th, tn))
            if m['jaccard'] > free[2]:
                free = (th, tn, m['jaccard'])
            if abs(m['avgPredicted'] - m['avgTrue']) <= 0.1 * m['avgTrue'] and m['jaccard'] > best[2]:
                best = (th, tn, m['jaccard'])
    return (best if best[2] >= 0 else free)[:2]


def metrics_at(flat: Flat, per_entry: np.ndarray, visits=None) -> dict:
    """set_metrics with one threshold per entry (a rule set_metrics cannot express by candidate alone)."""
    saved = flat.thresholds
    flat.thresholds = lambda *_: per_entry
    try:
        return set_metrics(flat, 0.0, visits=visits)
    finally:
        flat.thresholds = saved


def describe(flat: Flat, per_entry: np.ndarray) -> str:
    m = metrics_at(flat, per_entry)
    regimes = ', '.join(f'{r} {metrics_at(flat, per_entry, flat.regime == r)["jaccard"]:.3f}'
                        for r in ('first-visit', 'no-renewals', 'some-renewals', 'renewing') if (flat.regime == r).any())
    return f'Jaccard {m["jaccard"]:.4f} ({m["avgPredicted"] / max(m["avgTrue"], 1e-9):.2f}x drugs; {regimes})'


def main() -> None:
    import torch
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('checkpoints', nargs='+')
    a = ap.parse_args()
    for path in a.checkpoints:
        ck = torch.load(path, map_location='cpu')
        names = [c['name'] for c in ck['candidates']]
        index = {n: i for i, n in enumerate(names)}
        scored = ck['scored']
        val = flat_of(scored['val'], index)
        rules = {}
        g = tune_recommend(val, len(names), per_candidate=False)['global']
        rules['global'] = lambda f, g=g: f.thresholds(g)
        per = tune_recommend(val, len(names), per_candidate=True)
        rules['per-candidate'] = lambda f, per=per: f.thresholds(per['perCandidate'], per['global'])
        th, tn = tune_split(val)
        rules[f'history-split ({th}/{tn})'] = lambda f, th=th, tn=tn: split_threshold(f, th, tn)
        print(f'== {os.path.basename(path)} (global threshold {g})')
        for part, visits in scored.items():
            flat = flat_of(visits, index)
            for label, rule in rules.items():
                print(f'  {part:28s} {label:24s} {describe(flat, rule(flat))}')


if __name__ == '__main__':
    main()
