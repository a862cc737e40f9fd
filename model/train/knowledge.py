"""Knowledge beyond the labelled records: word vectors for the embeddings and next-token pretraining on the
records' own text (encounters without orders, train part only)."""
from __future__ import annotations

import json
import math
import os
import random
import re
import time
from typing import Callable, List

import numpy as np
import torch
import torch.nn.functional as F

from data import pack
from lamo_tokenizer import LamoTokenizer
from modeling import LamoLM


def read_corpus(path: str) -> List[dict]:
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def init_word_vectors(lm: LamoLM, tok: LamoTokenizer, path: str) -> dict:
    """Initialises the embedding of every token (word or phrase) the pretrained table covers: its word
    vector (a phrase: the mean of its words' vectors), rescaled to the embedding's initial spread, in the
    first `dimensions` coordinates; the rest stay random. Returns coverage figures for the manifest."""
    with open(path, encoding='utf-8') as f:
        table = json.load(f)
    vectors = {w: np.asarray(v, dtype=np.float32) for w, v in table['vectors'].items()}
    dims = int(table['dimensions'])
    if dims > lm.cfg.hidden:
        raise SystemExit(f'{path}: {dims}-dimensional vectors do not fit a width of {lm.cfg.hidden}')
    spread = float(np.std(np.stack(list(vectors.values()))))
    covered = 0
    with torch.no_grad():
        weight = lm.embed.weight
        scale = float(weight.std()) / spread
        for token, i in tok.vocab.items():
            if token.startswith('##') or token.startswith('['):
                continue
            words = [w for w in re.findall(r"[a-z]+", token.lower()) if w in vectors]
            if not words:
                continue
            weight[i, :dims] = torch.from_numpy(np.mean([vectors[w] for w in words], axis=0) * scale)
            covered += 1
    return {'file': os.path.basename(path), 'source': table.get('source'), 'licence': table.get('licence'),
            'tokensInitialised': covered, 'vocabulary': len(tok)}


def pretrain(lm: LamoLM, o, tok: LamoTokenizer, texts: List[str], rng: random.Random,
             log: Callable[[str], None]) -> dict:
    """Next-token pretraining on record text (no labels) before the yes/no fine-tuning."""
    t0 = time.time()
    seqs = [tok.encode(t) for t in texts]
    opt = torch.optim.AdamW(lm.parameters(), lr=o.lr, betas=(0.9, 0.98), weight_decay=o.weight_decay)
    steps = max(1, o.pretrain_epochs * math.ceil(len(seqs) / o.batch))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.5 * (1 + math.cos(math.pi * min(1.0, s / steps)))))
    losses = []
    lm.train()
    for epoch in range(o.pretrain_epochs):
        order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i]), rng.random()))
        batches = [order[i:i + o.batch] for i in range(0, len(order), o.batch)]
        rng.shuffle(batches)
        for bi in batches:
            b = pack([seqs[i] for i in bi], [[]] * len(bi), [[]] * len(bi), tok.pad_id, max_prefix=384)
            h = lm.forward_packed(b.input_ids, b.position_ids, b.allowed)
            sel = b.lm_targets >= 0
            loss = F.cross_entropy(lm.logits(h[sel]), b.lm_targets[sel])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        log(f'pretraining epoch {epoch + 1}: lm loss {np.mean(losses[-len(batches):]):.3f} '
            f'({len(seqs)} texts, {time.time() - t0:.0f}s)')
    return {'texts': len(seqs), 'epochs': o.pretrain_epochs, 'finalLoss': round(float(np.mean(losses[-50:])), 4),
            'seconds': round(time.time() - t0)}
