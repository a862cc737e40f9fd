"""Set metrics per visit, then averaged — the same definitions as src/eval/metrics.ts.

Visits have candidate sets of their own (the vocabulary plus the patient's other earlier drugs), so the
scores of many visits are kept flat: one entry per (visit, candidate), with the visit's index beside it.
A visit's truth counts every drug ordered, also those that are no candidate (`unreachable`): misses.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Union

import numpy as np

THRESHOLD_GRID = [round(0.02 * i, 2) for i in range(1, 50)]


class Flat:
    """The scores of many visits, one entry per (visit, candidate)."""

    def __init__(self, encs: Sequence, probs: Sequence[np.ndarray], name_index: Dict[str, int]):
        sizes = [len(e.names) for e in encs]
        self.n = len(encs)
        self.p = np.concatenate(probs).astype(np.float64) if self.n else np.zeros(0)
        self.y = (np.concatenate([e.labels for e in encs]) > 0.5) if self.n else np.zeros(0, dtype=bool)
        self.visit = np.repeat(np.arange(self.n), sizes)
        # the candidate's index in the model's list; -1 for a visit's extra (history-only) candidate
        self.name = np.array([name_index.get(n, -1) for e in encs for n in e.names], dtype=np.int64)
        self.ntrue = np.array([float(e.labels.sum()) + e.unreachable for e in encs])
        self.regime = np.array([e.regime for e in encs])
        self.population = np.array([e.population for e in encs])

    def thresholds(self, recommend: Union[float, np.ndarray], global_t: Optional[float] = None) -> np.ndarray:
        """Each entry's threshold: a float for all, or per candidate index (extras get `global_t`)."""
        if np.isscalar(recommend):
            return np.full(len(self.p), float(recommend))
        per = np.asarray(recommend, dtype=np.float64)
        g = float(np.median(per)) if global_t is None else global_t
        return np.where(self.name >= 0, per[np.maximum(self.name, 0)], g)


def set_metrics(flat: Flat, recommend: Union[float, np.ndarray], global_t: Optional[float] = None,
                visits: Optional[np.ndarray] = None) -> Dict[str, float]:
    """Mean Jaccard, precision, recall, F1 and set sizes over the visits (a boolean mask; default all)."""
    pred = flat.p >= flat.thresholds(recommend, global_t)
    hits = np.bincount(flat.visit, weights=pred & flat.y, minlength=flat.n)
    npred = np.bincount(flat.visit, weights=pred, minlength=flat.n)
    ntrue = flat.ntrue
    if visits is not None:
        hits, npred, ntrue = hits[visits], npred[visits], ntrue[visits]
    if len(ntrue) == 0:
        return {'jaccard': 0.0, 'f1': 0.0, 'precision': 0.0, 'recall': 0.0, 'avgPredicted': 0.0, 'avgTrue': 0.0,
                'visits': 0}
    union = npred + ntrue - hits
    jac = np.where(union > 0, hits / np.maximum(union, 1), 0.0)
    prec = np.where(npred > 0, hits / np.maximum(npred, 1), 0.0)
    rec = np.where(ntrue > 0, hits / np.maximum(ntrue, 1), 0.0)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0.0)
    return {'jaccard': float(jac.mean()), 'f1': float(f1.mean()), 'precision': float(prec.mean()),
            'recall': float(rec.mean()), 'avgPredicted': float(npred.mean()), 'avgTrue': float(ntrue.mean()),
            'visits': int(len(ntrue))}


def best_threshold(flat: Flat, grid: Sequence[float] = THRESHOLD_GRID, max_size_error: float = 0.10) -> float:
    """Threshold with the best mean Jaccard (ties → the higher, more conservative one, as the baselines do)
    among those whose average number of predicted drugs is within ±max_size_error of the truth; the
    service promises neither over- nor underprescribing. Unconstrained if no threshold qualifies."""
    scored = [(t, set_metrics(flat, t)) for t in grid]
    ok = [(t, m) for t, m in scored if abs(m['avgPredicted'] - m['avgTrue']) <= max_size_error * m['avgTrue']]
    best_t, best_j = 0.5, -1.0
    for t, m in ok or scored:
        if m['jaccard'] >= best_j:
            best_t, best_j = t, m['jaccard']
    return best_t


def breakdown(flat: Flat, recommend: Union[float, np.ndarray], global_t: Optional[float] = None) -> Dict[str, dict]:
    """Metrics per population and per regime (issue 17.5), and pooled."""
    out = {'all': set_metrics(flat, recommend, global_t)}
    for field in ('population', 'regime'):
        values = getattr(flat, field)
        for v in sorted(set(values.tolist())):
            out[f'{field}:{v}'] = set_metrics(flat, recommend, global_t, values == v)
    return out
