"""Writes tests/fixtures/parity.json: 20 real prompts from the dataset (prefix + one candidate suffix each, a third
of them with the candidate's history after its name),
their token ids, and the PyTorch logits at the answer position (yes/no and the whole last row), so that the
Node side can check tokenization and onnxruntime-node logits against the model's own framework.

  /usr/bin/python3 parity_fixture.py --checkpoint .work/internal.pt --data r4-615.jsonl \
      --model-dir ../ --out ../../tests/fixtures/parity.json [--check-ort]

--check-ort also runs the exported model.onnx through onnxruntime-node (ort_check.js: prefix with empty past,
then suffix through the KV cache; and one full pass) and fails if any logit differs by more than 1e-4.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deps import require_python_packages  # noqa: E402

require_python_packages()

import numpy as np  # noqa: E402
import torch  # noqa: E402

from data import read_jsonl  # noqa: E402
from lamo_tokenizer import LamoTokenizer  # noqa: E402
from modeling import LamoConfig, LamoLM, OnnxDecoder, use_fast_cpu_kernels  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOLERANCE = 1e-4


def pick_cases(rows: list, n: int = 20) -> list:
    """Test-split encounters, spread over the file; in turn a true drug, a false one, and one with history."""
    test = [r for r in rows if r['split'].get('internal') == 'test'] or rows
    step = max(1, len(test) // n)
    cases = []
    for i, r in enumerate(test[::step][:n]):
        cands = r['candidates']
        pools = [[c for c in cands if c['label']], [c for c in cands if not c['label']], [c for c in cands if c.get('history')]]
        pool = pools[i % 3] or pools[0] or pools[1]
        c = pool[(i // 3) % len(pool)]
        cases.append({'encounter': r['encounter'], 'template': r['template'], 'candidate': c['name'],
                      'label': int(c['label']), 'history': c.get('history', ''), 'prefix': r['prefix'],
                      'suffix': r['suffixTemplate'].replace('{drug}', c['name'] + c.get('history', ''))})
    return cases


def torch_logits(lm: LamoLM, ids: list) -> np.ndarray:
    """Last-position logits of one full pass, through the same wrapper that was exported."""
    cfg = lm.cfg
    wrapper = OnnxDecoder(lm).eval()
    past = [torch.zeros(1, cfg.heads, 0, cfg.head_dim) for _ in range(2 * cfg.layers)]
    with torch.no_grad():
        out = wrapper(torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long),
                      torch.arange(len(ids)).unsqueeze(0), *past)
    return out[0][0, -1].numpy().astype(np.float64)


def check_ort(model_dir: str, cases: list) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, 'cases.json'), os.path.join(tmp, 'ort.json')
        with open(src, 'w') as f:
            json.dump([{'prefixIds': c['prefixIds'], 'suffixIds': c['suffixIds']} for c in cases], f)
        subprocess.run(['node', os.path.join(HERE, 'ort_check.js'), os.path.abspath(model_dir), src, dst], check=True)
        with open(dst) as f:
            ort = json.load(f)
    worst = 0.0
    for c, o in zip(cases, ort):
        ref = np.array(c['lastLogits'])
        worst = max(worst, float(np.abs(np.array(o['lastLogits']) - ref).max()),
                    abs(o['cached'][0] - c['yesLogit']), abs(o['cached'][1] - c['noLogit']),
                    abs(o['full'][0] - c['yesLogit']), abs(o['full'][1] - c['noLogit']))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--checkpoint', required=True)
    ap.add_argument('--data', required=True, help='lamo-cds dataset JSONL')
    ap.add_argument('--model-dir', default=os.path.join(HERE, '..'), help='exported model directory')
    ap.add_argument('--out', default=os.path.join(HERE, '..', '..', 'tests', 'fixtures', 'parity.json'))
    ap.add_argument('--check-ort', action='store_true')
    a = ap.parse_args()

    use_fast_cpu_kernels(False)
    ck = torch.load(a.checkpoint, map_location='cpu')
    lm = LamoLM(LamoConfig(**ck['config']))
    lm.load_state_dict(ck['state_dict'])
    lm.eval()
    tok = LamoTokenizer.load(a.model_dir)
    if tok.vocab != ck['tokenizer']['vocab']:
        raise SystemExit(f'{a.model_dir}/tokenizer.json does not belong to {a.checkpoint}')
    with open(os.path.join(a.model_dir, 'lamo.json'), encoding='utf-8') as f:
        manifest = json.load(f)
    yes, no = manifest['answerTokens']['yes'], manifest['answerTokens']['no']

    cases = pick_cases(read_jsonl(a.data))
    for c in cases:
        c['prefixIds'] = tok.encode(c['prefix'])
        c['suffixIds'] = tok.encode(c['suffix'])
        c['ids'] = tok.encode(c['prefix'] + c['suffix'])
        if c['ids'] != c['prefixIds'] + c['suffixIds']:
            raise SystemExit(f'tokens(prefix) + tokens(suffix) != tokens(prefix + suffix) for {c["candidate"]!r}')
        logits = torch_logits(lm, c['ids'])
        c['yesLogit'], c['noLogit'] = float(logits[yes]), float(logits[no])
        c['pYes'] = float(1 / (1 + np.exp(c['noLogit'] - c['yesLogit'])))
        c['lastLogits'] = [float(x) for x in logits]
    fixture = {
        'description': 'PyTorch reference for the shipped model: token ids of real prompts and the logits at '
                       'the answer position (last token of prefix + suffix). Written by '
                       'model/train/parity_fixture.py.',
        'model': {'id': manifest['id'], 'version': manifest['version']},
        'tolerance': TOLERANCE,
        'answerTokens': {'yes': yes, 'no': no},
        'cases': cases,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, 'w', encoding='utf-8') as f:
        json.dump(fixture, f, ensure_ascii=False)
        f.write('\n')
    print(f'wrote {a.out}: {len(cases)} prompts')
    if a.check_ort:
        worst = check_ort(a.model_dir, cases)
        print(f'onnxruntime-node vs PyTorch: max |Δlogit| = {worst:.2e} (tolerance {TOLERANCE})')
        if not worst <= TOLERANCE:
            raise SystemExit('parity check failed')


if __name__ == '__main__':
    main()
