"""The demo sign-ins: their password (CARBONTRAIL_DEMO_PASSWORD, else the documented default), and the users every
part of the demo creates with their roles."""

from __future__ import annotations

import os
from collections.abc import Iterable

from sqlalchemy.orm import Session, sessionmaker

from carbontrail.services import accounts
from carbontrail.store.db import transaction
from carbontrail.store.repositories import accounts as account_repo

DEFAULT_DEMO_PASSWORD = "carbontrail-demo"


def demo_password() -> str:
    return os.environ.get("CARBONTRAIL_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def demo_users(sessions: sessionmaker[Session], password: str,
               users: Iterable[tuple[str, str, str | None, str | None]]) -> list[str]:
    """Each (e-mail, role, organisation, jurisdiction): the user, named by its e-mail, unless it exists, and the role
    granted (again, harmlessly, on a second load); the e-mails created."""
    with sessions() as s:
        existing = account_repo.emails(s)
    created = []
    for email, role, organisation, jurisdiction in users:
        if email not in existing:
            accounts.create_user(sessions, email, password, name=email.split("@")[0], actor="demo")
            created.append(email)
        with transaction(sessions) as s:
            accounts.grant_in(s, email, role, organisation=organisation, jurisdiction=jurisdiction, actor="demo")
    return created
