"""Demo data: regions, care units, staff in every role, citizens, forms, programmes, stages.

The data set is files in `data/` (see `loader`); `sob demo` loads it, and loading twice changes
nothing. The demo login provider lists the people of `people.json` (`demo_people`) and refuses to
run when demo mode is off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# The loader and the ORM are imported inside the functions: `import sob_core` (which
# re-exports `demo_people`) must not load them.


def load(session: Session, host: Any, *, now: datetime | None = None) -> dict[str, int]:
    """Load the demo set and return what was created, by kind.

    The caller passes the session and the plugin host (an app's is ``app.extensions["sob"]``): the
    domain does not reach for Flask. `loader.load` is the same and also says what it skipped.
    """
    from . import loader

    return loader.load(session, host, now=now).counts


def demo_people(
    audience: str, role_label: Callable[[str], str] = str
) -> list[tuple[str, str, str]]:
    """The demo people present in the database: ``(identifier, name, description)``.

    A staff member's description names her roles through ``role_label`` (the web passes one that
    gives each role key its name in the user's language; the domain knows no translations).
    """
    from sqlalchemy import select

    from ..extensions import db
    from ..identity import personnummer
    from ..models import Citizen, Staff
    from . import loader

    people = loader.read("people.json")
    if audience == "staff":
        rows = db.session.scalars(
            select(Staff)
            .where(Staff.hsa_id.in_([s["hsa_id"] for s in people["staff"]]))
            .order_by(Staff.name)
        )
        out = []
        for staff in rows:
            roles = sorted({r.role for r in staff.roles})
            out.append((staff.hsa_id, staff.name, ", ".join(role_label(r) for r in roles)))
        return out
    numbers = [personnummer.parse(c["personnummer"]).number for c in people["citizens"]]
    citizens = db.session.scalars(
        select(Citizen).where(Citizen.personnummer.in_(numbers)).order_by(Citizen.name)
    )
    return [(c.personnummer, c.name, c.formatted_personnummer) for c in citizens]
