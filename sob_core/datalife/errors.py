"""Coded errors of the data's life; views translate the code."""

from __future__ import annotations

from typing import Any

CODES = (
    "not_found",  # no such enrollment (at this care unit)
    "not_ended",  # the enrollment is not ended
    "no_rule",  # the programme has no retention period
    "not_due",  # the retention period has not passed
    "no_notice",  # the data administrators have not been told yet
    "notice_period",  # they were told, but the notice period has not passed
    "held",  # a legal hold is set
    "already_held",  # a legal hold is set already
    "not_held",  # no legal hold to lift
    "reason",  # a hold's reason is missing or too long
    "days",  # a retention period out of range
)


class DatalifeError(ValueError):
    """Something about a purge, a hold or a retention period cannot be done."""

    def __init__(self, code: str, **detail: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unknown datalife error code {code!r}")
        super().__init__(code)
        self.code = code
        self.detail = detail
