"""Messaging: conversations of an enrollment between the citizen and the care team.

- ``rules``: is messaging on (the programme's setting), is the enrollment writable, clean texts;
- ``sending``: start a conversation, send idempotently, retract;
- ``drafts``: server-side drafts, one per author and conversation;
- ``reading``: conversation lists, threads, read state, unread counts (one statement each);
- ``notices``: ``message_sent``, the seam to notifications.

No Flask here: functions take a session and plain values; the web layer calls them.
"""

from __future__ import annotations

from . import drafts as drafts
from . import exporting as exporting
from . import purging as purging  # purge_enrollment, PURGED_TABLES (sob_core.datalife)
from .errors import MessagingError as MessagingError
from .notices import message_sent as message_sent
from .reading import ConversationSummary as ConversationSummary
from .reading import MessageView as MessageView
from .reading import UnitUnread as UnitUnread
from .reading import citizen_unread_total as citizen_unread_total
from .reading import conversations as conversations
from .reading import draft_count as draft_count
from .reading import mark_read as mark_read
from .reading import thread as thread
from .reading import unit_unread as unit_unread
from .reading import unread_by_enrollment as unread_by_enrollment
from .reading import unread_counts as unread_counts
from .rules import MAX_BODY as MAX_BODY
from .rules import MAX_SUBJECT as MAX_SUBJECT
from .rules import enabled as enabled
from .rules import paragraphs as paragraphs
from .rules import writable as writable
from .sending import Sent as Sent
from .sending import retract as retract
from .sending import send as send
from .sending import send_token as send_token
