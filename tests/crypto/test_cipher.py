"""Field cipher and data-key wrapping: round trips, binding to place, tamper detection."""

import pytest

from casework.crypto import (
    DecryptionError,
    Keyring,
    UnknownKeyVersion,
    decrypt_field,
    encrypt_field,
    envelope_key_id,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)

KEY_ID = "0123456789abcdef0123456789abcdef"
AAD = "cases.given_names:7b0e5c1e-8d53-4c57-9a43-8e2f7f8a9c10"


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(
        keks={1: b"\x01" * 32, 2: b"\x02" * 32}, current_kek_version=2, index_key=b"\x09" * 32
    )


def test_new_data_key_is_random_32_bytes():
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 32 for k in keys)


def test_wrap_unwrap_round_trip(keyring):
    dek = new_data_key()
    version, wrapped = wrap_data_key(keyring, dek, "case:42")
    assert version == 2
    assert dek not in wrapped
    assert unwrap_data_key(keyring, version, wrapped, "case:42") == dek


def test_unwrap_with_wrong_subject_fails(keyring):
    version, wrapped = wrap_data_key(keyring, new_data_key(), "case:42")
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, version, wrapped, "case:43")


def test_unwrap_with_wrong_version_or_tampering_fails(keyring):
    dek = new_data_key()
    version, wrapped = wrap_data_key(keyring, dek, "relative:7")
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, 1, wrapped, "relative:7")
    with pytest.raises(UnknownKeyVersion):
        unwrap_data_key(keyring, 3, wrapped, "relative:7")
    for i in range(len(wrapped)):
        bad = bytearray(wrapped)
        bad[i] ^= 0x01
        with pytest.raises(DecryptionError):
            unwrap_data_key(keyring, version, bytes(bad), "relative:7")
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, version, wrapped[:-1], "relative:7")


def test_old_kek_still_unwraps_after_rotation(keyring):
    dek = new_data_key()
    version, wrapped = wrap_data_key(keyring, dek, "case:1")
    keks = {**keyring.keks, 3: b"\x03" * 32}
    rotated = Keyring(keks=keks, current_kek_version=3, index_key=keyring.index_key)
    assert unwrap_data_key(rotated, version, wrapped, "case:1") == dek
    new_version, rewrapped = wrap_data_key(rotated, dek, "case:1")
    assert new_version == 3
    assert unwrap_data_key(rotated, new_version, rewrapped, "case:1") == dek


@pytest.mark.parametrize("plaintext", [b"", b"Maria", "Ñandú محمد".encode(), bytes(range(256))])
def test_field_round_trip(plaintext):
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, plaintext, AAD)
    assert decrypt_field(dek, envelope, AAD) == plaintext
    assert envelope_key_id(envelope) == KEY_ID
    assert envelope[0] == 0x01 and envelope[1] == len(KEY_ID)
    assert len(envelope) == 2 + len(KEY_ID) + 12 + len(plaintext) + 16


def test_field_moved_to_other_row_or_column_fails():
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, b"Maria", AAD)
    other_row = "cases.given_names:00000000-0000-0000-0000-000000000000"
    other_column = AAD.replace("given_names", "family_names")
    for aad in (other_row, other_column, AAD + " ", AAD.upper()):
        with pytest.raises(DecryptionError):
            decrypt_field(dek, envelope, aad)


def test_wrong_key_fails():
    envelope = encrypt_field(new_data_key(), KEY_ID, b"Maria", AAD)
    with pytest.raises(DecryptionError):
        decrypt_field(new_data_key(), envelope, AAD)


def test_flipping_any_byte_fails():
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, b"Ana", AAD)
    for i in range(len(envelope)):
        for mask in (0x01, 0x80, 0xFF):
            bad = bytearray(envelope)
            bad[i] ^= mask
            with pytest.raises(DecryptionError):
                decrypt_field(dek, bytes(bad), AAD)


def test_relabelled_key_id_fails():
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, b"Ana", AAD)
    other = "f" * len(KEY_ID)
    relabelled = envelope[:2] + other.encode() + envelope[2 + len(KEY_ID) :]
    assert envelope_key_id(relabelled) == other
    with pytest.raises(DecryptionError):
        decrypt_field(dek, relabelled, AAD)


def test_truncated_and_unknown_version_envelopes_fail():
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, b"Ana", AAD)
    for n in range(len(envelope)):
        with pytest.raises(DecryptionError):
            decrypt_field(dek, envelope[:n], AAD)
    with pytest.raises(DecryptionError, match="version"):
        decrypt_field(dek, b"\x02" + envelope[1:], AAD)
    with pytest.raises(DecryptionError):
        envelope_key_id(b"\x02" + envelope[1:])
    with pytest.raises(DecryptionError):
        envelope_key_id(envelope[:10])


def test_error_messages_hold_no_plaintext_or_key():
    dek = new_data_key()
    envelope = encrypt_field(dek, KEY_ID, b"Secret Name", AAD)
    with pytest.raises(DecryptionError) as info:
        decrypt_field(dek, envelope, "cases.given_names:other")
    message = str(info.value)
    assert "Secret" not in message and dek.hex() not in message and repr(dek) not in message


def test_ten_thousand_encryptions_use_distinct_nonces():
    dek = new_data_key()
    start = 2 + len(KEY_ID)
    envelopes = [encrypt_field(dek, KEY_ID, b"Maria", AAD) for _ in range(10_000)]
    assert len({e[start : start + 12] for e in envelopes}) == 10_000
    assert len(set(envelopes)) == 10_000


def test_invalid_arguments_are_rejected():
    dek = new_data_key()
    with pytest.raises(ValueError):
        encrypt_field(dek[:16], KEY_ID, b"x", AAD)
    with pytest.raises(ValueError):
        encrypt_field(dek, "", b"x", AAD)
    with pytest.raises(ValueError):
        encrypt_field(dek, "ключ", b"x", AAD)
    with pytest.raises(ValueError):
        encrypt_field(dek, "k" * 256, b"x", AAD)
    with pytest.raises(ValueError):
        encrypt_field(dek, KEY_ID, b"x", "")
    with pytest.raises(TypeError):
        encrypt_field(dek, KEY_ID, "text", AAD)  # type: ignore[arg-type]
