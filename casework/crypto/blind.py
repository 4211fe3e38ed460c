"""Blind indexes: truncated HMAC tokens of normalised values, searchable without decrypting.

Owns the index-size rule, per-field key derivation, name tokenisation and the re-check.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Mapping
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keyring import KEY_BYTES
from .normalise import (
    name_parts,
    normalise_email,
    normalise_phone,
    normalise_sample_id,
    normalise_text,
    phonetic,
    transliterate,
)

__all__ = [
    "MAX_BITS",
    "MIN_BITS",
    "BlindIndexer",
    "choose_bits",
    "expected_false_positives",
    "recheck_name",
]

#: Floor on index width (see ``choose_bits``).
MIN_BITS = 8
#: Ceiling so that every token fits a signed 64-bit BIGINT column.
MAX_BITS = 63
_HKDF_INFO = b"casework blind index v1:"
# Name tokens are tagged before hashing so exact spellings and phonetic keys live in
# separate value spaces: the exact part "hsn" must not match the phonetic key HSN.
_EXACT = "x:"
_PHONETIC = "p:"

ValueKind = Literal["text", "email", "phone", "sample_id"]


def choose_bits(planned_rows: int) -> int:
    """Return the index width in bits for an index expected to hold ``planned_rows`` entries.

    CipherSweet's rule: pick ``b`` with ``2 <= planned_rows / 2**b < sqrt(planned_rows)``,
    i.e. every token value is expected to be shared by at least two rows (so a token
    does not single out a record) but by fewer than sqrt(rows) (so the index still
    narrows a search). Of the ``b`` that satisfy it, the largest (most selective) is taken;
    that is ``floor(log2(planned_rows / 2))`` whenever it also exceeds ``log2(sqrt(rows))``.

    Below about 512 planned rows the rule only allows fewer than ``MIN_BITS`` (8) bits, an
    index so coarse that it stops being useful as the instance grows - and the width can
    not change later without re-indexing. Such tiny plans are clamped to 8 bits; the
    (already small) instance then has fewer than two expected matches per value. Plan for
    the size the instance will reach, not the size it starts at. ``planned_rows < 1``
    raises ``ValueError``.
    """
    if isinstance(planned_rows, bool) or not isinstance(planned_rows, int) or planned_rows < 1:
        raise ValueError("planned_rows must be a positive integer")
    root = math.sqrt(planned_rows)
    # Largest b with 2**(b+1) <= rows, computed on integers to avoid float rounding.
    bits = (planned_rows // 2).bit_length() - 1
    while bits >= MIN_BITS:
        per_value = planned_rows / 2**bits
        if 2 <= per_value < root:
            return min(bits, MAX_BITS)
        bits -= 1
    return MIN_BITS


def expected_false_positives(bits: int, rows: int) -> float:
    """Expected number of rows that share a given token by coincidence: ``rows / 2**bits``.

    This is the number of extra candidates one single-token lookup has to decrypt and
    re-check (for a value that is in the index, add its true matches).
    """
    if bits < 0 or rows < 0:
        raise ValueError("bits and rows must be non-negative")
    return rows / 2**bits


class BlindIndexer:
    """Computes blind-index tokens for one instance.

    Each field gets its own HMAC key, derived from the instance's index key with
    HKDF-SHA256 (``info = b"casework blind index v1:" + field``), so equal values in two
    fields give unrelated tokens and a token table for one field says nothing about
    another. Derived keys are cached per instance (never module-wide).

    ``planned_rows`` is the expected number of index entries per field at the instance's
    full size. Name fields store several tokens per record (exact, transliterated and
    phonetic per part), so their entry count can be given separately in
    ``planned_rows_by_field``. Changing a field's planned size changes its width and
    requires re-indexing that field.
    """

    def __init__(
        self,
        index_key: bytes,
        planned_rows: int = 1_000_000,
        *,
        planned_rows_by_field: Mapping[str, int] | None = None,
    ) -> None:
        if not isinstance(index_key, bytes) or len(index_key) != KEY_BYTES:
            raise ValueError(f"index key must be {KEY_BYTES} bytes")
        self._index_key = index_key
        self._default_bits = choose_bits(planned_rows)
        self._bits = {f: choose_bits(n) for f, n in (planned_rows_by_field or {}).items()}
        self._field_keys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return f"BlindIndexer(bits={self._default_bits})"  # never the key

    def bits_for(self, field: str) -> int:
        """Return the token width used for ``field``."""
        return self._bits.get(field, self._default_bits)

    def token(self, field: str, normalised_value: str) -> int:
        """Return the token of an already-normalised value: truncated HMAC-SHA256.

        The top ``bits_for(field)`` bits of the MAC, as a non-negative int that fits a
        signed BIGINT. Deterministic for a given key, field and value.
        """
        if not isinstance(normalised_value, str) or not normalised_value:
            # An empty value would put every blank row under one token.
            raise ValueError("cannot index an empty value")
        mac = hmac.new(self._field_key(field), normalised_value.encode("utf-8"), hashlib.sha256)
        return int.from_bytes(mac.digest()[:8], "big") >> (64 - self.bits_for(field))

    def value_token(
        self,
        field: str,
        value: str,
        kind: ValueKind,
        region_hint: str | None = None,
    ) -> int:
        """Normalise ``value`` as ``kind`` and return its token.

        ``phone`` raises ``ValueError`` for an invalid number; any kind raises it when the
        value normalises to nothing.
        """
        if kind == "text":
            normalised = normalise_text(value)
        elif kind == "email":
            normalised = normalise_email(value)
        elif kind == "phone":
            normalised = normalise_phone(value, region_hint)
        elif kind == "sample_id":
            normalised = normalise_sample_id(value)
        else:
            raise ValueError(f"unknown value kind {kind!r}")
        return self.token(field, normalised)

    def name_tokens(self, field: str, full_name: str) -> set[int]:
        """Return the tokens to store for a name.

        For each part: the exact normalised part (tag ``x:``), its Latin transliteration
        when that differs (also ``x:``, so "mhmd" written in Latin finds محمد), and its
        phonetic key (tag ``p:``). Mohamed and Muhammad share their ``p:`` token; محمد and
        Mohamed share theirs through the transliteration.
        """
        tokens: set[int] = set()
        for alternatives in self.query_name_tokens(field, full_name):
            tokens |= alternatives
        return tokens

    def query_name_tokens(self, field: str, query: str) -> list[set[int]]:
        """Return one set of alternative tokens per part of a search query.

        A record matches when, for every set, at least one of its tokens is among the
        record's ``name_tokens``: every query part must match some part of the name, by
        exact spelling, transliteration or phonetic key; extra parts in the record are
        ignored. Matching is approximate (truncated tokens collide by design), so every
        candidate must be decrypted and confirmed with ``recheck_name``.

        An empty list means the query has no searchable part; callers must not treat it
        as "match everything".
        """
        result: list[set[int]] = []
        for part in name_parts(query):
            alternatives = {self.token(field, _EXACT + part)}
            latin = transliterate(part)
            if latin and latin != part:
                alternatives.add(self.token(field, _EXACT + latin))
            key = phonetic(part)
            if key:
                alternatives.add(self.token(field, _PHONETIC + key))
            result.append(alternatives)
        return result

    def _field_key(self, field: str) -> bytes:
        key = self._field_keys.get(field)
        if key is None:
            if not isinstance(field, str) or not field:
                raise ValueError("field must be a non-empty string")
            key = HKDF(
                algorithm=hashes.SHA256(),
                length=KEY_BYTES,
                salt=None,
                info=_HKDF_INFO + field.encode("utf-8"),
            ).derive(self._index_key)
            self._field_keys[field] = key
        return key


def name_matcher(query: str) -> Callable[[str], bool]:
    """`recheck_name` with the query's forms computed once, for re-checking many candidates."""
    query_parts = [_forms(p) for p in name_parts(query)]

    def matches(candidate_names: str) -> bool:
        if not query_parts:
            return False
        candidate_parts = [_forms(p) for p in name_parts(candidate_names)]
        return all(any(_same(q, c) for c in candidate_parts) for q in query_parts)

    return matches


def recheck_name(query: str, candidate_names: str) -> bool:
    """Confirm a decrypted candidate: does every query part match some candidate part?

    Two parts match when their normalised forms, their transliterations or their phonetic
    keys are equal - the same relation the index approximates, minus the coincidental
    collisions of truncated tokens. Parts are matched independently (two query parts may
    match the same candidate part). A query without parts matches nothing.
    """
    query_parts = [_forms(p) for p in name_parts(query)]
    candidate_parts = [_forms(p) for p in name_parts(candidate_names)]
    if not query_parts:
        return False
    return all(any(_same(q, c) for c in candidate_parts) for q in query_parts)


def _forms(part: str) -> tuple[str, str, str]:
    return part, transliterate(part), phonetic(part)


def _same(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    exact_a, latin_a, key_a = a
    exact_b, latin_b, key_b = b
    # Mirrors the index: exact and transliterated spellings share the "x:" space.
    spellings_b = (exact_b, latin_b)
    return exact_a in spellings_b or latin_a in spellings_b or (bool(key_a) and key_a == key_b)
