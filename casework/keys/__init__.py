"""Subject data keys, encrypted model fields and blind-index entries: the bridge between the
pure crypto layer and the database. Domains declare `Encrypted` fields and never touch keys."""

from casework.keys.fields import Encrypted, EncryptedMixin, RecordUnreadable, report_unreadable
from casework.keys.models import BlindIndexEntry, DataKey
from casework.keys.service import (
    DESCRIPTION_TERMS,
    KeyringHolder,
    ShreddedKey,
    create_data_key,
    description_tokens,
    indexer,
    owners_matching,
    plaintext_key,
    set_description_terms,
    set_index,
    shred_data_key,
)

__all__ = [
    "DESCRIPTION_TERMS",
    "description_tokens",
    "set_description_terms",
    "BlindIndexEntry",
    "DataKey",
    "Encrypted",
    "EncryptedMixin",
    "KeyringHolder",
    "RecordUnreadable",
    "ShreddedKey",
    "create_data_key",
    "indexer",
    "owners_matching",
    "plaintext_key",
    "report_unreadable",
    "set_index",
    "shred_data_key",
]
