"""Form drafts: the design tool's one mutable copy of a form, published as a new version.

A published ``FormVersion`` never changes. Building a new form, or editing a published one,
happens on a ``FormDraft``; ``publish`` validates the whole definition and writes the next
version (``definitions.create_form``), then deletes the draft. A save carries the revision the
designer's page was made from; an older one is refused with ``DraftConflict``, so two designers
never overwrite each other unseen.

The questions and results of a draft are checked one by one as they are edited (by the design
tool's forms); a draft may be incomplete (no questions yet). The whole is checked on publishing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Form, FormDraft, FormVersion
from ..models._types import utcnow
from ..plugins import Registry
from .definitions import FormDefinitionError, create_form


class DraftConflict(FormDefinitionError):
    """The draft was saved by someone else since this page was made from it."""


def open_draft(session: Session, form: Form, staff_id: int | None) -> FormDraft:
    """The form's draft: the one being edited, or a new copy of its latest version."""
    draft = session.scalar(select(FormDraft).where(FormDraft.form_id == form.id))
    if draft is not None:
        return draft
    latest = form.latest
    draft = FormDraft(
        key=form.key,
        form_id=form.id,
        care_unit_id=form.care_unit_id,
        based_on_version=latest.version,
        title=dict(latest.title),
        intro=dict(latest.intro or {}),
        scale_id=latest.scale_id,
        definition=copy.deepcopy(dict(latest.definition)),
        created_by_id=staff_id,
        updated_by_id=staff_id,
    )
    session.add(draft)
    session.flush()
    return draft


def save(
    session: Session,
    draft: FormDraft,
    *,
    revision: int,
    staff_id: int | None,
    definition: Mapping[str, Any] | None = None,
    title: Mapping[str, str] | None = None,
    intro: Mapping[str, str] | None = None,
) -> FormDraft:
    """Store what changed, if ``revision`` is still the draft's; else ``DraftConflict``.

    One conditional UPDATE (``revision`` = the page's), so of two saves made from the same page
    state exactly one wins.
    """
    values: dict[str, Any] = {
        "revision": FormDraft.revision + 1,
        "updated_at": utcnow(),
        "updated_by_id": staff_id,
    }
    if definition is not None:
        values["definition"] = copy.deepcopy(dict(definition))
    if title is not None:
        values["title"] = dict(title)
    if intro is not None:
        values["intro"] = dict(intro)
    result = session.execute(
        update(FormDraft)
        .where(FormDraft.id == draft.id, FormDraft.revision == revision)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise DraftConflict(
            "the form was changed by someone else since this page was opened; "
            "reload it and make the change again"
        )
    session.refresh(draft)
    return draft


def publish(
    session: Session, registry: Registry, draft: FormDraft, staff_id: int | None
) -> FormVersion:
    """The draft as the form's next published version (the whole definition is validated).

    Everything the draft holds is published, also what the editor does not show: an imported
    form's ``origin`` and ``groups`` (issue 16: publishing used to drop them)."""
    definition = dict(draft.definition or {})
    version = create_form(
        session,
        registry,
        key=draft.key,
        title=draft.title,
        intro=draft.intro,
        questions=definition.get("questions", []),
        results=definition.get("results", []),
        scale_id=draft.scale_id,
        care_unit_id=draft.care_unit_id,
        # an imported form's own identity and its groups, which the editor does not show
        origin=definition.get("origin"),
        groups=definition.get("groups"),
        kept=definition.get("kept"),
    )
    session.delete(draft)
    session.flush()
    return version


def discard(session: Session, draft: FormDraft) -> None:
    session.delete(draft)
    session.flush()
