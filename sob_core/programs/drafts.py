"""Programs and their drafts: create a program, change a draft, start a new draft.

A draft is edited freely; ``publishing.publish`` freezes it. Every write goes through
``prepare_content``, so what is stored is always validated and normalised.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.checks import KEY_RE
from ..models import Program, ProgramVersion
from ..plugins import Registry
from . import facts
from .errors import DraftFrozen, ProgramCodedError

KINDS = ("support", "treatment")


def prepare_content(
    session: Session, registry: Registry, content: Mapping[str, Any], *, for_publish: bool = False
) -> dict[str, Any]:
    """Validate ``content`` and return its normalised, sanitised copy (what gets stored)."""
    return facts.clean(
        content, registry, facts.known(session, registry, content), for_publish=for_publish
    )


def validate_content(session: Session, registry: Registry, content: Mapping[str, Any]) -> None:
    """Raise ``ProgramContentError`` naming the module or item when ``content`` breaks a rule."""
    prepare_content(session, registry, content)


def create_program(
    session: Session,
    *,
    registry: Registry,
    key: str,
    kind: str,
    owner_care_unit_id: int,
    content: Mapping[str, Any],
    created_by_id: int | None = None,
) -> ProgramVersion:
    """A new program and its first draft."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ProgramCodedError("bad_program_key")
    if kind not in KINDS:
        raise ProgramCodedError("bad_program_kind")
    if session.scalar(select(Program.id).where(Program.key == key)) is not None:
        raise ProgramCodedError("program_exists", key=key)
    cleaned = prepare_content(session, registry, content)
    program = Program(key=key, kind=kind, owner_care_unit_id=owner_care_unit_id)
    session.add(program)
    session.flush()
    draft = ProgramVersion(
        program=program,
        status="draft",
        content=cleaned,
        is_open=False,
        eligibility={},
        created_by_id=created_by_id,
    )
    session.add(draft)
    session.flush()
    return draft


def update_draft(
    session: Session, draft: ProgramVersion, content: Mapping[str, Any], *, registry: Registry
) -> None:
    """Replace a draft's content (validated); a published version refuses with ``VersionFrozen``."""
    if draft.status != "draft":
        raise DraftFrozen("draft_frozen", label=draft.label)
    draft.content = prepare_content(session, registry, content)
    session.flush()


def current_draft(session: Session, program: Program) -> ProgramVersion | None:
    return session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program.id, ProgramVersion.status == "draft")
        .order_by(ProgramVersion.id.desc())
    )


def latest_published(session: Session, program: Program) -> ProgramVersion | None:
    return session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program.id, ProgramVersion.status == "published")
        .order_by(ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        .limit(1)
    )


def start_draft(session: Session, program: Program, *, created_by_id: int | None) -> ProgramVersion:
    """A new draft copying the latest published content; the existing draft when there is one.

    With every version retired, the draft copies the newest retired one (so a programme taken
    out of the catalogue can still be corrected and published again).
    """
    existing = current_draft(session, program)
    if existing is not None:
        return existing
    base = latest_published(session, program) or session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program.id, ProgramVersion.status == "retired")
        .order_by(ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        .limit(1)
    )
    if base is None:
        raise ProgramCodedError("no_version")
    draft = ProgramVersion(
        program_id=program.id,
        status="draft",
        content=copy.deepcopy(base.content),
        is_open=base.is_open,
        eligibility=copy.deepcopy(base.eligibility or {}),
        based_on_id=base.id,
        created_by_id=created_by_id,
    )
    session.add(draft)
    session.flush()
    return draft
