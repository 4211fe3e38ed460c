"""Descriptive terms of marks, clothing and effects, for comparing descriptions blindly.

"Tattoo of a rose on the right forearm" and "rose tattoo, right arm" share the terms `tattoo`,
`rose` and `right`: each description becomes a set of normalised words (accents, case and
punctuation folded; stop words of the instance's working languages dropped; short words and
numbers kept only when they carry meaning), stemmed lightly so plurals meet singulars. The
blind index stores a token per term, so two records' shared terms can be counted without
decrypting either.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import snowballstemmer
from stop_words import get_stop_words

from .normalise import normalise_text

#: Languages whose stop words are dropped: those casework's users and families write in.
LANGUAGES = ("english", "spanish", "french", "portuguese", "arabic", "italian", "german")
#: Words shorter than this carry too little to match on (numbers excepted: sizes, years).
MIN_LENGTH = 3


@cache
def _stop_words() -> frozenset[str]:
    words: set[str] = set()
    for language in LANGUAGES:
        words |= {normalise_text(w) for w in get_stop_words(language)}
    return frozenset(w for w in words if w)


@cache
def _stemmers() -> tuple[snowballstemmer.Stemmer, ...]:
    return (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("spanish"))


def _stem(word: str) -> str:
    """The shortest of the English and Spanish stems: plural and singular forms meet."""
    if not word.isalpha() or not word.isascii():
        return word
    stems = [s.stemWord(word) for s in _stemmers()]
    best = min(stems, key=len)
    return best if len(best) >= MIN_LENGTH else word


def description_terms(texts: Iterable[str | None]) -> set[str]:
    """The normalised, stemmed terms of one or more descriptions (None and blanks ignored)."""
    stop = _stop_words()
    terms: set[str] = set()
    for text in texts:
        if not text:
            continue
        for word in normalise_text(text).split():
            if word in stop or (len(word) < MIN_LENGTH and not word.isdigit()):
                continue
            terms.add(_stem(word))
    return terms
