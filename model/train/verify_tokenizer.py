"""Checks that the Python tokenizer (used for training) and @huggingface/tokenizers (used by the Node scorer)
give identical token ids, and that tokens(prefix) + tokens(suffix) == tokens(prefix + suffix).

Usage: python3 verify_tokenizer.py <model dir> <dataset.jsonl> [--limit N]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lamo_tokenizer import LamoTokenizer, check_split_invariance  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))

NODE_SCRIPT = r"""
const fs = require('fs');
const { Tokenizer } = require(process.argv[1] + '/node_modules/@huggingface/tokenizers/dist/tokenizers.cjs');
const dir = process.argv[2];
const tok = new Tokenizer(JSON.parse(fs.readFileSync(dir + '/tokenizer.json', 'utf8')),
                          JSON.parse(fs.readFileSync(dir + '/tokenizer_config.json', 'utf8')));
const texts = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
fs.writeFileSync(process.argv[4], JSON.stringify(texts.map((t) => tok.encode(t).ids)));
"""


def js_encode(model_dir: str, texts: list) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, 'in.json'), os.path.join(tmp, 'out.json')
        with open(src, 'w', encoding='utf-8') as f:
            json.dump(texts, f)
        subprocess.run(['node', '-e', NODE_SCRIPT, REPO, os.path.abspath(model_dir), src, dst], check=True)
        with open(dst, encoding='utf-8') as f:
            return json.load(f)


def verify(model_dir: str, rows: list) -> int:
    tok = LamoTokenizer.load(model_dir)
    texts = []
    for r in rows:
        texts.append(r['prefix'])
        for c in r['candidates']:
            texts.append(r['suffixTemplate'].replace('{drug}', c['name'] + c.get('history', '')))
        texts.append(r['prefix'] + r['suffixTemplate'].replace('{drug}', r['candidates'][0]['name']))
    texts += ['', '   ', 'Yes', 'No', 'naïve café – “quoted” 5½ mg\u00a0x', 'insulin, regular, human\n']
    unique = sorted(set(texts))
    js = js_encode(model_dir, unique)
    mismatches = [(t, tok.encode(t), ids) for t, ids in zip(unique, js) if tok.encode(t) != ids]
    for t, py, j in mismatches[:5]:
        print(f'MISMATCH {t!r}\n  python {py}\n  js     {j}', file=sys.stderr)
    split_failures = 0
    for r in rows:
        bad = check_split_invariance(tok, r['prefix'],
                                     [r['suffixTemplate'].replace('{drug}', c['name'] + c.get('history', '')) for c in r['candidates']])
        if bad is not None:
            split_failures += 1
            if split_failures <= 3:
                print(f'SPLIT FAILURE: suffix {bad!r} of encounter {r["encounter"]}', file=sys.stderr)
    print(f'tokenizer check: {len(unique)} texts, {len(mismatches)} Python/JS mismatches, '
          f'{split_failures}/{len(rows)} prompts break prefix/suffix additivity')
    return 1 if mismatches or split_failures else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('model_dir')
    ap.add_argument('dataset')
    ap.add_argument('--limit', type=int, default=0, help='check only the first N encounters (0 = all)')
    a = ap.parse_args()
    rows = []
    with open(a.dataset, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
            if a.limit and len(rows) >= a.limit:
                break
    sys.exit(verify(a.model_dir, rows))


if __name__ == '__main__':
    main()
