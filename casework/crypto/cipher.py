"""Field encryption (AES-256-GCM in a versioned envelope) and data-key wrapping under KEKs.

Owns the byte layout of stored ciphertexts and wrapped data keys; holds no keys itself.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError
from .keyring import KEY_BYTES, Keyring

__all__ = [
    "ENVELOPE_VERSION",
    "decrypt_field",
    "encrypt_field",
    "envelope_key_id",
    "new_data_key",
    "unwrap_data_key",
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


def wrap_data_key(keyring: Keyring, dek: bytes, subject_id: str) -> tuple[int, bytes]:
    """Encrypt ``dek`` under the current KEK; return ``(kek_version, nonce + ciphertext + tag)``.

    The associated data ``b"dek:" + subject_id`` binds the wrapped key to its subject, so a
    wrapped key copied onto another subject's row does not unwrap.
    """
    _check_key(dek, "data key")
    version, kek = keyring.current_kek()
    nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(kek).encrypt(nonce, dek, _dek_aad(subject_id))
    return version, nonce + wrapped


def unwrap_data_key(keyring: Keyring, kek_version: int, wrapped: bytes, subject_id: str) -> bytes:
    """Open a data key wrapped by ``wrap_data_key``.

    Raises ``UnknownKeyVersion`` when ``kek_version`` is not in the keyring (e.g. retired
    too early) and ``DecryptionError`` when the wrapped key is damaged, was wrapped for
    another subject, or the KEK is wrong.
    """
    kek = keyring.kek(kek_version)
    wrapped = bytes(wrapped)
    if len(wrapped) != _WRAPPED_BYTES:
        raise DecryptionError("wrapped data key has the wrong length")
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        dek = AESGCM(kek).decrypt(nonce, body, _dek_aad(subject_id))
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


def _dek_aad(subject_id: str) -> bytes:
    if not isinstance(subject_id, str) or not subject_id:
        raise ValueError("subject_id must be a non-empty string")
    return b"dek:" + subject_id.encode("utf-8")


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
