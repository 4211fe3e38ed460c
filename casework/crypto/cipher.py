"""Field encryption (AES-256-GCM in a versioned envelope) and data-key wrapping under KEKs.

Owns the byte layout of stored ciphertexts and wrapped data keys; holds no keys itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError
from .keyring import KEY_BYTES, Keyring

__all__ = [
    "BINDING",
    "ENVELOPE_VERSION",
    "LEGACY_BINDING",
    "KeyBinding",
    "decrypt_field",
    "encrypt_field",
    "envelope_key_id",
    "new_data_key",
    "unwrap_data_key",
    "unwrap_with_kek",
    "wrap_data_key",
]

#: First byte of every field envelope written by this module.
ENVELOPE_VERSION = 0x01
NONCE_BYTES = 12  # 96-bit GCM nonce: the size GCM is designed and analysed for
TAG_BYTES = 16
_MAX_KEY_ID = 255  # the key-id length is stored in one byte

# Wrapped data keys are nonce || ciphertext || tag of a 32-byte key.
_WRAPPED_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES


def new_data_key() -> bytes:
    """Return a fresh random 32-byte data key (DEK) for one data subject."""
    return secrets.token_bytes(KEY_BYTES)


#: How a wrapped data key's associated data is built. 1: the subject id only (keys wrapped
#: before migration 0008, re-wrapped by ``keys rotate``); 2: subject id, subject kind and owning
#: organisation, each length-prefixed (every key wrapped since).
LEGACY_BINDING = 1
BINDING = 2


@dataclass(frozen=True)
class KeyBinding:
    """What a wrapped data key is bound to: its subject, the subject's kind (``case``,
    ``relative``, ``remains``) and the organisation that owns it (``None``: no owner).

    Under ``BINDING`` all three are in the AES-GCM associated data, so a wrapped key whose row
    is moved to another organisation, relabelled as another kind or copied onto another subject
    does not unwrap. ``binding=LEGACY_BINDING`` reads keys wrapped before the organisation was
    bound (subject id only); they are re-wrapped under ``BINDING`` by the next rotation.
    """

    subject_id: str
    subject_kind: str = ""
    organisation_id: str | None = None
    binding: int = BINDING

    def aad(self) -> bytes:
        if not isinstance(self.subject_id, str) or not self.subject_id:
            raise ValueError("subject_id must be a non-empty string")
        if self.binding == LEGACY_BINDING:
            return b"dek:" + self.subject_id.encode("utf-8")
        if self.binding != BINDING:
            raise ValueError(f"unknown data-key binding {self.binding!r}")
        if not isinstance(self.subject_kind, str) or not self.subject_kind:
            raise ValueError("subject_kind must be a non-empty string")
        # Length-prefixed parts: no two different tuples give the same bytes. The prefix differs
        # from the legacy one, so a bound key never opens as a legacy one or the reverse.
        parts = (self.subject_id, self.subject_kind, self.organisation_id or "")
        out = b"dek2"
        for part in parts:
            raw = part.encode("utf-8")
            out += len(raw).to_bytes(2, "big") + raw
        return out


def _binding_of(subject: str | KeyBinding) -> KeyBinding:
    # A bare string is the legacy form (subject id only), kept for keys wrapped before 0008.
    if isinstance(subject, KeyBinding):
        return subject
    return KeyBinding(subject, binding=LEGACY_BINDING)


def wrap_data_key(keyring: Keyring, dek: bytes, subject: str | KeyBinding) -> tuple[int, bytes]:
    """Encrypt ``dek`` under the current KEK; return ``(kek_version, nonce + ciphertext + tag)``.

    ``subject`` is a ``KeyBinding`` (subject id, kind and owning organisation in the associated
    data) or, for the legacy form, the subject id alone (``b"dek:" + subject_id``).
    """
    _check_key(dek, "data key")
    version, kek = keyring.current_kek()
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, dek, _binding_of(subject).aad())
    return version, nonce + wrapped


def unwrap_data_key(
    keyring: Keyring, kek_version: int, wrapped: bytes, subject: str | KeyBinding
) -> bytes:
    """Open a data key wrapped by ``wrap_data_key`` with the same binding.

    Raises ``UnknownKeyVersion`` when ``kek_version`` is not in the keyring (e.g. retired)
    and ``DecryptionError`` when the wrapped key is damaged, was wrapped for another subject,
    kind or organisation, or the KEK is wrong.
    """
    kek = keyring.kek(kek_version)
    return unwrap_with_kek(kek, wrapped, subject)


def unwrap_with_kek(kek: bytes, wrapped: bytes, subject: str | KeyBinding) -> bytes:
    """Open a wrapped data key with one given KEK (``DecryptionError`` if it does not open)."""
    _check_key(kek, "key-encryption key")
    wrapped = bytes(wrapped)
    if len(wrapped) != _WRAPPED_BYTES:
        raise DecryptionError("wrapped data key has the wrong length")
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        dek = AESGCM(kek).decrypt(nonce, body, _binding_of(subject).aad())
    except InvalidTag:
        raise DecryptionError("data key could not be unwrapped") from None
    return dek


def encrypt_field(dek: bytes, key_id: str, plaintext: bytes, aad: str) -> bytes:
    """Encrypt one field value under ``dek``; return the versioned envelope.

    Envelope layout (all stored, nothing implied)::

        0x01 | len(key_id) (1 byte) | key_id (ASCII) | nonce (12 bytes) | ciphertext + tag

    ``key_id`` names the data key (e.g. its 32-hex-char id) so the reader knows which DEK
    to fetch. ``aad`` binds the ciphertext to its place, e.g. ``"cases.given_names:<uuid>"``.
    The GCM associated data is the envelope header (version, key-id length, key id)
    followed by the UTF-8 ``aad``; the header is length-prefixed so the concatenation is
    unambiguous. Hence moving an envelope to another row or column, relabelling its key
    id, or changing any byte makes ``decrypt_field`` fail.

    The nonce is 96 random bits per call. Random nonces are safe up to about 2**32
    encryptions under one key, far above what one subject's DEK will ever see.
    """
    _check_key(dek, "data key")
    if not isinstance(plaintext, bytes):
        raise TypeError("plaintext must be bytes")
    header = _header(key_id)
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(dek).encrypt(nonce, plaintext, header + _encode_aad(aad))
    return header + nonce + body


def decrypt_field(dek: bytes, envelope: bytes, aad: str) -> bytes:
    """Decrypt an envelope written by ``encrypt_field`` with the same ``aad``.

    Raises ``DecryptionError`` for an unknown format version, a truncated envelope, a
    wrong key, a mismatching ``aad`` or any modified byte. A ``dek`` that is not 32 bytes
    is a programming error and raises ``ValueError``.
    """
    _check_key(dek, "data key")
    header, nonce, body = _split(envelope)
    try:
        return AESGCM(dek).decrypt(nonce, body, header + _encode_aad(aad))
    except InvalidTag:
        raise DecryptionError("field could not be decrypted") from None


def envelope_key_id(envelope: bytes) -> str:
    """Return the key id stored in an envelope without decrypting it.

    The id is not authenticated until ``decrypt_field`` succeeds (it is part of the
    associated data), so it is only a hint about which key to try.
    """
    header, _, _ = _split(envelope)
    return header[2:].decode("ascii")


# --- internals ---------------------------------------------------------------------------


def _check_key(key: bytes, what: str) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"{what} must be {KEY_BYTES} bytes")


def _encode_aad(aad: str) -> bytes:
    if not isinstance(aad, str) or not aad:
        # An empty aad would bind the ciphertext to nothing, silently losing the
        # row/column protection.
        raise ValueError("aad must be a non-empty string")
    return aad.encode("utf-8")


def _header(key_id: str) -> bytes:
    if (
        not isinstance(key_id, str)
        or not key_id
        or not key_id.isascii()
        or not key_id.isprintable()
        or len(key_id) > _MAX_KEY_ID
    ):
        raise ValueError(f"key_id must be 1 to {_MAX_KEY_ID} printable ASCII characters")
    return bytes((ENVELOPE_VERSION, len(key_id))) + key_id.encode("ascii")


def _split(envelope: bytes) -> tuple[bytes, bytes, bytes]:
    # Returns (header, nonce, ciphertext+tag) after structural checks only.
    if not isinstance(envelope, bytes | bytearray | memoryview):
        raise DecryptionError("envelope is not bytes")
    data = bytes(envelope)
    if len(data) < 2:
        raise DecryptionError("envelope is truncated")
    if data[0] != ENVELOPE_VERSION:
        raise DecryptionError("envelope format version is not supported")
    key_len = data[1]
    header_end = 2 + key_len
    if key_len == 0 or len(data) < header_end + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("envelope is truncated")
    header = data[:header_end]
    try:
        key_id = header[2:].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("envelope key id is not ASCII") from None
    if not key_id.isprintable():
        raise DecryptionError("envelope key id is not printable")
    nonce = data[header_end : header_end + NONCE_BYTES]
    return header, nonce, data[header_end + NONCE_BYTES :]
