"""Name keys and name similarity: how casework finds a person however the name is written.

A name is split into parts; each part gets several *forms* (its spellings, transliterations,
consonant skeletons and phonetic keys), and the blind index stores a token per form. A search
looks up the forms of each query part, ranks candidates by how many query parts they match
through any form, decrypts them and re-checks each one with a similarity measure.

The rules, in the order they apply to one part:

1. **Spelling** (``normalise_text``): case, accents, Arabic harakat, hamza carriers, tatweel,
   apostrophes and bidi marks fold away. Arabic letters that vary in writing fold further:
   ``ة`` (ta marbuta) reads as ``ه``, ``ى`` (alef maqsura) as ``ي``, ``ٱ`` as ``ا``.
2. **Articles and particles**: a detached particle (``al``, ``el``, ``bin``, ``ibn``, ``abu``,
   ``de``, ``van``…) is not a part of its own; it is optional in a query and is also joined to
   the next part (``al Hassan`` -> ``alhassan``). An attached article (``alhassan``,
   ``el-hassan`` once hyphens are split, ``الحسن``) gives the part a second spelling without
   it, so ``Hassan``, ``al-Hassan``, ``Alhasan`` and ``الحسن`` share forms.
3. **Transliteration**: two transliterators, because each fails differently: ``anyascii``
   (Arabic, Persian, Cyrillic, Ge'ez, Greek, Hebrew, Latin with diacritics) and ICU's
   ``Any-Latin; Latin-ASCII`` through ``rigour.text.translit.ascii_text`` (OpenSanctions),
   which keeps long vowels that anyascii drops (``جواد`` -> ``jwad`` / ``jwd``).
4. **Consonant skeleton** (``skeletons``): vowels dropped, doubled letters collapsed, and
   consonants folded into classes that Latin renderings of Arabic and Cyrillic confuse:
   kh/h, q/k/c/g, sh/ch/tch, j/dj/dzh/zh, ph/f/v, th/t/d, s/z, b/p. Letters that are read two
   ways give a second skeleton: a Latin ``g`` can be Arabic ``ج`` (Egyptian *Gamal*), a ``j``
   can be a ``y`` (*Jari* / ``ياري``), an ``sh`` a plain ``s`` (*shi* / ``си``).
5. **Phonetic key**: Metaphone of each transliteration (``rigour.text.metaphone``).
6. **Fuzzy keys**: the main skeleton and its one-letter deletions (a SymSpell-style deletion
   neighbourhood). Two parts whose skeletons are one edit apart share a fuzzy key, so the
   index finds *Yaacov* for ``يعقوب`` and *Stefanovic* for ``ستيفانوفيتش`` without storing
   anything that is not a blind-index token.

The similarity (``part_similarity``) is the best of Jaro-Winkler over the transliterations and
a skeleton score (0.95 equal, 0.85 one edit apart with the same start, else 0.9 x normalised
Levenshtein). A query part
matches a candidate part at ``PART_MATCH`` (0.8) or above. Every threshold here is a rule
chosen on general grounds; tests/names measures recall on name pairs written by others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rigour.text import metaphone
from rigour.text.translit import ascii_text

from .normalise import normalise_text

__all__ = [
    "PART_MATCH",
    "NameQuery",
    "PartForms",
    "name_score",
    "part_forms",
    "part_similarity",
    "query_parts",
    "skeletons",
]

#: A query part matches a candidate part at this similarity or above.
PART_MATCH = 0.8
#: Skeleton score of two equal skeletons: below 1.0 so that the same writing ranks first.
SAME_SKELETON = 0.95
#: Names that do not start alike (no skeletons with the same first symbol) score this much less.
START_PENALTY = 0.9
#: Skeleton score of two skeletons one edit apart.
ONE_EDIT = 0.85
#: Shortest skeleton whose one-letter deletions are indexed (shorter ones collide too much).
FUZZY_MIN = 3

# Detached particles: optional in a query, joined to the next part as another spelling.
# Arabic (al, el, ul, bin, ibn, bint, abu, ould), Berber (ag, ait), Romance, Dutch, German.
PARTICLES = frozenset(
    {
        "al", "el", "ul", "il", "ad", "ed", "as", "es", "ash", "ech", "an", "ar", "at", "az",
        "bin", "ben", "ibn", "bint", "abu", "abou", "abo", "ould", "wuld", "ag", "ait",
        "de", "del", "della", "dela", "da", "das", "dos", "do", "du", "di", "des",
        "van", "von", "der", "den", "ter", "la", "le", "lo", "y",
        "ال", "بن", "ابن", "بنت", "ابو", "ولد",
    }
)  # fmt: skip
# An attached article: Latin al-/el-/ul-/il- (hyphen already split off, so "alhassan"), and
# Arabic ال. The rest of the part must stay long enough to be a name.
_LATIN_ARTICLE = re.compile(r"^(?:al|el|ul|il)(?=[a-z]{3,}$)")
_ARABIC_ARTICLE = re.compile(r"^ال(?=\w{2,}$)")
# Arabic letters written two ways: ta marbuta / ha, alef maqsura / ya, alef wasla / alef.
_ARABIC_FOLD = str.maketrans({"\u0629": "\u0647", "\u0649": "\u064a", "\u0671": "\u0627"})
# Word-initial Arabic alef or ayin: Latin spellings write that onset as a vowel (Ahmed, Omar).
_INITIAL_ALEF = re.compile(r"^[\u0627\u0639]")
_LEADING_GLOTTAL = re.compile(r"^['`\u2019\u2018\u02bc\u02bb\u02be\u02bf]+")

# Digraphs and spelling alternants, folded in order on lowercase ASCII. Upper-case outputs
# are class symbols that later rules never re-read.
_DIGRAPHS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"x", "ks"),
        (r"tsch|tsj|tsh|tch|sch|sh|ch", "X"),
        (r"dzh|dsh|dj|zh|j", "J"),
        (r"kh", "H"),
        (r"ph", "F"),
        (r"th|dh", "T"),
        (r"gh", "K"),
        (r"ck|q|c(?![eiy])", "K"),
        (r"c", "S"),
        (r"tz|ts|dz", "S"),
    )
)
_CLASSES = str.maketrans(
    {
        "b": "P", "p": "P", "d": "T", "t": "T", "g": "K", "k": "K", "f": "F", "v": "F",
        "s": "S", "z": "S", "h": "H", "l": "L", "r": "R", "m": "M", "n": "N",
    }
)  # fmt: skip
# Second readings: (what the main rules produce, the other reading).
_ALTERNATIVES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"g(?!h)"), "j"),  # Latin g for Arabic ج (Gamal / Jamal)
    (re.compile(r"(?<![dz])j(?!h)"), "y"),  # Jari / ياري, Sofja / Sofya, Nikolaj / Nikolai
    (re.compile(r"sh"), "s"),  # Japanese shi / Russian си
    (re.compile(r"(?<=[aeiou])s$"), ""),  # nominative -us/-as/-os: Publius / Publio, Joanes
)
_VOWELS = frozenset("aeiou")


@dataclass(frozen=True)
class PartForms:
    """Every form of one name part (never stored: only their blind-index tokens are)."""

    spellings: frozenset[str]  # normalised, with and without an article
    latins: frozenset[str]  # ASCII transliterations of the spellings
    skeletons: frozenset[str]  # consonant skeletons, the main one first in `main_skeleton`
    main_skeletons: frozenset[str]  # each spelling's first reading (no second readings)
    phonetics: frozenset[str]  # Metaphone keys

    def fuzzy(self) -> frozenset[str]:
        """The main skeletons and their one-letter deletions (short skeletons have none)."""
        out: set[str] = set()
        for s in self.main_skeletons:
            if len(s) >= FUZZY_MIN - 1:
                out.add(s)  # so that a short skeleton meets a longer one's deletion
            if len(s) >= FUZZY_MIN:
                out |= {s[:i] + s[i + 1 :] for i in range(len(s))}
        return frozenset(out)

    def tagged(self, fuzzy: bool = True) -> set[str]:
        """The tagged values whose tokens represent this part in the blind index (without the
        fuzzy keys when `fuzzy` is false: the strong forms alone)."""
        values = {"x:" + s for s in self.spellings | self.latins}
        values |= {"p:" + s for s in self.skeletons}
        values |= {"m:" + s for s in self.phonetics}
        if fuzzy:
            values |= {"d:" + s for s in self.fuzzy()}
        return values


def _fold(word: str) -> str:
    return word.translate(_ARABIC_FOLD)


def _spellings(word: str) -> set[str]:
    out = {word}
    for article in (_LATIN_ARTICLE, _ARABIC_ARTICLE):
        bare = article.sub("", word)
        if bare != word:
            out.add(bare)
    return out


def _latin(spelling: str) -> set[str]:
    if spelling.isascii():
        return {spelling}
    onset = _INITIAL_ALEF.sub("a", spelling)
    out = set()
    for raw in (anyascii(onset), ascii_text(onset)):
        latin = "".join(c for c in normalise_text(_LEADING_GLOTTAL.sub("a", raw)) if c.isalpha())
        if latin.isascii() and latin:
            out.add(latin)
    return out


def _skeleton(latin: str) -> str:
    s = re.sub(r"(.)\1+", r"\1", "".join(c for c in latin if "a" <= c <= "z"))
    if not s:
        return ""
    if len(s) > 1 and s.endswith("h"):
        s = s[:-1]  # ta marbuta, Fatimah / Fatima
    for pattern, replacement in _DIGRAPHS:
        s = pattern.sub(replacement, s)
    key = ["A"] if s[0] in _VOWELS else []
    for i, c in enumerate(s):
        if c in _VOWELS or (i > 0 and c in "yw"):
            continue
        key.append(c.upper() if c in "yw" else c.translate(_CLASSES))
    return re.sub(r"(.)\1+", r"\1", "".join(key))


def skeletons(latin: str) -> tuple[str, set[str]]:
    """The main consonant skeleton of an ASCII spelling and its second readings."""
    main = _skeleton(latin)
    others = set()
    for pattern, replacement in _ALTERNATIVES:
        if pattern.search(latin):
            other = _skeleton(pattern.sub(replacement, latin))
            if other and other != main:
                others.add(other)
    return main, others


@lru_cache(maxsize=4096)
def part_forms(word: str) -> PartForms:
    """The forms of one normalised name part (a word of ``normalise_text`` output)."""
    spellings = _spellings(_fold(word))
    latins: set[str] = set()
    for s in spellings:
        latins |= _latin(s)
    # Article-less Latin spellings of a transliterated Arabic article (الحسن -> alhsn -> hsn).
    for latin in list(latins):
        latins |= {s for s in _spellings(latin) if s.isascii()}
    skels: set[str] = set()
    mains: set[str] = set()
    for latin in latins:
        first, others = skeletons(latin)
        mains.add(first)
        skels |= {first, *others}
    phonetics = {metaphone(latin) for latin in latins}
    return PartForms(
        frozenset(spellings),
        frozenset(latins),
        frozenset(skels - {""}),
        frozenset(mains - {""}),
        frozenset(phonetics - {""}),
    )


@dataclass(frozen=True)
class NameQuery:
    """A name split for matching: its parts (particles dropped) and the particle joins."""

    parts: tuple[str, ...]
    joined: tuple[str, ...]  # particle + following part, e.g. "alhassan"


def query_parts(name: str) -> NameQuery:
    """Split a name into its matching parts; particles are optional and joined to the next."""
    words = normalise_text(name).split()
    parts: list[str] = []
    joined: list[str] = []
    for i, word in enumerate(words):
        if word in PARTICLES:
            if i + 1 < len(words):
                joined.append(word + words[i + 1])
            continue
        parts.append(word)
    # A query of particles only ("al bin") has no searchable part: it matches nothing.
    return NameQuery(tuple(parts), tuple(joined))


def record_forms(name: str) -> list[PartForms]:
    """The forms a record's name is indexed under: each part, and each particle join."""
    q = query_parts(name)
    return [part_forms(p) for p in q.parts + q.joined]


def part_similarity(a: PartForms, b: PartForms) -> float:
    """How alike two parts are, 0..1.

    Equal spellings or transliterations: 1.0. Otherwise the best of Jaro-Winkler over the
    transliterations and of a skeleton score: SAME_SKELETON (0.95) for equal skeletons of two
    letters or more, ONE_EDIT for skeletons of three or more one edit apart, else 0.9 x
    normalised Levenshtein.
    Two rules keep different names apart: names that do not start alike (no pair of skeletons
    with the same first symbol: Ahmed/AHMT and Mohammed/MHMT) have every score but an equal
    spelling scaled by START_PENALTY; and a part of one letter (an initial) matches only an
    equal spelling, a part of two letters only an equal skeleton (al must not match Elena).
    """
    if a.spellings & b.spellings or a.latins & b.latins:
        return 1.0
    shortest = min(len(x) for x in (a.latins | b.latins) or {""})
    if shortest < 2:
        return 0.0
    best = 0.0
    same_start = False
    for x in a.skeletons:
        for y in b.skeletons:
            same_start = same_start or x[:1] == y[:1]
            if x == y:
                if len(x) >= 2:
                    best = max(best, SAME_SKELETON)
            elif shortest < 3:
                continue
            elif min(len(x), len(y)) >= 3 and x[0] == y[0] and Levenshtein.distance(x, y) <= 1:
                best = max(best, ONE_EDIT)
            else:
                best = max(best, 0.9 * Levenshtein.normalized_similarity(x, y))
    if shortest >= 3:
        for x in a.latins:
            for y in b.latins:
                best = max(best, JaroWinkler.similarity(x, y))
    return best if same_start else best * START_PENALTY


@dataclass(frozen=True)
class NameScore:
    score: float  # mean over query parts of the best part similarity
    matched: tuple[int, ...]  # indexes of the query parts that matched (>= PART_MATCH)


def name_score(query: list[PartForms], candidate: list[PartForms]) -> NameScore:
    """Score a decrypted candidate's name forms against a query's part forms."""
    if not query or not candidate:
        return NameScore(0.0, ())
    bests = [max(part_similarity(q, c) for c in candidate) for q in query]
    matched = tuple(i for i, s in enumerate(bests) if s >= PART_MATCH)
    return NameScore(round(sum(bests) / len(bests), 3), matched)
