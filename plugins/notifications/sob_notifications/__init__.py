"""Notification channels for sob: the in-app inbox and e-mail.

Each channel is a plugin module of its own (entry points ``inbox`` and ``email`` in the group
``sob``), so a region can switch one off with ``SOB_DISABLED_PLUGINS`` without losing the other.
No channel here carries health data: they deliver only the core's generic texts.
"""

__version__ = "0.1.0"
