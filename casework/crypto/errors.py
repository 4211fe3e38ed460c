"""Exceptions raised by the crypto layer.

Messages never carry plaintext or key material, so they are safe to log and to show.
"""

from __future__ import annotations

__all__ = ["CryptoError", "DecryptionError", "KeyringError", "UnknownKeyVersion"]


class CryptoError(Exception):
    """Base class for every error raised by ``casework.crypto``."""


class DecryptionError(CryptoError):
    """A ciphertext or wrapped key could not be opened.

    Raised for a wrong key, a tampered or truncated envelope, an unknown envelope format or
    associated data that does not match (a ciphertext moved to another row or column). The
    causes are deliberately not distinguished further: telling an attacker *which* check
    failed helps them.
    """


class KeyringError(CryptoError):
    """The keyring is missing, unreadable or invalid.

    The message is a single line naming the problem and, when there is one, the key file.
    """


class UnknownKeyVersion(KeyringError):
    """A key-encryption-key version was asked for that the keyring does not hold."""
