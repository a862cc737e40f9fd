"""What one training step sees of an encounter: which candidates, under which name, with what weight.

Issue 17 item 4: renewal and new start are different decisions, and what transfers between populations is
the patient's own pattern with a drug, not a population's prior for it. So:

* every candidate the patient was ordered before (a renewal decision, yes or no) is in every step, beside
  the true drugs and a sample of never-ordered negatives (new-start decisions);
* name masking: with probability `mask_rate` a candidate with history is shown under the name of a drug the
  model never saw (a WHO ATC substance outside the vocabulary), so that the continuation decision is learnt
  from the history facts, as it must be made for a drug the training populations never renewed (epoetin
  alfa is a third of synthea-bulk-10's orders and never occurs in training);
* regime balancing: an encounter's loss weight is (its regime's share of the train part)^-balance, rescaled to
  a mean of 1, so that renewing histories count although first visits dominate the training populations;
* distillation (teacher.py): the target mixes the label with a cross-fitted teacher's P(yes), whose structure
  (drug-agnostic history model, context gated by the renewal rate) is what transfers between populations.
"""
from __future__ import annotations

import csv
import random
import re
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from data import Encounter, SuffixCache


def unknown_drug_names(who_atc_csv: str, vocabulary: Sequence[str]) -> List[str]:
    """Single-substance names of the WHO ATC index (level 5) that share no word with a vocabulary candidate:
    names a model trained on the vocabulary has never seen as a drug."""
    known_words = {w for name in vocabulary for w in re.findall(r'[a-z]+', name.lower())}
    names = set()
    with open(who_atc_csv, encoding='utf-8') as f:
        for row in csv.DictReader(f):
            code, name = row['atc_code'], row['atc_name'].strip().lower()
            if len(code) != 7 or not re.fullmatch(r'[a-z][a-z -]*[a-z]', name):
                continue
            words = name.split()
            if ' and ' in f' {name} ' or 'combination' in name or len(words) > 2 or known_words & set(words):
                continue
            names.add(name)
    if not names:
        raise SystemExit(f'{who_atc_csv}: no substance names found for name masking')
    return sorted(names)


def regime_weights(train: Sequence[Encounter], balance: float) -> Dict[str, float]:
    """Loss weight per regime: share^-balance, so that the weights average 1 over the train part."""
    counts = Counter(e.regime for e in train)
    raw = {r: (c / len(train)) ** -balance for r, c in counts.items()}
    mean = sum(raw[e.regime] for e in train) / len(train)
    return {r: w / mean for r, w in raw.items()}


def choose_candidates(enc: Encounter, rng: random.Random, negatives: int, mask_rate: float, mask_names: Sequence[str],
                      cache: SuffixCache, soft: Optional[Tuple[np.ndarray, np.ndarray]] = None,
                      distill: float = 0.0) -> Tuple[List[List[int]], List[float]]:
    """The suffixes (token ids) and targets one step trains on for `enc`. With a teacher (`soft`: its P(yes)
    with the drug known, and from the history alone), the target is (1 - distill) label + distill teacher; a
    name-masked candidate takes the history-only teacher (the drug is unknown to the student too)."""
    positives, with_history, others = [], [], []
    for i, (label, history) in enumerate(zip(enc.labels, enc.histories)):
        (positives if label > 0 else with_history if history else others).append(i)
    chosen = positives + with_history + rng.sample(others, min(negatives, len(others)))
    suffixes, targets = [], []
    for i in chosen:
        masked = mask_rate > 0 and bool(enc.histories[i]) and rng.random() < mask_rate
        suffixes.append(cache.tok.encode(enc.suffix_text(i, rng.choice(mask_names))) if masked else cache.ids(enc.suffix_text(i)))
        y = float(enc.labels[i])
        if soft is not None and distill > 0:
            y = (1 - distill) * y + distill * float(soft[1 if masked else 0][i])
        targets.append(y)
    return suffixes, targets


def all_candidates(enc: Encounter, cache: SuffixCache) -> List[List[int]]:
    """Every candidate's suffix, as scored at evaluation."""
    return [cache.ids(enc.suffix_text(i)) for i in range(len(enc.names))]


def without_history(enc: Encounter) -> Encounter:
    """Ablation: the same encounter with no candidate history in the suffixes (the prefix keeps its lines)."""
    enc.histories = [''] * len(enc.names)
    return enc
