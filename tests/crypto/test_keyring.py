"""Keyring: key-file loading errors, generation, rotation bookkeeping and key separation."""

import base64
import json
import os
import stat

import pytest

import casework.crypto.keyring as keyring_module
from casework.crypto import (
    FileKeyProvider,
    KeyProvider,
    Keyring,
    KeyringError,
    UnknownKeyVersion,
    add_kek_version,
    generate_keyring_file,
    remove_kek_version,
)


def b64(n: int = 32, fill: int = 1) -> str:
    return base64.b64encode(bytes([fill]) * n).decode()


def valid_doc() -> dict:
    return {
        "format": 1,
        "current_kek": 2,
        "keks": {"1": b64(fill=1), "2": b64(fill=2)},
        "index_key": b64(fill=9),
    }


def write(path, content) -> None:
    path.write_text(content if isinstance(content, str) else json.dumps(content))


def assert_one_line_error(path, match: str) -> KeyringError:
    with pytest.raises(KeyringError, match=match) as info:
        FileKeyProvider(path).load()
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return info.value


def test_valid_file_loads(tmp_path):
    path = tmp_path / "keys.json"
    write(path, valid_doc())
    keyring = FileKeyProvider(path).load()
    assert keyring.current_kek() == (2, bytes([2]) * 32)
    assert keyring.kek(1) == bytes([1]) * 32
    assert keyring.index_key == bytes([9]) * 32
    assert dict(keyring.org_signing_keys) == {}
    assert isinstance(FileKeyProvider(path), KeyProvider)


def test_missing_file(tmp_path):
    assert_one_line_error(tmp_path / "nope.json", "missing")


def test_unreadable_file(tmp_path):
    path = tmp_path / "keys.json"
    write(path, valid_doc())
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user that ignores file permissions (root)")
        assert_one_line_error(path, "not readable")
    finally:
        path.chmod(0o600)


def test_unreadable_file_even_as_root(tmp_path, monkeypatch):
    path = tmp_path / "keys.json"
    write(path, valid_doc())

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # The module looks "open" up in its globals before builtins.
    monkeypatch.setattr(keyring_module, "open", denied, raising=False)
    assert_one_line_error(path, "not readable")


def test_directory_instead_of_file(tmp_path):
    assert_one_line_error(tmp_path, "directory")


def test_bad_json(tmp_path):
    path = tmp_path / "keys.json"
    write(path, '{"format": 1, "keks": {"1": "c2VjcmV0')
    error = assert_one_line_error(path, "not valid JSON")
    assert "c2VjcmV0" not in str(error)  # the decoder must not echo the document


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.pop("format"), 'missing "format"'),
        (lambda d: d.update(format=2), "unsupported format"),
        (lambda d: d.update(format=True), "unsupported format"),
        (lambda d: d.pop("keks"), "keks"),
        (lambda d: d.update(keks={}), "keks"),
        (lambda d: d["keks"].update({"x": b64()}), "not a positive integer"),
        (lambda d: d["keks"].update({"0": b64()}), "not a positive integer"),
        (lambda d: d["keks"].update({"1": b64(16)}), "KEK 1 is 16 bytes"),
        (lambda d: d["keks"].update({"1": "!!not base64!!"}), "KEK 1 is not valid base64"),
        (lambda d: d["keks"].update({"1": 5}), "KEK 1 is not a base64 string"),
        (lambda d: d.pop("index_key"), 'missing "index_key"'),
        (lambda d: d.update(index_key=b64(31)), "index_key is 31 bytes"),
        (lambda d: d.pop("current_kek"), 'missing "current_kek"'),
        (lambda d: d.update(current_kek=7), "current_kek 7 is not among"),
        (lambda d: d.update(current_kek="2"), "not an integer"),
        (lambda d: d.update(index_key=b64(fill=1)), "index key is equal to a key-encryption"),
        (lambda d: d["keks"].update({"2": b64(fill=1)}), "same key"),
    ],
)
def test_invalid_contents(tmp_path, mutate, match):
    path = tmp_path / "keys.json"
    doc = valid_doc()
    mutate(doc)
    write(path, doc)
    error = assert_one_line_error(path, match)
    assert b64(fill=1) not in str(error) and b64(fill=2) not in str(error)


def test_top_level_not_object(tmp_path):
    path = tmp_path / "keys.json"
    write(path, "[1, 2]")
    assert_one_line_error(path, "not a JSON object")


def test_keyring_constructor_refuses_index_key_equal_to_kek():
    with pytest.raises(KeyringError, match="index key"):
        Keyring(keks={1: b"a" * 32, 2: b"b" * 32}, current_kek_version=1, index_key=b"b" * 32)
    with pytest.raises(KeyringError):
        Keyring(keks={1: b"a" * 32}, current_kek_version=2, index_key=b"c" * 32)
    with pytest.raises(KeyringError):
        Keyring(keks={1: b"a" * 31}, current_kek_version=1, index_key=b"c" * 32)
    with pytest.raises(KeyringError):
        Keyring(keks={}, current_kek_version=1, index_key=b"c" * 32)


def test_keyring_is_read_only_and_repr_has_no_keys():
    keyring = Keyring(keks={1: b"a" * 32}, current_kek_version=1, index_key=b"c" * 32)
    with pytest.raises(TypeError):
        keyring.keks[2] = b"b" * 32  # type: ignore[index]
    assert "aaaa" not in repr(keyring) and "cccc" not in repr(keyring)
    with pytest.raises(UnknownKeyVersion):
        keyring.kek(5)


def test_generate_writes_0600_and_round_trips(tmp_path):
    path = tmp_path / "nested" / "dir" / "keys.json"
    generated = generate_keyring_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = FileKeyProvider(path).load()
    assert loaded.current_kek() == generated.current_kek() and loaded.current_kek_version == 1
    assert loaded.index_key == generated.index_key
    assert loaded.index_key not in loaded.keks.values()
    doc = json.loads(path.read_text())
    assert doc["format"] == 1 and set(doc) == {
        "format",
        "current_kek",
        "keks",
        "index_key",
        "audit_key",
        "instance_signing_key",
    }
    # No temporary files left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == ["keys.json", "keys.json.lock"]


def test_generate_refuses_to_overwrite(tmp_path):
    path = tmp_path / "keys.json"
    generate_keyring_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        generate_keyring_file(path)
    assert path.read_bytes() == before


def test_generated_keys_are_fresh(tmp_path):
    one = generate_keyring_file(tmp_path / "a.json")
    two = generate_keyring_file(tmp_path / "b.json")
    assert one.kek(1) != two.kek(1) and one.index_key != two.index_key
    assert one.kek(1) != one.index_key


def test_add_and_remove_kek_versions(tmp_path):
    path = tmp_path / "keys.json"
    first = generate_keyring_file(path)
    assert add_kek_version(path) == 2
    assert add_kek_version(path) == 3
    keyring = FileKeyProvider(path).load()
    assert keyring.current_kek_version == 3
    assert sorted(keyring.keks) == [1, 2, 3]
    assert keyring.kek(1) == first.kek(1)  # old versions stay readable
    assert keyring.index_key == first.index_key  # rotation never touches the index key
    assert len({*keyring.keks.values(), keyring.index_key}) == 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    remove_kek_version(path, 1)
    keyring = FileKeyProvider(path).load()
    assert sorted(keyring.keks) == [2, 3] and keyring.current_kek_version == 3
    with pytest.raises(UnknownKeyVersion):
        keyring.kek(1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    with pytest.raises(KeyringError, match="current"):
        remove_kek_version(path, 3)
    with pytest.raises(UnknownKeyVersion):
        remove_kek_version(path, 1)
    # Versions keep counting up after a removal; numbers are never reused.
    assert add_kek_version(path) == 4


def test_rewrite_preserves_org_signing_keys(tmp_path):
    path = tmp_path / "keys.json"
    doc = valid_doc()
    doc["org_signing_keys"] = {"org-a": "c2lnbmluZw=="}
    write(path, doc)
    add_kek_version(path)
    keyring = FileKeyProvider(path).load()
    assert dict(keyring.org_signing_keys) == {"org-a": "c2lnbmluZw=="}


def test_add_kek_version_on_missing_file(tmp_path):
    with pytest.raises(KeyringError, match="missing"):
        add_kek_version(tmp_path / "keys.json")
    assert list(tmp_path.iterdir()) == []
