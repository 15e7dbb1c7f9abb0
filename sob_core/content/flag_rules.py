"""Cleaning the programme's flag rules (``"flag_rules"`` of a programme's content document).

A rule is ``{"key", "kind", "severity" 1-3 (default 2), ...the kind's fields}``:

``band``            ``result_key`` ("phq-9.total", or a scale id "phq-9" for all its results),
                    ``bands`` (band slugs, at least one)
``threshold``       ``result_key``, ``above`` and/or ``below`` (numbers): fires at or above
                    ``above``, at or below ``below``
``critical_item``   ``scale`` (a scale id, or "all"): the scale plugins' critical items
``change``          ``result_key``, ``amount`` (> 0), ``direction`` up / down / any: the change
                    from the enrollment's first result of that key
``missed_form``     ``battery_keys`` (optional; none: every battery)
``inactivity``      ``days`` (1-365): no sign-in and no submission for that long
``unanswered_message`` ``days`` (1-365): a citizen's message with no later staff message
``staff_reminder``, ``activity_value``: always on; a rule only sets their severity.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .checks import KEY_RE, ContentError

KINDS = (
    "band",
    "threshold",
    "critical_item",
    "change",
    "missed_form",
    "inactivity",
    "unanswered_message",
    "staff_reminder",
    "activity_value",
)
DIRECTIONS = ("up", "down", "any")
RESULT_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}(\.[a-z0-9][a-z0-9_-]{0,63})?$")
MAX_RULES = 50
MAX_DAYS = 365


def _number(value: Any, number: int, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContentError("flag_rule_number", number=number, field=field)
    return value


def _days(value: Any, number: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ContentError("flag_rule_days", number=number, high=MAX_DAYS)
    return value


def _result_key(raw: dict[str, Any], number: int, registry: Any) -> str:
    key = raw.get("result_key")
    if not isinstance(key, str) or not RESULT_KEY_RE.fullmatch(key):
        raise ContentError("flag_rule_result_key", number=number)
    scale_id, _, sub_id = key.partition(".")
    scales = getattr(registry, "scales", None) or {}
    scale = scales.get(scale_id)
    if scale is not None and sub_id and sub_id not in {s.id for s in scale.subscales}:
        raise ContentError("flag_rule_result_key", number=number)
    return key


def _bands(raw: dict[str, Any], key: str, number: int, registry: Any) -> list[str]:
    bands = raw.get("bands")
    if (
        not isinstance(bands, list)
        or not bands
        or not all(isinstance(b, str) and KEY_RE.fullmatch(b) for b in bands)
    ):
        raise ContentError("flag_rule_bands", number=number)
    scale_id, _, sub_id = key.partition(".")
    scale = (getattr(registry, "scales", None) or {}).get(scale_id)
    if scale is not None:
        subs = [s for s in scale.subscales if not sub_id or s.id == sub_id]
        known = {
            b.slug for s in subs for group in (s.bands, *s.bands_by_sex.values()) for b in group
        }
        unknown = sorted(set(bands) - known)
        if unknown:
            raise ContentError("flag_rule_unknown_band", number=number, bands=", ".join(unknown))
    return list(dict.fromkeys(bands))


def clean_rule(raw: Any, number: int, registry: Any) -> dict[str, Any]:
    """One rule as stored; ``number`` (1, 2, ...) names it in the error."""
    if not isinstance(raw, dict):
        raise ContentError("flag_rule_not_valid", number=number)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise ContentError("flag_rule_key", number=number)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ContentError("flag_rule_kind", number=number)
    severity = raw.get("severity", 2)
    if isinstance(severity, bool) or severity not in (1, 2, 3):
        raise ContentError("flag_rule_severity", number=number)
    out: dict[str, Any] = {"key": key, "kind": kind, "severity": severity}
    if kind in ("band", "threshold", "change"):
        out["result_key"] = _result_key(raw, number, registry)
    if kind == "band":
        out["bands"] = _bands(raw, out["result_key"], number, registry)
    elif kind == "threshold":
        for field in ("above", "below"):
            if raw.get(field) is not None:
                out[field] = _number(raw[field], number, field)
        if "above" not in out and "below" not in out:
            raise ContentError("flag_rule_threshold", number=number)
    elif kind == "critical_item":
        scale = raw.get("scale", "all")
        scales = getattr(registry, "scales", None) or {}
        if scale != "all" and (not isinstance(scale, str) or scale not in scales):
            raise ContentError("flag_rule_scale", number=number)
        out["scale"] = scale
    elif kind == "change":
        amount = _number(raw.get("amount"), number, "amount")
        if amount <= 0:
            raise ContentError("flag_rule_number", number=number, field="amount")
        out["amount"] = amount
        direction = raw.get("direction", "any")
        if direction not in DIRECTIONS:
            raise ContentError("flag_rule_direction", number=number)
        out["direction"] = direction
    elif kind == "missed_form":
        keys = raw.get("battery_keys") or []
        if not isinstance(keys, list) or not all(
            isinstance(k, str) and KEY_RE.fullmatch(k) for k in keys
        ):
            raise ContentError("flag_rule_batteries", number=number)
        if keys:
            out["battery_keys"] = list(dict.fromkeys(keys))
    elif kind in ("inactivity", "unanswered_message"):
        out["days"] = _days(raw.get("days"), number)
    return out


def clean_flag_rules(raw: Any, modules: list[dict[str, Any]], known: Any, registry: Any) -> Any:
    """What is stored of ``raw``; raises ``ContentError`` when it breaks a rule."""
    if not isinstance(raw, list):
        raise ContentError("followup_not_valid")
    if len(raw) > MAX_RULES:
        raise ContentError("flag_rules_too_many", high=MAX_RULES)
    out = [clean_rule(rule, number, registry) for number, rule in enumerate(raw, start=1)]
    seen: set[str] = set()
    for number, rule in enumerate(out, start=1):
        if rule["key"] in seen:
            raise ContentError("flag_rule_duplicate", number=number, key=rule["key"])
        seen.add(rule["key"])
    return out
