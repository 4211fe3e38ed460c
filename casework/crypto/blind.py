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
from .names import NameScore, name_score, part_forms, query_parts, record_forms
from .normalise import (
    normalise_email,
    normalise_phone,
    normalise_sample_id,
    normalise_text,
)

__all__ = [
    "MAX_BITS",
    "MIN_BITS",
    "BlindIndexer",
    "choose_bits",
    "expected_false_positives",
    "name_matcher",
    "name_ranker",
    "recheck_name",
]

#: Floor on index width (see ``choose_bits``).
MIN_BITS = 8
#: Ceiling so that every token fits a signed 64-bit BIGINT column.
MAX_BITS = 63
_HKDF_INFO = b"casework blind index v1:"

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
    full size. Name fields store several tokens per record (about eight forms per part,
    see ``casework.crypto.names``), so their entry count can be given separately in
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
        """Return the tokens to store for a name: one per form of each part (see
        ``casework.crypto.names``: spellings with and without an article, two
        transliterations, consonant skeletons, Metaphone keys and the skeleton's one-letter
        deletions), and of each particle joined to its part (``al Hassan`` -> ``alhassan``)."""
        return {self.token(field, v) for forms in record_forms(full_name) for v in forms.tagged()}

    def query_name_tokens(self, field: str, query: str, fuzzy: bool = True) -> list[set[int]]:
        """Return one set of alternative tokens per part of a search query (particles are
        optional and not parts of their own).

        A record matches a query part when one of the part's tokens is among the record's
        ``name_tokens``. Matching is approximate (fuzzy keys, and truncated tokens collide by
        design), so every candidate must be decrypted and re-checked (``name_ranker``).

        An empty list means the query has no searchable part; callers must not treat it
        as "match everything".
        """
        return [
            {self.token(field, v) for v in part_forms(p).tagged()} for p in query_parts(query).parts
        ]

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


def name_ranker(query: str) -> Callable[[str], NameScore]:
    """Score decrypted candidates against `query` (its part forms computed once)."""
    query_forms = [part_forms(p) for p in query_parts(query).parts]

    def score(candidate_names: str) -> NameScore:
        return name_score(query_forms, record_forms(candidate_names))

    return score


def name_matcher(query: str) -> Callable[[str], bool]:
    """`recheck_name` with the query's forms computed once, for re-checking many candidates."""
    ranker = name_ranker(query)
    wanted = len(query_parts(query).parts)

    def matches(candidate_names: str) -> bool:
        return wanted > 0 and len(ranker(candidate_names).matched) == wanted

    return matches


def recheck_name(query: str, candidate_names: str) -> bool:
    """Confirm a decrypted candidate: does every query part match some candidate part?

    Two parts match when their similarity (``casework.crypto.names.part_similarity``: the
    best of Jaro-Winkler over their transliterations and a consonant-skeleton score) is at
    least ``PART_MATCH``. Particles are optional; two query parts may match the same
    candidate part. A query without parts matches nothing.
    """
    return name_matcher(query)(candidate_names)
