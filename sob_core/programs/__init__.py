"""Programs: drafts, publishing, the catalogue, and export/import; the content itself is
``sob_core.content``.

This module is the facade other packages use (``from .. import programs``); the work is in
``drafts``, ``publishing``, ``catalogue``, ``interchange`` and ``facts``. The content names kept
here (``diff``, ``find_item``, ``body_from_input`` ...) are re-exported from ``sob_core.content``
for callers that have not moved yet.

The services take the plugin registry. ``create_program``, ``update_draft``, ``publish``,
``prepare_content``, ``validate_content`` and ``import_program`` still accept ``registry=None``
here, and then use the application's: the demo loader and older tests call them that way. New
code passes the registry (the web has it as ``current_app.extensions["sob"].registry``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..content.checks import KEY_RE, MAX_DAYS, VIDEO_HOSTS, FormFacts, Known
from ..content.diff import MODULE_FIELDS, PROGRAM_FIELDS, Change
from ..content.diff import diff as _diff
from ..content.editing import (
    add_item,
    add_module,
    delete_item,
    delete_module,
    find_item,
    find_module,
    move_item,
    move_module,
    new_item_key,
    new_module_key,
)
from ..content.html import SAFE_TAGS, body_from_input, plain_text, sanitise_html
from ..content.kinds import ITEM_KINDS, MEDIA_FIELDS
from ..content.schema import ProgramContent
from ..content.unlock import UNLOCK_RULES
from ..models import ProgramVersion
from ..models.programs import ProgramError, VersionFrozen
from ..plugins import Registry
from . import drafts, interchange, publishing
from .catalogue import (
    available_versions,
    catalogue_unit_ids,
    latest_activations,
    offered_version,
    ongoing_on,
    relist,
    retire,
    set_catalogue,
)
from .drafts import KINDS, current_draft, latest_published, start_draft
from .errors import DraftFrozen, ProgramCodedError, ProgramContentError, ProgramImportError
from .facts import form_facts
from .interchange import FORMAT, export_bytes, export_filename, export_version
from .publishing import LABEL_RE, clean_eligibility, next_label, set_eligibility

__all__ = [
    "FORMAT",
    "ITEM_KINDS",
    "KEY_RE",
    "KINDS",
    "LABEL_RE",
    "MAX_DAYS",
    "MEDIA_FIELDS",
    "MODULE_FIELDS",
    "PROGRAM_FIELDS",
    "SAFE_TAGS",
    "UNLOCK_RULES",
    "VIDEO_HOSTS",
    "Change",
    "DraftFrozen",
    "FormFacts",
    "Known",
    "ProgramCodedError",
    "ProgramContentError",
    "ProgramError",
    "ProgramImportError",
    "VersionFrozen",
    "add_item",
    "add_module",
    "available_versions",
    "body_from_input",
    "catalogue_unit_ids",
    "check_video_url",
    "clean_eligibility",
    "create_program",
    "current_draft",
    "delete_item",
    "delete_module",
    "diff",
    "export_bytes",
    "export_filename",
    "export_version",
    "find_item",
    "find_module",
    "form_facts",
    "import_program",
    "iter_items",
    "latest_activations",
    "latest_published",
    "media_ids",
    "move_item",
    "move_module",
    "new_item_key",
    "new_module_key",
    "next_label",
    "offered_version",
    "ongoing_on",
    "plain_text",
    "prepare_content",
    "publish",
    "relist",
    "retire",
    "sanitise_html",
    "set_catalogue",
    "set_eligibility",
    "start_draft",
    "update_draft",
    "validate_content",
]


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from flask import current_app

    return current_app.extensions["sob"].registry


def prepare_content(
    session, registry: Registry | None, content: Mapping[str, Any], *, for_publish: bool = False
) -> dict[str, Any]:
    return drafts.prepare_content(session, _registry(registry), content, for_publish=for_publish)


def validate_content(session, registry: Registry | None, content: Mapping[str, Any]) -> None:
    drafts.validate_content(session, _registry(registry), content)


def create_program(session, *, registry: Registry | None = None, **kwargs: Any) -> ProgramVersion:
    return drafts.create_program(session, registry=_registry(registry), **kwargs)


def update_draft(
    session, draft: ProgramVersion, content: Mapping[str, Any], *, registry: Registry | None = None
) -> None:
    drafts.update_draft(session, draft, content, registry=_registry(registry))


def publish(
    session, draft: ProgramVersion, *, registry: Registry | None = None, **kwargs: Any
) -> ProgramVersion:
    return publishing.publish(session, draft, registry=_registry(registry), **kwargs)


def import_program(session, registry: Registry | None, data: Any, **kwargs: Any) -> ProgramVersion:
    return interchange.import_program(session, _registry(registry), data, **kwargs)


def check_video_url(url: Any, where: Any) -> str:
    """A video link on an allowed host, or ``ProgramContentError``."""
    from ..content.checks import ContentError
    from ..content.checks import check_video_url as check

    try:
        return check(url, where)
    except ContentError as error:
        raise ProgramContentError.of(error) from None


def diff(old_content: Mapping[str, Any], new_content: Mapping[str, Any], lang: str = "sv"):
    """``content.diff.diff`` with English paths (the web passes its gettext to the original)."""
    return _diff(old_content, new_content, lang)


def iter_items(content: Mapping[str, Any]):
    """(module, item) of stored content, as typed objects."""
    return ProgramContent.from_json(content).items()


def media_ids(content: Mapping[str, Any]) -> set[int]:
    """Every media file stored content refers to."""
    return ProgramContent.from_json(content).media_ids()
