"""`npm run model:train [-- --data DIR ... --split internal|temporal --out DIR]`: trains and exports a model.

With no arguments it rebuilds the shipped model (model/) from the three training populations
(../shared/data/synthea-r4-615, synthea-stu3-1461, synthea-qicore-177), seeded, and nothing else:

  1. per population: `lamo-cds dataset --data DIR --out .work/<name>.jsonl --corpus .work/<name>.corpus.jsonl`
     (labelled encounters with each visit's candidates and their histories; text of encounters without
     orders for pretraining). Each population keeps its own temporal cut-off; the internal split is by patient.
  2. the candidate vocabulary (name, RxNorm codes, ATC) from the compiled medications module
  3. train.py on the internal split: word vectors from model/train/word-vectors.json (word_vectors.py builds
     it), next-token pretraining on the train part's text, then the yes/no fine-tuning with every renewal
     decision, name masking (names from ../shared/reference/who-atc-ddd.csv) and regime balancing;
     thresholds tuned on validation patients
  4. export.py → model/ (model.onnx, tokenizer.json, tokenizer_config.json, lamo.json, trained-encounters.json)
  5. verify_tokenizer.py and parity_fixture.py --check-ort (tests/fixtures/parity.json) for the shipped model

`--split temporal --out DIR` trains only on the temporal train parts and writes that model to DIR (for an
honest temporal evaluation, its own run); `--data` (repeatable) replaces the populations (never
synthea-bulk-10: it is the external test population), e.g. two of the three for a leave-one-population-out
model (lopo.py runs the three). Ablations: `--no-history-suffix`, `--no-regime-balance`, `--no-name-masking`,
`--no-word-vectors`, `--no-pretraining`. Other options go to train.py (e.g. `--epochs 4`).

Needs the Debian packages python3-torch python3-numpy python3-onnx (it says so and stops if they are
missing; it installs nothing) and a compiled project (`npm run build`; the npm script does that first).
Debian's libopenblas0-openmp makes training several times faster than the reference BLAS (it warns without).
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
from deps import recommend_openblas, require_python_packages  # noqa: E402

require_python_packages()
recommend_openblas()

REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
MODEL_DIR = os.path.abspath(os.path.join(HERE, '..'))
WORK = os.path.join(HERE, '.work')
SHARED_DATA = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data'))
DEFAULT_DATA = [os.path.join(SHARED_DATA, n) for n in ('synthea-r4-615', 'synthea-stu3-1461', 'synthea-qicore-177')]
WORD_VECTORS = os.path.join(HERE, 'word-vectors.json')
# Names of drugs the model never saw, for name masking (examples.py): WHO ATC substances outside the vocabulary.
WHO_ATC = os.path.abspath(os.path.join(REPO, '..', 'shared', 'reference', 'who-atc-ddd.csv'))
# The shipped recipe (train.py defaults apply to the rest), chosen by the leave-one-population-out
# validations (model/train/selection-log.md); sized so that one run fits 45 min here.
RECIPE = ['--pretrain-sequences', '3000', '--epochs', '8', '--negatives', '12', '--average-top', '3',
          '--mask-rate', '0.3', '--regime-balance', '0.5']

VOCABULARY_SCRIPT = r"""
const { loadVocabulary } = require(process.argv[1] + '/dist/src/medications/vocabulary');
const out = loadVocabulary().candidates.map((c) => ({ name: c.name, rxnorm: c.rxnorm, atc: c.atc }));
require('fs').writeFileSync(process.argv[2], JSON.stringify(out, null, 1));
"""


def run(cmd: list, what: str) -> None:
    print(f'== {what}: {" ".join(cmd)}', flush=True)
    t = time.time()
    result = subprocess.run(cmd, cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(f'{what} failed (exit {result.returncode})')
    print(f'== {what}: done in {time.time() - t:.0f}s', flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', action='append', help='FHIR data folder of one population (repeatable; default: '
                    'the three training populations)')
    ap.add_argument('--split', choices=['internal', 'temporal'], default='internal',
                    help='the split to train on (default internal: the shipped model)')
    ap.add_argument('--out', default=MODEL_DIR, help='model directory to write (default: model/)')
    ap.add_argument('--no-word-vectors', action='store_true', help='ablation: random embeddings')
    ap.add_argument('--no-pretraining', action='store_true', help='ablation: no next-token pretraining')
    ap.add_argument('--no-history-suffix', action='store_true', help='ablation: no candidate history in the suffixes')
    ap.add_argument('--no-regime-balance', action='store_true', help='ablation: every encounter weighs the same')
    ap.add_argument('--no-name-masking', action='store_true', help='ablation: candidates always under their own name')
    a, train_args = ap.parse_known_args()
    if a.split == 'temporal' and os.path.abspath(a.out) == MODEL_DIR:
        raise SystemExit('--split temporal needs --out DIR: model/ holds the shipped (internal) model')
    t0 = time.time()
    os.makedirs(WORK, exist_ok=True)
    py = sys.executable
    cli = os.path.join(REPO, 'dist', 'src', 'cli', 'main.js')
    if not os.path.exists(cli):
        raise SystemExit(f'{cli} not found: run `npm run build` first')
    datas = [os.path.abspath(d) for d in (a.data or DEFAULT_DATA)]
    if any(os.path.basename(d.rstrip('/')) == 'synthea-bulk-10' for d in datas):
        raise SystemExit('synthea-bulk-10 is the external test population: never train on it')

    data_args = []
    for d in datas:
        name = os.path.basename(d.rstrip('/'))
        dataset, corpus = os.path.join(WORK, f'{name}.jsonl'), os.path.join(WORK, f'{name}.corpus.jsonl')
        run(['node', cli, 'dataset', '--data', d, '--out', dataset, '--corpus', corpus, '--model', MODEL_DIR],
            f'lamo-cds dataset ({name})')
        data_args += ['--data', dataset]
        if not a.no_pretraining:
            data_args += ['--corpus', corpus]
    knowledge = [] if a.no_word_vectors or not os.path.exists(WORD_VECTORS) else ['--word-vectors', WORD_VECTORS]
    if a.no_pretraining:
        knowledge += ['--pretrain-sequences', '0']
    ablations = (['--no-history-suffix'] if a.no_history_suffix else []) + \
        (['--regime-balance', '0'] if a.no_regime_balance else []) + \
        (['--mask-rate', '0'] if a.no_name_masking else ['--mask-names', WHO_ATC])
    vocabulary = os.path.join(WORK, 'vocabulary.json')
    run(['node', '-e', VOCABULARY_SCRIPT, REPO, vocabulary], 'candidate vocabulary')

    checkpoint = os.path.join(WORK, f'{a.split}.pt')
    run([py, os.path.join(HERE, 'train.py'), *data_args, '--split', a.split, '--out', checkpoint]
        + RECIPE + knowledge + ablations + train_args, f'train ({a.split} split)')
    run([py, os.path.join(HERE, 'export.py'), '--checkpoint', checkpoint, '--vocabulary', vocabulary, '--out', a.out],
        'export')
    first = data_args[1]
    run([py, os.path.join(HERE, 'verify_tokenizer.py'), a.out, first, '--limit', '400'], 'tokenizer check')
    if os.path.abspath(a.out) == MODEL_DIR:
        run([py, os.path.join(HERE, 'parity_fixture.py'), '--checkpoint', checkpoint, '--data', first,
             '--model-dir', a.out, '--check-ort'], 'parity fixture')
    with open(os.path.join(a.out, 'lamo.json'), encoding='utf-8') as f:
        manifest = json.load(f)
    print(json.dumps(manifest['metrics'], indent=1))
    print(f'model:train finished in {(time.time() - t0) / 60:.1f} min')


if __name__ == '__main__':
    main()
