"""What content validation needs from the database: facts about forms and media files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content import rules
from ..content.checks import ContentError, FormFacts, Known
from ..media import storage as storage_service
from ..models import Form, FormVersion, MediaFile, ScaleTextPack
from ..plugins import Registry
from .errors import ProgramContentError


def _scale_texts_installed(session: Session, registry: Registry, scale_ids: set[str]) -> set[str]:
    """The scales among ``scale_ids`` that are installed with their item texts."""
    packs = (
        set(
            session.scalars(
                select(ScaleTextPack.scale_id).where(ScaleTextPack.scale_id.in_(scale_ids))
            )
        )
        if scale_ids
        else set()
    )
    return {
        sid
        for sid in scale_ids
        if sid in registry.scales and (registry.scales[sid].texts_shipped or sid in packs)
    }


def form_facts(session: Session, registry: Registry, keys: Iterable[str]) -> dict[str, FormFacts]:
    """Facts about the forms with these keys (two queries, whatever the number)."""
    keys = set(keys)
    if not keys:
        return {}
    rows = session.execute(
        select(Form.key, FormVersion.version, FormVersion.scale_id, FormVersion.definition)
        .join(FormVersion, FormVersion.form_id == Form.id)
        .where(Form.key.in_(keys))
        .order_by(Form.key, FormVersion.version)
    ).all()
    facts: dict[str, FormFacts] = {}
    for key, version, scale_id, definition in rows:
        types = [q.get("type") for q in (definition or {}).get("questions", [])]
        fact = facts.get(key)
        if fact is None:
            fact = facts[key] = FormFacts(key, set(), version, scale_id, types)
        fact.versions.add(version)
        if version >= fact.latest:
            fact.latest, fact.scale_id, fact.question_types = version, scale_id, types
    installed = _scale_texts_installed(
        session, registry, {f.scale_id for f in facts.values() if f.scale_id}
    )
    for fact in facts.values():
        fact.texts_installed = fact.scale_id is None or fact.scale_id in installed
    return facts


def known(session: Session, registry: Registry, content: Mapping[str, Any]) -> Known:
    """The forms and media files ``content`` refers to, as they are in the database."""
    form_keys, media_ids = rules.referenced(content)
    media: dict[int, str] = {}
    if media_ids:
        for media_id, content_type in session.execute(
            select(MediaFile.id, MediaFile.content_type).where(MediaFile.id.in_(media_ids))
        ):
            media_type = storage_service.BY_CONTENT_TYPE.get(content_type)
            media[media_id] = media_type.kind if media_type else "unknown"
    return Known(forms=form_facts(session, registry, form_keys), media=media)


def clean(
    content: Any, registry: Registry, facts: Known, *, for_publish: bool = False
) -> dict[str, Any]:
    """``rules.clean`` raising the programs' ``ProgramContentError``."""
    try:
        return rules.clean(content, registry, facts, for_publish)
    except ContentError as error:
        raise ProgramContentError.of(error) from None
