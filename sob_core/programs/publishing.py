"""Publishing: freeze a draft as the next major.minor, with who may start it.

From publication on the database refuses to change a version's content or number (the
``before_update`` guard in ``models.programs``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content import editing
from ..models import Program, ProgramCatalogue, ProgramVersion, Region
from ..plugins import Registry
from . import facts
from .errors import DraftFrozen, ProgramCodedError

LABEL_RE = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")


def _latest_number(session: Session, program_id: int) -> tuple[int, int] | None:
    row = session.execute(
        select(ProgramVersion.major, ProgramVersion.minor)
        .where(ProgramVersion.program_id == program_id, ProgramVersion.major.is_not(None))
        .order_by(ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        .limit(1)
    ).first()
    if row is None or row.major is None or row.minor is None:  # numbered rows only: the query
        return None
    return row.major, row.minor


def _next_number(latest: tuple[int, int] | None, bump: str) -> tuple[int, int]:
    if bump not in ("minor", "major"):
        raise ProgramCodedError("bad_bump")
    if latest is None:
        return 1, 0
    return (latest[0] + 1, 0) if bump == "major" else (latest[0], latest[1] + 1)


def next_label(session: Session, program: Program, bump: str = "minor") -> str:
    """The number the next publication gets: 1.0 first, then x.(y+1) or (x+1).0."""
    major, minor = _next_number(_latest_number(session, program.id), bump)
    return f"{major}.{minor}"


def clean_eligibility(session: Session, eligibility: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"regions": [codes], "sex": None|"female"|"male", "min_age": n|None, "max_age": n|None}``.

    An empty region list means every region.
    """
    eligibility = dict(eligibility or {})
    regions = eligibility.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(c, str) for c in regions):
        raise ProgramCodedError("bad_regions")
    known = (
        set(session.scalars(select(Region.code).where(Region.code.in_(regions))))
        if regions
        else set()
    )
    unknown = sorted(set(regions) - known)
    if unknown:
        raise ProgramCodedError("unknown_region", codes=", ".join(unknown))
    sex = eligibility.get("sex") or None
    if sex not in (None, "female", "male"):
        raise ProgramCodedError("bad_sex")
    ages: dict[str, int | None] = {}
    for name in ("min_age", "max_age"):
        value = eligibility.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130
        ):
            raise ProgramCodedError("bad_ages")
        ages[name] = value
    if (
        ages["min_age"] is not None
        and ages["max_age"] is not None
        and ages["min_age"] > ages["max_age"]
    ):
        raise ProgramCodedError("ages_crossed")
    return {"regions": sorted(set(regions)), "sex": sex, **ages}


def set_eligibility(
    session: Session,
    version: ProgramVersion,
    *,
    is_open: bool,
    eligibility: Mapping[str, Any] | None,
    draft: ProgramVersion | None = None,
) -> None:
    """Who may start the offered version themselves (open or not, and its eligibility).

    Allowed on a published version: the immutability guard leaves ``is_open`` and
    ``eligibility`` free. ``draft``, the program's current draft, gets the same, so that
    publishing it later does not bring the old rules back.
    """
    if version.status != "published":
        raise ProgramCodedError("not_offered")
    cleaned = clean_eligibility(session, eligibility) if is_open else {}
    for target in (version, draft):
        if target is None:
            continue
        target.is_open = bool(is_open)
        target.eligibility = copy.deepcopy(cleaned)
    session.flush()


def pin_forms(content: dict[str, Any], latest: Mapping[str, int]) -> None:
    """Pin every form item whose form is in ``latest`` to that version (in place)."""
    for module in content.get("modules", []):
        for item in module.get("items", []):
            if item.get("form_key") in latest:
                item["form_version"] = latest[item["form_key"]]


def _refuse_unchanged(
    session: Session,
    draft: ProgramVersion,
    content: Mapping[str, Any],
    is_open: bool,
    eligibility: Mapping[str, Any] | None,
) -> None:
    """A draft identical to the version it was started from would only add a number."""
    if draft.based_on_id is None:
        return
    base = session.get(ProgramVersion, draft.based_on_id)
    if base is None or base.content != content or base.is_open != is_open:
        return
    if is_open and clean_eligibility(session, eligibility) != (base.eligibility or {}):
        return
    raise ProgramCodedError("no_changes", label=base.label)


def publish(
    session: Session,
    draft: ProgramVersion,
    *,
    publisher_id: int,
    registry: Registry,
    bump: str = "minor",
    is_open: bool = False,
    eligibility: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> ProgramVersion:
    """Freeze a draft as the next major.minor; form items are pinned to their latest versions.

    The first publication also puts the owner care unit in the program's catalogue. ``now`` is
    the moment of publication (the clock when left out; the demo dates its programmes back).
    """
    if draft.status != "draft":
        raise DraftFrozen("already_published", label=draft.label)
    content = editing.editable(draft.content)
    known = facts.known(session, registry, content)
    pin_forms(content, {key: fact.latest for key, fact in known.forms.items()})
    cleaned = facts.clean(content, registry, known, for_publish=True)
    _refuse_unchanged(session, draft, cleaned, bool(is_open), eligibility)
    program = draft.program
    latest = _latest_number(session, program.id)
    major, minor = _next_number(latest, bump)
    cleaned_eligibility = clean_eligibility(session, eligibility) if is_open else {}
    draft.content = cleaned
    draft.major, draft.minor = major, minor
    draft.status = "published"
    draft.is_open = bool(is_open)
    draft.eligibility = copy.deepcopy(cleaned_eligibility)
    draft.published_at = now or datetime.now(UTC)
    draft.published_by_id = publisher_id
    if program.publisher_id is None:
        program.publisher_id = publisher_id
    if latest is None:
        listed = session.scalar(
            select(ProgramCatalogue.id).where(
                ProgramCatalogue.program_id == program.id,
                ProgramCatalogue.care_unit_id == program.owner_care_unit_id,
            )
        )
        if listed is None:
            session.add(
                ProgramCatalogue(program_id=program.id, care_unit_id=program.owner_care_unit_id)
            )
    session.flush()
    return draft
