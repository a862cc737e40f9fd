"""Leave-one-population-out validation inside the three training populations (issue 17 item 4): for each
population, train on the other two (their internal train part; thresholds tuned on their validation part)
and measure on the held-out one (its encounters outside the internal test part, never tuned on). Designs and
thresholds are chosen by the worst of the three held-out figures, never by synthea-bulk-10.

  /usr/bin/python3 model/train/lopo.py --name A --out DIR [--jobs 3] -- <train.py options>

Needs the dataset files `model/train/.work/<population>.jsonl` (and `.corpus.jsonl`) that `npm run
model:train` writes. Prints and writes DIR/<name>.json: per fold the held-out figures (pooled and per
regime) and the worst fold. One thread per fold; `--jobs` folds run at once.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
WORK = os.path.join(HERE, '.work')
POPULATIONS = ('synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177')


def fold_command(held_out: str, out: str, train_args: list, corpus: bool) -> list:
    cmd = [sys.executable, os.path.join(HERE, 'train.py'), '--split', 'internal', '--out', out,
           '--validate-on', os.path.join(WORK, f'{held_out}.jsonl')]
    for p in POPULATIONS:
        if p != held_out:
            cmd += ['--data', os.path.join(WORK, f'{p}.jsonl')]
            if corpus:
                cmd += ['--corpus', os.path.join(WORK, f'{p}.corpus.jsonl')]
    return cmd + train_args


def summary(name: str, out_dir: str) -> dict:
    import torch
    folds = {}
    for held_out in POPULATIONS:
        meta = torch.load(os.path.join(out_dir, f'{name}-without-{held_out}.pt'), map_location='cpu')['meta']
        h = meta['training']['heldOut'][held_out]
        folds[held_out] = {'heldOut': h['rule'], 'sweep': h['sweep'], 'internalVal': meta['metrics']['internal']['val']['all'],
                           'threshold': meta['threshold'], 'minutes': round(meta['training']['seconds'] / 60, 1)}
    worst = min(folds, key=lambda p: folds[p]['heldOut']['all']['jaccard'])
    return {'design': name, 'folds': folds, 'worst': {'population': worst, 'jaccard': folds[worst]['heldOut']['all']['jaccard']}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--name', required=True, help='design label (file names and the summary)')
    ap.add_argument('--out', required=True, help='folder for the fold checkpoints, logs and the summary')
    ap.add_argument('--jobs', type=int, default=3)
    ap.add_argument('--no-corpus', action='store_true', help='no pretraining corpus')
    a, train_args = ap.parse_known_args()
    train_args = [x for x in train_args if x != '--']
    os.makedirs(a.out, exist_ok=True)
    pending = list(POPULATIONS)
    running = []
    t0 = time.time()
    while pending or running:
        while pending and len(running) < a.jobs:
            held_out = pending.pop(0)
            ck = os.path.join(a.out, f'{a.name}-without-{held_out}.pt')
            log = open(os.path.join(a.out, f'{a.name}-without-{held_out}.log'), 'w')
            running.append((held_out, subprocess.Popen(fold_command(held_out, ck, train_args, not a.no_corpus),
                                                       stdout=log, stderr=subprocess.STDOUT), log))
        time.sleep(5)
        for item in list(running):
            held_out, proc, log = item
            if proc.poll() is not None:
                log.close()
                running.remove(item)
                if proc.returncode != 0:
                    raise SystemExit(f'fold without {held_out} failed (exit {proc.returncode}); see its log in {a.out}')
    result = summary(a.name, a.out)
    result['wallMinutes'] = round((time.time() - t0) / 60, 1)
    result['trainArgs'] = train_args
    with open(os.path.join(a.out, f'{a.name}.json'), 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=1)
    for p, fold in result['folds'].items():
        h = fold['heldOut']
        print(f'{a.name} without {p}: held-out Jaccard {h["all"]["jaccard"]:.4f} '
              f'({h["all"]["avgPredicted"]:.2f} predicted / {h["all"]["avgTrue"]:.2f} true); '
              + ', '.join(f'{k.split(":")[1]} {m["jaccard"]:.3f}' for k, m in h.items() if k.startswith('regime:')))
    print(f'{a.name}: worst held-out Jaccard {result["worst"]["jaccard"]:.4f} ({result["worst"]["population"]})')


if __name__ == '__main__':
    main()
