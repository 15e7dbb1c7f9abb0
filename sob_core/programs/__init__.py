"""Programs: content, drafts, publishing, the catalogue, what changed, export and import.

A program's content lives in versions (``ProgramVersion.content``, schema in its docstring). A draft
is edited freely; ``publish`` freezes it as major.minor and from then on the database refuses to
change its content or number (the ``before_update`` guard below). Editing a published program starts
a new draft from its latest published content.

Content rules (``validate_content``):

- every human text (program name, description, welcome text, module and item titles, a text item's
  body, an image's alt text, an audio transcript) is a local text ``{"sv": ..., "en": ...}``; a plain
  string is accepted on input and stored as ``{"sv": string}``. Only a text item's ``body`` is HTML,
  sanitised with nh3 to ``SAFE_TAGS``; every other text is plain and escaped where it is shown.
- module keys and item keys are unique across the program (one namespace) and never reused: progress
  rows, bookmarks and events refer to them. ``add_module``/``add_item`` generate them ("m3",
  "m3-i2") from counters kept in ``content["key_counters"]``, which survive deletions.
- unlock rules: ``at_start``, ``after_previous`` (not for the first module), ``days_after_start``
  with ``days`` >= 0, ``by_therapist``.
- item kinds: text (``body``), image (``media_id``, ``alt``), audio (``media_id``, optional
  ``transcript``), video (``media_id`` with ``captions_media_id``, or ``url`` on ``VIDEO_HOSTS``;
  a link is shown as a link, never embedded: the CSP forbids frames), form (``form_key``; publishing
  pins ``form_version`` to that form's latest version).
- publishing also needs at least one module, and at least one item in every module.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import nh3
from flask import has_request_context
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from ..media import storage as storage_service
from ..models import (
    CareUnit,
    Form,
    FormVersion,
    MediaFile,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Region,
    ScaleTextPack,
)
from ..models.programs import ProgramError, VersionFrozen
from ..plugins import Registry
from ..types import KEY_RE as FORM_KEY_RE
from ..types import local

FORMAT = "sob-program/1"
KINDS = ("support", "treatment")
ITEM_KINDS = ("text", "image", "audio", "video", "form")
UNLOCK_RULES = ("at_start", "after_previous", "days_after_start", "by_therapist")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LABEL_RE = re.compile(r"^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$")
MAX_DAYS = 3650

#: Hosts a video link may point to (https only). Shown as a link, never embedded.
VIDEO_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "youtu.be",
        "vimeo.com",
        "www.vimeo.com",
        "player.vimeo.com",
        "play.vgregion.se",
    }
)

SAFE_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "h2", "h3", "a"})

#: Item fields by kind (besides key, kind and title); anything else is dropped.
ITEM_FIELDS = {
    "text": ("body",),
    "image": ("media_id", "alt"),
    "audio": ("media_id", "transcript"),
    "video": ("media_id", "captions_media_id", "url"),
    "form": ("form_key", "form_version"),
}
#: Which media kind each media field of an item must hold.
MEDIA_FIELDS = {
    ("image", "media_id"): "image",
    ("audio", "media_id"): "audio",
    ("video", "media_id"): "video",
    ("video", "captions_media_id"): "captions",
}


class ProgramContentError(ProgramError):
    """Program content that breaks a rule; the message names the module or item."""


class ProgramImportError(ProgramError):
    """An export file that cannot be imported; nothing was imported."""


def _(message: str, **values: Any) -> str:
    """The user's language in a request; English elsewhere (command line, jobs, tests)."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


# --- texts --------------------------------------------------------------------------------------


def sanitise_html(text: str) -> str:
    """Keep only ``SAFE_TAGS``; links only http, https and mailto, with rel="noopener noreferrer"."""
    return nh3.clean(
        text,
        tags=set(SAFE_TAGS),
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_LOOKS_LIKE_HTML = re.compile(
    r"</?(?:p|br|strong|em|b|i|u|ul|ol|li|h[1-6]|a|div|span|script|style|iframe|img|table|"
    r"object|embed|svg|form|input|link|meta)\b",
    re.IGNORECASE,
)


_BLOCK_TAG = re.compile(r"<(?:p|ul|ol|li|h2|h3)\b", re.IGNORECASE)


def _paragraphs(text: str, escape: bool) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    clean = html.escape if escape else (lambda line: line)
    return "".join(
        "<p>" + "<br>".join(clean(line.strip()) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def body_from_input(text: str) -> str:
    """A designer's text as safe HTML: paragraphs at blank lines unless the HTML has its own."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not _LOOKS_LIKE_HTML.search(text):
        return _paragraphs(text, escape=True)
    if not _BLOCK_TAG.search(text):
        text = _paragraphs(text, escape=False)
    return sanitise_html(text)


def plain_text(body: str) -> str:
    """The words of an HTML body, without tags (for the list of changes)."""
    text = nh3.clean(re.sub(r"<(br|/p|/li|/h2|/h3)\s*/?>", " ", body or ""), tags=set())
    return " ".join(html.unescape(text).split())


def _local_text(value: Any, where: str, what: str, required: bool) -> dict[str, str]:
    if value is None:
        value = {}
    if isinstance(value, str):
        value = {"sv": value}
    if not isinstance(value, Mapping):
        raise ProgramContentError(_("%(where)s: %(what)s must be a text.", where=where, what=what))
    out: dict[str, str] = {}
    for lang, text in value.items():
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2}", lang):
            raise ProgramContentError(
                _("%(where)s: %(what)s has an unknown language.", where=where, what=what)
            )
        if not isinstance(text, str):
            raise ProgramContentError(
                _("%(where)s: %(what)s must be a text.", where=where, what=what)
            )
        if text.strip():
            out[lang] = text.strip()
    if required and not out.get("sv"):
        raise ProgramContentError(_("%(where)s: %(what)s is missing.", where=where, what=what))
    return out


def _int(value: Any, where: str, what: str, low: int, high: int = MAX_DAYS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProgramContentError(
            _(
                "%(where)s: %(what)s must be a whole number from %(low)s to %(high)s.",
                where=where,
                what=what,
                low=low,
                high=high,
            )
        )
    return value


# --- validation ---------------------------------------------------------------------------------


@dataclass
class FormFacts:
    """What content validation needs to know about one form."""

    key: str
    versions: set[int]
    latest: int
    scale_id: str | None
    question_types: list[str]
    texts_installed: bool = True


@dataclass
class Known:
    """The forms and media content may refer to (from the database, or from an import file)."""

    forms: dict[str, FormFacts] = field(default_factory=dict)
    media: dict[int, str] = field(default_factory=dict)  # id -> media kind


def _module_where(number: int, module: Mapping[str, Any]) -> str:
    title = module.get("title")
    name = local(title) if isinstance(title, Mapping) else title if isinstance(title, str) else ""
    if name:
        return _("Module %(number)s (%(title)s)", number=number, title=name)
    return _("Module %(number)s", number=number)


def _item_where(module_where: str, number: int, item: Mapping[str, Any]) -> str:
    title = item.get("title")
    name = local(title) if isinstance(title, Mapping) else title if isinstance(title, str) else ""
    if name:
        return f"{module_where} › {name}"
    return f"{module_where} › " + _("item %(number)s", number=number)


def _referenced(content: Mapping[str, Any]) -> tuple[set[str], set[int]]:
    form_keys: set[str] = set()
    media_ids: set[int] = set()
    modules = content.get("modules") if isinstance(content, Mapping) else None
    for module in modules if isinstance(modules, list) else []:
        items = module.get("items") if isinstance(module, Mapping) else None
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            if isinstance(item.get("form_key"), str):
                form_keys.add(item["form_key"])
            for name in ("media_id", "captions_media_id"):
                value = item.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    media_ids.add(value)
    return form_keys, media_ids


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


def _known(session: Session, registry: Registry, content: Mapping[str, Any]) -> Known:
    form_keys, media_ids = _referenced(content)
    media: dict[int, str] = {}
    if media_ids:
        for media_id, content_type in session.execute(
            select(MediaFile.id, MediaFile.content_type).where(MediaFile.id.in_(media_ids))
        ):
            media_type = storage_service.BY_CONTENT_TYPE.get(content_type)
            media[media_id] = media_type.kind if media_type else "unknown"
    return Known(forms=form_facts(session, registry, form_keys), media=media)


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from flask import current_app

    return current_app.extensions["sob"].registry


def _check_form(fact: FormFacts | None, key: Any, registry: Registry, where: str) -> None:
    if fact is None:
        raise ProgramContentError(
            _("%(where)s: there is no form %(key)s.", where=where, key=repr(key))
        )
    if fact.scale_id and fact.scale_id not in registry.scales:
        raise ProgramContentError(
            _(
                "%(where)s: the form %(key)s needs the scale %(scale)s, which is not installed.",
                where=where,
                key=fact.key,
                scale=fact.scale_id,
            )
        )
    if not fact.texts_installed:
        raise ProgramContentError(
            _(
                "%(where)s: the texts of the scale %(scale)s are not installed.",
                where=where,
                scale=fact.scale_id,
            )
        )
    missing = sorted({t for t in fact.question_types if t not in registry.question_types})
    if missing:
        raise ProgramContentError(
            _(
                "%(where)s: the form %(key)s uses question types that are not installed: %(types)s.",
                where=where,
                key=fact.key,
                types=", ".join(map(str, missing)),
            )
        )


def check_video_url(url: Any, where: str) -> str:
    """A video link on an allowed host (``VIDEO_HOSTS``, https only), or ``ProgramContentError``."""
    if not isinstance(url, str) or not url.strip():
        raise ProgramContentError(_("%(where)s: the video needs a file or a link.", where=where))
    url = url.strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or host not in VIDEO_HOSTS or parts.username or parts.password:
        raise ProgramContentError(
            _(
                "%(where)s: video links must start with https:// and lead to one of %(hosts)s.",
                where=where,
                hosts=", ".join(sorted(VIDEO_HOSTS)),
            )
        )
    return url


def _clean_item(
    raw: Any, number: int, module_where: str, known: Known, registry: Registry
) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise ProgramContentError(
            _("%(where)s: item %(number)s is not an object.", where=module_where, number=number)
        )
    where = _item_where(module_where, number, raw)
    kind = raw.get("kind")
    if kind not in ITEM_KINDS:
        raise ProgramContentError(
            _(
                "%(where)s: the kind %(kind)s is unknown (use %(kinds)s).",
                where=where,
                kind=repr(kind),
                kinds=", ".join(ITEM_KINDS),
            )
        )
    item: dict[str, Any] = {
        "key": raw.get("key"),
        "kind": kind,
        "title": _local_text(raw.get("title"), where, _("the title"), required=True),
    }
    if kind == "text":
        body = _local_text(raw.get("body"), where, _("the text"), required=False)
        item["body"] = {lang: sanitise_html(text) for lang, text in body.items()}
        item["body"] = {lang: text for lang, text in item["body"].items() if text}
        if not item["body"].get("sv"):
            raise ProgramContentError(_("%(where)s: the text is missing.", where=where))
    elif kind == "image":
        item["alt"] = _local_text(raw.get("alt"), where, _("the alt text"), required=True)
    elif kind == "audio":
        transcript = _local_text(raw.get("transcript"), where, _("the transcript"), required=False)
        if transcript:
            item["transcript"] = transcript
    elif kind == "video":
        has_file = raw.get("media_id") is not None
        has_url = bool(raw.get("url"))
        if has_file == has_url:
            raise ProgramContentError(
                _(
                    "%(where)s: a video has either an uploaded file or a link, not both.",
                    where=where,
                )
                if has_file
                else _("%(where)s: the video needs a file or a link.", where=where)
            )
        if has_url:
            item["url"] = check_video_url(raw.get("url"), where)
        elif raw.get("captions_media_id") is None:
            raise ProgramContentError(
                _("%(where)s: an uploaded video needs a captions file (WebVTT).", where=where)
            )
    elif kind == "form":
        key = raw.get("form_key")
        fact = known.forms.get(key) if isinstance(key, str) else None
        _check_form(fact, key, registry, where)
        item["form_key"] = key
        pinned = raw.get("form_version")
        if pinned is not None:
            if (
                isinstance(pinned, bool)
                or not isinstance(pinned, int)
                or pinned not in fact.versions
            ):
                raise ProgramContentError(
                    _(
                        "%(where)s: the form %(key)s has no version %(version)s.",
                        where=where,
                        key=key,
                        version=pinned,
                    )
                )
            item["form_version"] = pinned
    for (item_kind, name), media_kind in MEDIA_FIELDS.items():
        if item_kind != kind or (name not in raw or raw.get(name) is None):
            continue
        if kind == "video" and "url" in item:
            continue
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value not in known.media:
            raise ProgramContentError(
                _("%(where)s: the file %(id)s does not exist.", where=where, id=repr(value))
            )
        if known.media[value] != media_kind:
            raise ProgramContentError(
                _("%(where)s: the file %(id)s is not of the right kind.", where=where, id=value)
            )
        item[name] = value
    if kind in ("image", "audio") and "media_id" not in item:
        raise ProgramContentError(_("%(where)s: the file is missing.", where=where))
    return item


def _clean_unlock(raw: Any, where: str, first: bool) -> dict[str, Any]:
    if isinstance(raw, str):
        raw = {"rule": raw}
    if not isinstance(raw, Mapping) or raw.get("rule") not in UNLOCK_RULES:
        rule = raw.get("rule") if isinstance(raw, Mapping) else raw
        raise ProgramContentError(
            _(
                "%(where)s: the unlock rule %(rule)s is unknown (use %(rules)s).",
                where=where,
                rule=repr(rule),
                rules=", ".join(UNLOCK_RULES),
            )
        )
    rule = raw["rule"]
    if rule == "after_previous" and first:
        raise ProgramContentError(
            _(
                "%(where)s: the first module cannot wait for a previous module; "
                "choose another unlock rule.",
                where=where,
            )
        )
    if rule == "days_after_start":
        return {"rule": rule, "days": _int(raw.get("days"), where, _("the number of days"), 0)}
    return {"rule": rule}


def _number(key: str, prefix: str) -> int:
    match = re.fullmatch(re.escape(prefix) + r"([0-9]{1,9})", key)
    return int(match.group(1)) if match else 0


def _clean(
    content: Any, registry: Registry, known: Known, for_publish: bool = False
) -> dict[str, Any]:
    """A normalised, sanitised copy of ``content``, or ``ProgramContentError``."""
    if not isinstance(content, Mapping):
        raise ProgramContentError(_("The program content must be an object."))
    program = _("The program")
    out: dict[str, Any] = {
        "name": _local_text(content.get("name"), program, _("the name"), required=True),
        "description": _local_text(
            content.get("description"), program, _("the description"), required=False
        ),
        "welcome": _local_text(
            content.get("welcome"), program, _("the welcome text"), required=False
        ),
        "recommended_days": _int(
            content.get("recommended_days"), program, _("the recommended number of days"), 1
        ),
        "modules": [],
    }
    modules = content.get("modules", [])
    if not isinstance(modules, list):
        raise ProgramContentError(_("The program's modules must be a list."))
    seen: set[str] = set()

    def unique(key: Any, where: str) -> str:
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ProgramContentError(
                _(
                    "%(where)s: the key %(key)s must be 1-64 lower-case letters, digits, '-' or '_'.",
                    where=where,
                    key=repr(key),
                )
            )
        if key in seen:
            raise ProgramContentError(
                _("%(where)s: the key %(key)s is used twice in the program.", where=where, key=key)
            )
        seen.add(key)
        return key

    for index, raw in enumerate(modules, start=1):
        if not isinstance(raw, Mapping):
            raise ProgramContentError(
                _("%(where)s is not an object.", where=_("Module %(number)s", number=index))
            )
        where = _module_where(index, raw)
        module: dict[str, Any] = {
            "key": unique(raw.get("key"), where),
            "title": _local_text(raw.get("title"), where, _("the title"), required=True),
            "recommended_days": _int(
                raw.get("recommended_days"), where, _("the recommended number of days"), 1
            ),
            "unlock": _clean_unlock(raw.get("unlock", "at_start"), where, first=index == 1),
            "items": [],
        }
        description = _local_text(
            raw.get("description"), where, _("the description"), required=False
        )
        if description:
            module["description"] = description
        items = raw.get("items", [])
        if not isinstance(items, list):
            raise ProgramContentError(_("%(where)s: the items must be a list.", where=where))
        for number, raw_item in enumerate(items, start=1):
            item = _clean_item(raw_item, number, where, known, registry)
            item["key"] = unique(item["key"], _item_where(where, number, raw_item))
            module["items"].append(item)
        if for_publish and not module["items"]:
            raise ProgramContentError(
                _("%(where)s has no content; add at least one item.", where=where)
            )
        out["modules"].append(module)
    if for_publish and not out["modules"]:
        raise ProgramContentError(_("The program needs at least one module to be published."))
    out["key_counters"] = _counters(content.get("key_counters"), out["modules"])
    return out


def _counters(raw: Any, modules: list[dict[str, Any]]) -> dict[str, Any]:
    """Key counters never go below a number in use, so generated keys are never reused."""
    raw = raw if isinstance(raw, Mapping) else {}
    raw_items = raw.get("items") if isinstance(raw.get("items"), Mapping) else {}

    def count(value: Any) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    counters: dict[str, Any] = {
        "modules": max([count(raw.get("modules"))] + [_number(m["key"], "m") for m in modules]),
        "items": {k: count(v) for k, v in raw_items.items() if isinstance(k, str) and count(v)},
    }
    for module in modules:
        used = [_number(i["key"], module["key"] + "-i") for i in module["items"]]
        current = counters["items"].get(module["key"], 0)
        top = max([current, *used])
        if top:
            counters["items"][module["key"]] = top
    return counters


def prepare_content(
    session: Session,
    registry: Registry | None,
    content: Mapping[str, Any],
    *,
    for_publish: bool = False,
) -> dict[str, Any]:
    """Validate ``content`` and return its normalised, sanitised copy (what gets stored)."""
    registry = _registry(registry)
    return _clean(content, registry, _known(session, registry, content), for_publish)


def validate_content(session: Session, registry: Registry | None, content: dict) -> None:
    """Raise ``ProgramContentError`` naming the module or item when ``content`` breaks a rule."""
    prepare_content(session, registry, content)


# --- programs and drafts ------------------------------------------------------------------------


def create_program(
    session: Session,
    *,
    key: str,
    kind: str,
    owner_care_unit_id: int,
    content: dict,
    created_by_id: int | None = None,
    registry: Registry | None = None,
) -> ProgramVersion:
    """A new program and its first draft."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ProgramContentError(
            _("The program key must be 1-64 lower-case letters, digits, '-' or '_'.")
        )
    if kind not in KINDS:
        raise ProgramContentError(_("A program is either a support or a treatment program."))
    if session.scalar(select(Program.id).where(Program.key == key)) is not None:
        raise ProgramError(_("There is already a program with the key %(key)s.", key=key))
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
    session: Session, draft: ProgramVersion, content: dict, *, registry: Registry | None = None
) -> None:
    """Replace a draft's content (validated); a published version refuses with ``VersionFrozen``."""
    if draft.status != "draft":
        raise VersionFrozen(
            _(
                "Version %(label)s is published and cannot change; start a new draft.",
                label=draft.label,
            )
        )
    draft.content = prepare_content(session, registry, content)
    session.flush()


def current_draft(session: Session, program: Program) -> ProgramVersion | None:
    return session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program.id, ProgramVersion.status == "draft")
        .order_by(ProgramVersion.id.desc())
    )


def start_draft(session: Session, program: Program, *, created_by_id: int | None) -> ProgramVersion:
    """A new draft copying the latest published content; the existing draft when there is one."""
    existing = current_draft(session, program)
    if existing is not None:
        return existing
    base = latest_published(session, program)
    if base is None:
        raise ProgramError(_("The program has neither a draft nor a published version."))
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


def latest_published(session: Session, program: Program) -> ProgramVersion | None:
    return session.scalar(
        select(ProgramVersion)
        .where(ProgramVersion.program_id == program.id, ProgramVersion.status == "published")
        .order_by(ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        .limit(1)
    )


def _latest_number(session: Session, program_id: int) -> tuple[int, int] | None:
    row = session.execute(
        select(ProgramVersion.major, ProgramVersion.minor)
        .where(ProgramVersion.program_id == program_id, ProgramVersion.major.is_not(None))
        .order_by(ProgramVersion.major.desc(), ProgramVersion.minor.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def next_label(session: Session, program: Program, bump: str = "minor") -> str:
    """The number the next publication gets: 1.0 first, then x.(y+1) or (x+1).0."""
    major, minor = _next_number(_latest_number(session, program.id), bump)
    return f"{major}.{minor}"


def _next_number(latest: tuple[int, int] | None, bump: str) -> tuple[int, int]:
    if bump not in ("minor", "major"):
        raise ProgramError(_("Choose a minor or a major version."))
    if latest is None:
        return 1, 0
    return (latest[0] + 1, 0) if bump == "major" else (latest[0], latest[1] + 1)


def clean_eligibility(session: Session, eligibility: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"regions": [codes], "sex": None|"female"|"male", "min_age": n|None, "max_age": n|None}``.

    An empty region list means every region.
    """
    eligibility = dict(eligibility or {})
    regions = eligibility.get("regions") or []
    if not isinstance(regions, list) or not all(isinstance(c, str) for c in regions):
        raise ProgramError(_("The regions must be a list of region codes."))
    known = (
        set(session.scalars(select(Region.code).where(Region.code.in_(regions))))
        if regions
        else set()
    )
    unknown = sorted(set(regions) - known)
    if unknown:
        raise ProgramError(_("Unknown region: %(codes)s.", codes=", ".join(unknown)))
    sex = eligibility.get("sex") or None
    if sex not in (None, "female", "male"):
        raise ProgramError(_("Sex must be female, male or either."))
    ages: dict[str, int | None] = {}
    for name in ("min_age", "max_age"):
        value = eligibility.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 130
        ):
            raise ProgramError(_("Ages must be whole numbers from 0 to 130."))
        ages[name] = value
    if (
        ages["min_age"] is not None
        and ages["max_age"] is not None
        and ages["min_age"] > ages["max_age"]
    ):
        raise ProgramError(_("The lowest age cannot be above the highest age."))
    return {"regions": sorted(set(regions)), "sex": sex, **ages}


def publish(
    session: Session,
    draft: ProgramVersion,
    *,
    publisher_id: int,
    bump: str = "minor",
    is_open: bool = False,
    eligibility: dict | None = None,
    registry: Registry | None = None,
) -> ProgramVersion:
    """Freeze a draft as the next major.minor; form items are pinned to their latest versions.

    The first publication also puts the owner care unit in the program's catalogue.
    """
    if draft.status != "draft":
        raise VersionFrozen(_("Version %(label)s is already published.", label=draft.label))
    registry = _registry(registry)
    content = copy.deepcopy(draft.content)
    known = _known(session, registry, content)
    for module in content.get("modules", []):
        for item in module.get("items", []):
            if item.get("kind") == "form" and item.get("form_key") in known.forms:
                item["form_version"] = known.forms[item["form_key"]].latest
    cleaned = _clean(content, registry, known, for_publish=True)
    program = draft.program
    major, minor = _next_number(_latest_number(session, program.id), bump)
    cleaned_eligibility = clean_eligibility(session, eligibility) if is_open else {}
    first = _latest_number(session, program.id) is None
    draft.content = cleaned
    draft.major, draft.minor = major, minor
    draft.status = "published"
    draft.is_open = bool(is_open)
    draft.eligibility = cleaned_eligibility
    draft.published_at = datetime.now(UTC)
    draft.published_by_id = publisher_id
    if program.publisher_id is None:
        program.publisher_id = publisher_id
    if first:
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


# --- the catalogue ------------------------------------------------------------------------------


def catalogue_unit_ids(session: Session, program: Program) -> set[int]:
    return set(
        session.scalars(
            select(ProgramCatalogue.care_unit_id).where(ProgramCatalogue.program_id == program.id)
        )
    )


def set_catalogue(session: Session, program: Program, care_unit_ids: Iterable[int]) -> None:
    """The care units that may use the program: exactly these."""
    wanted = set(care_unit_ids)
    if wanted:
        existing_units = set(session.scalars(select(CareUnit.id).where(CareUnit.id.in_(wanted))))
        if existing_units != wanted:
            raise ProgramError(_("Unknown care unit."))
    rows = session.scalars(
        select(ProgramCatalogue).where(ProgramCatalogue.program_id == program.id)
    ).all()
    for row in rows:
        if row.care_unit_id not in wanted:
            session.delete(row)
    for unit_id in wanted - {row.care_unit_id for row in rows}:
        session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit_id))
    session.flush()


def available_versions(session: Session, care_unit_id: int) -> list[ProgramVersion]:
    """The latest published version of each program in the unit's catalogue (one query)."""
    ranked = (
        select(
            ProgramVersion.id.label("id"),
            func.row_number()
            .over(
                partition_by=ProgramVersion.program_id,
                order_by=(ProgramVersion.major.desc(), ProgramVersion.minor.desc()),
            )
            .label("rank"),
        )
        .join(ProgramCatalogue, ProgramCatalogue.program_id == ProgramVersion.program_id)
        .where(ProgramCatalogue.care_unit_id == care_unit_id, ProgramVersion.status == "published")
        .subquery()
    )
    versions = session.scalars(
        select(ProgramVersion)
        .join(ranked, ranked.c.id == ProgramVersion.id)
        .where(ranked.c.rank == 1)
        .options(joinedload(ProgramVersion.program))
    ).all()
    return sorted(versions, key=lambda v: (local(v.content.get("name")).casefold(), v.program.key))


# --- reading and editing content ----------------------------------------------------------------


def find_module(content: Mapping[str, Any], module_key: str) -> dict:
    for module in content.get("modules", []):
        if module.get("key") == module_key:
            return module
    raise KeyError(module_key)


def find_item(content: Mapping[str, Any], item_key: str) -> tuple[dict, dict]:
    for module in content.get("modules", []):
        for item in module.get("items", []):
            if item.get("key") == item_key:
                return module, item
    raise KeyError(item_key)


def iter_items(content: Mapping[str, Any]) -> Iterator[tuple[dict, dict]]:
    for module in content.get("modules", []):
        for item in module.get("items", []):
            yield module, item


def _all_keys(content: Mapping[str, Any]) -> set[str]:
    keys = set()
    for module in content.get("modules", []):
        keys.add(module.get("key"))
        keys.update(item.get("key") for item in module.get("items", []))
    return keys


def _ensure_counters(content: dict[str, Any]) -> dict[str, Any]:
    counters = _counters(content.get("key_counters"), content.get("modules", []))
    content["key_counters"] = counters
    return counters


def new_module_key(content: dict[str, Any]) -> str:
    counters = _ensure_counters(content)
    used = _all_keys(content)
    number = counters["modules"] + 1
    while f"m{number}" in used:
        number += 1
    counters["modules"] = number
    return f"m{number}"


def new_item_key(content: dict[str, Any], module_key: str) -> str:
    counters = _ensure_counters(content)
    used = _all_keys(content)
    number = counters["items"].get(module_key, 0) + 1
    while f"{module_key}-i{number}" in used:
        number += 1
    counters["items"][module_key] = number
    return f"{module_key}-i{number}"


def add_module(content: dict[str, Any], module: Mapping[str, Any]) -> str:
    """Append a module (its key is generated); returns the key. Validate with ``update_draft``."""
    key = new_module_key(content)
    content.setdefault("modules", []).append({**module, "key": key, "items": []})
    return key


def add_item(content: dict[str, Any], module_key: str, item: Mapping[str, Any]) -> str:
    module = find_module(content, module_key)
    key = new_item_key(content, module_key)
    module.setdefault("items", []).append({**item, "key": key})
    return key


def _move(sequence: list, index: int, direction: str) -> None:
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(sequence):
        return
    sequence[index], sequence[target] = sequence[target], sequence[index]


def move_module(content: dict[str, Any], module_key: str, direction: str) -> None:
    modules = content.get("modules", [])
    index = modules.index(find_module(content, module_key))
    _move(modules, index, direction)


def move_item(content: dict[str, Any], item_key: str, direction: str) -> None:
    module, item = find_item(content, item_key)
    _move(module["items"], module["items"].index(item), direction)


def delete_module(content: dict[str, Any], module_key: str) -> None:
    _ensure_counters(content)
    content["modules"].remove(find_module(content, module_key))


def delete_item(content: dict[str, Any], item_key: str) -> None:
    _ensure_counters(content)
    module, item = find_item(content, item_key)
    module["items"].remove(item)


def media_ids(content: Mapping[str, Any]) -> set[int]:
    """Every media file the content refers to."""
    return _referenced(content)[1]


# --- what changed -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One difference between two versions' content."""

    kind: str  # added / removed / changed
    path: str  # "Modul 2 › Sömndagbok"
    field: str | None = None  # "title", "body", "unlock", "position" ... (None: the whole thing)
    old: Any = None
    new: Any = None
    module_key: str | None = None
    item_key: str | None = None


PROGRAM_FIELDS = ("name", "description", "welcome", "recommended_days")
MODULE_FIELDS = ("title", "description", "recommended_days", "unlock")
ITEM_DIFF_FIELDS = (
    "kind",
    "title",
    "body",
    "alt",
    "transcript",
    "media_id",
    "captions_media_id",
    "url",
    "form_key",
    "form_version",
)


def _shown(name: str, value: Any, lang: str) -> Any:
    if value is None:
        return None
    if name == "body" and isinstance(value, Mapping):
        return plain_text(local(value, lang))
    if isinstance(value, Mapping) and name not in ("unlock",):
        return local(value, lang)
    return value


def _common_order(old: list[str], new: list[str]) -> set[str]:
    """Keys in the longest common subsequence of two orders: those that did not move."""
    rows, cols = len(old), len(new)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            table[i][j] = (
                table[i + 1][j + 1] + 1
                if old[i] == new[j]
                else max(table[i + 1][j], table[i][j + 1])
            )
    kept, i, j = set(), 0, 0
    while i < rows and j < cols:
        if old[i] == new[j]:
            kept.add(old[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _field_changes(
    path: str,
    names: Iterable[str],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    lang: str,
    module_key: str | None = None,
    item_key: str | None = None,
) -> list[Change]:
    return [
        Change(
            "changed",
            path,
            name,
            _shown(name, old.get(name), lang),
            _shown(name, new.get(name), lang),
            module_key,
            item_key,
        )
        for name in names
        if (old.get(name) or None) != (new.get(name) or None)
    ]


def _positions(content: Mapping[str, Any]) -> tuple[dict, dict]:
    """Modules by key as (number, module); items by key as (module, number, item)."""
    modules = {m["key"]: (n, m) for n, m in enumerate(content.get("modules", []), start=1)}
    items = {
        i["key"]: (m, n, i)
        for m in content.get("modules", [])
        for n, i in enumerate(m.get("items", []), start=1)
    }
    return modules, items


def diff(
    old_content: Mapping[str, Any], new_content: Mapping[str, Any], lang: str = "sv"
) -> list[Change]:
    """What changed from ``old_content`` to ``new_content``, modules and items matched by key.

    Paths read "Modul 2 · Sömnrestriktion" for a module and "Modul 2 › Sömndagbok" for an item;
    texts come out in ``lang`` (HTML bodies as plain words); a move is a change of "position"
    (within a module) or of "module".
    """

    def module_name(number: int) -> str:
        return _("Module %(number)s", number=number)

    def title(thing: Mapping[str, Any]) -> str:
        return local(thing.get("title"), lang)

    changes = _field_changes(_("The program"), PROGRAM_FIELDS, old_content, new_content, lang)
    old_modules, old_items = _positions(old_content)
    new_modules, new_items = _positions(new_content)
    unmoved = _common_order(
        [k for k in old_modules if k in new_modules], [k for k in new_modules if k in old_modules]
    )
    for key, (number, module) in old_modules.items():
        if key not in new_modules:
            path = f"{module_name(number)} · {title(module)}"
            changes.append(Change("removed", path, None, title(module), None, key))
    for key, (number, module) in new_modules.items():
        path = f"{module_name(number)} · {title(module)}"
        old_module = old_modules.get(key, (None, None))[1]
        if old_module is None:
            changes.append(Change("added", path, None, None, title(module), key))
        else:
            old_number = old_modules[key][0]
            if key not in unmoved:
                changes.append(Change("changed", path, "position", old_number, number, key))
            changes += _field_changes(path, MODULE_FIELDS, old_module, module, lang, key)
        stayed = [
            i["key"]
            for i in module.get("items", [])
            if old_items.get(i["key"], ({},))[0] is old_module
        ]
        unmoved_items = _common_order(
            [i["key"] for i in (old_module or {}).get("items", []) if i["key"] in stayed], stayed
        )
        for item_number, item in enumerate(module.get("items", []), start=1):
            item_key, item_path = item["key"], f"{module_name(number)} › {title(item)}"
            if item_key not in old_items:
                changes.append(Change("added", item_path, None, None, title(item), key, item_key))
                continue
            old_parent, old_item_number, old_item = old_items[item_key]
            if old_parent is not old_module:
                moved = Change(
                    "changed", item_path, "module", title(old_parent), title(module), key, item_key
                )
                changes.append(moved)
            elif item_key not in unmoved_items:
                changes.append(
                    Change(
                        "changed",
                        item_path,
                        "position",
                        old_item_number,
                        item_number,
                        key,
                        item_key,
                    )
                )
            changes += _field_changes(
                item_path, ITEM_DIFF_FIELDS, old_item, item, lang, key, item_key
            )
    for item_key, (module, _number, item) in old_items.items():
        if item_key not in new_items:
            path = f"{module_name(old_modules[module['key']][0])} › {title(item)}"
            changes.append(
                Change("removed", path, None, title(item), None, module["key"], item_key)
            )
    return changes


# --- export and import --------------------------------------------------------------------------


def export_version(
    session: Session, version: ProgramVersion, *, storage: storage_service.Storage | None = None
) -> dict[str, Any]:
    """One self-contained JSON document: the version, the forms it uses and its media files."""
    if version.status == "draft":
        raise ProgramError(_("Only a published version can be exported."))
    storage = storage or storage_service.get_storage()
    content = version.content
    pinned: dict[str, int] = {}
    for _module, item in iter_items(content):
        if item.get("kind") == "form":
            pinned.setdefault(item["form_key"], item.get("form_version"))
    forms = []
    for key, number in sorted(pinned.items()):
        form = session.scalar(select(Form).where(Form.key == key))
        if form is None:
            raise ProgramError(_("The form %(key)s is missing.", key=key))
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
    ids = sorted(media_ids(content))
    rows = (
        {m.id: m for m in session.scalars(select(MediaFile).where(MediaFile.id.in_(ids)))}
        if ids
        else {}
    )
    for media_id in ids:
        row = rows.get(media_id)
        if row is None:
            raise ProgramError(_("The file %(id)s is missing.", id=media_id))
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
            "content": content,
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


def _fail(message: str) -> ProgramImportError:
    return ProgramImportError(message)


def _load(data: Mapping[str, Any] | bytes | str) -> Mapping[str, Any]:
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, ValueError) as error:
            raise _fail(_("The file is not a program export (it is not JSON).")) from error
    if not isinstance(data, Mapping):
        raise _fail(_("The file is not a program export."))
    if data.get("format") != FORMAT:
        raise _fail(
            _(
                "The file has the format %(found)s; this installation reads %(expected)s.",
                found=repr(data.get("format")),
                expected=FORMAT,
            )
        )
    return data


def _check_import_forms(
    session: Session, registry: Registry, entries: Any
) -> tuple[list[_ImportedForm], dict[str, FormFacts]]:
    from ..forms import FormDefinitionError, validate_definition

    if not isinstance(entries, list):
        raise _fail(_("The file's forms must be a list."))
    imported: list[_ImportedForm] = []
    facts: dict[str, FormFacts] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("key"), str):
            raise _fail(_("A form in the file has no key."))
        key = entry["key"]
        if key in facts:
            raise _fail(_("The form %(key)s is in the file twice.", key=key))
        if not FORM_KEY_RE.match(key):
            raise _fail(_("The form key %(key)s is not valid.", key=repr(key)))
        definition = entry.get("definition")
        title = entry.get("title")
        if not isinstance(definition, Mapping) or not isinstance(title, Mapping):
            raise _fail(_("The form %(key)s has no definition or title.", key=key))
        try:
            validate_definition(definition, registry)
        except FormDefinitionError as error:
            raise _fail(
                _("The form %(key)s cannot be used here: %(reason)s", key=key, reason=error)
            ) from error
        scale_id = entry.get("scale_id")
        if scale_id is not None and scale_id not in registry.scales:
            raise _fail(
                _(
                    "The form %(key)s needs the scale %(scale)s, which is not installed.",
                    key=key,
                    scale=scale_id,
                )
            )
        existing = session.scalar(select(Form).where(Form.key == key))
        reuse = None
        if existing is not None:
            latest = existing.latest
            if latest.definition != definition or latest.scale_id != scale_id:
                raise _fail(
                    _(
                        "A different form with the key %(key)s exists here; "
                        "rename one of them before importing.",
                        key=key,
                    )
                )
            reuse = latest
        number = reuse.version if reuse is not None else 1
        types = [q.get("type") for q in definition.get("questions", [])]
        facts[key] = FormFacts(key, {number}, number, scale_id, types, texts_installed=True)
        imported.append(_ImportedForm(key, dict(entry), reuse))
    return imported, facts


def _check_import_media(entries: Any, max_bytes: int) -> list[_ImportedMedia]:
    if not isinstance(entries, list):
        raise _fail(_("The file's media must be a list."))
    out: list[_ImportedMedia] = []
    seen: set[int] = set()
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise _fail(_("A file in the export is not described."))
        media_id = entry.get("id")
        if isinstance(media_id, bool) or not isinstance(media_id, int) or media_id in seen:
            raise _fail(_("A file in the export has no unique id."))
        seen.add(media_id)
        name = entry.get("filename") if isinstance(entry.get("filename"), str) else "file"
        try:
            data = base64.b64decode(entry.get("data") or "", validate=True)
        except (binascii.Error, ValueError, TypeError) as error:
            raise _fail(_("The file %(name)s is damaged (not base64).", name=name)) from error
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise _fail(_("The file %(name)s is damaged (its checksum does not match).", name=name))
        try:
            media_type = storage_service.check_media_bytes(
                data, entry.get("content_type"), max_bytes
            )
        except storage_service.UploadError as error:
            raise _fail(
                _("The file %(name)s cannot be used: %(reason)s", name=name, reason=error)
            ) from error
        out.append(_ImportedMedia(media_id, name, media_type, data))
    return out


def _remap(content: dict[str, Any], forms: Mapping[str, int], media: Mapping[int, int]) -> None:
    for _module, item in iter_items(content):
        if item.get("kind") == "form" and item.get("form_key") in forms:
            item["form_version"] = forms[item["form_key"]]
        for name in ("media_id", "captions_media_id"):
            if item.get(name) in media:
                item[name] = media[item[name]]


def import_program(
    session: Session,
    registry: Registry | None,
    data: dict | bytes,
    *,
    care_unit_id: int,
    key: str | None = None,
    imported_by_id: int | None = None,
    storage: storage_service.Storage | None = None,
    max_media_bytes: int | None = None,
) -> ProgramVersion:
    """Import an export file as a new program of ``care_unit_id``, published and in its catalogue.

    Everything is checked before anything is written; any error raises ``ProgramImportError`` and
    leaves the database as it was (the session is rolled back if writing fails half-way).
    """
    registry = _registry(registry)
    document = _load(data)
    program_part = document.get("program")
    version_part = document.get("version")
    if not isinstance(program_part, Mapping) or not isinstance(version_part, Mapping):
        raise _fail(_("The file lacks the program or its version."))
    new_key = key or program_part.get("key")
    if not isinstance(new_key, str) or not KEY_RE.match(new_key):
        raise _fail(_("The program key %(key)s is not valid.", key=repr(new_key)))
    if session.scalar(select(Program.id).where(Program.key == new_key)) is not None:
        raise _fail(
            _(
                "There is already a program with the key %(key)s; import it under another key.",
                key=new_key,
            )
        )
    kind = program_part.get("kind")
    if kind not in KINDS:
        raise _fail(_("The program kind %(kind)s is unknown.", kind=repr(kind)))
    label = version_part.get("label")
    match = LABEL_RE.match(label) if isinstance(label, str) else None
    if match is None:
        raise _fail(_("The version number %(label)s is not valid.", label=repr(label)))
    major, minor = int(match.group(1)), int(match.group(2))
    if session.get(CareUnit, care_unit_id) is None:
        raise _fail(_("Unknown care unit."))
    is_open = bool(version_part.get("is_open"))
    try:
        eligibility = clean_eligibility(session, version_part.get("eligibility")) if is_open else {}
    except ProgramError as error:
        raise _fail(str(error)) from error

    if max_media_bytes is None:
        max_media_bytes = storage_service.max_upload_bytes()
    forms, facts = _check_import_forms(session, registry, document.get("forms", []))
    media = _check_import_media(document.get("media", []), max_media_bytes)
    content = version_part.get("content")
    if not isinstance(content, Mapping):
        raise _fail(_("The file's version has no content."))
    content = copy.deepcopy(dict(content))
    _remap(content, {f.key: facts[f.key].latest for f in forms}, {})
    known = Known(forms=facts, media={m.old_id: m.media_type.kind for m in media})
    try:
        cleaned = _clean(content, registry, known, for_publish=True)
    except ProgramContentError as error:
        raise _fail(str(error)) from error
    for _module, item in iter_items(cleaned):
        if item["kind"] == "form":
            item["form_version"] = facts[item["form_key"]].latest

    storage = storage or storage_service.get_storage()
    from ..forms import create_form

    try:
        for imported in forms:
            if imported.reuse is None:
                entry = imported.entry
                create_form(
                    session,
                    registry,
                    key=imported.key,
                    title=entry["title"],
                    intro=entry.get("intro") or {},
                    questions=entry["definition"]["questions"],
                    results=entry["definition"].get("results", []),
                    scale_id=entry.get("scale_id"),
                    care_unit_id=care_unit_id,
                )
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
        _remap(cleaned, {}, new_ids)
        program = Program(
            key=new_key, kind=kind, owner_care_unit_id=care_unit_id, publisher_id=imported_by_id
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
            published_at=datetime.now(UTC),
            published_by_id=imported_by_id,
        )
        session.add(version)
        session.add(ProgramCatalogue(program_id=program.id, care_unit_id=care_unit_id))
        session.flush()
    except Exception as error:
        session.rollback()
        if isinstance(error, ProgramImportError):
            raise
        raise _fail(
            _("The import failed and nothing was imported: %(reason)s", reason=error)
        ) from error
    return version
