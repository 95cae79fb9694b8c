"""People and programs that sign in (users, OAuth2 API clients) and the roles they hold on tenants or jurisdictions."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from carbontrail.store.models.base import Base, Timestamped


class User(Timestamped, Base):
    """A person who signs in with an e-mail address and a password (stored only as an Argon2id hash)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # operators of the platform itself: may create tenants and jurisdictions, never read a tenant's raw data
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # raised by signing out: session and password-grant tokens carrying an older number are refused
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiClient(Timestamped, Base):
    """A program that obtains tokens by OAuth2 client credentials and acts with its owner's roles."""

    __tablename__ = "api_client"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoleGrant(Timestamped, Base):
    """A role a user holds on one organisation (tenant roles, supplier, verifier) or one jurisdiction
    (park administrator, government viewer)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "organisation_id", "jurisdiction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"),
                                                        index=True)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction.id", ondelete="CASCADE"),
                                                        index=True)


class SignInThrottle(Base):
    """Wrong credentials counted per account, API client or network address, and until when that key is refused
    (a backoff after a few failures, a temporary lock after many)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # "account:<e-mail>", "client:<id>", "address:<ip>"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure: Mapped[float] = mapped_column(Float, default=0.0)  # seconds since the epoch
    locked_until: Mapped[float] = mapped_column(Float, default=0.0)


class AuthState(Base):
    """One row counting changes to who may sign in and what they hold (grants, clients, sign-outs): a process
    keeps resolved principals in memory until this number moves."""

    __tablename__ = "auth_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
