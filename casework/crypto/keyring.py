"""The keyring: versioned key-encryption keys plus the separate blind-index key.

Owns the in-memory ``Keyring``, the ``KeyProvider`` protocol and the JSON key-file provider
with its create / add-version / retire-version operations.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import errno
import fcntl
import hmac
import json
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from .errors import KeyringError, UnknownKeyVersion

__all__ = [
    "KEY_BYTES",
    "KEY_FILE_FORMAT",
    "FileKeyProvider",
    "KeyProvider",
    "Keyring",
    "add_kek_version",
    "generate_keyring_file",
    "remove_kek_version",
    "retire_older_keks",
]

#: Every key in the keyring is an AES-256 / HMAC-SHA256 key of this many bytes.
KEY_BYTES = 32
#: The only key-file format this module reads and writes.
KEY_FILE_FORMAT = 1
# A key file holds a handful of base64 keys; anything bigger is not a key file, and reading
# it whole could exhaust memory.
_MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True, eq=False)
class Keyring:
    """Versioned key-encryption keys (KEKs) and the blind-index key of one instance.

    The constructor validates everything and raises ``KeyringError`` on: no KEKs, a version
    that is not a positive int, a key that is not 32 bytes, ``current_kek_version`` not
    among the KEKs, two KEKs that are equal, or an ``index_key`` equal to any KEK (encryption
    keys and index keys are never the same key). The mappings are copied into read-only
    views, so a ``Keyring`` cannot be changed after it is built.

    Key fields are excluded from ``repr`` so a keyring can never leak into a log or a
    traceback by being printed; ``eq=False`` keeps comparison by identity, which avoids
    non-constant-time comparisons of key bytes.
    """

    keks: Mapping[int, bytes] = field(repr=False)
    current_kek_version: int
    index_key: bytes = field(repr=False)
    #: Reserved for exchange signing keys (base64 strings), carried through untouched.
    org_signing_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: HMAC-SHA256 key of the audit chain's links (never stored in the database).
    audit_key: bytes | None = field(default=None, repr=False)
    #: The instance's Ed25519 private key (32-byte seed): signs the audit chain's head.
    instance_signing_key: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        keks = dict(self.keks)
        if not keks:
            raise KeyringError("keyring holds no key-encryption keys")
        for version, key in keks.items():
            if isinstance(version, bool) or not isinstance(version, int) or version < 1:
                raise KeyringError("key-encryption-key versions must be positive integers")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise KeyringError(f"key-encryption key {version} is not {KEY_BYTES} bytes")
        current = self.current_kek_version
        if isinstance(current, bool) or not isinstance(current, int) or current not in keks:
            raise KeyringError("current key-encryption-key version is not in the keyring")
        if not isinstance(self.index_key, bytes) or len(self.index_key) != KEY_BYTES:
            raise KeyringError(f"index key is not {KEY_BYTES} bytes")
        values = list(keks.values())
        for i, key in enumerate(values):
            # compare_digest: comparisons of secret bytes should not leak timing.
            if hmac.compare_digest(key, self.index_key):
                raise KeyringError("index key is equal to a key-encryption key")
            if any(hmac.compare_digest(key, other) for other in values[i + 1 :]):
                raise KeyringError("two key-encryption-key versions hold the same key")
        for name in ("audit_key", "instance_signing_key"):
            extra = getattr(self, name)
            if extra is not None and (not isinstance(extra, bytes) or len(extra) != KEY_BYTES):
                raise KeyringError(f"{name} is not {KEY_BYTES} bytes")
        if self.audit_key is not None and any(
            hmac.compare_digest(self.audit_key, other) for other in [*values, self.index_key]
        ):
            raise KeyringError("audit key is equal to another key of the keyring")
        signing = dict(self.org_signing_keys)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in signing.items()):
            raise KeyringError("org signing keys must map strings to base64 strings")
        # Frozen dataclass: object.__setattr__ is the sanctioned way to normalise in
        # __post_init__. Read-only views stop callers from mutating a shared keyring.
        object.__setattr__(self, "keks", MappingProxyType(keks))
        object.__setattr__(self, "org_signing_keys", MappingProxyType(signing))

    def current_kek(self) -> tuple[int, bytes]:
        """Return ``(version, key)`` of the KEK that new data keys are wrapped with."""
        return self.current_kek_version, self.keks[self.current_kek_version]

    def kek(self, version: int) -> bytes:
        """Return the KEK of ``version``; raise ``UnknownKeyVersion`` if it is not held."""
        try:
            return self.keks[version]
        except (KeyError, TypeError):
            raise UnknownKeyVersion(
                f"key-encryption-key version {version!r} is not in the keyring"
            ) from None


@runtime_checkable
class KeyProvider(Protocol):
    """Anything that can produce the instance's ``Keyring`` (a key file today; KMS later)."""

    def load(self) -> Keyring:
        """Return a validated keyring or raise ``KeyringError``."""
        ...


class FileKeyProvider:
    """Loads the keyring from a JSON key file.

    File format (UTF-8 JSON, mode 0600, written only by the functions of this module)::

        {
          "format": 1,
          "current_kek": 2,
          "keks": {"1": "<base64 of 32 bytes>", "2": "<base64 of 32 bytes>"},
          "index_key": "<base64 of 32 bytes>",
          "audit_key": "<base64 of 32 bytes>",
          "instance_signing_key": "<base64 of a 32-byte Ed25519 private key>",
          "org_signing_keys": {"<org id>": "<base64>"}
        }

    ``format`` must be 1. ``keks`` maps decimal version numbers to standard base64 keys;
    ``current_kek`` names the version used to wrap new data keys. ``index_key`` is the
    blind-index key and must differ from every KEK. ``org_signing_keys`` is optional and
    reserved. ``audit_key`` (the audit chain's HMAC key) and ``instance_signing_key`` (the
    Ed25519 key that signs the audit head) are written by ``generate_keyring_file``; a key file
    made before they existed gets them added, atomically and under the lock, the first time it
    is loaded. Every problem raises ``KeyringError`` with a one-line reason and the path;
    no message ever contains key material.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def __repr__(self) -> str:
        return f"FileKeyProvider({self.path!r})"

    def load(self) -> Keyring:
        """Read, parse and validate the key file (adding the audit keys if it lacks them)."""
        doc = _read_doc(self.path)
        if isinstance(doc, dict) and not all(name in doc for name in _AUDIT_KEY_NAMES):
            return _add_audit_keys(self.path)
        return _keyring_from_doc(doc, self.path)


def generate_keyring_file(path: str | os.PathLike[str]) -> Keyring:
    """Create a new key file holding KEK version 1 and a fresh index key; return its keyring.

    Parent directories are created (mode 0700). The file is written with mode 0600 through
    a temporary file in the same directory, fsynced, then linked into place, so a crash
    never leaves a half-written key file. An existing file is never overwritten: that
    would destroy every key it holds and, with them, all data.
    """
    target = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(target))
    try:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise KeyringError(
            f"key file {_show(target)}: cannot create directory ({_reason(exc)})"
        ) from None
    with _locked(target):
        if os.path.lexists(target):
            raise KeyringError(f"key file {_show(target)} already exists; refusing to overwrite")
        keks = {1: secrets.token_bytes(KEY_BYTES)}
        index_key = _fresh_key(keks.values())
        keyring = Keyring(
            keks=keks,
            current_kek_version=1,
            index_key=index_key,
            audit_key=_fresh_key([*keks.values(), index_key]),
            instance_signing_key=secrets.token_bytes(KEY_BYTES),
        )
        _write_atomic(target, _doc_from_keyring(keyring), overwrite=False)
    return keyring


def add_kek_version(path: str | os.PathLike[str]) -> int:
    """Add a random KEK as version max+1, make it current, and return the new version.

    Data keys wrapped under older versions stay readable; re-wrapping them is the rotation
    job's task. The file is rewritten atomically with mode 0600 under an exclusive lock,
    so two concurrent rotations cannot lose a version that may already be in use.
    """
    target = os.fspath(path)
    FileKeyProvider(target).load()  # fail clearly before creating a lock file beside nothing
    with _locked(target):
        keyring = FileKeyProvider(target).load()  # re-read: another writer may have won
        version = max(keyring.keks) + 1
        keks = dict(keyring.keks)
        keks[version] = _fresh_key([*keks.values(), keyring.index_key])
        updated = Keyring(
            keks=keks,
            current_kek_version=version,
            index_key=keyring.index_key,
            org_signing_keys=keyring.org_signing_keys,
            audit_key=keyring.audit_key,
            instance_signing_key=keyring.instance_signing_key,
        )
        _write_atomic(target, _doc_from_keyring(updated), overwrite=True)
    return version


def remove_kek_version(path: str | os.PathLike[str], version: int) -> None:
    """Remove a retired KEK version from the key file.

    Refuses (``KeyringError``) to remove the current version and raises
    ``UnknownKeyVersion`` for a version the file does not hold. The caller must first make
    sure no wrapped data key still uses ``version``: those keys, and all data under them,
    become unreadable once it is gone.
    """
    target = os.fspath(path)
    FileKeyProvider(target).load()  # fail clearly before creating a lock file beside nothing
    with _locked(target):
        keyring = FileKeyProvider(target).load()
        if version not in keyring.keks:
            raise UnknownKeyVersion(
                f"key file {_show(target)}: KEK version {version!r} is not in the file"
            )
        if version == keyring.current_kek_version:
            raise KeyringError(
                f"key file {_show(target)}: version {version} is current; refusing to remove it"
            )
        keks = {v: k for v, k in keyring.keks.items() if v != version}
        updated = Keyring(
            keks=keks,
            current_kek_version=keyring.current_kek_version,
            index_key=keyring.index_key,
            org_signing_keys=keyring.org_signing_keys,
            audit_key=keyring.audit_key,
            instance_signing_key=keyring.instance_signing_key,
        )
        _write_atomic(target, _doc_from_keyring(updated), overwrite=True)


def retire_older_keks(path: str | os.PathLike[str], keep: int) -> list[int]:
    """Destroy every KEK version older than ``keep`` in the key file; return those removed.

    ``keep`` must be the current version (``KeyringError`` otherwise): a rotation that was
    overtaken by another must not destroy the KEK that now wraps new data keys. Every other
    key of the file is carried over unchanged. The file is rewritten in one atomic step
    (temporary file, mode 0600, fsync, rename) under the exclusive lock, so no reader ever
    sees a half-retired file. Versions above ``keep`` cannot exist (``keep`` is current).
    The caller must first have re-wrapped every live data key under ``keep``.
    """
    target = os.fspath(path)
    FileKeyProvider(target).load()  # fail clearly before creating a lock file beside nothing
    with _locked(target):
        keyring = FileKeyProvider(target).load()
        if keyring.current_kek_version != keep:
            raise KeyringError(
                f"key file {_show(target)}: KEK version {keep} is no longer current; "
                "refusing to retire"
            )
        removed = sorted(v for v in keyring.keks if v != keep)
        if removed:
            kept = {keep: keyring.keks[keep]}
            _write_atomic(
                target, _doc_from_keyring(dataclasses.replace(keyring, keks=kept)), overwrite=True
            )
    return removed


# --- internals ---------------------------------------------------------------------------

_AUDIT_KEY_NAMES = ("audit_key", "instance_signing_key")
# The key-file locks this thread holds (see `_locked`).
_held = threading.local()


def _add_audit_keys(path: str) -> Keyring:
    # A key file from before the audit keys: add fresh ones, keeping every other key. Re-read
    # under the lock, so two processes upgrading the same file at once agree on one pair.
    with _locked(path):
        keyring = _keyring_from_doc(_read_doc(path), path)
        if keyring.audit_key is not None and keyring.instance_signing_key is not None:
            return keyring
        taken = [*keyring.keks.values(), keyring.index_key]
        upgraded = Keyring(
            keks=keyring.keks,
            current_kek_version=keyring.current_kek_version,
            index_key=keyring.index_key,
            org_signing_keys=keyring.org_signing_keys,
            audit_key=keyring.audit_key or _fresh_key(taken),
            instance_signing_key=keyring.instance_signing_key or secrets.token_bytes(KEY_BYTES),
        )
        _write_atomic(path, _doc_from_keyring(upgraded), overwrite=True)
    return upgraded


def _show(path: str) -> str:
    # Keeps the "one line" promise even for a path containing control characters.
    return path.encode("unicode_escape").decode("ascii") if not path.isprintable() else path


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _fresh_key(avoid: Iterable[bytes]) -> bytes:
    # A collision of 256-bit random keys is not going to happen, but the check is free and
    # makes "index key never equals a KEK" hold by construction rather than by probability.
    taken = list(avoid)
    while True:
        key = secrets.token_bytes(KEY_BYTES)
        if not any(hmac.compare_digest(key, other) for other in taken):
            return key


def _read_doc(path: str) -> Any:
    shown = _show(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KeyringError(f"key file {shown} is missing") from None
    except IsADirectoryError:
        raise KeyringError(f"key file {shown} is a directory") from None
    except OSError as exc:
        raise KeyringError(f"key file {shown} is not readable ({_reason(exc)})") from None
    if len(raw) > _MAX_FILE_BYTES:
        raise KeyringError(f"key file {shown} is too large to be a key file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise KeyringError(f"key file {shown} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # Position only: the decoder's message could quote the document, i.e. key material.
        raise KeyringError(
            f"key file {shown} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None


def _decode_key(value: Any, what: str, shown: str) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"key file {shown}: {what} is not a base64 string")
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"key file {shown}: {what} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"key file {shown}: {what} is {len(key)} bytes, expected {KEY_BYTES}")
    return key


def _keyring_from_doc(doc: Any, path: str) -> Keyring:
    shown = _show(path)
    if not isinstance(doc, dict):
        raise KeyringError(f"key file {shown}: top level is not a JSON object")
    fmt = doc.get("format")
    if fmt is None:
        raise KeyringError(f'key file {shown}: missing "format"')
    if isinstance(fmt, bool) or fmt != KEY_FILE_FORMAT:
        raise KeyringError(
            f"key file {shown}: unsupported format {fmt!r} (expected {KEY_FILE_FORMAT})"
        )
    raw_keks = doc.get("keks")
    if not isinstance(raw_keks, dict) or not raw_keks:
        raise KeyringError(f'key file {shown}: missing or empty "keks"')
    keks: dict[int, bytes] = {}
    for name, value in raw_keks.items():
        if not (name.isascii() and name.isdigit()) or int(name) < 1:
            raise KeyringError(f"key file {shown}: KEK version {name!r} is not a positive integer")
        version = int(name)
        if version in keks:
            raise KeyringError(f"key file {shown}: KEK version {version} appears twice")
        keks[version] = _decode_key(value, f"KEK {version}", shown)
    current = doc.get("current_kek")
    if current is None:
        raise KeyringError(f'key file {shown}: missing "current_kek"')
    if isinstance(current, bool) or not isinstance(current, int):
        raise KeyringError(f'key file {shown}: "current_kek" is not an integer')
    if current not in keks:
        raise KeyringError(f"key file {shown}: current_kek {current} is not among the KEKs")
    if "index_key" not in doc:
        raise KeyringError(f'key file {shown}: missing "index_key"')
    index_key = _decode_key(doc["index_key"], "index_key", shown)
    signing = doc.get("org_signing_keys", {})
    if not isinstance(signing, dict):
        raise KeyringError(f'key file {shown}: "org_signing_keys" is not an object')
    audit_keys = {
        name: _decode_key(doc[name], name, shown) if name in doc else None
        for name in _AUDIT_KEY_NAMES
    }
    try:
        return Keyring(
            keks=keks,
            current_kek_version=current,
            index_key=index_key,
            org_signing_keys=signing,
            **audit_keys,
        )
    except KeyringError as exc:
        raise KeyringError(f"key file {shown}: {exc}") from None


def _doc_from_keyring(keyring: Keyring) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": KEY_FILE_FORMAT,
        "current_kek": keyring.current_kek_version,
        "keks": {
            str(v): base64.b64encode(k).decode("ascii") for v, k in sorted(keyring.keks.items())
        },
        "index_key": base64.b64encode(keyring.index_key).decode("ascii"),
    }
    if keyring.org_signing_keys:
        doc["org_signing_keys"] = dict(keyring.org_signing_keys)
    for name in _AUDIT_KEY_NAMES:
        value = getattr(keyring, name)
        if value is not None:
            doc[name] = base64.b64encode(value).decode("ascii")
    return doc


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    # Serialises read-modify-write of the key file between processes. The lock lives in a
    # sidecar file because the key file itself is replaced (new inode) on every write; the
    # sidecar is never deleted, as deleting lock files reintroduces the race.
    # Re-entrant within a thread: a load inside a locked update may add the audit keys, and a
    # second flock on a new descriptor of the same file would wait for ourselves.
    lock_path = path + ".lock"
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if lock_path in held:
        yield
        return
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise KeyringError(f"key file {_show(path)}: cannot lock ({_reason(exc)})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(lock_path)
        try:
            yield
        finally:
            held.discard(lock_path)
    finally:
        os.close(fd)  # closing releases the flock


def _write_atomic(path: str, doc: dict[str, Any], *, overwrite: bool) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    data = (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")
    try:
        # mkstemp creates the file 0600 with O_EXCL, so the keys are never world-readable,
        # not even for an instant.
        fd, tmp = tempfile.mkstemp(prefix=".keyring-", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KeyringError(f"key file {_show(path)}: cannot write ({_reason(exc)})") from None
    try:
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_no_overwrite(tmp, path)
        _fsync_dir(directory)
    except KeyringError:
        raise
    except OSError as exc:
        raise KeyringError(f"key file {_show(path)}: cannot write ({_reason(exc)})") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _link_no_overwrite(tmp: str, path: str) -> None:
    # link() fails if the target exists, making "create but never overwrite" atomic even
    # against a process that does not take our lock. Some filesystems have no hard links;
    # there the lock plus an existence check is the best available.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise KeyringError(
            f"key file {_show(path)} already exists; refusing to overwrite"
        ) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if os.path.lexists(path):
            raise KeyringError(
                f"key file {_show(path)} already exists; refusing to overwrite"
            ) from None
        os.replace(tmp, path)


def _fsync_dir(directory: str) -> None:
    # Makes the rename itself durable; without it a power cut can roll the directory back.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    # Some filesystems refuse fsync on directories; the file data itself is already synced.
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
