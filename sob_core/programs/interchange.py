"""Export and import of one published version as a ``sob-program/1`` JSON document.

The document holds the version's content, the forms it uses and its media files, so another
installation can import it without anything else.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..content.checks import KEY_RE, ContentError, FormFacts, Known
from ..content.messages import CodedError
from ..content.schema import ProgramContent
from ..jsonio import TooDeep, loads_bounded
from ..media import storage as storage_service
from ..models import (
    CareUnit,
    Form,
    FormVersion,
    MediaFile,
    Program,
    ProgramCatalogue,
    ProgramVersion,
)
from ..models.programs import ProgramError
from ..plugins import Registry
from ..types import KEY_RE as FORM_KEY_RE
from . import facts as facts_service
from .drafts import KINDS
from .errors import ProgramCodedError, ProgramImportError
from .publishing import LABEL_RE, clean_eligibility, pin_forms

FORMAT = "sob-program/1"


def export_version(
    session: Session, version: ProgramVersion, *, storage: storage_service.Storage | None = None
) -> dict[str, Any]:
    """One self-contained JSON document: the version, the forms it uses and its media files."""
    if version.status == "draft":
        raise ProgramCodedError("export_draft")
    storage = storage or storage_service.get_storage()
    content = ProgramContent.from_json(version.content)
    forms = []
    wanted: dict[str, int | None] = dict(content.pinned_forms())
    for battery in content.batteries:  # a battery's forms travel too (their latest version)
        for key in battery.get("form_keys") or []:
            wanted.setdefault(str(key), None)
    for key, number in sorted(wanted.items()):
        form = session.scalar(select(Form).where(Form.key == key))
        if form is None:
            raise ProgramCodedError("export_form_missing", key=key)
        chosen = next((v for v in form.versions if v.version == number), None) or form.latest
        forms.append(
            {
                "key": key,
                "version": chosen.version,
                "title": chosen.title,
                "intro": chosen.intro or {},
                "scale_id": chosen.scale_id,
                "definition": chosen.definition,
            }
        )
    media = []
    # the programme's own files and those its forms' questions show (``forms.question_media``)
    from ..forms.question_media import media_ids as question_media_ids

    shown: set[int] = set()
    for entry in forms:
        definition = entry["definition"]
        shown |= question_media_ids(definition if isinstance(definition, Mapping) else {})
    ids = sorted(content.media_ids() | shown)
    rows = (
        {m.id: m for m in session.scalars(select(MediaFile).where(MediaFile.id.in_(ids)))}
        if ids
        else {}
    )
    for media_id in ids:
        row = rows.get(media_id)
        if row is None:
            raise ProgramCodedError("export_file_missing", id=media_id)
        data = storage_service.read_media(storage, row)
        media.append(
            {
                "id": row.id,
                "filename": row.filename,
                "content_type": row.content_type,
                "sha256": hashlib.sha256(data).hexdigest(),
                "data": base64.b64encode(data).decode("ascii"),
            }
        )
    return {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "program": {"key": version.program.key, "kind": version.program.kind},
        "version": {
            "label": version.label,
            "content": version.content,
            "is_open": bool(version.is_open),
            "eligibility": version.eligibility or {},
        },
        "forms": forms,
        "media": media,
    }


def export_bytes(session: Session, version: ProgramVersion, **kwargs: Any) -> bytes:
    return json.dumps(
        export_version(session, version, **kwargs), ensure_ascii=False, indent=1
    ).encode()


def export_filename(version: ProgramVersion) -> str:
    return f"{version.program.key}-{version.label}.sob-program.json"


@dataclass
class _ImportedForm:
    key: str
    entry: dict[str, Any]
    reuse: FormVersion | None  # an identical existing version, or None: create the form


@dataclass
class _ImportedMedia:
    old_id: int
    filename: str
    media_type: storage_service.MediaType
    data: bytes


def _load(data: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(data, bytes | str):
        try:
            data = loads_bounded(data)
        except TooDeep as error:
            raise ProgramImportError("too_deep", depth=error.max_depth) from error
        except (UnicodeDecodeError, ValueError) as error:
            raise ProgramImportError("not_json") from error
    if not isinstance(data, Mapping):
        raise ProgramImportError("not_an_export")
    if data.get("format") != FORMAT:
        raise ProgramImportError("wrong_format", found=repr(data.get("format")), expected=FORMAT)
    return data


def _check_import_forms(
    session: Session, registry: Registry, entries: Any, media: Mapping[int, str] | None = None
) -> tuple[list[_ImportedForm], dict[str, FormFacts]]:
    """The forms of an import, checked; ``media`` are the kinds of the document's files by their
    ids in the document (which a question's media names until ``_remap_questions``)."""
    from ..forms import FormDefinitionError, validate_definition

    if not isinstance(entries, list):
        raise ProgramImportError("forms_not_a_list")
    imported: list[_ImportedForm] = []
    facts: dict[str, FormFacts] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            raise ProgramImportError("form_without_key")
        key = entry["key"]
        if key in facts:
            raise ProgramImportError("form_twice", key=key)
        if not FORM_KEY_RE.match(key):
            raise ProgramImportError("bad_form_key", key=repr(key))
        definition = entry.get("definition")
        title = entry.get("title")
        if not isinstance(definition, Mapping) or not isinstance(title, Mapping):
            raise ProgramImportError("form_without_definition", key=key)
        try:
            validate_definition(
                definition,
                registry,
                media=dict(media or {}),
                scale_form=entry.get("scale_id") is not None,
            )
        except FormDefinitionError as error:
            raise ProgramImportError("form_unusable", key=key, reason=error) from error
        scale_id = entry.get("scale_id")
        if scale_id is not None and scale_id not in registry.scales:
            raise ProgramImportError("import_scale_missing", key=key, scale=scale_id)
        existing = session.scalar(select(Form).where(Form.key == key))
        reuse = None
        if existing is not None:
            latest = existing.latest
            if latest.definition != definition or latest.scale_id != scale_id:
                raise ProgramImportError("form_differs", key=key)
            reuse = latest
        number = reuse.version if reuse is not None else 1
        types = [q.get("type") for q in definition.get("questions", [])]
        facts[key] = FormFacts(key, {number}, number, scale_id, types, texts_installed=True)
        imported.append(_ImportedForm(key, dict(entry), reuse))
    return imported, facts


def _check_import_media(entries: Any, max_bytes: int) -> list[_ImportedMedia]:
    if not isinstance(entries, list):
        raise ProgramImportError("media_not_a_list")
    out: list[_ImportedMedia] = []
    seen: set[int] = set()
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ProgramImportError("media_undescribed")
        media_id = entry.get("id")
        if isinstance(media_id, bool) or not isinstance(media_id, int) or media_id in seen:
            raise ProgramImportError("media_without_id")
        seen.add(media_id)
        filename = entry.get("filename")
        name = filename if isinstance(filename, str) else "file"
        try:
            data = base64.b64decode(entry.get("data") or "", validate=True)
        except (binascii.Error, ValueError, TypeError) as error:
            raise ProgramImportError("media_not_base64", name=name) from error
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise ProgramImportError("media_checksum", name=name)
        try:
            media_type = storage_service.check_media_bytes(
                data, entry.get("content_type"), max_bytes
            )
        except storage_service.UploadError as error:
            raise ProgramImportError("media_unusable", name=name, reason=error) from error
        out.append(_ImportedMedia(media_id, name, media_type, data))
    return out


def _remap_media(content: dict[str, Any], media: Mapping[int, int]) -> None:
    from ..content.kinds import MEDIA_FIELDS

    for module in content.get("modules", []):
        for item in module.get("items", []):
            for name in MEDIA_FIELDS:
                if item.get(name) in media:
                    item[name] = media[item[name]]


def _check_header(
    session: Session, document: Mapping[str, Any], key: str | None, care_unit_id: int
) -> tuple[str, str, int, int, Mapping[str, Any]]:
    program_part = document.get("program")
    version_part = document.get("version")
    if not isinstance(program_part, Mapping) or not isinstance(version_part, Mapping):
        raise ProgramImportError("no_program_part")
    new_key = key or program_part.get("key")
    if not isinstance(new_key, str) or not KEY_RE.match(new_key):
        raise ProgramImportError("bad_import_key", key=repr(new_key))
    if session.scalar(select(Program.id).where(Program.key == new_key)) is not None:
        raise ProgramImportError("key_taken", key=new_key)
    kind = program_part.get("kind")
    if kind not in KINDS:
        raise ProgramImportError("bad_kind", kind=repr(kind))
    label = version_part.get("label")
    match = LABEL_RE.match(label) if isinstance(label, str) else None
    if match is None:
        raise ProgramImportError("bad_label", label=repr(label))
    if session.get(CareUnit, care_unit_id) is None:
        raise ProgramImportError("unknown_unit")
    return new_key, kind, int(match.group(1)), int(match.group(2)), version_part


def _remap_questions(questions: Any, media: Mapping[int, int]) -> list[Any]:
    """A form's questions with their media naming the files as stored here."""
    out = copy.deepcopy(list(questions))
    for question in out:
        shown = question.get("media") if isinstance(question, dict) else None
        if isinstance(shown, dict):
            for name in ("media_id", "captions_media_id"):
                if shown.get(name) in media:
                    shown[name] = media[shown[name]]
    return out


def import_program(
    session: Session,
    registry: Registry,
    data: Mapping[str, Any] | bytes,
    *,
    care_unit_id: int,
    key: str | None = None,
    imported_by_id: int | None = None,
    storage: storage_service.Storage | None = None,
    max_media_bytes: int | None = None,
    now: datetime | None = None,
) -> ProgramVersion:
    """Import an export file as a new program of ``care_unit_id``, published and in its catalogue.

    ``now`` is when the program is created and published (the clock when left out).

    Everything is checked before anything is written; any error raises ``ProgramImportError`` and
    leaves the database as it was (the session is rolled back if writing fails half-way).
    """
    document = _load(data)
    new_key, kind, major, minor, version_part = _check_header(session, document, key, care_unit_id)
    is_open = bool(version_part.get("is_open"))
    try:
        eligibility = clean_eligibility(session, version_part.get("eligibility")) if is_open else {}
    except CodedError as error:
        raise ProgramImportError.of(error) from error
    except ProgramError as error:
        raise ProgramImportError("failed", reason=error) from error

    if max_media_bytes is None:
        max_media_bytes = storage_service.max_upload_bytes()
    media = _check_import_media(document.get("media", []), max_media_bytes)
    forms, facts = _check_import_forms(
        session, registry, document.get("forms", []), {m.old_id: m.media_type.kind for m in media}
    )
    content = version_part.get("content")
    if not isinstance(content, Mapping):
        raise ProgramImportError("no_content")
    content = copy.deepcopy(dict(content))
    latest = {f.key: facts[f.key].latest for f in forms}
    pin_forms(content, latest)
    known = Known(forms=facts, media={m.old_id: m.media_type.kind for m in media})
    try:
        cleaned = facts_service.clean(content, registry, known, for_publish=True)
    except ContentError as error:
        raise ProgramImportError.of(error) from error
    pin_forms(cleaned, {key: fact.latest for key, fact in facts.items()})

    storage = storage or storage_service.get_storage()
    from ..forms import create_form

    try:
        new_ids: dict[int, int] = {}
        for file in media:
            row = storage_service.store_media(
                session,
                storage,
                file.data,
                filename=file.filename,
                media_type=file.media_type,
                care_unit_id=care_unit_id,
                uploaded_by_id=imported_by_id,
            )
            new_ids[file.old_id] = row.id
        session.flush()
        for imported in forms:
            if imported.reuse is None:
                entry = imported.entry
                create_form(
                    session,
                    registry,
                    key=imported.key,
                    title=entry["title"],
                    intro=entry.get("intro") or {},
                    questions=_remap_questions(entry["definition"]["questions"], new_ids),
                    results=entry["definition"].get("results", []),
                    scale_id=entry.get("scale_id"),
                    care_unit_id=care_unit_id,
                )
        _remap_media(cleaned, new_ids)
        now = now or datetime.now(UTC)
        program = Program(
            key=new_key,
            kind=kind,
            owner_care_unit_id=care_unit_id,
            publisher_id=imported_by_id,
            created_at=now,
        )
        session.add(program)
        session.flush()
        version = ProgramVersion(
            program=program,
            major=major,
            minor=minor,
            status="published",
            content=cleaned,
            is_open=is_open,
            eligibility=eligibility,
            created_by_id=imported_by_id,
            created_at=now,
            updated_at=now,
            published_at=now,
            published_by_id=imported_by_id,
        )
        session.add(version)
        session.add(ProgramCatalogue(program_id=program.id, care_unit_id=care_unit_id))
        session.flush()
    except Exception as error:
        session.rollback()
        if isinstance(error, ProgramImportError):
            raise
        raise ProgramImportError("failed", reason=error) from error
    return version
