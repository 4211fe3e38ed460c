"""Encrypted model fields: domain code reads and writes plain values, the column holds an envelope.

    class Case(EncryptedMixin, Base):
        given_names_enc = mapped_column(LargeBinary, nullable=True)
        __categories__ = {"given_names": Category.identity, ...}  # every field's category
        given_names = Encrypted("given_names_enc")

Each value is encrypted with the record's subject data key (`data_key`), with associated data
binding it to `table.field:row-id`. Views and services never see keys.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from casework.audit.trail import AuditActor, PlainActor, append
from casework.crypto import CryptoError, DecryptionError, decrypt_field, encrypt_field
from casework.errors import CaseworkError, InvalidInput
from casework.keys.models import DataKey
from casework.keys.service import ShreddedKey, plaintext_key

log = logging.getLogger("casework.keys")


class RecordUnreadable(CaseworkError, DecryptionError):
    """One field of one record cannot be decrypted: its ciphertext was damaged, or its data key
    does not open (moved to another organisation, wrapped under a key the key file lacks).

    A server-side fault, not bad input, and a retry will not help: 500 `record_unreadable`.
    Carries where it happened (table, row id, field name), never a value.
    """

    status = 500
    code = "record_unreadable"
    MESSAGE = (
        "This record cannot be decrypted; it has been reported to the administrators. "
        "Other records are not affected."
    )

    def __init__(self, obj: Any, field: str, reason: str):
        super().__init__(self.MESSAGE)
        self.table: str = obj.__tablename__
        self.record_id = str(obj.id)
        self.field = field
        self.reason = reason
        self.case_reference: str | None = (
            obj.__dict__.get("reference") if self.table == "cases" else None
        )
        owner = getattr(obj, "organisation_id", None)
        if owner is None and obj.data_key is not None:
            owner = obj.data_key.organisation_id
        self.owner: uuid.UUID | None = owner


def report_unreadable(session: Any, actor: AuditActor | None, exc: RecordUnreadable) -> None:
    """Log and audit an unreadable field: the record and the field's name, never a value. The
    event is written in `session` (the caller commits it); without an actor, it is recorded for
    the organisation that owns the record."""
    log.error(
        "record unreadable: %s %s field %s (%s)", exc.table, exc.record_id, exc.field, exc.reason
    )
    if actor is None or actor.organisation_id is None:
        actor = PlainActor(
            user_id=getattr(actor, "user_id", None),
            organisation_id=exc.owner,
            role=getattr(actor, "role", "system"),
            request_id=getattr(actor, "request_id", None),
        )
    append(
        session,
        actor,
        "record.unreadable",
        object_type=exc.table,
        object_id=exc.record_id,
        case_reference=exc.case_reference,
        decision="deny",
        details={"field": exc.field, "reason": exc.reason},
    )


class EncryptedMixin:
    """Adds the subject data-key reference; the key row is loaded with the record (no N+1)."""

    id: Mapped[uuid.UUID]

    @declared_attr
    def data_key_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(Uuid, ForeignKey("data_keys.id"), index=True)

    @declared_attr
    def data_key(cls) -> Mapped[DataKey]:  # noqa: N805
        return relationship(DataKey, lazy="joined", innerjoin=True)

    @property
    def is_shredded(self) -> bool:
        return self.data_key is not None and self.data_key.is_shredded

    @classmethod
    def encrypted_fields(cls) -> dict[str, Encrypted]:
        return {
            name: attr
            for klass in cls.__mro__
            for name, attr in vars(klass).items()
            if isinstance(attr, Encrypted)
        }


def _check_owner(obj: Any) -> None:
    """A record that names its owning organisation must belong to its data key's organisation.

    The wrapped key is bound to the organisation in its own row; this closes the other half: a
    record moved to another organisation in the database (its key row left alone) is not
    decrypted for the new one.
    """
    owner = getattr(obj, "organisation_id", None)
    key_owner = obj.data_key.organisation_id if obj.data_key is not None else None
    if owner is not None and key_owner is not None and owner != key_owner:
        raise DecryptionError("record and its data key belong to different organisations")


class Encrypted:
    """A descriptor over a LargeBinary column holding an envelope; `kind` is "str" or "json".

    Reading a shredded subject's field gives None: its content is gone for good.
    """

    def __init__(self, column: str, kind: str = "str"):
        if kind not in ("str", "json"):
            raise ValueError("kind must be 'str' or 'json'")
        self.column, self.kind = column, kind
        self.name = self.category = ""

    def __set_name__(self, owner: type, name: str) -> None:
        # The category comes from the model's one declaration of its fields' categories.
        declared = owner.__dict__.get("__categories__", {})
        if name not in declared:
            raise TypeError(f"{owner.__name__}.{name}: declare its category in __categories__")
        self.name, self.category = name, str(declared[name])

    def _aad(self, obj: Any) -> str:
        return f"{obj.__tablename__}.{self.name}:{obj.id}"

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        envelope = getattr(obj, self.column)
        if envelope is None:
            return None
        try:
            _check_owner(obj)
            try:
                dek = plaintext_key(obj.data_key)
            except ShreddedKey:
                return None
            raw = decrypt_field(dek, envelope, self._aad(obj)).decode("utf-8")
            return json.loads(raw) if self.kind == "json" else raw
        except (CryptoError, UnicodeDecodeError, ValueError) as exc:
            # CryptoError: damaged ciphertext, a data key that does not open (another
            # organisation's, a KEK the key file lacks). The reason is the error's type only.
            raise RecordUnreadable(obj, self.name, type(exc).__name__) from None

    def __set__(self, obj: Any, value: Any) -> None:
        if obj.id is None:
            obj.id = uuid.uuid4()  # the row id is part of the associated data
        if value is None or value == "" or value == [] or value == {}:
            setattr(obj, self.column, None)
            return
        if obj.data_key is None:
            raise RuntimeError(f"{type(obj).__name__} needs a data key before {self.name} is set")
        raw = json.dumps(value, ensure_ascii=False) if self.kind == "json" else str(value)
        try:
            plaintext = raw.encode("utf-8")
        except UnicodeEncodeError:
            # The schemas refuse it first; a value from elsewhere is refused here, never a 500.
            raise InvalidInput(
                "Some fields are invalid.",
                {self.name: ["Text may not contain unpaired surrogate characters."]},
            ) from None
        dek = plaintext_key(obj.data_key)
        envelope = encrypt_field(dek, obj.data_key.id.hex, plaintext, self._aad(obj))
        setattr(obj, self.column, envelope)
