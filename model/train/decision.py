"""The decision rule shipped in the manifest, tuned on validation encounters only.

* recommend thresholds: first one global threshold (best mean Jaccard among those whose average number of
  predicted drugs is within ±10 % of the truth), then, optionally (`per_candidate`), for every candidate with
  enough validation positives, its own threshold by coordinate ascent on the same mean Jaccard, kept only if
  the pooled count stays within ±10 % of the truth. Candidates with few positives keep the global one (a
  threshold fitted on three cases is noise), and so does every visit's extra candidate (a drug of the
  patient's history outside the vocabulary). Whether per-candidate thresholds are used is chosen by the
  leave-one-population-out validations: they encode a population's prior for a drug.
* unsupported thresholds (issue 9 item 4): P(yes) under which a real order is very unlikely: the
  `quantile` (5 %) of P(yes) over validation real orders, globally, and per candidate where it has enough
  real orders (only ever lower than the global value); never above that candidate's recommend threshold.
The service reads both through src/inference/thresholds.ts.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

from metrics import THRESHOLD_GRID, Flat, best_threshold, set_metrics


def tune_recommend(flat: Flat, n_names: int, per_candidate: bool = True, min_positives: int = 10, passes: int = 2,
                   max_size_error: float = 0.10) -> Dict[str, object]:
    t0 = best_threshold(flat, max_size_error=max_size_error)
    thr = np.full(n_names, t0, dtype=np.float64)
    if flat.n == 0 or not per_candidate:
        return {'global': t0, 'perCandidate': thr}
    base = set_metrics(flat, thr, t0)['jaccard']
    positives = np.bincount(flat.name[(flat.name >= 0) & flat.y], minlength=n_names)
    grid = [g for g in THRESHOLD_GRID if t0 / 4 <= g <= min(0.98, t0 * 4)]
    for _ in range(passes):
        for c in np.nonzero(positives >= min_positives)[0]:
            best_g, best_j = thr[c], base
            for g in grid:
                thr[c] = g
                m = set_metrics(flat, thr, t0)
                # only moves that keep the pooled number of drugs within the tolerance
                if m['jaccard'] > best_j + 1e-5 and abs(m['avgPredicted'] - m['avgTrue']) <= max_size_error * m['avgTrue']:
                    best_g, best_j = g, m['jaccard']
            thr[c], base = best_g, best_j
    m = set_metrics(flat, thr, t0)
    if abs(m['avgPredicted'] - m['avgTrue']) > max_size_error * m['avgTrue']:
        thr[:] = t0  # per-candidate values drifted the count: keep the global rule
    return {'global': t0, 'perCandidate': thr}


def tune_unsupported(flat: Flat, n_names: int, recommend: np.ndarray, global_recommend: float, quantile: float = 0.05,
                     min_positives: int = 40) -> Dict[str, object]:
    real = flat.p[flat.y]
    u0 = float(np.floor(np.quantile(real, quantile) * 1000) / 1000) if real.size else 0.02
    u0 = min(u0, float(recommend.min()), global_recommend)
    per = np.minimum(np.full(n_names, u0), recommend)
    for c in range(n_names):
        pc = flat.p[flat.y & (flat.name == c)]
        if pc.size >= min_positives:
            # a candidate's own value may only be lower (fewer warnings) than the global one: a drug whose
            # validation orders all scored high must not be flagged at P(yes) 0.5 on another population
            per[c] = min(float(np.floor(np.quantile(pc, quantile) * 1000) / 1000), u0, float(recommend[c]))
    below = flat.p < np.where(flat.name >= 0, per[np.maximum(flat.name, 0)], u0)
    return {'global': u0, 'perCandidate': per, 'realOrdersBelow': float(below[flat.y].mean()) if real.size else 0.0}
