"""Writes a complete model directory: model.onnx, tokenizer.json, tokenizer_config.json, lamo.json.

  python3 export.py --checkpoint ckpt.pt --out ../           # a trained checkpoint (train.py writes it)
  python3 export.py --random-init --dataset d.jsonl --out /tmp/lamo-model-dev   # untrained, for plumbing

The ONNX graph follows Hugging Face Optimum's `text-generation-with-past` decoder layout (see ../README.md).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deps import require_python_packages  # noqa: E402

require_python_packages()

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

from data import vocabulary_names  # noqa: E402
from lamo_tokenizer import LamoTokenizer, train_tokenizer  # noqa: E402
from modeling import LamoConfig, LamoLM, OnnxDecoder  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DRAFT_MANIFEST = os.path.join(HERE, '..', 'lamo.json')
OPSET = 14


def export_onnx(lm: LamoLM, path: str) -> None:
    lm.eval()
    cfg = lm.cfg
    wrapper = OnnxDecoder(lm).eval()
    b, s, past = 1, 3, 2
    input_ids = torch.randint(0, cfg.vocab_size, (b, s), dtype=torch.int64)
    attention_mask = torch.ones(b, past + s, dtype=torch.int64)
    position_ids = torch.arange(past, past + s, dtype=torch.int64).unsqueeze(0)
    past_kv = [torch.zeros(b, cfg.heads, past, cfg.head_dim) for _ in range(2 * cfg.layers)]
    in_names = ['input_ids', 'attention_mask', 'position_ids']
    out_names = ['logits']
    dynamic: Dict[str, Dict[int, str]] = {
        'input_ids': {0: 'batch_size', 1: 'sequence_length'},
        'attention_mask': {0: 'batch_size', 1: 'past_sequence_length + sequence_length'},
        'position_ids': {0: 'batch_size', 1: 'sequence_length'},
        'logits': {0: 'batch_size', 1: 'sequence_length'},
    }
    for i in range(cfg.layers):
        for kind in ('key', 'value'):
            name, present = f'past_key_values.{i}.{kind}', f'present.{i}.{kind}'
            in_names.append(name)
            out_names.append(present)
            dynamic[name] = {0: 'batch_size', 2: 'past_sequence_length'}
            dynamic[present] = {0: 'batch_size', 2: 'past_sequence_length + sequence_length'}
    with torch.no_grad():
        torch.onnx.export(wrapper, (input_ids, attention_mask, position_ids, *past_kv), path,
                          input_names=in_names, output_names=out_names, dynamic_axes=dynamic,
                          opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)
    onnx.checker.check_model(model)


def load_rows(path: str, limit: int = 0) -> List[dict]:
    rows = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    if not rows:
        raise SystemExit(f'{path}: no encounters')
    return rows


def candidate_entries(names: List[str], vocabulary: Optional[str], thresholds: Optional[dict] = None) -> List[dict]:
    """name, rxnorm codes and ATC code of each candidate; codes come from a vocabulary JSON
    ([{name, rxnorm, atc}] as `lamo-cds vocabulary` writes it) when one is given."""
    known: Dict[str, dict] = {}
    if vocabulary:
        with open(vocabulary, encoding='utf-8') as f:
            data = json.load(f)
        for c in (data.get('candidates', []) if isinstance(data, dict) else data):
            known[c['name']] = c
    out = []
    for n in names:
        c = known.get(n, {})
        entry = {'name': n, 'rxnorm': list(c.get('rxnorm', []))}
        if c.get('atc'):
            entry['atc'] = c['atc']
        entry.update((thresholds or {}).get(n, {}))
        out.append(entry)
    return out


def build_manifest(lm: LamoLM, tok: LamoTokenizer, candidates: List[dict], meta: dict) -> dict:
    with open(DRAFT_MANIFEST, encoding='utf-8') as f:
        draft = json.load(f)
    cfg = lm.cfg
    ids = tok.answer_ids
    return {
        'format': draft.get('format', 'lamo-onnx/1'),
        'id': meta.get('id', draft.get('id', 'lamo-synthea-mini')),
        'version': meta['version'],
        'templates': draft['templates'],
        # The prompt format it was trained on: `lamo-cds dataset` words the medication history (recent visits,
        # each candidate's history); models without this field (2.0.0) get prompts without it.
        'prompt': {'history': True},
        'tokenizer': 'tokenizer.json',
        'tokenizerConfig': 'tokenizer_config.json',
        'architecture': {
            'type': 'llama-style decoder (RMSNorm, rotary positions, SwiGLU, tied embeddings)',
            'layers': cfg.layers, 'heads': cfg.heads, 'kvHeads': cfg.heads, 'headDim': cfg.head_dim,
            'hidden': cfg.hidden, 'ffn': cfg.ffn, 'vocabSize': cfg.vocab_size, 'parameters': lm.num_parameters(),
            'onnxOpset': OPSET, 'kvDtype': 'float32',
        },
        'models': [{'file': 'model.onnx', 'candidates': '*'}],
        'candidates': candidates,
        'answerTokens': ids,
        'answerTokenTexts': {'yes': tok.id_to_token[ids['yes']], 'no': tok.id_to_token[ids['no']]},
        'threshold': meta['threshold'],
        **({'unsupportedThreshold': meta['unsupportedThreshold']} if 'unsupportedThreshold' in meta else {}),
        'expectedDrugsPerVisit': meta['expectedDrugsPerVisit'],
        'training': meta['training'],
        'metrics': meta.get('metrics', {}),
    }


SEEN_FILE = 'trained-encounters.json'


def write_model_dir(out_dir: str, lm: LamoLM, tok: LamoTokenizer, candidates: List[dict], meta: dict,
                    seen: Optional[List[str]] = None) -> None:
    os.makedirs(out_dir, exist_ok=True)
    if seen is not None:
        # hashed keys (as in the dataset) of the encounters the model was fitted or tuned on
        with open(os.path.join(out_dir, SEEN_FILE), 'w', encoding='utf-8') as f:
            json.dump({'split': meta['training'].get('split'), 'encounters': seen}, f, separators=(',', ':'))
            f.write('\n')
        meta = dict(meta, training=dict(meta['training'], seenEncountersFile=SEEN_FILE))
    export_onnx(lm, os.path.join(out_dir, 'model.onnx'))
    tok.save(out_dir)
    manifest = build_manifest(lm, tok, candidates, meta)
    with open(os.path.join(out_dir, 'lamo.json'), 'w', encoding='utf-8') as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write('\n')


def random_init(dataset: str, out_dir: str, vocabulary: Optional[str], seed: int) -> None:
    torch.manual_seed(seed)
    rows = load_rows(dataset)
    names = vocabulary_names(rows)
    tail = rows[0]['suffixTemplate'].replace('{drug}', '')
    tok = train_tokenizer([r['prefix'] for r in rows if r['split']['internal'] == 'train'] or
                          [r['prefix'] for r in rows], names, tail)
    lm = LamoLM(LamoConfig(vocab_size=len(tok)))
    truth = float(np.mean([sum(c['label'] for c in r['candidates']) for r in rows]))
    meta = {
        'version': '0.0.0-random-init',
        'threshold': 0.5,
        'expectedDrugsPerVisit': round(truth, 3),
        'training': {'note': 'randomly initialised weights: for plumbing tests only, predictions are noise',
                     'dataset': os.path.basename(dataset), 'encounters': len(rows),
                     'exported': datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')},
    }
    write_model_dir(out_dir, lm, tok, candidate_entries(names, vocabulary), meta)


def from_checkpoint(checkpoint: str, out_dir: str, vocabulary: Optional[str], metrics_from: List[str]) -> None:
    ck = torch.load(checkpoint, map_location='cpu')
    lm = LamoLM(LamoConfig(**ck['config']))
    lm.load_state_dict(ck['state_dict'])
    tok = LamoTokenizer(ck['tokenizer']['vocab'], ck['tokenizer']['phrases'])
    meta = dict(ck['meta'])
    meta['metrics'] = dict(meta.get('metrics', {}))
    for other in metrics_from:
        # e.g. the temporal-split model: its metrics describe the recipe, not these weights; say so.
        o = torch.load(other, map_location='cpu')['meta']
        for split, m in o.get('metrics', {}).items():
            meta['metrics'][split] = dict(m, model=f'retrained on the {split} train split with the same recipe '
                                                   f'(threshold {o["threshold"]}); not the shipped weights')
    names = [c['name'] for c in ck['candidates']]
    meta.pop('candidateThresholds', None)
    write_model_dir(out_dir, lm, tok, candidate_entries(names, vocabulary, ck['meta'].get('candidateThresholds')), meta,
                    ck.get('seen_encounters'))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True, help='model directory to write')
    ap.add_argument('--checkpoint', help='checkpoint written by train.py')
    ap.add_argument('--random-init', action='store_true', help='untrained weights, tokenizer from --dataset')
    ap.add_argument('--dataset', help='lamo-cds dataset JSONL (for --random-init)')
    ap.add_argument('--vocabulary', help='candidate vocabulary JSON with rxnorm/atc codes (optional)')
    ap.add_argument('--metrics-from', action='append', default=[],
                    help='another checkpoint (e.g. trained on the temporal split) whose test metrics to add')
    ap.add_argument('--seed', type=int, default=615)
    a = ap.parse_args()
    if a.random_init:
        if not a.dataset:
            ap.error('--random-init needs --dataset')
        random_init(a.dataset, a.out, a.vocabulary, a.seed)
    elif a.checkpoint:
        from_checkpoint(a.checkpoint, a.out, a.vocabulary, a.metrics_from)
    else:
        ap.error('give --checkpoint or --random-init')
    print(f'wrote {a.out}: ' + ', '.join(sorted(os.listdir(a.out))))


if __name__ == '__main__':
    main()
