"""Notification channels for sob: the in-app inbox, e-mail and SMS (46elks).

Each channel is a plugin module of its own (entry points ``inbox``, ``email`` and ``sms`` in the group
``sob``), so a region can switch one off with ``SOB_DISABLED_PLUGINS`` without losing the others.
No channel here carries health data: they deliver only the core's generic texts.
"""

__version__ = "0.1.0"
