"""SQLAlchemy 2 typed models, one module per aggregate. Importing this registers them all."""

from __future__ import annotations

from .audit import AuditEvent
from .identity import Citizen, LoginCredential, RoleAssignment, Staff
from .notification import Notification
from .organisation import CareUnit, Region

__all__ = [
    "AuditEvent",
    "CareUnit",
    "Citizen",
    "LoginCredential",
    "Notification",
    "Region",
    "RoleAssignment",
    "Staff",
]
