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
    ENVELOPE_VERSION,
    decrypt_field,
    encrypt_field,
    envelope_key_id,
    new_data_key,
    unwrap_data_key,
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
    "ENVELOPE_VERSION",
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
    "transliterate",
    "unwrap_data_key",
    "wrap_data_key",
]
