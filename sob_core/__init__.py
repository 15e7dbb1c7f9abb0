"""sob core: the host of the sob platform and the public names plugins may import."""

from __future__ import annotations

import pluggy

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
    Band,
    ComputedResult,
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
    Subscale,
    VerifiedIdentity,
    local,
)

hookimpl = pluggy.HookimplMarker("sob")

# Access declarations for plugin views (login providers mount blueprints), the credential store
# login providers keep secrets in, and the demo directory the demo provider lists.
from .demo import demo_people  # noqa: E402
from .identity.credentials import (  # noqa: E402
    Credential,
    load_credential,
    record_failure,
    record_success,
    save_credential,
)
from .web.access import public, require  # noqa: E402


def create_app(config: dict | None = None):
    """Build the Flask application (see ``sob_core.app``)."""
    from .app import create_app as _create_app

    return _create_app(config)


def complete_login(identity: VerifiedIdentity):
    """Sign in a verified identity; login providers return this response (see ``sob_core.web.auth``)."""
    from .web.auth import complete_login as _complete_login

    return _complete_login(identity)


__all__ = [
    "Band",
    "ComputedResult",
    "FormInfo",
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
    "Subscale",
    "VerifiedIdentity",
    "band_for",
    "bands_for",
    "check_choice_answers",
    "check_number_answers",
    "context_sex",
    "exact",
    "item_score",
    "item_scores",
    "mean",
    "round_half_away",
    "simple_sum_scale",
    "complete_login",
    "Credential",
    "demo_people",
    "load_credential",
    "record_failure",
    "record_success",
    "save_credential",
    "create_app",
    "hookimpl",
    "local",
    "public",
    "require",
]
