"""Login credentials that providers keep for staff (password hashes, TOTP secrets) and lockout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import LoginCredential, Staff
from ..types import Credential

__all__ = ["Credential", "load_credential", "record_failure", "record_success", "save_credential"]


def _row(provider: str, hsa_id: str) -> tuple[Staff | None, LoginCredential | None]:
    staff = db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))
    if staff is None:
        return None, None
    row = db.session.scalar(
        select(LoginCredential).where(
            LoginCredential.staff_id == staff.id, LoginCredential.provider == provider
        )
    )
    return staff, row


def load_credential(provider: str, hsa_id: str) -> Credential | None:
    """The provider's stored data for a staff member, or None."""
    staff, row = _row(provider, hsa_id)
    if staff is None or row is None:
        return None
    return Credential(staff.hsa_id, staff.name, staff.active, dict(row.data), row.locked_until)


def save_credential(provider: str, hsa_id: str, data: dict[str, Any]) -> None:
    """Store (replace) the provider's data for a staff member and clear any lockout."""
    staff, row = _row(provider, hsa_id)
    if staff is None:
        raise LookupError(f"no staff member with HSA-id {hsa_id}")
    if row is None:
        row = LoginCredential(staff_id=staff.id, provider=provider)
        db.session.add(row)
    row.data = dict(data)
    row.failed_attempts = 0
    row.locked_until = None
    db.session.commit()


def record_failure(provider: str, hsa_id: str, max_failures: int, lock_minutes: int) -> bool:
    """Count a failed attempt; lock the credential after ``max_failures``. True when locked."""
    _staff, row = _row(provider, hsa_id)
    if row is None:
        return False
    row.failed_attempts += 1
    locked = row.failed_attempts >= max_failures
    if locked:
        row.locked_until = datetime.now(UTC) + timedelta(minutes=lock_minutes)
        row.failed_attempts = 0
    db.session.commit()
    return locked


def record_success(provider: str, hsa_id: str) -> None:
    _staff, row = _row(provider, hsa_id)
    if row is not None:
        row.failed_attempts = 0
        row.locked_until = None
        db.session.commit()
