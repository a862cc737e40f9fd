"""Set metrics per visit, then averaged — the same definitions as src/eval/metrics.ts."""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

THRESHOLD_GRID = [round(0.02 * i, 2) for i in range(1, 50)]


def set_metrics(probs: np.ndarray, truth: np.ndarray, threshold: float) -> Dict[str, float]:
    """probs, truth: [visits, candidates]. Returns mean Jaccard, precision, recall, F1 and set sizes."""
    pred = probs >= threshold
    true = truth > 0.5
    hits = (pred & true).sum(1).astype(np.float64)
    npred, ntrue = pred.sum(1).astype(np.float64), true.sum(1).astype(np.float64)
    union = npred + ntrue - hits
    jac = np.where(union > 0, hits / np.maximum(union, 1), 0.0)
    prec = np.where(npred > 0, hits / np.maximum(npred, 1), 0.0)
    rec = np.where(ntrue > 0, hits / np.maximum(ntrue, 1), 0.0)
    f1 = np.where(prec + rec > 0, 2 * prec * rec / np.maximum(prec + rec, 1e-12), 0.0)
    return {'jaccard': float(jac.mean()), 'f1': float(f1.mean()), 'precision': float(prec.mean()),
            'recall': float(rec.mean()), 'avgPredicted': float(npred.mean()), 'avgTrue': float(ntrue.mean()),
            'visits': int(len(probs))}


def best_threshold(probs: np.ndarray, truth: np.ndarray, grid: Sequence[float] = THRESHOLD_GRID,
                   max_size_error: float = 0.10) -> float:
    """Threshold with the best mean Jaccard (ties → the higher, more conservative one, as the baselines do)
    among those whose average number of predicted drugs is within ±max_size_error of the truth; the
    service promises neither over- nor underprescribing. Unconstrained if no threshold qualifies."""
    scored = [(t, set_metrics(probs, truth, t)) for t in grid]
    ok = [(t, m) for t, m in scored if abs(m['avgPredicted'] - m['avgTrue']) <= max_size_error * m['avgTrue']]
    best_t, best_j = 0.5, -1.0
    for t, m in ok or scored:
        if m['jaccard'] >= best_j:
            best_t, best_j = t, m['jaccard']
    return best_t
