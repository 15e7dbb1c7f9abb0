"""The whole plugin contract of sob: every hook a plugin may implement.

A plugin is a module registered under an entry point in the group ``sob``. It implements hooks by
decorating functions with ``sob_core.hookimpl`` and naming them exactly as below. The core calls
registration hooks once, when the app is created, and validates what they return.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

from .guardian_types import GuardianshipSource
from .types import (
    ComputedResult,
    FormInfo,
    LoginProvider,
    NotificationChannel,
    QuestionType,
    Scale,
    Setting,
)

PROJECT = "sob"
hookspec = pluggy.HookspecMarker(PROJECT)


# --- forms ---------------------------------------------------------------------------------------


@hookspec
def sob_question_types() -> Sequence[QuestionType]:
    """Register question types.

    Return a list of ``QuestionType`` objects. Each key must be unique across all plugins.
    Called once when the app is created.
    """


@hookspec
def sob_scales() -> Sequence[Scale]:
    """Register standardised rating scales.

    Return a list of ``Scale`` objects: items, options, subscales, bands, critical items, licence
    and a ``score`` function implementing the published manual. Each id must be unique across all
    plugins. Called once when the app is created.
    """


@hookspec
def sob_score_response(
    form: FormInfo, answers: Mapping[str, Any], context: Mapping[str, Any]
) -> Sequence[ComputedResult] | None:
    """Compute results for one submitted response.

    ``form`` describes the form version answered; ``answers`` maps question keys to their stored
    payloads; ``context`` holds facts about the citizen (``sex``, ``age``). Return the results this
    plugin computes for the form, or ``None`` when it has nothing to say about it. Called after every
    submission, and again when results are recomputed.
    """


# --- notifications -------------------------------------------------------------------------------


@hookspec
def sob_notification_channels() -> Sequence[NotificationChannel]:
    """Register notification channels.

    Return a list of ``NotificationChannel`` objects. Each key must be unique across all plugins.
    Called once when the app is created; ``send`` is called from jobs.
    """


# --- sign-in -------------------------------------------------------------------------------------


@hookspec
def sob_login_providers() -> Sequence[LoginProvider]:
    """Register login providers.

    Return a list of ``LoginProvider`` objects. Each key must be unique across all plugins.
    Called once when the app is created; the host mounts each provider's blueprint at
    ``/auth/<key>/`` when ``available(app)`` is true.
    """


# --- guardians ----------------------------------------------------------------------------------


@hookspec
def sob_guardianship_sources() -> Sequence[GuardianshipSource]:
    """Register sources of guardianships (whose guardian a citizen is).

    Return a list of ``GuardianshipSource`` objects. Each key must be unique across all plugins
    (``table``, the core's own table the citizen administrator maintains, is taken). Called once
    when the app is created; ``wards`` is asked on the guardian's "choose the child" page and on
    every request she makes while acting for a child. A child is a guardian's ward when any
    source names it.
    """


# --- settings ------------------------------------------------------------------------------------


@hookspec
def sob_settings() -> Sequence[Setting]:
    """Declare the environment variables this plugin reads.

    Return a list of ``Setting`` objects. Each name must be unique across the core and all
    plugins. Called once when the app is created; the host reads each setting from the
    environment (``default`` when unset) and stores it in ``app.config`` under its name, unless
    the app's configuration already sets it. Every setting must be documented in the README.
    """
