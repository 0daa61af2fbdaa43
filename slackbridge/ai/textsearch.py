"""One multilingual tokenizer and two rankers (BM25, TF-IDF cosine), shared by the KB and saved replies."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

# Words too common to tell two texts apart, in the languages our customers write in.
_STOPWORDS_TEXT = """
a an and are as at be but by for from has have i in is it its me my of on or our so that the this to
was we were with you your yours do does did not no can just get got im its el la los las un una de
del y o que en es por para con se su mi me lo al le les des du et ou est pour dans sur avec je vous
nous mon ma mes ce cette il elle der die das ein eine und oder ist zu mit fur ich sie wir mein meine
nicht auf den dem o a os as um uma e de do da dos das em para com eu voce meu minha nao
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

_WORD = re.compile(r"\w+", re.UNICODE)
# Scripts written without spaces: a "word" run of them is split into overlapping character pairs.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: 'Économie' and 'economie' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Phones type the typographic apostrophe (U+2019): it must match the ASCII one.
    return unicodedata.normalize("NFC", stripped).casefold().replace("\u2019", "'")


def tokenize(text: str) -> list[str]:
    """Folded word tokens without stopwords; CJK runs become character bigrams."""
    tokens: list[str] = []
    for word in _WORD.findall(fold(text)):
        if _CJK.search(word):
            chars = [c for c in word if _CJK.match(c)]
            tokens.extend(a + b for a, b in pairwise(chars))
            if len(chars) == 1:
                tokens.append(chars[0])
            continue
        if len(word) > 1 and word not in STOPWORDS and not word.isdigit():
            tokens.append(word)
    return tokens


class BM25:
    """Okapi BM25 over a fixed list of documents; rebuilding is cheap (one pass over the tokens)."""

    def __init__(self, documents: Sequence[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self._docs = [Counter(tokenize(doc)) for doc in documents]
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        df: Counter[str] = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}
        self._k1, self._b = k1, b

    def scores(self, query: str) -> list[float]:
        terms = set(tokenize(query))
        result: list[float] = []
        for doc, length in zip(self._docs, self._lengths, strict=True):
            score = 0.0
            norm = self._k1 * (1 - self._b + self._b * (length / self._avg if self._avg else 0.0))
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    score += self._idf[term] * tf * (self._k1 + 1) / (tf + norm)
            result.append(score)
        return result

    def top(self, query: str, k: int) -> list[tuple[int, float]]:
        """Indexes and scores of the k best documents with a score above zero, best first."""
        ranked = sorted(enumerate(self.scores(query)), key=lambda pair: (-pair[1], pair[0]))
        return [(i, s) for i, s in ranked[:k] if s > 0]


def cosine_similarities(query: str, documents: Sequence[str]) -> list[float]:
    """TF-IDF cosine between a query and each document, in 0..1, so a score reads as a match percentage."""
    docs = [Counter(tokenize(doc)) for doc in documents]
    n = len(docs)
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    idf = {term: math.log((1 + n) / (1 + f)) + 1 for term, f in df.items()}

    def vector(counts: Counter[str]) -> dict[str, float]:
        return {t: (1 + math.log(c)) * idf.get(t, 0.0) for t, c in counts.items()}

    q = vector(Counter(tokenize(query)))
    q_norm = math.sqrt(sum(v * v for v in q.values()))
    result: list[float] = []
    for doc in docs:
        d = vector(doc)
        d_norm = math.sqrt(sum(v * v for v in d.values()))
        dot = sum(w * d.get(t, 0.0) for t, w in q.items())
        result.append(dot / (q_norm * d_norm) if q_norm and d_norm else 0.0)
    return result
