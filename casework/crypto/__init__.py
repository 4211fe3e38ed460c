"""Pure crypto layer: keyring, field cipher, data-key wrapping, normalisation, blind indexes.

No framework or database code lives here; every key is passed in explicitly.
"""

from .blind import (
    MAX_BITS,
    MIN_BITS,
    BlindIndexer,
    choose_bits,
    expected_false_positives,
    name_matcher,
    recheck_name,
)
from .cipher import (
    BINDING,
    ENVELOPE_VERSION,
    LEGACY_BINDING,
    KeyBinding,
    decrypt_field,
    encrypt_field,
    envelope_key_id,
    new_data_key,
    unwrap_data_key,
    unwrap_with_kek,
    wrap_data_key,
)
from .errors import CryptoError, DecryptionError, KeyringError, UnknownKeyVersion
from .keyring import (
    KEY_BYTES,
    KEY_FILE_FORMAT,
    FileKeyProvider,
    KeyProvider,
    Keyring,
    add_kek_version,
    generate_keyring_file,
    remove_kek_version,
    retire_older_keks,
)
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
    "BINDING",
    "ENVELOPE_VERSION",
    "LEGACY_BINDING",
    "KeyBinding",
    "KEY_BYTES",
    "KEY_FILE_FORMAT",
    "MAX_BITS",
    "MIN_BITS",
    "BlindIndexer",
    "CryptoError",
    "DecryptionError",
    "FileKeyProvider",
    "KeyProvider",
    "Keyring",
    "KeyringError",
    "UnknownKeyVersion",
    "add_kek_version",
    "choose_bits",
    "decrypt_field",
    "encrypt_field",
    "envelope_key_id",
    "expected_false_positives",
    "generate_keyring_file",
    "name_matcher",
    "name_parts",
    "new_data_key",
    "normalise_email",
    "normalise_phone",
    "normalise_sample_id",
    "normalise_text",
    "phonetic",
    "recheck_name",
    "remove_kek_version",
    "retire_older_keks",
    "transliterate",
    "unwrap_data_key",
    "unwrap_with_kek",
    "wrap_data_key",
]
