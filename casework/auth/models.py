"""Organisations, users, login sessions, API tokens and login throttling records."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.db import Base, UTCDateTime, new_uuid, utcnow


class Role(enum.StrEnum):
    admin = "admin"
    focal_point = "focal_point"
    family_liaison = "family_liaison"
    forensic = "forensic"
    partner = "partner"
    auditor = "auditor"


class OrgKind(enum.StrEnum):
    national_authority = "national_authority"
    forensic_institute = "forensic_institute"
    humanitarian = "humanitarian"
    consulate = "consulate"
    intergovernmental = "intergovernmental"


STATE_AUTHORITY_KINDS = frozenset({OrgKind.national_authority, OrgKind.consulate})


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums are stored as their values in a VARCHAR with a CHECK constraint on both databases."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_state_authority(self) -> bool:
        """A state body (national authority or consulate), as opposed to a non-state partner."""
        return self.kind in STATE_AUTHORITY_KINDS

    @property
    def is_peer(self) -> bool:
        """Whether the organisation lives on a registered peer instance.

        Always false for now: every organisation is on this instance. Peer instances (and what
        marks an organisation as theirs) come with a later issue.
        """
        return False


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active_user: Mapped[bool] = mapped_column("is_active", Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The user's interface language (one of casework.i18n.LANGUAGES); None: the browser's.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    # flask-login protocol
    @property
    def is_active(self) -> bool:
        return self.is_active_user

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class UserSession(Base):
    """A server-side login session: the browser's cookie holds only its random identifier."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Why it ended (a word of SESSION_END_REASONS): sign-out, idle, lifetime, password change...
    ended_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Recent login failures per hashed key (an email or a client address)."""

    __tablename__ = "login_throttles"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- MFA (TOTP) ---------------------------------------------------------------------------


class UserMfa(Base):
    """A user's TOTP second factor (one row per user).

    The secret is encrypted under the user's own data key (`data_keys`, kind ``user``), with
    associated data binding it to this row, so it is not in clear in the database or its
    backups. `enrolled_at` is empty while enrolment waits for its first code. `last_step` is
    the last accepted TOTP time step: a code of that step or an earlier one is a replay.
    """

    __tablename__ = "user_mfa"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    data_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_keys.id"))
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class MfaRecoveryCode(Base):
    """A single-use recovery code, stored as SHA-256 over the user id and the code (codes carry
    60 random bits, so a slow hash adds nothing but sign-in time)."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


#: Roles that a second admin must approve before they apply (pages and API; not the CLI).
PRIVILEGED_ROLES = frozenset({Role.admin, Role.auditor})


class RoleRequestStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class RoleRequest(Base):
    """A request to grant a privileged role (admin, auditor), waiting for a second admin.

    Either a new user (`user_id` empty: `email` and the new user's `password_hash` are kept until
    the approval creates the account) or a role change of an existing user (`user_id`).
    """

    __tablename__ = "role_requests"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    status: Mapped[RoleRequestStatus] = mapped_column(
        str_enum(RoleRequestStatus, "role_request_status"), default=RoleRequestStatus.pending
    )
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")
    requester: Mapped[User] = relationship(foreign_keys=[requested_by], lazy="joined")
