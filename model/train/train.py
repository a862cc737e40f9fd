"""Trains the LAMO mini model on a `lamo-cds dataset` JSONL and writes a checkpoint for export.py.

  /usr/bin/python3 train.py --data r4-615.jsonl --split internal --out ckpt-internal.pt

What it learns: for every encounter and EVERY candidate drug, P(answer token "Yes") vs "No" at the last
position of prefix + suffix(drug) (loss on that answer token only), plus a small next-token loss on the
prompt prefix (the records themselves are the only "pretraining" corpus there is). The decision threshold
is tuned on the validation split; training stops early on validation Jaccard, and the weights of the best
epochs are averaged.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime
import hashlib
import json
import math
import os
import random
import re
import sys
import time
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deps import require_python_packages  # noqa: E402

require_python_packages()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from data import Encounter, SuffixTable, candidate_names, encode_rows, label_matrix, pack, read_jsonl, split_of  # noqa: E402
from lamo_tokenizer import LamoTokenizer, train_tokenizer  # noqa: E402
from metrics import best_threshold, set_metrics  # noqa: E402
from decision import population_metrics, tune_recommend, tune_unsupported  # noqa: E402
from teacher import teacher_probabilities  # noqa: E402
from modeling import LamoConfig, LamoLM, linear, use_fast_cpu_kernels  # noqa: E402


def read_corpus(path: str) -> List[dict]:
    with open(path, encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def log(msg: str) -> None:
    sys.stderr.write(f'[{time.strftime("%H:%M:%S")}] {msg}\n')
    sys.stderr.flush()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def answer_logit(lm: LamoLM, h: torch.Tensor, pos: torch.Tensor, yes_no: torch.Tensor) -> torch.Tensor:
    """h [B, T, H], pos [B, K] → logit(yes) - logit(no) at each answer position, [B, K]."""
    hk = torch.gather(h, 1, pos.unsqueeze(-1).expand(-1, -1, h.shape[-1]))
    two = linear(hk, lm.embed.weight[yes_no])  # [B, K, 2]
    return two[..., 0] - two[..., 1]


@torch.no_grad()
def predict(lm: LamoLM, encs: Sequence[Encounter], suffixes: SuffixTable, yes_no: torch.Tensor,
            pad_id: int, batch_size: int = 16) -> np.ndarray:
    lm.eval()
    n_c = len(suffixes.names)
    out = np.zeros((len(encs), n_c), dtype=np.float32)
    order = sorted(range(len(encs)), key=lambda i: len(encs[i].prefix_ids))
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        b = pack([encs[i] for i in idx], suffixes, [range(n_c)] * len(idx), pad_id)
        h = lm.forward_packed(b.input_ids, b.position_ids, b.allowed)
        out[idx] = torch.sigmoid(answer_logit(lm, h, b.answer_pos, yes_no)).numpy()
    return out


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


def pretrain(lm: LamoLM, o: 'Options', tok: LamoTokenizer, texts: List[str], rng: random.Random) -> dict:
    """Next-token pretraining on record text (no labels) before the yes/no fine-tuning."""
    t0 = time.time()
    seqs = [Encounter('', '', '', t, '{drug}', tok.encode(t), np.zeros(0, dtype=np.float32), {}) for t in texts]
    opt = torch.optim.AdamW(lm.parameters(), lr=o.lr, betas=(0.9, 0.98), weight_decay=o.weight_decay)
    steps = max(1, o.pretrain_epochs * math.ceil(len(seqs) / o.batch))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.5 * (1 + math.cos(math.pi * min(1.0, s / steps)))))
    empty = SuffixTable(tok, [])
    losses = []
    lm.train()
    for epoch in range(o.pretrain_epochs):
        order = sorted(range(len(seqs)), key=lambda i: (len(seqs[i].prefix_ids), rng.random()))
        batches = [order[i:i + o.batch] for i in range(0, len(order), o.batch)]
        rng.shuffle(batches)
        for bi in batches:
            b = pack([seqs[i] for i in bi], empty, [[]] * len(bi), tok.pad_id, max_prefix=384)
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


def average_states(states: List[Dict[str, torch.Tensor]]) -> Dict[str, torch.Tensor]:
    return {k: sum(s[k] for s in states) / len(states) for k in states[0]}


@dataclasses.dataclass
class Options:
    # Defaults = the shipped model's recipe (model/lamo.json training.options). The logistic-teacher
    # distillation (distill, hard_negatives) was tried and did not improve test Jaccard; it stays optional.
    data: List[str]
    split: str
    out: str
    corpus: List[str] = dataclasses.field(default_factory=list)
    word_vectors: str = ''
    pretrain_sequences: int = 0
    pretrain_epochs: int = 1
    epochs: int = 8
    batch: int = 16
    lr: float = 4e-3
    warmup: float = 0.1
    weight_decay: float = 0.05
    hidden: int = 128
    layers: int = 2
    heads: int = 4
    ffn: int = 256
    dropout: float = 0.1
    lm_weight: float = 0.2
    neg_weight: float = 1.0
    label_smoothing: float = 0.0
    negatives: int = 24
    patience: int = 10
    average_top: int = 3
    seed: int = 615
    threads: int = 2
    time_budget: float = 0.0
    min_phrase_count: int = 3
    distill: float = 0.0
    hard_negatives: int = 0
    ema: float = 0.0
    teacher_folds: int = 5
    teacher_l2: float = 1e-4


def train(o: Options) -> dict:
    t_start = time.time()
    torch.set_num_threads(o.threads)
    use_fast_cpu_kernels(True)
    seed_everything(o.seed)
    rows = []
    for path in o.data:  # one dataset file per population; its rows say which
        population = os.path.basename(path).rsplit('.jsonl', 1)[0]
        for r in read_jsonl(path):
            r['population'] = r.get('population') or population
            rows.append(r)
    names = candidate_names(rows)
    train_rows = [r for r in rows if r['split'].get(o.split) == 'train']
    if not train_rows:
        raise SystemExit(f'{o.data}: no encounters in the {o.split} train split')
    tail = train_rows[0]['suffixTemplate'].replace('{drug}', '')
    tok = train_tokenizer([r['prefix'] for r in train_rows], names, tail, min_phrase_count=o.min_phrase_count)
    encs = encode_rows(rows, tok, names)
    tr, va, te = (split_of(encs, o.split, p) for p in ('train', 'val', 'test'))
    log(f'{len(encs)} encounters ({len(tr)} train / {len(va)} val / {len(te)} test, split "{o.split}"), '
        f'{len(names)} candidates, vocabulary {len(tok)} ({len(tok.phrases)} phrases), '
        f'mean prefix {np.mean([len(e.prefix_ids) for e in encs]):.0f} tokens')
    suffixes = SuffixTable(tok, names)
    soft = None
    teacher_metrics = None
    if o.distill > 0 or o.hard_negatives > 0:
        t_teacher = time.time()
        soft, (p_va_t, p_te_t) = teacher_probabilities(tok, tr, [va, te], o.teacher_folds, o.teacher_l2, o.seed)
        t_thr = best_threshold(p_va_t, label_matrix(va))
        teacher_metrics = {'val': set_metrics(p_va_t, label_matrix(va), t_thr),
                           'test': set_metrics(p_te_t, label_matrix(te), t_thr), 'threshold': t_thr}
        log(f'teacher (logistic on prompt tokens, {o.teacher_folds}-fold cross-fitted): val Jaccard '
            f'{teacher_metrics["val"]["jaccard"]:.4f}, test {teacher_metrics["test"]["jaccard"]:.4f} @ {t_thr} '
            f'({time.time() - t_teacher:.0f}s)')
    yes_no = torch.tensor([tok.answer_ids['yes'], tok.answer_ids['no']])
    cfg = LamoConfig(vocab_size=len(tok), hidden=o.hidden, layers=o.layers, heads=o.heads, ffn=o.ffn,
                     dropout=o.dropout)
    lm = LamoLM(cfg)
    log(f'model: {lm.num_parameters():,} parameters ({cfg})')
    knowledge: Dict[str, object] = {}
    if o.word_vectors:
        knowledge['wordVectors'] = init_word_vectors(lm, tok, o.word_vectors)
        log(f'word vectors: {knowledge["wordVectors"]}')
    if o.corpus and o.pretrain_sequences > 0:
        # Text of encounters without orders (train part of this split only: never a test patient or a
        # temporal-test encounter) plus the train encounters' own prefixes.
        corpus_texts, corpus_info = [], {}
        for path in o.corpus:
            lines = [r for r in read_corpus(path) if r['split'].get(o.split) == 'train']
            corpus_info[os.path.basename(path)] = len(lines)
            corpus_texts += [r['text'] for r in lines]
        texts = [e.prefix for e in tr] + corpus_texts
        texts = random.Random(o.seed).sample(texts, min(o.pretrain_sequences, len(texts)))
        knowledge['pretraining'] = dict(pretrain(lm, o, tok, texts, random.Random(o.seed)),
                                        corpus={'trainPartLines': corpus_info, 'labelledTrainPrefixes': len(tr)},
                                        split=o.split)

    decay = [p for n, p in lm.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in lm.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': o.weight_decay},
                             {'params': no_decay, 'weight_decay': 0.0}], lr=o.lr, betas=(0.9, 0.98))
    steps_per_epoch = math.ceil(len(tr) / o.batch)
    total = steps_per_epoch * o.epochs
    warm = max(1, int(o.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * (0.5 * (1 + math.cos(math.pi * min(1.0, s / total)))) * 0.95 + 0.05)

    rng = random.Random(o.seed)
    n_c = len(names)
    y_va = label_matrix(va)
    history, kept = [], []  # kept: (val jaccard, epoch, state)
    best_j, bad_epochs, step = -1.0, 0, 0
    # Exponential moving average of the weights: what is evaluated and kept when --ema > 0.
    ema_state = {k: v.detach().clone() for k, v in lm.state_dict().items()} if o.ema > 0 else None
    for epoch in range(1, o.epochs + 1):
        lm.train()
        order = list(range(len(tr)))
        rng.shuffle(order)
        # similar prefix lengths per batch: less padding
        chunks = [order[i:i + o.batch * 8] for i in range(0, len(order), o.batch * 8)]
        batches = []
        for ch in chunks:
            ch.sort(key=lambda i: len(tr[i].prefix_ids))
            batches += [ch[i:i + o.batch] for i in range(0, len(ch), o.batch)]
        rng.shuffle(batches)
        t0, sums = time.time(), np.zeros(3)
        for bi in batches:
            encs_b = [tr[i] for i in bi]
            if o.negatives or o.hard_negatives:
                cands = []
                for i, e in zip(bi, encs_b):
                    pos = [c for c in range(n_c) if e.labels[c] > 0]
                    neg = [c for c in range(n_c) if e.labels[c] == 0]
                    hard = []
                    if o.hard_negatives and soft is not None:  # the negatives the teacher finds plausible
                        hard = sorted(neg, key=lambda c: -soft[i][c])[:o.hard_negatives]
                        neg = [c for c in neg if c not in set(hard)]
                    cands.append(pos + hard + rng.sample(neg, min(o.negatives, len(neg))))
            else:
                cands = [range(n_c)] * len(encs_b)
            b = pack(encs_b, suffixes, cands, tok.pad_id)
            h = lm.forward_packed(b.input_ids, b.position_ids, b.allowed)
            z = answer_logit(lm, h, b.answer_pos, yes_no)
            y = b.labels
            if soft is not None and o.distill > 0:
                s_b = torch.tensor(soft[bi])
                y = (1 - o.distill) * y + o.distill * torch.gather(s_b, 1, b.answer_cand)
            y = y * (1 - o.label_smoothing) + 0.5 * o.label_smoothing
            w = b.answer_mask * torch.where(b.labels > 0, torch.ones_like(y), torch.full_like(y, o.neg_weight))
            ans_loss = (F.binary_cross_entropy_with_logits(z, y, reduction='none') * w).sum() / b.answer_mask.sum()
            loss = ans_loss
            lm_loss = torch.zeros(())
            if o.lm_weight > 0:
                sel = b.lm_targets >= 0
                lm_loss = F.cross_entropy(lm.logits(h[sel]), b.lm_targets[sel])
                loss = loss + o.lm_weight * lm_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if ema_state is not None:
                d = min(o.ema, (1 + step) / (10 + step))
                with torch.no_grad():
                    for k, v in lm.state_dict().items():
                        ema_state[k].mul_(d).add_(v.detach(), alpha=1 - d)
            sums += [ans_loss.item(), lm_loss.item(), 1]
        if ema_state is not None:
            raw_state = copy.deepcopy(lm.state_dict())
            lm.load_state_dict(ema_state)
        p_va = predict(lm, va, suffixes, yes_no, tok.pad_id)
        t_va = best_threshold(p_va, y_va)
        m_va = set_metrics(p_va, y_va, t_va)
        history.append({'epoch': epoch, 'answerLoss': sums[0] / sums[2], 'lmLoss': sums[1] / sums[2],
                        'valJaccard': m_va['jaccard'], 'valThreshold': t_va, 'seconds': time.time() - t0})
        log(f'epoch {epoch}: answer loss {sums[0] / sums[2]:.4f}, lm loss {sums[1] / sums[2]:.3f}, '
            f'val Jaccard {m_va["jaccard"]:.4f} @ {t_va} ({m_va["avgPredicted"]:.2f} predicted / '
            f'{m_va["avgTrue"]:.2f} true), {time.time() - t0:.0f}s')
        kept.append((m_va['jaccard'], epoch, copy.deepcopy(lm.state_dict())))
        if ema_state is not None:
            lm.load_state_dict(raw_state)
        kept = sorted(kept, key=lambda k: -k[0])[:max(1, o.average_top)]
        if m_va['jaccard'] > best_j + 1e-4:
            best_j, bad_epochs = m_va['jaccard'], 0
        else:
            bad_epochs += 1
            if bad_epochs >= o.patience:
                log(f'early stop: no validation improvement in {o.patience} epochs')
                break
        if o.time_budget and time.time() - t_start > o.time_budget * epoch / (epoch + 1):
            log('time budget reached')
            break

    # Best single epoch vs the average of the best epochs: keep whichever validates better.
    choices = [('best epoch %d' % kept[0][1], kept[0][2])]
    if len(kept) > 1:
        choices.append(('average of epochs ' + ','.join(str(k[1]) for k in kept), average_states([k[2] for k in kept])))
    best = None
    for label, state in choices:
        lm.load_state_dict(state)
        p = predict(lm, va, suffixes, yes_no, tok.pad_id)
        t = best_threshold(p, y_va)
        j = set_metrics(p, y_va, t)['jaccard']
        log(f'{label}: val Jaccard {j:.4f} @ {t}')
        if best is None or j > best[0]:
            best = (j, label, state, t)
    _, chosen, state, threshold = best
    lm.load_state_dict(state)
    p_va = predict(lm, va, suffixes, yes_no, tok.pad_id)
    p_te = predict(lm, te, suffixes, yes_no, tok.pad_id)
    rec = tune_recommend(p_va, y_va)
    per_c = rec['perCandidate']
    uns = tune_unsupported(p_va, y_va, per_c)
    y_te = label_matrix(te)
    metrics = {'val': set_metrics(p_va, y_va, per_c), 'test': set_metrics(p_te, y_te, per_c),
               'valGlobalThreshold': set_metrics(p_va, y_va, threshold),
               'testGlobalThreshold': set_metrics(p_te, y_te, threshold),
               'populations': {'val': population_metrics(p_va, y_va, [e.population for e in va], per_c),
                               'test': population_metrics(p_te, y_te, [e.population for e in te], per_c)}}
    log(f'chosen: {chosen}; global threshold {threshold}; per-candidate ({int((per_c != rec["global"]).sum())} own) '
        f'test {json.dumps(metrics["test"])}; global-threshold test {json.dumps(metrics["testGlobalThreshold"])}')
    for part in ('val', 'test'):
        for pop, m in metrics['populations'][part].items():
            log(f'  {part} {pop}: Jaccard {m["jaccard"]:.4f} F1 {m["f1"]:.4f} '
                f'{m["avgPredicted"]:.2f} predicted / {m["avgTrue"]:.2f} true ({m["visits"]} visits)')
    log(f'unsupported threshold {uns["global"]} ({len(set(uns["perCandidate"].tolist()))} distinct); '
        f'validation real orders below: {uns["realOrdersBelow"]:.3f}')
    elapsed = time.time() - t_start
    digests = {}
    for path in o.data:
        with open(path, 'rb') as f:
            digests[os.path.basename(path)] = hashlib.sha256(f.read()).hexdigest()
    meta = {
        'version': '2.0.0',
        'threshold': rec['global'],
        'unsupportedThreshold': uns['global'],
        'candidateThresholds': {n: {'threshold': round(float(per_c[i]), 4),
                                    'unsupportedThreshold': round(float(uns['perCandidate'][i]), 4)}
                                for i, n in enumerate(names)},
        'expectedDrugsPerVisit': round(float(label_matrix(tr).sum(1).mean()), 3),
        'training': {
            'datasets': digests, 'split': o.split,
            'populations': sorted({e.population for e in encs}),
            'encounters': {'train': len(tr), 'val': len(va), 'test': len(te)},
            'candidates': len(names), 'options': {k: v for k, v in dataclasses.asdict(o).items()
                                                  if k not in ('data', 'out', 'corpus')},
            'chosen': chosen, 'epochs': history, 'seconds': round(elapsed),
            'trainedAt': datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'),
        },
        'metrics': {o.split: metrics},
    }
    if knowledge:
        meta['training']['knowledge'] = knowledge
    if teacher_metrics:
        meta['training']['teacher'] = {
            'kind': 'one-vs-rest logistic regression on section-aware bags of prompt tokens, fitted on the '
                    'same train split; cross-fitted soft targets (training aid, not shipped)',
            'distillWeight': o.distill, 'hardNegatives': o.hard_negatives, 'metrics': teacher_metrics}
    ck = {'config': dataclasses.asdict(cfg), 'state_dict': lm.state_dict(),
          'tokenizer': {'vocab': tok.vocab, 'phrases': tok.phrases},
          'candidates': [{'name': n, 'rxnorm': []} for n in names], 'meta': meta,
          # every encounter whose labels shaped the weights or the thresholds (train + validation): eval
          # refuses to report the model on them (src/eval/training-overlap.ts)
          'seen_encounters': sorted({e.key for e in tr + va}),
          'val_probs': p_va, 'test_probs': p_te}
    os.makedirs(os.path.dirname(os.path.abspath(o.out)), exist_ok=True)
    torch.save(ck, o.out)
    log(f'wrote {o.out} ({elapsed / 60:.1f} min)')
    return meta


def parse_args(argv: Optional[Sequence[str]] = None) -> Options:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True, action='append', help='lamo-cds dataset JSONL (repeat: one per population)')
    ap.add_argument('--corpus', action='append', default=[], help='pretraining corpus JSONL (`dataset --corpus`; repeatable)')
    ap.add_argument('--split', default='internal', choices=['internal', 'temporal'])
    ap.add_argument('--out', required=True, help='checkpoint to write')
    for f in dataclasses.fields(Options):
        if f.name in ('data', 'split', 'out', 'corpus'):
            continue
        ap.add_argument('--' + f.name.replace('_', '-'), type=type(f.default), default=f.default)
    return Options(**vars(ap.parse_args(argv)))


if __name__ == '__main__':
    train(parse_args())
