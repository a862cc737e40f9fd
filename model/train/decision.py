"""The decision rule shipped in the manifest, tuned on validation encounters only.

* recommend thresholds: first one global threshold (best mean Jaccard among those whose average number of
  predicted drugs is within ±10 % of the truth), then, for every candidate with enough validation
  positives, its own threshold by coordinate ascent on the same mean Jaccard, kept only if the pooled count
  stays within ±10 % of the truth. Candidates with few positives keep the global one (a threshold fitted
  on three cases is noise).
* unsupported thresholds (issue 9 item 4): P(yes) under which a real order is very unlikely: the
  `quantile` (5 %) of P(yes) over validation real orders, globally, and per candidate where it has enough
  real orders; never above that candidate's recommend threshold.
The service reads both through src/inference/thresholds.ts.
"""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np

from metrics import THRESHOLD_GRID, best_threshold, set_metrics


def tune_recommend(probs: np.ndarray, truth: np.ndarray, min_positives: int = 10, passes: int = 2,
                   max_size_error: float = 0.10) -> Dict[str, object]:
    t0 = best_threshold(probs, truth, max_size_error=max_size_error)
    thr = np.full(probs.shape[1], t0, dtype=np.float64)
    if len(probs) == 0:
        return {'global': t0, 'perCandidate': thr}
    base = set_metrics(probs, truth, thr)['jaccard']
    positives = truth.sum(0)
    grid = [g for g in THRESHOLD_GRID if t0 / 4 <= g <= min(0.98, t0 * 4)]
    for _ in range(passes):
        for c in np.nonzero(positives >= min_positives)[0]:
            best_g, best_j = thr[c], base
            for g in grid:
                thr[c] = g
                j = set_metrics(probs, truth, thr)['jaccard']
                if j > best_j + 1e-5:
                    best_g, best_j = g, j
            thr[c], base = best_g, best_j
    m = set_metrics(probs, truth, thr)
    if abs(m['avgPredicted'] - m['avgTrue']) > max_size_error * m['avgTrue']:
        thr[:] = t0  # per-candidate values drifted the count: keep the global rule
    return {'global': t0, 'perCandidate': thr}


def tune_unsupported(probs: np.ndarray, truth: np.ndarray, recommend: np.ndarray, quantile: float = 0.05,
                     min_positives: int = 40) -> Dict[str, object]:
    real = probs[truth > 0.5]
    u0 = float(np.floor(np.quantile(real, quantile) * 1000) / 1000) if real.size else 0.02
    u0 = min(u0, float(recommend.min()))
    per = np.minimum(np.full(probs.shape[1], u0), recommend)
    for c in range(probs.shape[1]):
        pc = probs[truth[:, c] > 0.5, c]
        if pc.size >= min_positives:
            per[c] = min(float(np.floor(np.quantile(pc, quantile) * 1000) / 1000), float(recommend[c]))
    return {'global': u0, 'perCandidate': per,
            'realOrdersBelow': float((probs < per[None, :])[truth > 0.5].mean()) if real.size else 0.0}


def population_metrics(probs: np.ndarray, truth: np.ndarray, populations: Sequence[str],
                       thresholds: np.ndarray) -> Dict[str, dict]:
    out = {}
    pops: List[str] = sorted(set(populations))
    arr = np.array(populations)
    for p in pops:
        sel = arr == p
        if sel.any():
            out[p] = set_metrics(probs[sel], truth[sel], thresholds)
    return out
