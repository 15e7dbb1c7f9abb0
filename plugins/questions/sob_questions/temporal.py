"""Date and time questions: date, time of day and duration (what a sleep diary asks).

- date: optional ``min``/``max`` as "YYYY-MM-DD". Payload: "YYYY-MM-DD".
- time: no settings. Payload: "HH:MM", 24-hour ("7.30" and "07:30:15" are read as "07:30").
- date_time: a date and a time of day as the citizen's clock in Sweden showed it (Europe/Stockholm),
  in two inputs. No settings. Payload: an ISO 8601 date-time with its UTC offset,
  "2024-03-31T07:30:00+02:00" (FHIR's dateTime), so the moment stays exact across summer time.
- duration: hours and minutes in two inputs; ``max_minutes`` (default 24 h, at most a week).
  Payload: the total number of minutes, an int (minutes above 59 are fine: 0 h 90 min is 90).

Each takes ``"repeats": true`` (and ``max_answers``/``min_answers``) for several answers, a list
of those payloads (``_repeats``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sob_core import LocalText, QuestionSpec, QuestionType, ScaleItem, hookimpl

from . import _fhir, _schema
from ._common import (
    config_int,
    config_mapping,
    config_validator,
    is_blank,
    nothing_answered,
    safe_display,
)
from ._fields import (
    DateTimeQuestionField,
    DurationQuestionField,
    TextQuestionField,
    field_factory,
)
from ._messages import invalid, message
from ._repeats import repeatable

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?", re.ASCII)
_STORED_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d", re.ASCII)
_WHOLE = re.compile(r"\d{1,7}", re.ASCII)
WEEK_MINUTES = 7 * 24 * 60


def _as_date(value: Any) -> dt.date | None:
    """A ``date`` from a date (not a datetime) or an ISO "YYYY-MM-DD" string; None otherwise."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# --- date ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateSettings:
    min: dt.date | None = None
    max: dt.date | None = None

    def to_config(self) -> dict[str, Any]:
        return {
            name: value.isoformat()
            for name, value in (("min", self.min), ("max", self.max))
            if value is not None
        }


def date_settings(config: Any, lang: str) -> DateSettings:
    config = config_mapping(config, lang)
    bounds = []
    for name in ("min", "max"):
        value = config.get(name)
        found = None if value is None else _as_date(value)
        if value is not None and found is None:
            raise invalid("cfg_date", lang, name=name)
        bounds.append(found)
    low, high = bounds
    if low and high and low > high:
        raise invalid("cfg_not_above", lang, low_name="min", high_name="max")
    return DateSettings(low, high)


def clean_date(spec: QuestionSpec, data: Any, lang: str) -> str | None:
    found = date_settings(spec.config, lang)
    if is_blank(data):
        return nothing_answered(spec, lang)
    value = _as_date(data)
    if value is None:
        shaped = isinstance(data, str) and _DATE.fullmatch(data.strip())
        raise invalid("no_such_date" if shaped else "bad_date", lang)
    too_early = found.min is not None and value < found.min
    too_late = found.max is not None and value > found.max
    if too_early or too_late:
        bounds = {"min": found.min, "max": found.max}
        if found.min and found.max:
            raise invalid("date_range", lang, **bounds)
        raise invalid("date_min" if too_early else "date_max", lang, **bounds)
    return value.isoformat()


def date_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = date_settings(spec.config, lang)
    extensions = [_fhir.extension(_fhir.ENTRY_FORMAT, "String", message("entry_date", lang))]
    for url, value in ((_fhir.MIN_VALUE, found.min), (_fhir.MAX_VALUE, found.max)):
        if value is not None:
            extensions.append(_fhir.extension(url, "Date", value.isoformat()))
    return {"extension": extensions}


def date_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "date")
    config = {
        "min": _fhir.extension_value(item, _fhir.MIN_VALUE, "Date"),
        "max": _fhir.extension_value(item, _fhir.MAX_VALUE, "Date"),
    }
    return date_settings(config, _fhir.IMPORTING).to_config()


# --- time ----------------------------------------------------------------------------------------


def clean_time(spec: QuestionSpec, data: Any, lang: str) -> str | None:
    config_mapping(spec.config, lang)
    if is_blank(data):
        return nothing_answered(spec, lang)
    if isinstance(data, dt.time):
        return f"{data.hour:02d}:{data.minute:02d}"
    match = _TIME.fullmatch(data.strip()) if isinstance(data, str) else None
    if not match:
        raise invalid("bad_time", lang)
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise invalid("bad_time", lang)
    return f"{hours:02d}:{minutes:02d}"


def time_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    return {
        "extension": [_fhir.extension(_fhir.ENTRY_FORMAT, "String", message("entry_time", lang))]
    }


def time_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    _fhir.expect(item, "time")
    return {}


# --- date and time -------------------------------------------------------------------------------

#: the clock the citizen reads: a date-time is entered and shown in Swedish time
LOCAL_ZONE = ZoneInfo("Europe/Stockholm")
_STORED_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
_LOCAL_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\S+)", re.ASCII)


@dataclass(frozen=True)
class DateTimeSettings:
    """No settings; it tells the field how a stored answer reads on the Swedish clock."""

    def to_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def local_parts(payload: Any) -> tuple[str, str] | None:
        moment = _stored_moment(payload)
        if moment is None:
            return None
        local_moment = moment.astimezone(LOCAL_ZONE)
        return local_moment.date().isoformat(), local_moment.strftime("%H:%M")


def date_time_settings(config: Any, lang: str) -> DateTimeSettings:
    config_mapping(config, lang)
    return DateTimeSettings()


def _stored_moment(payload: Any) -> dt.datetime | None:
    """A stored (or FHIR) date-time with an offset as an aware ``datetime``; None otherwise."""
    if isinstance(payload, dt.datetime):
        return payload if payload.tzinfo is not None else None
    if not isinstance(payload, str) or not _STORED_DATE_TIME.fullmatch(payload.strip()):
        return None
    try:
        return dt.datetime.fromisoformat(payload.strip())
    except ValueError:
        return None


def _local_moment(day: Any, clock: Any, lang: str) -> dt.datetime:
    """The Swedish-time moment of a date and a time of day, as the citizen typed them."""
    if is_blank(day) or is_blank(clock):
        raise invalid("date_time_both", lang)
    found_day = _as_date(day)
    if found_day is None:
        shaped = isinstance(day, str) and _DATE.fullmatch(day.strip())
        raise invalid("no_such_date" if shaped else "bad_date", lang)
    hours, minutes = (int(part) for part in str(clean_time(_ANY_TIME, clock, lang)).split(":"))
    naive = dt.datetime.combine(found_day, dt.time(hours, minutes))
    moment = naive.replace(tzinfo=LOCAL_ZONE)  # fold 0: the first of an autumn hour twice
    if moment.astimezone(dt.UTC).astimezone(LOCAL_ZONE).replace(tzinfo=None) != naive:
        raise invalid("no_such_local_time", lang)  # skipped when the clocks went forward
    return moment


_ANY_TIME = QuestionSpec("time", "time", {"sv": "tid"}, {}, True, {})


def clean_date_time(spec: QuestionSpec, data: Any, lang: str) -> str | None:
    date_time_settings(spec.config, lang)
    if isinstance(data, Mapping):
        if is_blank(data.get("date")) and is_blank(data.get("time")):
            return nothing_answered(spec, lang)
        moment = _local_moment(data.get("date"), data.get("time"), lang)
    elif is_blank(data):
        return nothing_answered(spec, lang)
    else:
        found = _stored_moment(data)
        if found is None:
            local_text = _LOCAL_DATE_TIME.fullmatch(data.strip()) if isinstance(data, str) else None
            if not local_text:
                raise invalid("bad_date_time", lang)
            found = _local_moment(local_text.group(1), local_text.group(2), lang)
        moment = found
    return moment.replace(microsecond=0).isoformat()


def _stored_date_time(payload: Any) -> str | None:
    moment = _stored_moment(payload)
    return moment.isoformat() if moment else None


def date_time_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    """Nothing beyond the type: no ``entryFormat`` the source may not have had (one an imported
    item carried is kept by the core and written back)."""
    date_time_settings(spec.config, lang)
    return {}


def date_time_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    _fhir.expect(item, "date_time")
    return {}


@safe_display
def _display_date_time(spec: QuestionSpec, payload: Any, lang: str) -> str:
    parts = DateTimeSettings.local_parts(payload)
    return f"{parts[0]} {parts[1]}" if parts else str(payload)


# --- duration ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DurationSettings:
    max_minutes: int = 24 * 60

    def to_config(self) -> dict[str, Any]:
        return {"max_minutes": self.max_minutes}


def duration_settings(config: Any, lang: str) -> DurationSettings:
    config = config_mapping(config, lang)
    return DurationSettings(config_int(config, "max_minutes", 24 * 60, lang, 1, WEEK_MINUTES))


def format_duration(minutes: int) -> str:
    """``450`` -> "7 h 30 min"; "45 min"; "8 h" (the same in Swedish and English)."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _whole(value: Any, lang: str) -> int | None:
    """One whole, non-negative number of hours or minutes; None when left empty."""
    if is_blank(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    raise invalid("bad_duration", lang)


def clean_duration(spec: QuestionSpec, data: Any, lang: str) -> int | None:
    found = duration_settings(spec.config, lang)
    if isinstance(data, Mapping):
        hours, minutes = _whole(data.get("hours"), lang), _whole(data.get("minutes"), lang)
        total = None if hours is None and minutes is None else (hours or 0) * 60 + (minutes or 0)
    else:
        total = _whole(data, lang)  # a stored payload: total minutes
    if total is None:
        return nothing_answered(spec, lang)
    if total > found.max_minutes:
        raise invalid("duration_max", lang, max=format_duration(found.max_minutes))
    return total


def duration_fhir_item(spec: QuestionSpec, lang: str) -> dict[str, Any]:
    found = duration_settings(spec.config, lang)
    return {
        "extension": [
            _fhir.extension(_fhir.UNIT_OPTION, "Coding", _minutes_coding()),
            _fhir.extension(_fhir.MAX_QUANTITY, "Quantity", _minutes(found.max_minutes)),
        ]
    }


def duration_from_fhir(item: Mapping[str, Any]) -> dict[str, Any]:
    item = _fhir.expect(item, "duration")
    most = _fhir.extension_value(item, _fhir.MAX_QUANTITY, "Quantity")
    config: dict[str, Any] = {}
    if isinstance(most, Mapping):
        unit = most.get("code", "min")
        if unit != "min":
            raise invalid("fhir_unit", _fhir.BASE_LANGUAGE, unit=unit)
        config["max_minutes"] = _fhir.fhir_number(most.get("value"), "maxQuantity")
    return duration_settings(config, _fhir.IMPORTING).to_config()


def _minutes_coding() -> dict[str, str]:
    return {"system": _fhir.UCUM, "code": "min", "display": "min"}


def _minutes(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "min", "system": _fhir.UCUM, "code": "min"}


# --- shared --------------------------------------------------------------------------------------


def _answer(value_type: str, convert: Any) -> Any:
    def fhir_answer(spec: QuestionSpec, payload: Any) -> list[dict[str, Any]]:
        if payload is None:
            return []
        try:
            value = convert(payload)
        except (TypeError, ValueError):
            value = None
        if value is None:
            raise invalid(
                "fhir_payload", _fhir.BASE_LANGUAGE, payload=repr(payload)[:80], key=spec.type
            )
        return [{f"value{value_type}": value}]

    return fhir_answer


def _stored_date(payload: Any) -> str | None:
    found = _as_date(payload)
    return found.isoformat() if found else None


def _stored_time(payload: Any) -> str | None:
    return f"{payload}:00" if isinstance(payload, str) and _STORED_TIME.fullmatch(payload) else None


def _stored_minutes(payload: Any) -> dict[str, Any] | None:
    if isinstance(payload, int) and not isinstance(payload, bool) and payload >= 0:
        return _minutes(payload)
    return None


@safe_display
def _display_text(spec: QuestionSpec, payload: Any, lang: str) -> str:
    return str(payload)


@safe_display
def _display_duration(spec: QuestionSpec, payload: Any, lang: str) -> str:
    return format_duration(payload) if _stored_minutes(payload) else str(payload)


def duration_for_scale_item(
    item: ScaleItem, option_labels: Sequence[LocalText]
) -> dict[str, Any] | None:
    """A scale's numeric item counted in minutes (a sleep diary's) is asked as a duration."""
    return {} if item.kind == "number" and item.unit == "min" else None


def _no_settings(config: Any, lang: str) -> None:
    config_mapping(config, lang)


DATE = repeatable(
    QuestionType(
        key="date",
        label={"sv": "Datum", "en": "Date"},
        make_field=field_factory(TextQuestionField, date_settings),
        clean=clean_date,
        fhir_type="date",
        config_schema=_schema.config_schema(
            {
                "min": _schema.titled({"type": "string", "format": "date"}, "Tidigast", "Earliest"),
                "max": _schema.titled({"type": "string", "format": "date"}, "Senast", "Latest"),
            }
        ),
        validate_config=config_validator(date_settings),
        display=_display_text,
        template="sob_questions/date.html",
        fhir_item=date_fhir_item,
        fhir_answer=_answer("Date", _stored_date),
        from_fhir=date_from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == "date",
    )
)

TIME = repeatable(
    QuestionType(
        key="time",
        label={"sv": "Klockslag", "en": "Time of day"},
        make_field=field_factory(TextQuestionField, _no_settings),
        clean=clean_time,
        fhir_type="time",
        config_schema=_schema.config_schema({}),
        validate_config=config_validator(_no_settings),
        display=_display_text,
        template="sob_questions/time.html",
        fhir_item=time_fhir_item,
        fhir_answer=_answer("Time", _stored_time),
        from_fhir=time_from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == "time",
    )
)

DATE_TIME = repeatable(
    QuestionType(
        key="date_time",
        label={"sv": "Datum och klockslag", "en": "Date and time"},
        make_field=field_factory(
            DateTimeQuestionField,
            date_time_settings,
            lambda _s, lang: message("hint_date_time", lang),
        ),
        clean=clean_date_time,
        fhir_type="dateTime",
        config_schema=_schema.config_schema({}),
        validate_config=config_validator(date_time_settings),
        display=_display_date_time,
        template="sob_questions/date_time.html",
        fhir_item=date_time_fhir_item,
        fhir_answer=_answer("DateTime", _stored_date_time),
        from_fhir=date_time_from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == "date_time",
    )
)

DURATION = repeatable(
    QuestionType(
        key="duration",
        label={"sv": "Tidslängd", "en": "Duration"},
        make_field=field_factory(DurationQuestionField, duration_settings),
        clean=clean_duration,
        fhir_type="quantity",
        config_schema=_schema.config_schema(
            {
                "max_minutes": _schema.integer(
                    "Högsta tid i minuter",
                    "Longest time in minutes",
                    1,
                    WEEK_MINUTES,
                    default=24 * 60,
                )
            }
        ),
        validate_config=config_validator(duration_settings),
        display=_display_duration,
        template="sob_questions/duration.html",
        fhir_item=duration_fhir_item,
        fhir_answer=_answer("Quantity", _stored_minutes),
        from_fhir=duration_from_fhir,
        fhir_matches=lambda item: _fhir.classify(item) == "duration",
        for_scale_item=duration_for_scale_item,
    )
)


@hookimpl
def sob_question_types() -> list[QuestionType]:
    return [DATE, TIME, DATE_TIME, DURATION]
