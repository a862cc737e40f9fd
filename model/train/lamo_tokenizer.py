"""The LAMO mini tokenizer: trained from the dataset's prompts, written as a Hugging Face `tokenizer.json`,
and re-implemented here exactly as @huggingface/tokenizers 0.2 (the Node scorer's library) encodes.

Pipeline (what tokenizer.json declares):
  1. added tokens ("phrases") are cut out of the raw text first: at each position the longest phrase that
     starts there wins, scanning left to right (the JS DictionarySplitter; the Rust crate behaves the same);
  2. the remaining text has no normalizer and goes through BertPreTokenizer (split on whitespace, which is
     dropped, and on every punctuation character, which becomes its own piece);
  3. each piece is encoded by WordPiece (greedy longest prefix, "##" continuation, [UNK] if impossible).

Phrases are what makes one clinical concept, one candidate drug, or one constant template sentence a single
token, so that the candidate token in the suffix can attend directly to the same token in the history.

Why tokens(prefix) + tokens(suffix) == tokens(prefix + suffix) holds: the prompt prefix ends with
"Candidate drug: ". No phrase starts or ends with whitespace and none contains ": ", so no phrase can span
that boundary; and BertPreTokenizer splits at whitespace anyway. `check_split_invariance` verifies it on
data, and `verify_tokenizer.py` compares this implementation with the JS library.
"""
from __future__ import annotations

import collections
import json
import re
import unicodedata
from typing import Dict, Iterable, List, Optional, Sequence

PAD, UNK = '[PAD]', '[UNK]'
SPECIAL_TOKENS = [PAD, UNK]
ANSWER_TEXTS = {'yes': 'Yes', 'no': 'No'}

# JavaScript's \s (and String.prototype.trim) with the `u` flag: WhiteSpace + LineTerminator.
_JS_WHITESPACE = set('\t\n\u000b\u000c\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff') | {
    chr(c) for c in range(0x2000, 0x200B)}


def _is_punctuation(ch: str) -> bool:
    """JS: \\p{P} plus the ASCII symbol ranges of BertPreTokenizer's PUNCTUATION_REGEX."""
    o = ord(ch)
    if 0x21 <= o <= 0x2F or 0x3A <= o <= 0x40 or 0x5B <= o <= 0x60 or 0x7B <= o <= 0x7E:
        return True
    return unicodedata.category(ch).startswith('P')


def bert_pre_tokenize(text: str) -> List[str]:
    """`text.trim().match(/[^\\s P]+|[P]/gu)`: runs of word characters, and single punctuation chars."""
    out: List[str] = []
    word: List[str] = []
    for ch in text:
        if ch in _JS_WHITESPACE:
            if word:
                out.append(''.join(word))
                word = []
        elif _is_punctuation(ch):
            if word:
                out.append(''.join(word))
                word = []
            out.append(ch)
        else:
            word.append(ch)
    if word:
        out.append(''.join(word))
    return out


class _PhraseSplitter:
    """The JS DictionarySplitter: a character trie; at each position take the longest phrase starting there."""

    def __init__(self, phrases: Iterable[str]):
        self.trie: dict = {}
        for p in phrases:
            node = self.trie
            for ch in p:
                node = node.setdefault(ch, {})
            node[''] = p  # '' never collides with a one-character key

    def split(self, text: str) -> List[str]:
        result: List[str] = []
        n, start, i = len(text), 0, 0
        while i < n:
            node, match, j = self.trie, None, i
            while j < n:
                node = node.get(text[j])
                if node is None:
                    break
                if '' in node:
                    match = node['']
                j += 1
            if match:
                if i > start:
                    result.append(text[start:i])
                result.append(match)
                i += len(match)
                start = i
            else:
                i += 1
        if start < n:
            result.append(text[start:])
        return result


class LamoTokenizer:
    def __init__(self, vocab: Dict[str, int], phrases: Sequence[str]):
        self.vocab = vocab
        self.id_to_token = {i: t for t, i in vocab.items()}
        self.phrases = list(phrases)
        self.phrase_set = set(self.phrases)
        self.splitter = _PhraseSplitter(self.phrases)
        self.unk_id = vocab[UNK]
        self.pad_id = vocab[PAD]
        self._word_cache: Dict[str, List[str]] = {}

    # ---- encoding (mirror of the JS library) ----
    def _wordpiece(self, word: str) -> List[str]:
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        if len(word) > 100:
            return [UNK]
        pieces: List[str] = []
        start = 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                sub = word[start:end] if start == 0 else '##' + word[start:end]
                if sub in self.vocab:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                pieces = [UNK]
                break
            pieces.append(cur)
            start = end
        self._word_cache[word] = pieces
        return pieces

    def tokenize(self, text: str) -> List[str]:
        tokens: List[str] = []
        for section in self.splitter.split(text):
            if section in self.phrase_set:
                tokens.append(section)
                continue
            for word in bert_pre_tokenize(section):
                tokens.extend(self._wordpiece(word))
        return tokens

    def encode(self, text: str) -> List[int]:
        return [self.vocab.get(t, self.unk_id) for t in self.tokenize(text)]

    def token_id(self, token: str) -> int:
        return self.vocab[token]

    @property
    def answer_ids(self) -> Dict[str, int]:
        return {k: self.vocab[v] for k, v in ANSWER_TEXTS.items()}

    def __len__(self) -> int:
        return len(self.vocab)

    # ---- files ----
    def to_json(self) -> dict:
        added = [{'id': self.vocab[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False,
                  'normalized': False, 'special': t in SPECIAL_TOKENS}
                 for t in SPECIAL_TOKENS + self.phrases]
        return {
            'version': '1.0',
            'truncation': None,
            'padding': None,
            'added_tokens': added,
            'normalizer': None,
            'pre_tokenizer': {'type': 'BertPreTokenizer'},
            'post_processor': None,
            'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': False},
            'model': {'type': 'WordPiece', 'unk_token': UNK, 'continuing_subword_prefix': '##',
                      'max_input_chars_per_word': 100, 'vocab': self.vocab},
        }

    @staticmethod
    def config_json() -> dict:
        return {
            'tokenizer_class': 'PreTrainedTokenizerFast',
            'model_max_length': 4096,
            'unk_token': UNK,
            'pad_token': PAD,
            'clean_up_tokenization_spaces': False,
            'add_bos_token': False,
            'add_eos_token': False,
        }

    def save(self, directory: str) -> None:
        with open(f'{directory}/tokenizer.json', 'w', encoding='utf-8') as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=1)
        with open(f'{directory}/tokenizer_config.json', 'w', encoding='utf-8') as f:
            json.dump(self.config_json(), f, indent=2)

    @classmethod
    def load(cls, directory: str) -> 'LamoTokenizer':
        with open(f'{directory}/tokenizer.json', encoding='utf-8') as f:
            data = json.load(f)
        if data['model']['type'] != 'WordPiece' or data['pre_tokenizer'] != {'type': 'BertPreTokenizer'}:
            raise ValueError(f'{directory}/tokenizer.json is not a LAMO mini tokenizer')
        phrases = [a['content'] for a in data['added_tokens'] if not a['special']]
        return cls(dict(data['model']['vocab']), phrases)


# ---- training ----
# Phrase mining cuts prompts at structural delimiters: line breaks, the ''' fences, ": ", "; ", ", " and
# sentence ends and list brackets. What lies between (a concept display, a drug name, a template sentence) is a phrase candidate.
_DELIMITERS = re.compile(r"\n|'''|:(?=\s)|;\s|,\s|\.(?=\s|$)|\[|\]")


def _phrase_ok(p: str) -> bool:
    return len(p) >= 3 and p == p.strip() and ': ' not in p and len(bert_pre_tokenize(p)) >= 2


def _segments(text: str) -> Iterable[str]:
    for seg in _DELIMITERS.split(text):
        seg = seg.strip().rstrip('.,;:').strip()
        if seg:
            yield seg


def train_tokenizer(prompts: Iterable[str], must_have_phrases: Iterable[str], suffix_tail: str,
                    min_phrase_count: int = 3, min_word_count: int = 2,
                    max_phrase_chars: int = 400) -> LamoTokenizer:
    """prompts: training prefixes (each counted once); must_have_phrases: candidate drug names;
    suffix_tail: the constant text after {drug} in the suffix template (".\\n'''\\n###Answer:\\n")."""
    prompts = list(prompts)
    seg_counts: collections.Counter = collections.Counter()
    for text in prompts:
        seg_counts.update(set(_segments(text)))
    phrases = {p for p, c in seg_counts.items()
               if c >= min_phrase_count and len(p) <= max_phrase_chars and _phrase_ok(p)}
    for name in must_have_phrases:
        name = name.strip()
        if len(bert_pre_tokenize(name)) >= 2 and ': ' not in name:
            phrases.add(name)
    if any("'''" in t for t in prompts):  # the template's text fences
        phrases.add("'''")
    # The constant answer cue after the drug name: one token, so every candidate costs two tokens.
    if suffix_tail.strip():
        phrases.add(suffix_tail)
    phrases_sorted = sorted(phrases)
    splitter = _PhraseSplitter(phrases_sorted)

    word_counts: collections.Counter = collections.Counter()
    chars: set = set()
    for text in prompts:
        for section in splitter.split(text):
            if section in phrases:
                continue
            for w in bert_pre_tokenize(section):
                word_counts[w] += 1
                chars.update(w)
    words = {w for w, c in word_counts.items() if c >= min_word_count}
    for name in must_have_phrases:  # single-word candidate names are plain vocabulary words
        if len(bert_pre_tokenize(name)) == 1:
            words.add(name.strip())
        chars.update(name)
    words.update(ANSWER_TEXTS.values())
    chars.update(string_printable_ascii())
    pieces = sorted(chars) + sorted('##' + c for c in chars if not c.isspace())
    vocab: Dict[str, int] = {}
    for tok in SPECIAL_TOKENS + list(ANSWER_TEXTS.values()) + sorted(words) + pieces + phrases_sorted:
        if tok not in vocab:
            vocab[tok] = len(vocab)
    return LamoTokenizer(vocab, phrases_sorted)


def string_printable_ascii() -> str:
    return ''.join(chr(c) for c in range(0x21, 0x7F))


def check_split_invariance(tok: LamoTokenizer, prefix: str, suffixes: Sequence[str]) -> Optional[str]:
    """Returns the first suffix for which tokens(prefix)+tokens(suffix) != tokens(prefix+suffix), else None."""
    p = tok.encode(prefix)
    for s in suffixes:
        if p + tok.encode(s) != tok.encode(prefix + s):
            return s
    return None
