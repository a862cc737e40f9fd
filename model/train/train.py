"""Trains the LAMO mini model on `lamo-cds dataset` JSONL files and writes a checkpoint for export.py.

  /usr/bin/python3 train.py --data r4-615.jsonl --data stu3-1461.jsonl --split internal --out ckpt.pt

What it learns: for every encounter and candidate drug, P(answer token "Yes") vs "No" at the last position
of prefix + suffix(drug) (loss on that answer token only), plus a small next-token loss on the prompt prefix.
Each visit has its own candidates (the vocabulary and the patient's other earlier drugs); a candidate the
patient was ordered before carries its history in its suffix. See examples.py for what a step sees (every
renewal decision, name masking, regime balancing). The decision threshold is tuned on the validation split;
the epoch (or the average of the best epochs) is chosen on validation; `--validate-on` files (held-out
populations of a leave-one-population-out run) are measured at the end with the tuned rule, never tuned on.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime
import hashlib
import math
import os
import random
import sys
import time
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deps import require_python_packages  # noqa: E402

require_python_packages()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from data import Encounter, SuffixCache, encode_rows, pack, read_jsonl, split_of, vocabulary_names  # noqa: E402
from decision import tune_recommend, tune_unsupported  # noqa: E402
from examples import all_candidates, choose_candidates, regime_weights, unknown_drug_names, without_history  # noqa: E402
from knowledge import init_word_vectors, pretrain, read_corpus  # noqa: E402
from lamo_tokenizer import train_tokenizer  # noqa: E402
from metrics import Flat, best_threshold, breakdown, set_metrics  # noqa: E402
from teacher import Teacher, cross_fitted  # noqa: E402
from modeling import LamoConfig, LamoLM, linear, system_blas, use_fast_cpu_kernels  # noqa: E402


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
def predict(lm: LamoLM, encs: Sequence[Encounter], cache: SuffixCache, yes_no: torch.Tensor, pad_id: int,
            batch_size: int = 16) -> List[np.ndarray]:
    """P(yes) of every candidate of every encounter (one array per encounter, in its candidate order)."""
    lm.eval()
    out: List[np.ndarray] = [np.zeros(0)] * len(encs)
    order = sorted(range(len(encs)), key=lambda i: len(encs[i].prefix_ids))
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        b = pack([encs[i].prefix_ids for i in idx], [all_candidates(encs[i], cache) for i in idx],
                 [encs[i].labels for i in idx], pad_id)
        p = torch.sigmoid(answer_logit(lm, lm.forward_packed(b.input_ids, b.position_ids, b.allowed), b.answer_pos, yes_no))
        for k, i in enumerate(idx):
            out[i] = p[k, :len(encs[i].names)].numpy()
    return out


def average_states(states: List[Dict[str, torch.Tensor]]) -> Dict[str, torch.Tensor]:
    return {k: sum(s[k] for s in states) / len(states) for k in states[0]}


@dataclasses.dataclass
class Options:
    # Defaults = the shipped model's recipe (model/lamo.json training.options); pipeline.py RECIPE overrides.
    data: List[str]
    split: str
    out: str
    corpus: List[str] = dataclasses.field(default_factory=list)
    validate_on: List[str] = dataclasses.field(default_factory=list)
    word_vectors: str = ''
    mask_names: str = ''          # WHO ATC csv: names for name masking (empty: no masking)
    mask_rate: float = 0.0        # share of history candidates shown under an unknown drug's name
    regime_balance: float = 0.0   # 0: every encounter weighs 1; 1: every regime weighs the same in total
    no_history_suffix: bool = False  # ablation: no candidate history in the suffixes
    per_candidate_thresholds: bool = False
    select_by: str = 'pooled'     # epoch choice on validation: 'pooled' Jaccard or 'regimes' (their mean)
    distill: float = 0.0          # weight of the teacher's P(yes) in the targets (teacher.py); 0: labels only
    teacher_folds: int = 5
    teacher_gate: str = 'learned'
    teacher_combine: str = 'noisy-or'
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
    negatives: int = 12
    patience: int = 10
    average_top: int = 3
    seed: int = 615
    # One thread: on 2 shared cores, OpenMP's second thread mostly spins (a batch cost 12x the CPU time with 2
    # threads while other work ran); an idle machine gains at most ~1.6x from 2.
    threads: int = 1
    time_budget: float = 0.0      # seconds; stops after the epoch that would overrun it
    min_phrase_count: int = 3


def validation_score(flat: Flat, threshold: float, select_by: str) -> float:
    if select_by == 'regimes':
        return float(np.mean([set_metrics(flat, threshold, visits=flat.regime == r)['jaccard']
                              for r in sorted(set(flat.regime.tolist()))]))
    return set_metrics(flat, threshold)['jaccard']


def load(o: Options, paths: Sequence[str]) -> List[dict]:
    rows = []
    for path in paths:  # one dataset file per population; its rows say which
        population = os.path.basename(path).rsplit('.jsonl', 1)[0]
        for r in read_jsonl(path):
            r['population'] = r.get('population') or population
            rows.append(r)
    return rows


def train(o: Options) -> dict:
    t_start = time.time()
    torch.set_num_threads(o.threads)
    blas = system_blas()
    use_fast_cpu_kernels(blas != 'openblas')
    seed_everything(o.seed)
    rows = load(o, o.data)
    names = vocabulary_names(rows)
    name_index = {n: i for i, n in enumerate(names)}
    train_rows = [r for r in rows if r['split'].get(o.split) == 'train']
    if not train_rows:
        raise SystemExit(f'{o.data}: no encounters in the {o.split} train split')
    tail = train_rows[0]['suffixTemplate'].replace('{drug}', '')
    # The tokenizer learns the prompts' phrases, the history texts' phrases among them ("at 3 of the last 3 visits").
    texts = [r['prefix'] for r in train_rows] + [c['history'] for r in train_rows for c in r['candidates'] if c.get('history')]
    tok = train_tokenizer(texts, names, tail, min_phrase_count=o.min_phrase_count)
    encs = encode_rows(rows, tok)
    if o.no_history_suffix:
        encs = [without_history(e) for e in encs]
    tr, va, te = (split_of(encs, o.split, p) for p in ('train', 'val', 'test'))
    log(f'{len(encs)} encounters ({len(tr)} train / {len(va)} val / {len(te)} test, split "{o.split}"), '
        f'{len(names)} candidates, vocabulary {len(tok)} ({len(tok.phrases)} phrases), '
        f'mean prefix {np.mean([len(e.prefix_ids) for e in encs]):.0f} tokens')
    cache = SuffixCache(tok)
    mask_names = unknown_drug_names(o.mask_names, names) if o.mask_names and o.mask_rate > 0 else []
    weights = regime_weights(tr, o.regime_balance)
    soft, teacher_info = None, None
    if o.distill > 0:
        t_teacher = time.time()
        kw = dict(gate=o.teacher_gate, combine=o.teacher_combine)
        full, hist = cross_fitted(names, tr, o.teacher_folds, o.seed, **kw)
        soft = {e.key: pair for e, pair in zip(tr, zip(full, hist))}
        p_t = Teacher(names, **kw).fit(tr).predict(va)
        f_t = Flat(va, p_t, name_index)
        t_t = best_threshold(f_t)
        teacher_info = {'kind': 'teacher.py: gate(renewal words) x context (sections, one-vs-rest) with a drug-agnostic '
                                'history model, cross-fitted by patient; a training aid, never shipped',
                        'distill': o.distill, **kw, 'val': breakdown(f_t, t_t), 'threshold': t_t,
                        'seconds': round(time.time() - t_teacher)}
        log(f'teacher ({o.teacher_folds}-fold cross-fitted, {kw}): val Jaccard {teacher_info["val"]["all"]["jaccard"]:.4f} '
            f'@ {t_t} ({teacher_info["seconds"]}s)')
    log(f'regimes in train: { {r: sum(e.regime == r for e in tr) for r in weights} }, loss weights '
        f'{ {r: round(w, 2) for r, w in weights.items()} }; name masking {o.mask_rate} over {len(mask_names)} names')
    yes_no = torch.tensor([tok.answer_ids['yes'], tok.answer_ids['no']])
    cfg = LamoConfig(vocab_size=len(tok), hidden=o.hidden, layers=o.layers, heads=o.heads, ffn=o.ffn, dropout=o.dropout)
    lm = LamoLM(cfg)
    log(f'model: {lm.num_parameters():,} parameters ({cfg}); BLAS: {blas}, {o.threads} thread(s)')
    knowledge: Dict[str, object] = {}
    if o.word_vectors:
        knowledge['wordVectors'] = init_word_vectors(lm, tok, o.word_vectors)
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
        knowledge['pretraining'] = dict(pretrain(lm, o, tok, texts, random.Random(o.seed), log),
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
    history, kept = [], []  # kept: (validation score, epoch, state)
    best_j, bad_epochs = -1.0, 0
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
            chosen = [choose_candidates(tr[i], rng, o.negatives, o.mask_rate, mask_names, cache,
                                        soft[tr[i].key] if soft else None, o.distill) for i in bi]
            b = pack([tr[i].prefix_ids for i in bi], [c[0] for c in chosen], [c[1] for c in chosen], tok.pad_id)
            h = lm.forward_packed(b.input_ids, b.position_ids, b.allowed)
            z = answer_logit(lm, h, b.answer_pos, yes_no)
            w = b.answer_mask * torch.tensor([weights[tr[i].regime] for i in bi]).unsqueeze(1)
            ans_loss = (F.binary_cross_entropy_with_logits(z, b.labels, reduction='none') * w).sum() / b.answer_mask.sum()
            loss, lm_loss = ans_loss, torch.zeros(())
            if o.lm_weight > 0:
                sel = b.lm_targets >= 0
                lm_loss = F.cross_entropy(lm.logits(h[sel]), b.lm_targets[sel])
                loss = loss + o.lm_weight * lm_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lm.parameters(), 1.0)
            opt.step()
            sched.step()
            sums += [ans_loss.item(), lm_loss.item(), 1]
        flat = Flat(va, predict(lm, va, cache, yes_no, tok.pad_id), name_index)
        t_va = best_threshold(flat)
        m_va = set_metrics(flat, t_va)
        score = validation_score(flat, t_va, o.select_by)
        history.append({'epoch': epoch, 'answerLoss': sums[0] / sums[2], 'lmLoss': sums[1] / sums[2],
                        'valJaccard': m_va['jaccard'], 'valScore': score, 'valThreshold': t_va,
                        'seconds': time.time() - t0})
        log(f'epoch {epoch}: answer loss {sums[0] / sums[2]:.4f}, lm loss {sums[1] / sums[2]:.3f}, '
            f'val Jaccard {m_va["jaccard"]:.4f} ({o.select_by} {score:.4f}) @ {t_va} ({m_va["avgPredicted"]:.2f} '
            f'predicted / {m_va["avgTrue"]:.2f} true), {time.time() - t0:.0f}s')
        kept.append((score, epoch, copy.deepcopy(lm.state_dict())))
        kept = sorted(kept, key=lambda k: -k[0])[:max(1, o.average_top)]
        if score > best_j + 1e-4:
            best_j, bad_epochs = score, 0
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
        flat = Flat(va, predict(lm, va, cache, yes_no, tok.pad_id), name_index)
        j = validation_score(flat, best_threshold(flat), o.select_by)
        log(f'{label}: validation {o.select_by} Jaccard {j:.4f}')
        if best is None or j > best[0]:
            best = (j, label, state)
    _, chosen, state = best
    lm.load_state_dict(state)
    p_va = predict(lm, va, cache, yes_no, tok.pad_id)
    p_te = predict(lm, te, cache, yes_no, tok.pad_id)
    f_va, f_te = Flat(va, p_va, name_index), Flat(te, p_te, name_index)
    rec = tune_recommend(f_va, len(names), per_candidate=o.per_candidate_thresholds)
    per_c, g = rec['perCandidate'], rec['global']
    uns = tune_unsupported(f_va, len(names), per_c, g)
    metrics = {'val': breakdown(f_va, per_c, g), 'test': breakdown(f_te, per_c, g)}
    for part in ('val', 'test'):
        for key, m in metrics[part].items():
            log(f'  {part} {key}: Jaccard {m["jaccard"]:.4f} F1 {m["f1"]:.4f} '
                f'{m["avgPredicted"]:.2f} predicted / {m["avgTrue"]:.2f} true ({m["visits"]} visits)')
    held_out, analysis = {}, {'val': (va, p_va), 'test': (te, p_te)}
    for path in o.validate_on:  # leave-one-population-out: measured, never tuned on
        rows_h = [r for r in load(o, [path]) if r['split'].get('internal') != 'test']
        encs_h = encode_rows(rows_h, tok)
        if o.no_history_suffix:
            encs_h = [without_history(e) for e in encs_h]
        p_h = predict(lm, encs_h, cache, yes_no, tok.pad_id)
        f_h = Flat(encs_h, p_h, name_index)
        pop = os.path.basename(path).rsplit('.jsonl', 1)[0]
        analysis[f'heldOut:{pop}'] = (encs_h, p_h)
        held_out[pop] = {'rule': breakdown(f_h, per_c, g),
                         'sweep': {str(t): set_metrics(f_h, t)['jaccard'] for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)}}
        for key, m in held_out[pop]['rule'].items():
            log(f'  held-out {pop} {key}: Jaccard {m["jaccard"]:.4f} F1 {m["f1"]:.4f} '
                f'{m["avgPredicted"]:.2f} predicted / {m["avgTrue"]:.2f} true ({m["visits"]} visits)')
    log(f'chosen: {chosen}; global threshold {g}; {int((per_c != g).sum())} candidates with their own; '
        f'unsupported threshold {uns["global"]} (validation real orders below: {uns["realOrdersBelow"]:.3f})')
    elapsed = time.time() - t_start
    digests = {}
    for path in o.data:
        with open(path, 'rb') as f:
            digests[os.path.basename(path)] = hashlib.sha256(f.read()).hexdigest()
    meta = {
        'version': '3.0.0',
        'threshold': g,
        'unsupportedThreshold': uns['global'],
        'candidateThresholds': {n: {'threshold': round(float(per_c[i]), 4),
                                    'unsupportedThreshold': round(float(uns['perCandidate'][i]), 4)}
                                for i, n in enumerate(names)},
        'expectedDrugsPerVisit': round(float(np.mean([e.labels.sum() + e.unreachable for e in tr])), 3),
        'training': {
            'datasets': digests, 'split': o.split,
            'populations': sorted({e.population for e in encs}),
            'encounters': {'train': len(tr), 'val': len(va), 'test': len(te)},
            'candidates': len(names), 'regimeWeights': weights, 'maskNames': len(mask_names),
            'options': {k: v for k, v in dataclasses.asdict(o).items() if k not in ('data', 'out', 'corpus', 'validate_on')},
            'chosen': chosen, 'epochs': history, 'seconds': round(elapsed),
            'trainedAt': datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'),
        },
        'metrics': {o.split: metrics},
    }
    if held_out:
        meta['training']['heldOut'] = held_out
    if knowledge:
        meta['training']['knowledge'] = knowledge
    if teacher_info:
        meta['training']['teacher'] = teacher_info
    ck = {'config': dataclasses.asdict(cfg), 'state_dict': lm.state_dict(),
          'tokenizer': {'vocab': tok.vocab, 'phrases': tok.phrases},
          'candidates': [{'name': n, 'rxnorm': []} for n in names], 'meta': meta,
          # every encounter whose labels shaped the weights or the thresholds (train + validation): eval
          # refuses to report the model on them (src/eval/training-overlap.ts)
          'seen_encounters': sorted({e.key for e in tr + va}),
          # for offline analysis of decision rules (select.py): every scored visit and its P(yes)
          'scored': {part: [{'key': e.key, 'population': e.population, 'regime': e.regime, 'names': e.names,
                             'labels': e.labels, 'unreachable': e.unreachable, 'history': [bool(h) for h in e.histories],
                             'p': p} for e, p in zip(*pair)] for part, pair in analysis.items()}}
    os.makedirs(os.path.dirname(os.path.abspath(o.out)), exist_ok=True)
    torch.save(ck, o.out)
    log(f'wrote {o.out} ({elapsed / 60:.1f} min)')
    return meta


def parse_args(argv: Optional[Sequence[str]] = None) -> Options:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', required=True, action='append', help='lamo-cds dataset JSONL (repeat: one per population)')
    ap.add_argument('--corpus', action='append', default=[], help='pretraining corpus JSONL (`dataset --corpus`; repeatable)')
    ap.add_argument('--validate-on', action='append', default=[],
                    help='dataset JSONL of a held-out population: measured at the end (its non-test part), never tuned on')
    ap.add_argument('--split', default='internal', choices=['internal', 'temporal'])
    ap.add_argument('--out', required=True, help='checkpoint to write')
    for f in dataclasses.fields(Options):
        if f.name in ('data', 'split', 'out', 'corpus', 'validate_on'):
            continue
        if isinstance(f.default, bool):
            ap.add_argument('--' + f.name.replace('_', '-'), action='store_true')
        else:
            ap.add_argument('--' + f.name.replace('_', '-'), type=type(f.default), default=f.default)
    return Options(**vars(ap.parse_args(argv)))


if __name__ == '__main__':
    train(parse_args())
