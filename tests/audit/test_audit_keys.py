"""The audit keys in the key file: a new key file holds an audit HMAC key and the instance's
Ed25519 signing key; an older key file gets them added on load, keeping every other key; a
KEK rotation or removal keeps them."""

from __future__ import annotations

import base64
import json
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.crypto import (
    FileKeyProvider,
    Keyring,
    KeyringError,
    add_kek_version,
    generate_keyring_file,
    remove_kek_version,
)


def _b64(fill: int) -> str:
    return base64.b64encode(bytes([fill]) * 32).decode()


def _old_doc() -> dict:
    """A key file as written before the audit keys existed."""
    return {
        "format": 1,
        "current_kek": 1,
        "keks": {"1": _b64(1)},
        "index_key": _b64(9),
        "org_signing_keys": {"org": "c2lnbg=="},
    }


def test_a_new_key_file_holds_both_audit_keys(tmp_path):
    path = tmp_path / "keyring.json"
    made = generate_keyring_file(path)
    loaded = FileKeyProvider(path).load()
    assert loaded.audit_key == made.audit_key and len(loaded.audit_key) == 32
    assert loaded.instance_signing_key == made.instance_signing_key
    # The signing key is a usable Ed25519 private key.
    private = Ed25519PrivateKey.from_private_bytes(loaded.instance_signing_key)
    private.public_key().verify(private.sign(b"head"), b"head")
    assert loaded.audit_key not in (*loaded.keks.values(), loaded.index_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = repr(loaded)
    assert loaded.audit_key.hex() not in shown and str(loaded.audit_key) not in shown


def test_an_old_key_file_gets_the_audit_keys_added_on_load(tmp_path):
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(_old_doc()))
    path.chmod(0o600)
    first = FileKeyProvider(path).load()
    assert first.audit_key is not None and first.instance_signing_key is not None
    doc = json.loads(path.read_text())
    old = _old_doc()
    # Every key that was there is kept as it was.
    for name in ("format", "current_kek", "keks", "index_key", "org_signing_keys"):
        assert doc[name] == old[name]
    assert base64.b64decode(doc["audit_key"]) == first.audit_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Loaded again: the same keys (added once, not regenerated).
    again = FileKeyProvider(path).load()
    assert again.audit_key == first.audit_key
    assert again.instance_signing_key == first.instance_signing_key


def test_a_file_with_one_of_them_keeps_it_and_gets_the_other(tmp_path):
    path = tmp_path / "keyring.json"
    doc = _old_doc() | {"audit_key": _b64(7)}
    path.write_text(json.dumps(doc))
    loaded = FileKeyProvider(path).load()
    assert loaded.audit_key == bytes([7]) * 32
    assert loaded.instance_signing_key is not None


def test_rotation_and_kek_removal_keep_the_audit_keys(tmp_path):
    path = tmp_path / "keyring.json"
    made = generate_keyring_file(path)
    add_kek_version(path)
    remove_kek_version(path, 1)
    loaded = FileKeyProvider(path).load()
    assert list(loaded.keks) == [2]
    assert loaded.audit_key == made.audit_key
    assert loaded.instance_signing_key == made.instance_signing_key


@pytest.mark.parametrize("name", ["audit_key", "instance_signing_key"])
def test_a_malformed_audit_key_is_refused_in_one_line(tmp_path, name):
    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(_old_doc() | {"audit_key": _b64(7), name: "c2hvcnQ="}))
    with pytest.raises(KeyringError, match=name) as info:
        FileKeyProvider(path).load()
    assert "\n" not in str(info.value)


def test_the_audit_key_may_not_be_another_key():
    with pytest.raises(KeyringError, match="audit key"):
        Keyring(
            keks={1: bytes([1]) * 32},
            current_kek_version=1,
            index_key=bytes([9]) * 32,
            audit_key=bytes([9]) * 32,
        )


def test_adding_them_inside_a_locked_update_does_not_wait_for_itself(tmp_path):
    """A load inside a key-file update (rotation, retirement) may be the one that adds them."""
    import threading

    import casework.crypto.keyring as keyring_module

    path = tmp_path / "keyring.json"
    path.write_text(json.dumps(_old_doc()))
    loaded: list[Keyring] = []

    def update() -> None:
        with keyring_module._locked(str(path)):
            loaded.append(FileKeyProvider(path).load())

    worker = threading.Thread(target=update, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the load waited for the lock its own thread holds"
    assert loaded[0].audit_key is not None
