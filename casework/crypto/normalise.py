"""Normalisation of values before blind indexing: text, names, phonetic keys, phones, e-mails.

Indexing and searching must normalise identically, so every rule lives here and only here.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from anyascii import anyascii

__all__ = [
    "name_parts",
    "normalise_email",
    "normalise_phone",
    "normalise_sample_id",
    "normalise_text",
    "phonetic",
    "transliterate",
]

# Apostrophes (incl. the modifier letters used for hamza/ayin and the soft sign in
# romanisations) and full stops vanish inside a name: O'Brien -> obrien, J.R. -> jr.
_DROPPED = frozenset("'\u2019\u2018\u02bc\u02bb\u02b9\u02be\u02bf`\u00b4.")
# Transliterators write ayin (and Hebrew alef) as a leading apostrophe or backtick
# (عمر -> `mr), and a word-initial Arabic alef - hamza and madda are nonspacing marks that
# normalise_text already removed - transliterates to nothing (أحمد -> hmd). Latin
# spellings write that onset as a vowel (Ahmed, Omar, Ibrahim), so both become "a",
# i.e. "starts with a vowel", instead of disappearing.
_INITIAL_ALEF = re.compile(r"(?:^|(?<= ))[\u0627\u0671]")
_LEADING_GLOTTAL = re.compile(r"(?:^|(?<= ))['`\u2019\u2018\u02bc\u02bb\u02be\u02bf]+")


def normalise_text(s: str) -> str:
    """Normalise free text or a name for exact comparison.

    Steps: Unicode NFKC (full-width and compatibility forms fold); casefold; strip accents
    (NFD, drop nonspacing marks - this also drops Arabic harakat and Hebrew niqqud - then
    NFC so Hangul and similar recompose); drop format characters (bidi marks, zero-width
    joiners); drop apostrophes and full stops; turn hyphens and all other punctuation and
    symbols into spaces; fold whitespace runs to one space; strip.
    """
    text = unicodedata.normalize("NFKC", s).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    for c in text:
        if c in _DROPPED:
            continue
        cat = unicodedata.category(c)
        if cat == "Cf":
            continue
        # Hyphens (Pd) separate name parts: Abu-Bakr -> "abu bakr".
        out.append(" " if cat[0] in "PSZC" else c)
    return " ".join("".join(out).split())


def name_parts(s: str) -> list[str]:
    """Split a name into normalised parts (any script kept, empty parts dropped)."""
    return normalise_text(s).split()


def transliterate(part: str) -> str:
    """Return a Latin (ASCII) spelling of one name part.

    A part that is already ASCII after ``normalise_text`` is returned unchanged (normalised).
    Anything else - Arabic, Cyrillic, Greek, Ge'ez, Hebrew, but also Latin letters without
    an ASCII decomposition such as ł, ø or ı - goes through ``anyascii`` and is normalised
    again. A word-initial Arabic alef or ayin becomes "a" (see ``_INITIAL_ALEF``). The
    result is a single part: spaces that a transliterator inserts are removed.
    """
    norm = normalise_text(part)
    if norm.isascii():
        return norm
    latin = _LEADING_GLOTTAL.sub("a", anyascii(_INITIAL_ALEF.sub("a", norm)))
    return normalise_text(latin).replace(" ", "")


# Phonetic folding, applied in order on a lowercase ASCII string. Outputs are upper-case
# symbols so that later rules never re-read them.
_PHONETIC_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"x", "ks"),  # Alexandre / Aleksandr
        (r"sch|tsch|tch|sh|ch", "X"),  # Schulz/Shulz, Aisha, Chadi/Shadi, Ш, Ч
        (r"dzh|dj|zh|j", "J"),  # Dzhamal/Djamal/Jamal, Ж
        (r"kh", "H"),  # Khaled/Haled, Мухаммед (Mukhammed) / Muhammad
        (r"ph", "F"),  # Joseph/Josef
        (r"th", "T"),  # Mathieu/Matieu
        (r"dh", "D"),
        (r"gh", "G"),
        (r"ck|q", "K"),  # Qasim/Kasim
        (r"c(?=[eiy])", "S"),  # soft c: Cesar/Sesar
        (r"c", "K"),  # hard c: Carlos/Karlos
    )
)
# Consonant classes: voiced/unvoiced pairs and spelling alternants share a symbol, so
# Mehmet/Mohamed, Gonzalez/Gonzales and Abdel/Abdul-style variation collide. m and n stay
# apart (unlike Soundex) because they distinguish many short names (Hamid/Hanid).
_CLASSES = str.maketrans(
    {
        "b": "P", "p": "P",
        "d": "T", "t": "T", "T": "T", "D": "T",
        "g": "K", "k": "K", "K": "K", "G": "K",
        "f": "F", "v": "F", "F": "F",
        "s": "S", "z": "S", "S": "S",
        "j": "J", "J": "J",
        "X": "X", "H": "H", "h": "H",
        "l": "L", "r": "R", "m": "M", "n": "N",
    }
)  # fmt: skip
_VOWELS = frozenset("aeiou")
_VOWEL_INITIAL = "A"


def phonetic(part: str) -> str:
    """Return a phonetic key for one name part ("" when it has no letters).

    Non-Latin parts are transliterated first, so ``phonetic("محمد") == phonetic("Mohamed")``.
    The key is a consonant skeleton, built in this order on the lowercase ASCII spelling:

    1. keep letters only;
    2. fold digraphs and spelling alternants (x->ks; sch/tch/sh/ch->X; dzh/dj/zh/j->J;
       kh->h; ph->f; th->t; dh->d; gh->g; ck/q->k; c->s before e/i/y, else k);
    3. collapse doubled letters (Mohammed -> Mohamed, Youssef -> Yousef);
    4. drop a word-final "h" (Fatimah/Fatima, Arabic ta marbuta "ftmh");
    5. note whether the part starts with a vowel (a e i o u) and emit "A" first if so -
       this keeps Ahmed (AHMT) apart from Hamid (HMT) while أحمد, transliterated with a
       leading hamza as "ahmd", still gives AHMT;
    6. drop every other vowel, and y/w except in first position (Arabic long vowels ي/و
       transliterate as y/w: يوسف -> "ywsf" must equal Yusuf);
    7. map consonants to classes: b,p->P; d,t->T; g,k,q,c->K; f,v->F; s,z->S; j->J;
       sh-class->X; h->H; l, r, m, n kept; and collapse runs of the same class.

    Results: Mohamed, Muhammad, Mohammed, Muhammed, Mohammad, Mehmet, محمد, Мухаммед -> MHMT;
    Yusuf, Youssef, Yousef, Юсуф, يوسف -> YSF; Ahmed -> AHMT; Hassan -> HSN;
    Fatima -> FTM; Gonzalez -> KNSLS. It is deliberately coarse (Maria and Mario collide);
    the index narrows and the post-decryption re-check decides.
    """
    latin = "".join(c for c in transliterate(part) if "a" <= c <= "z")
    if not latin:
        return ""
    for pattern, replacement in _PHONETIC_RULES:
        latin = pattern.sub(replacement, latin)
    latin = _collapse(latin)
    if len(latin) > 1 and latin.endswith("h"):
        latin = latin[:-1]
    key = [_VOWEL_INITIAL] if latin[0] in _VOWELS else []
    for i, c in enumerate(latin):
        if c in _VOWELS or (i > 0 and c in "yw"):
            continue
        key.append(c.upper() if c in "yw" else c.translate(_CLASSES))
    return _collapse("".join(key))


def _collapse(s: str) -> str:
    # Collapses runs of the same character: "mm" -> "m", "SS" -> "S".
    return re.sub(r"(.)\1+", r"\1", s)


def normalise_phone(raw: str, region_hint: str | None = None) -> str:
    """Return the number in E.164 form (``+50371234567``) or raise ``ValueError``.

    A leading international "00" is read as "+" (libphonenumber only understands "00"
    relative to a known region). Without "+"/"00" the number is read as national for
    ``region_hint`` (ISO 3166 alpha-2, e.g. "SV"). The error message never contains the
    number: it is personal data and errors end up in logs.
    """
    if not isinstance(raw, str):
        raise ValueError("phone number must be a string")
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    region = region_hint.strip().upper() if region_hint else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError("phone number could not be parsed") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("phone number is not valid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Return the e-mail address stripped and casefolded (no validation)."""
    return unicodedata.normalize("NFKC", raw).strip().casefold()


def normalise_sample_id(raw: str) -> str:
    """Return a sample ID upper-cased with everything but letters and digits removed.

    ``"ab-123 / x"`` -> ``"AB123X"``. NFKC first, so full-width characters fold.
    """
    return "".join(c for c in unicodedata.normalize("NFKC", raw).upper() if c.isalnum())
