"""Who is asking: a principal (a user, directly or through one of their API clients) and the roles it holds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    """One role a principal holds, on an organisation or on a jurisdiction."""

    role: str
    organisation_id: int | None = None
    organisation: str | None = None
    jurisdiction_id: int | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (directly or through one of their API clients) and the roles they hold."""

    user_id: int
    email: str
    name: str
    platform_admin: bool
    grants: tuple[Grant, ...]
    client_id: str | None = None
    locale: str = "zh_CN"
    session_version: int = 0  # the user's sign-out counter when this principal was read

    @property
    def actor(self) -> str:
        """How the audit trail names this principal."""
        return f"{self.email} (client {self.client_id})" if self.client_id else self.email
