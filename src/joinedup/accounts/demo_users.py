"""Demo accounts: one per role, each a real practitioner of the synthetic data where the
role works with children, so that each has legitimate relationships to real children.

The password is published (the demo prints it): these accounts are for synthetic data only.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, case, func, or_, select

from joinedup.accounts import store
from joinedup.errors import Conflict
from joinedup.governance.roles import Role
from joinedup.store.tables import delivery, involvement, practitioner

DEMO_PASSWORD = "demo-password-synthetic-only"  # noqa: S105 - published on purpose


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: Role
    agency: str
    display_name: str
    team: str | None
    practitioner_key: str | None
    phone: str | None = None  # the practitioner's work contact details, from their feed
    email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "password": DEMO_PASSWORD,
            "role": self.role.value,
            "agency": self.agency,
            "display_name": self.display_name,
            "team": self.team,
            "practitioner_key": self.practitioner_key,
            "phone": self.phone,
            "email": self.email,
        }


def _newest_extract(connection: Connection) -> Any:
    return connection.execute(select(func.max(delivery.c.extracted_at))).scalar()


def busiest_practitioner(
    connection: Connection, agency: str, role_like: str | None = None, team: str | None = None
) -> tuple[str, str, str | None] | None:
    """(key, name, team) of the agency's practitioner with the most involvements active on
    the newest extract date (then with the most involvements at all)."""
    newest = _newest_extract(connection)
    on = newest.date() if newest is not None else None
    is_active = or_(involvement.c.end_date.is_(None), involvement.c.end_date >= on)
    active = func.sum(case((is_active, 1), else_=0)) if on is not None else func.count()
    query = (
        select(practitioner.c.practitioner_key, practitioner.c.name, practitioner.c.team)
        .join(
            involvement,
            (involvement.c.agency_id == practitioner.c.agency_id)
            & (involvement.c.practitioner_key == practitioner.c.practitioner_key),
        )
        .where(practitioner.c.agency_id == agency)
        .group_by(practitioner.c.practitioner_key, practitioner.c.name, practitioner.c.team)
        .order_by(active.desc(), func.count().desc(), practitioner.c.practitioner_key)
        .limit(1)
    )
    if role_like:
        query = query.where(practitioner.c.role.ilike(f"%{role_like}%"))
    if team:
        query = query.where(practitioner.c.team == team)
    row = connection.execute(query).first()
    return None if row is None else (row.practitioner_key, row.name, row.team)


def _any_in_team(
    connection: Connection, agency: str, team: str | None
) -> tuple[str, str, str | None] | None:
    if team is None:
        return None
    row = connection.execute(
        select(practitioner.c.practitioner_key, practitioner.c.name, practitioner.c.team)
        .where(practitioner.c.agency_id == agency, practitioner.c.team == team)
        .order_by(practitioner.c.practitioner_key)
        .limit(1)
    ).first()
    return None if row is None else (row.practitioner_key, row.name, row.team)


def _reach(connection: Connection, agency: str, key: str | None) -> tuple[str | None, str | None]:
    """(work phone, secure email) of the agency's practitioner ``key``, as its feed gives."""
    if key is None:
        return None, None
    row = connection.execute(
        select(practitioner.c.phone, practitioner.c.email).where(
            practitioner.c.agency_id == agency, practitioner.c.practitioner_key == key
        )
    ).first()
    return (None, None) if row is None else (row.phone, row.email)


def choose(connection: Connection) -> list[DemoUser]:
    """The demo's users, chosen from the loaded data."""
    users: list[DemoUser] = []

    def practitioner_user(
        username: str, role: Role, agency: str, fallback: str, **where: Any
    ) -> None:
        found = busiest_practitioner(connection, agency, **where) or _any_in_team(
            connection, agency, where.get("team")
        )
        key, name, team = found if found else (None, fallback, None)
        phone, email = _reach(connection, agency, key)
        users.append(DemoUser(username, role, agency, name or fallback, team, key, phone, email))

    practitioner_user(
        "social.worker",
        Role.SOCIAL_WORKER,
        "social_care",
        "Demo Social Worker",
        role_like="social worker",
    )
    practitioner_user("school.dsl", Role.SCHOOL_DSL, "education", "Demo School DSL")
    practitioner_user("health.lead", Role.HEALTH_SAFEGUARDING_LEAD, "health", "Demo Health Lead")
    practitioner_user(
        "mash.practitioner",
        Role.MASH_PRACTITIONER,
        "social_care",
        "Demo MASH Practitioner",
        team="Front Door MASH",
    )
    # An officer of the police feed's officers.csv; a store without one: the public
    # protection unit's mailbox.
    officer = _any_in_team(connection, "police", "Public Protection Unit")
    key, name, team = officer or (
        "public.protection@police.exampleshire.example",
        "Demo Police Safeguarding Officer",
        "Public Protection Unit",
    )
    phone, email = _reach(connection, "police", key)
    users.append(
        DemoUser(
            "police.officer",
            Role.POLICE_SAFEGUARDING_OFFICER,
            "police",
            name,
            team,
            key,
            phone,
            email,
        )
    )
    for username, role, title in (
        ("privacy.officer", Role.PRIVACY_OFFICER, "Demo Privacy Officer"),
        ("analyst", Role.PARTNERSHIP_ANALYST, "Demo Partnership Analyst"),
        ("admin", Role.ADMINISTRATOR, "Demo Administrator"),
    ):
        users.append(DemoUser(username, role, "social_care", title, None, None))
    return users


def create(engine: Engine) -> list[dict[str, Any]]:
    """Create (or keep, when already there) one account per role; returns their details
    with the demo password."""
    with engine.begin() as connection:
        users = choose(connection)
        for user in users:
            with suppress(Conflict):
                store.create(
                    connection,
                    username=user.username,
                    role=user.role.value,
                    agency=user.agency,
                    display_name=user.display_name,
                    password=DEMO_PASSWORD,
                    team=user.team,
                    practitioner_key=user.practitioner_key,
                    created_by="demo",
                )
    return [u.to_dict() for u in users]
