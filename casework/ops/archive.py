"""The backup archive format: a database dump, encrypted and authenticated in chunks.

Layout (all integers big-endian)::

    "CWBACKUP" | format (1 byte) | header length (4) | header (UTF-8 JSON)
    record*    where record = ciphertext length (4) | AES-256-GCM ciphertext and tag

The header names the format, the instance that made the archive (`instance_identity`), the
database kind, the time, the chunk size and a random salt. The archive key is
HKDF-SHA256(the instance's secret from the key file, salt, info "casework backup v1"): a fresh
key per archive, and only where the key file is can an archive be opened. The key file itself
is never in an archive.

Record `i` is encrypted with the nonce `i (11 bytes) | final flag (1 byte)` and the associated
data `SHA-256(magic … header) | i (8 bytes) | final flag`: a record moved, dropped, repeated,
or taken from another archive, and any edited byte of the header, fails to authenticate. Data
records have the flag 0; the last record has the flag 1 and holds the trailer (JSON: the
plaintext's SHA-256 and size, the number of data records, and what the caller adds, such as
record counts). An archive without its final record is truncated; bytes after it are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

MAGIC = b"CWBACKUP"
FORMAT_VERSION = 1
KDF_INFO = b"casework backup v1"
DEFAULT_CHUNK_SIZE = 1 << 20
_MIN_CHUNK, _MAX_CHUNK = 4096, 16 << 20
_MAX_HEADER = 64 * 1024
_MAX_TRAILER = 1 << 20
_TAG = 16
_LEN = struct.Struct(">I")
KINDS = ("sqlite", "postgresql")


class ArchiveError(Exception):
    """The archive cannot be opened or is damaged; the message is one line saying why."""


class ForeignArchive(ArchiveError):
    """The archive was made by another instance (another key file)."""


def instance_identity(instance_secret: bytes) -> str:
    """The instance's public identity: SHA-256 of its Ed25519 public key (the key that signs
    the audit head), the first 16 bytes in hex. Safe to show; names the key file in use."""
    public = (
        Ed25519PrivateKey.from_private_bytes(instance_secret)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    return hashlib.sha256(public).hexdigest()[:32]


def _archive_key(instance_secret: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=KDF_INFO).derive(
        instance_secret
    )


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + index.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


@dataclass(frozen=True)
class Header:
    instance: str
    database: str
    created_at: str
    chunk_size: int
    salt: bytes

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT_VERSION,
            "instance": self.instance,
            "database": self.database,
            "created_at": self.created_at,
            "chunk_size": self.chunk_size,
            "salt": self.salt.hex(),
            "cipher": "AES-256-GCM",
            "kdf": "HKDF-SHA256",
        }
        body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        return MAGIC + bytes([FORMAT_VERSION]) + _LEN.pack(len(body)) + body


class ArchiveWriter:
    """Encrypts a stream into `out` (a binary file): `write(data)` any number of times, then
    `finish(extra)` once. `sha256` is the archive's own digest (of every byte written)."""

    def __init__(
        self,
        out: BinaryIO,
        instance_secret: bytes,
        database: str,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        now: dt.datetime | None = None,
    ) -> None:
        if database not in KINDS:
            raise ValueError(f"unknown database kind {database!r}")
        if not _MIN_CHUNK <= chunk_size <= _MAX_CHUNK:
            raise ValueError("chunk size out of range")
        self._out = out
        created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        salt = os.urandom(32)
        self.header = Header(
            instance=instance_identity(instance_secret),
            database=database,
            created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            chunk_size=chunk_size,
            salt=salt,
        )
        self._aead = AESGCM(_archive_key(instance_secret, salt))
        header = self.header.to_bytes()
        self._digest = hashlib.sha256(header).digest()
        self._archive_hash = hashlib.sha256()
        self._plain_hash = hashlib.sha256()
        self._buffer = bytearray()
        self._index = 0
        self.plain_size = 0
        self.size = 0
        self._emit(header)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._archive_hash.update(data)
        self.size += len(data)

    def _record(self, plaintext: bytes, final: bool) -> None:
        ct = self._aead.encrypt(
            _nonce(self._index, final), plaintext, _aad(self._digest, self._index, final)
        )
        self._emit(_LEN.pack(len(ct)) + ct)
        self._index += 1

    def write(self, data: bytes) -> None:
        self._plain_hash.update(data)
        self.plain_size += len(data)
        self._buffer += data
        size = self.header.chunk_size
        while len(self._buffer) >= size:
            self._record(bytes(self._buffer[:size]), final=False)
            del self._buffer[:size]

    def finish(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Write the last data record and the trailer; return the trailer."""
        if self._buffer:
            self._record(bytes(self._buffer), final=False)
            self._buffer.clear()
        trailer = dict(extra or {}) | {
            "sha256": self._plain_hash.hexdigest(),
            "size": self.plain_size,
            "chunks": self._index,
        }
        self._record(json.dumps(trailer, sort_keys=True).encode(), final=True)
        return trailer

    @property
    def sha256(self) -> str:
        return self._archive_hash.hexdigest()


def _read_exact(fh: BinaryIO, n: int, what: str) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ArchiveError(f"the archive is truncated ({what} incomplete)")
    return data


def read_header(fh: BinaryIO) -> tuple[Header, bytes]:
    """Parse the header at the start of `fh`; return it and its bytes (unauthenticated until
    the first record opens)."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise ArchiveError("not a casework backup archive")
    version = _read_exact(fh, 1, "header")[0]
    if version != FORMAT_VERSION:
        raise ArchiveError(f"archive format {version} is not supported (this casework reads 1)")
    (length,) = _LEN.unpack(_read_exact(fh, 4, "header"))
    if length > _MAX_HEADER:
        raise ArchiveError("the archive's header is damaged")
    body = _read_exact(fh, length, "header")
    try:
        doc = json.loads(body.decode("utf-8"))
        header = Header(
            instance=str(doc["instance"]),
            database=str(doc["database"]),
            created_at=str(doc["created_at"]),
            chunk_size=int(doc["chunk_size"]),
            salt=bytes.fromhex(doc["salt"]),
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise ArchiveError("the archive's header is damaged") from None
    if (
        doc.get("format") != FORMAT_VERSION
        or header.database not in KINDS
        or not _MIN_CHUNK <= header.chunk_size <= _MAX_CHUNK
        or len(header.salt) != 32
        or header.to_bytes() != magic + bytes([version]) + _LEN.pack(length) + body
    ):
        raise ArchiveError("the archive's header is damaged")
    return header, header.to_bytes()


def check_instance(header: Header, instance_secret: bytes) -> None:
    """Refuse an archive made under another key file (ForeignArchive)."""
    mine = instance_identity(instance_secret)
    if not hmac.compare_digest(header.instance, mine):
        raise ForeignArchive(
            f"foreign archive: it was made by instance {header.instance}, and this key file "
            f"belongs to instance {mine}; restore it with the key file of the instance that "
            "made it"
        )


def read_archive(
    fh: BinaryIO,
    instance_secret: bytes,
    sink: Callable[[bytes], Any] | None = None,
    progress: Callable[[int], Any] | None = None,
) -> tuple[Header, dict[str, Any]]:
    """Authenticate and decrypt the whole archive, passing each plaintext chunk to `sink`;
    return the header and the trailer. Raises ArchiveError (ForeignArchive for another
    instance's archive) on the first problem; a caller writes nothing durable before this
    returns."""
    header, header_bytes = read_header(fh)
    check_instance(header, instance_secret)
    aead = AESGCM(_archive_key(instance_secret, header.salt))
    digest = hashlib.sha256(header_bytes).digest()
    plain_hash = hashlib.sha256()
    size = index = 0
    limit = header.chunk_size + _TAG
    while True:
        raw_len = fh.read(4)
        if len(raw_len) < 4:
            raise ArchiveError(
                f"the archive is truncated: it ends after {index} records without its trailer"
            )
        (length,) = _LEN.unpack(raw_len)
        if not _TAG < length <= max(limit, _MAX_TRAILER + _TAG):
            raise ArchiveError(f"the archive is damaged at record {index} (bad length)")
        ct = _read_exact(fh, length, f"record {index}")
        plaintext = None
        final = False
        if length <= limit:
            try:
                plaintext = aead.decrypt(_nonce(index, False), ct, _aad(digest, index, False))
            except InvalidTag:
                plaintext = None
        if plaintext is None:
            try:
                plaintext = aead.decrypt(_nonce(index, True), ct, _aad(digest, index, True))
                final = True
            except InvalidTag:
                raise ArchiveError(
                    f"the archive is damaged at record {index}: it does not authenticate "
                    "(edited, reordered, or from another archive)"
                ) from None
        index += 1
        if final:
            break
        plain_hash.update(plaintext)
        size += len(plaintext)
        if sink is not None:
            sink(plaintext)
        if progress is not None:
            progress(len(plaintext))
    if fh.read(1):
        raise ArchiveError("the archive is damaged: data follows its trailer")
    try:
        trailer = json.loads(plaintext.decode("utf-8"))
        ok = (
            isinstance(trailer, dict)
            and trailer.get("chunks") == index - 1
            and trailer.get("size") == size
            and isinstance(trailer.get("sha256"), str)
            and hmac.compare_digest(trailer["sha256"], plain_hash.hexdigest())
        )
    except (UnicodeDecodeError, ValueError):
        ok = False
    if not ok:
        raise ArchiveError("the archive is damaged: its content does not match its trailer")
    return header, trailer
