"""Text packs: licensed item texts of a scale, imported by the organisation that holds the licence.

The file is JSON::

    {
      "format": "sob-scale-texts/1",
      "scale": "core-om",
      "scale_version": "1.0",           # optional; must match the installed scale's version
      "licence_note": "Licensed to Region X until 2027",   # optional
      "languages": {
        "sv": {"items": {"1": "...", ..., "34": "..."},
               "options": ["...", "...", "...", "...", "..."]},
        "en": {...}
      }
    }

``options`` is either one list shared by every item (in the printed order) or a mapping from item
id to that item's list. Every item and every option must have a non-empty text.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ScaleTextPack
from ..types import LANGUAGES, Scale, ScaleItem

FORMAT = "sob-scale-texts/1"


class TextPackError(ValueError):
    """The text pack cannot be imported; the message names what is wrong."""


def parse(raw: str | bytes, scales: dict[str, Scale]) -> tuple[Scale, dict[str, Any], str]:
    """The scale a pack is for, its cleaned texts per language and its licence note."""
    data = _load(raw)
    scale = _scale_of(data, scales)
    languages = data.get("languages")
    if not isinstance(languages, dict) or "sv" not in languages:
        raise TextPackError('"languages" must hold at least Swedish ("sv")')
    cleaned = {lang: _language(scale, lang, texts) for lang, texts in languages.items()}
    return scale, cleaned, str(data.get("licence_note", ""))[:500]


def _load(raw: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise TextPackError(f"the file is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise TextPackError("the file must hold one JSON object")
    if data.get("format") != FORMAT:
        raise TextPackError(f'"format" must be "{FORMAT}"')
    return data


def _scale_of(data: dict[str, Any], scales: dict[str, Scale]) -> Scale:
    """The installed scale a pack names, which must need a pack and be of the pack's version."""
    name = data.get("scale")
    scale = scales.get(name) if isinstance(name, str) else None
    if scale is None:
        raise TextPackError(f"scale {data.get('scale')!r} is not installed")
    if scale.texts_shipped:
        raise TextPackError(f"{scale.id} ships its own texts; no text pack is needed")
    version = data.get("scale_version")
    if version is not None and version != scale.version:
        raise TextPackError(
            f"the pack is for {scale.id} version {version}, the installed scale is {scale.version}"
        )
    return scale


def _language(scale: Scale, lang: str, texts: Any) -> dict[str, Any]:
    """One language's item and option texts, checked against the scale's items."""
    if lang not in LANGUAGES:
        raise TextPackError(f"unsupported language {lang!r}; use sv or en")
    if not isinstance(texts, dict):
        raise TextPackError(f"languages.{lang} must be an object")
    items = _items(scale, lang, texts.get("items"))
    options = texts.get("options")
    per_item = {
        item.id: _options(item, lang, options) for item in scale.items if item.kind == "choice"
    }
    return {"items": dict(items), "options": per_item}


def _items(scale: Scale, lang: str, items: Any) -> dict[str, str]:
    item_ids = [item.id for item in scale.items]
    if not isinstance(items, dict):
        raise TextPackError(f"languages.{lang}.items must map item numbers to texts")
    if len(items) != len(item_ids):
        raise TextPackError(
            f"languages.{lang}.items has {len(items)} items; {scale.id} has {len(item_ids)}"
        )
    unknown = sorted(set(items) - set(item_ids))
    if unknown:
        raise TextPackError(f"languages.{lang}.items has unknown item ids: {', '.join(unknown)}")
    for item_id in item_ids:
        if not isinstance(items.get(item_id), str) or not items[item_id].strip():
            raise TextPackError(f"languages.{lang}.items.{item_id} needs a text")
    return items


def _options(item: ScaleItem, lang: str, options: Any) -> list[str]:
    """A choice item's option texts: from a per-item mapping, or one list shared by all items."""
    row = options.get(item.id) if isinstance(options, dict) else options
    if not isinstance(row, list) or len(row) != len(item.scores):
        raise TextPackError(
            f"languages.{lang}.options for item {item.id} must list {len(item.scores)} option texts"
        )
    if not all(isinstance(o, str) and o.strip() for o in row):
        raise TextPackError(f"languages.{lang}.options for item {item.id} has an empty text")
    return list(row)


def import_pack(session: Session, raw: str | bytes, scales: dict[str, Scale]) -> ScaleTextPack:
    """Validate and store (or replace) a scale's text pack; nothing is stored when invalid."""
    scale, texts, note = parse(raw, scales)
    pack = session.scalar(select(ScaleTextPack).where(ScaleTextPack.scale_id == scale.id))
    if pack is None:
        pack = ScaleTextPack(scale_id=scale.id)
        session.add(pack)
    pack.scale_version = scale.version
    pack.data = texts
    pack.licence_note = note
    session.commit()
    return pack
