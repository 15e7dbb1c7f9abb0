"""The plugin contract: every name a plugin may import, re-exported by ``sob_core``.

Importing this module is cheap on purpose: a scale plugin needs the typed objects and the scale
helpers, never the ORM or the web layer. The few host services a plugin may call (signing someone
in, the credential store, the demo directory) are thin functions here that import the host only
when called, which happens inside a request or a command, long after the app was built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from .access_rules import public, require
from .answer_file_types import ANSWER_FILE_TYPES, FileRules, content_type_matches
from .guardian_types import GuardianshipSource, Ward
from .palette import PALETTE, check_colour, contrast_ratio
from .scoring import (
    ItemFlag,
    band_for,
    bands_for,
    check_choice_answers,
    check_number_answers,
    context_sex,
    exact,
    item_score,
    item_scores,
    mean,
    round_half_away,
    simple_sum_scale,
)
from .types import (
    AnswerProblem,
    Band,
    ComputedResult,
    Credential,
    FormInfo,
    InvalidAnswers,
    LocalText,
    LoginProvider,
    Notice,
    NotificationChannel,
    PluginContractError,
    QuestionSpec,
    QuestionType,
    Scale,
    ScaleItem,
    ScaleScore,
    Setting,
    Subscale,
    TranslatedError,
    VerifiedIdentity,
    local,
)

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

#: marks a plugin's hook implementations (the hooks are listed in ``sob_core.hookspecs``)
hookimpl = pluggy.HookimplMarker("sob")


# --- sign-in: what a login provider calls once it has verified someone ---------------------------


def complete_login(identity: VerifiedIdentity, next_url: str | None = None) -> ResponseReturnValue:
    """Sign in a verified identity; login providers return this response (see ``web.auth``)."""
    from .web.auth import complete_login as _complete_login

    return _complete_login(identity, next_url)


# --- the credential store -----------------------------------------------------------------------
# Part of the contract because the secrets belong to the core's staff table (one row per staff
# member and provider, with the lockout counters): a provider cannot add tables of its own, and
# a second copy of the lockout rules in every provider would drift.


def load_credential(provider: str, hsa_id: str) -> Credential | None:
    """The provider's stored data for a staff member, or None."""
    from .identity import credentials

    return credentials.load_credential(provider, hsa_id)


def save_credential(provider: str, hsa_id: str, data: dict[str, Any]) -> None:
    """Store (replace) the provider's data for a staff member and clear any lockout."""
    from .identity import credentials

    credentials.save_credential(provider, hsa_id, data)


def record_failure(provider: str, hsa_id: str, max_failures: int, lock_minutes: int) -> bool:
    """Count a failed attempt; lock the credential after ``max_failures``. True when locked."""
    from .identity import credentials

    return credentials.record_failure(provider, hsa_id, max_failures, lock_minutes)


def record_success(provider: str, hsa_id: str) -> None:
    """Clear the failure count after a successful sign-in."""
    from .identity import credentials

    credentials.record_success(provider, hsa_id)


# --- the demo directory -------------------------------------------------------------------------


def demo_people(audience: str) -> list[tuple[str, str, str]]:
    """``(identifier, name, description)`` of the demo data set's people of an audience.

    Only the demo login provider needs it (and only in demo mode); the demo data set lives in
    the core, so the directory is reached through the contract rather than by importing the host.
    A staff member's description lists her roles by name, in the user's language.
    """
    from . import demo
    from .web.shell import role_label

    return list(demo.demo_people(audience, role_label))


__all__ = [
    "ANSWER_FILE_TYPES",
    "PALETTE",
    "AnswerProblem",
    "Band",
    "ComputedResult",
    "Credential",
    "FileRules",
    "FormInfo",
    "GuardianshipSource",
    "InvalidAnswers",
    "ItemFlag",
    "LocalText",
    "LoginProvider",
    "Notice",
    "NotificationChannel",
    "PluginContractError",
    "QuestionSpec",
    "QuestionType",
    "Scale",
    "ScaleItem",
    "ScaleScore",
    "Setting",
    "Subscale",
    "TranslatedError",
    "VerifiedIdentity",
    "Ward",
    "band_for",
    "bands_for",
    "check_choice_answers",
    "check_colour",
    "check_number_answers",
    "complete_login",
    "content_type_matches",
    "contrast_ratio",
    "context_sex",
    "demo_people",
    "exact",
    "hookimpl",
    "item_score",
    "item_scores",
    "load_credential",
    "local",
    "mean",
    "public",
    "record_failure",
    "record_success",
    "require",
    "round_half_away",
    "save_credential",
    "simple_sum_scale",
]
