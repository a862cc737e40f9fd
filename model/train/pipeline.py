"""`npm run model:train`: rebuilds the shipped model end to end, seeded.

  1. `lamo-cds dataset` on ../shared/data/synthea-r4-615 → model/train/.work/r4-615.jsonl
  2. the candidate vocabulary (name, RxNorm codes, ATC) from the compiled medications module
  3. train.py on the internal split (the shipped model), then on the temporal split (metrics only)
  4. export.py → model/ (model.onnx, tokenizer.json, tokenizer_config.json, lamo.json with both metrics)
  5. verify_tokenizer.py (Python vs @huggingface/tokenizers, prefix/suffix additivity) and
     parity_fixture.py --check-ort (tests/fixtures/parity.json; onnxruntime-node vs PyTorch)

Needs the Debian packages python3-torch python3-numpy python3-onnx (it says so and stops if they are
missing; it installs nothing) and a compiled project (`npm run build`; the npm script does that first).
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
from deps import require_python_packages  # noqa: E402

require_python_packages()

REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
MODEL_DIR = os.path.abspath(os.path.join(HERE, '..'))
WORK = os.path.join(HERE, '.work')
DEFAULT_DATA = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data', 'synthea-r4-615'))

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
    ap.add_argument('--data', default=DEFAULT_DATA, help='FHIR data for `lamo-cds dataset`')
    ap.add_argument('--dataset', help='use this dataset JSONL instead of running `lamo-cds dataset`')
    ap.add_argument('--skip-temporal', action='store_true', help='no temporal-split model (no temporal metrics)')
    ap.add_argument('--out', default=MODEL_DIR, help='model directory to write (default: model/)')
    a, train_args = ap.parse_known_args()
    t0 = time.time()
    os.makedirs(WORK, exist_ok=True)
    py = sys.executable
    cli = os.path.join(REPO, 'dist', 'src', 'cli', 'main.js')
    if not os.path.exists(cli):
        raise SystemExit(f'{cli} not found: run `npm run build` first')

    dataset = a.dataset or os.path.join(WORK, 'r4-615.jsonl')
    if not a.dataset:
        run(['node', cli, 'dataset', '--data', a.data, '--out', dataset, '--model', MODEL_DIR], 'lamo-cds dataset')
    vocabulary = os.path.join(WORK, 'vocabulary.json')
    run(['node', '-e', VOCABULARY_SCRIPT, REPO, vocabulary], 'candidate vocabulary')

    internal_ck = os.path.join(WORK, 'internal.pt')
    run([py, os.path.join(HERE, 'train.py'), '--data', dataset, '--split', 'internal', '--out', internal_ck]
        + train_args, 'train (internal split)')
    extra = []
    if not a.skip_temporal:
        temporal_ck = os.path.join(WORK, 'temporal.pt')
        run([py, os.path.join(HERE, 'train.py'), '--data', dataset, '--split', 'temporal', '--out', temporal_ck]
            + train_args, 'train (temporal split, for metrics)')
        extra = ['--metrics-from', temporal_ck]
    run([py, os.path.join(HERE, 'export.py'), '--checkpoint', internal_ck, '--vocabulary', vocabulary,
         '--out', a.out] + extra, 'export')
    run([py, os.path.join(HERE, 'verify_tokenizer.py'), a.out, dataset, '--limit', '400'], 'tokenizer check')
    run([py, os.path.join(HERE, 'parity_fixture.py'), '--checkpoint', internal_ck, '--data', dataset,
         '--model-dir', a.out, '--check-ort'], 'parity fixture')
    with open(os.path.join(a.out, 'lamo.json'), encoding='utf-8') as f:
        manifest = json.load(f)
    print(json.dumps(manifest['metrics'], indent=1))
    print(f'model:train finished in {(time.time() - t0) / 60:.1f} min')


if __name__ == '__main__':
    main()
