"""SQLAlchemy 2 typed models, one module per aggregate. Importing this registers them all."""

from __future__ import annotations

from .administration import Banner
from .audit import AuditEvent
from .datalife import LegalHold, PurgeNotice, PurgeRecord
from .enrollments import Bookmark, Enrollment, EnrollmentEvent, EnrollmentModule, ItemProgress
from .exports import ExportJob
from .followup import (
    ActivityPlan,
    ActivityRegistration,
    ActivityValue,
    BatteryOccurrence,
    BatterySchedule,
    Flag,
    Reminder,
    StaffReminder,
)
from .forms import (
    Form,
    FormAssignment,
    FormDraft,
    FormResponse,
    FormVersion,
    Result,
    ScaleTextPack,
)
from .guardians import Guardianship
from .identity import Citizen, LoginCredential, RoleAssignment, Staff
from .media import MediaFile
from .messaging import Conversation, Message, MessageDraft, MessageRead
from .notifications import NoticePreference, Notification, NotificationAttempt
from .organisation import CareUnit, Region
from .programs import Program, ProgramCatalogue, ProgramVersion
from .regions import InformationMessage, ProgramActivation, RegionAdmin
from .sessions import UserSession

__all__ = [
    "ActivityPlan",
    "ActivityRegistration",
    "ActivityValue",
    "BatteryOccurrence",
    "BatterySchedule",
    "Flag",
    "Reminder",
    "StaffReminder",
    "Bookmark",
    "EnrollmentEvent",
    "EnrollmentModule",
    "ExportJob",
    "Guardianship",
    "ItemProgress",
    "MediaFile",
    "Conversation",
    "Message",
    "MessageDraft",
    "MessageRead",
    "Program",
    "ProgramCatalogue",
    "ProgramVersion",
    "AuditEvent",
    "Banner",
    "LegalHold",
    "PurgeNotice",
    "PurgeRecord",
    "CareUnit",
    "Enrollment",
    "Form",
    "FormAssignment",
    "FormDraft",
    "FormResponse",
    "FormVersion",
    "Result",
    "ScaleTextPack",
    "Citizen",
    "LoginCredential",
    "Notification",
    "NotificationAttempt",
    "NoticePreference",
    "Region",
    "RoleAssignment",
    "Staff",
    "UserSession",
    "InformationMessage",
    "ProgramActivation",
    "RegionAdmin",
]
