"""The OpenID Connect identity providers an installation configures, and what their claims say.

``SOB_OIDC_PROVIDERS`` names a JSON file holding a list of providers (docs/login-providers.md);
a test may set the config key to the list itself. Every entry is checked when the app starts:
a bad file stops the start with one line naming the entry and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sob_core import VerifiedIdentity

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
LEVELS = ("loa1", "loa2", "loa3", "loa4")
#: the most clock skew between us and a provider that an ID token's times may have
MAX_LEEWAY = 300


class ClaimProblem(ValueError):
    """A verified ID token whose claims cannot be a login here; ``kind`` picks the message."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class IdentityProvider:
    name: str  # in the URL: /auth/oidc/<name>/
    label: Mapping[str, str]
    audience: str  # "citizen" (identifier claim: a personnummer) or "staff" (an HSA-id)
    discovery_url: str
    client_id: str
    client_secret: str = ""
    client_secret_env: str = ""  # or the secret from this environment variable
    scopes: str = "openid"
    identifier_claim: str = "sub"
    name_claims: tuple[str, ...] = ("name",)
    assurance: str = "loa3"  # the level of every login, unless assurance_claim says it
    assurance_claim: str = ""
    assurance_values: Mapping[str, str] = field(default_factory=dict)  # claim value -> level
    shown_claims: Mapping[str, str] = field(default_factory=dict)  # e.g. {"units": "..."}
    issuer: str = ""  # pinned issuer; else the one the discovery document names
    leeway_seconds: int = 60
    token_endpoint_auth_method: str = "client_secret_basic"  # noqa: S105  (a method name)
    #: sign out at the provider too when it offers it (end_session_endpoint in its discovery)
    single_logout: bool = True

    def secret(self, environ: Mapping[str, str]) -> str:
        if self.client_secret_env:
            return environ.get(self.client_secret_env, "")
        return self.client_secret

    def highest_level(self) -> str:
        levels = set(self.assurance_values.values()) if self.assurance_claim else {self.assurance}
        return max(levels, key=LEVELS.index)

    # -- the claims of a verified ID token ---------------------------------------------------

    def identity(self, claims: Mapping[str, Any], provider_key: str) -> VerifiedIdentity:
        identifier = claims.get(self.identifier_claim)
        if not isinstance(identifier, str) or not identifier.strip():
            raise ClaimProblem("identifier")
        # A citizen's personnummer is checked (check digit, date) by the core's complete_login.
        return VerifiedIdentity(
            audience=self.audience,
            identifier=identifier.strip(),
            provider=provider_key,
            assurance=self.level(claims),
            name=self.person_name(claims),
        )

    def level(self, claims: Mapping[str, Any]) -> str:
        if not self.assurance_claim:
            return self.assurance
        value = claims.get(self.assurance_claim)
        level = self.assurance_values.get(str(value)) if value is not None else None
        if level is None:
            raise ClaimProblem("assurance")
        return level

    def person_name(self, claims: Mapping[str, Any]) -> str:
        parts = [str(claims[c]).strip() for c in self.name_claims if claims.get(c)]
        return " ".join(p for p in parts if p)[:200]

    def asserted(self, claims: Mapping[str, Any]) -> dict[str, list[str]]:
        """What the token asserts beyond the identity, e.g. care units and roles, as text."""
        shown: dict[str, list[str]] = {}
        for what, claim in self.shown_claims.items():
            values = _texts(claims.get(claim))
            if values:
                shown[what] = values
        return shown


def _texts(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return [", ".join(f"{v}" for v in value.values() if v not in (None, ""))]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _texts(item)]
    return [str(value)]


# -- reading the configuration ---------------------------------------------------------------


def _text(entry: Mapping[str, Any], key: str, *, required: bool = False, default: str = "") -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{key!r} must be {'a non-empty' if required else 'a'} string")
    return value.strip()


def provider_from(entry: Mapping[str, Any]) -> IdentityProvider:
    if not isinstance(entry, Mapping):
        raise ValueError("each provider must be a JSON object")
    name = _text(entry, "name", required=True)
    if not NAME_RE.match(name):
        raise ValueError("'name' must be lower-case letters, digits, - or _ (at most 32)")
    try:
        return _provider(name, entry)
    except ValueError as error:
        raise ValueError(f"provider {name!r}: {error}") from error


def _provider(name: str, entry: Mapping[str, Any]) -> IdentityProvider:
    known = {
        "name", "label", "audience", "discovery_url", "client_id", "client_secret",
        "client_secret_env", "scopes", "claims", "assurance", "assurance_claim", "shown_claims",
        "issuer", "leeway_seconds", "token_endpoint_auth_method", "single_logout",
    }  # fmt: skip
    unknown = sorted(set(entry) - known)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    label = entry.get("label")
    if not isinstance(label, Mapping) or not isinstance(label.get("sv"), str):
        raise ValueError("'label' must be an object with at least 'sv'")
    audience = _text(entry, "audience", required=True)
    if audience not in ("citizen", "staff"):
        raise ValueError("'audience' must be citizen or staff")
    discovery_url = _text(entry, "discovery_url", required=True)
    if not discovery_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise ValueError("'discovery_url' must be https (http only on this machine, for tests)")
    claims = entry.get("claims", {})
    if not isinstance(claims, Mapping):
        raise ValueError("'claims' must be an object")
    names = claims.get("name", "name")
    names = (names,) if isinstance(names, str) else tuple(names)
    if not all(isinstance(n, str) for n in names):
        raise ValueError("'claims.name' must be a claim name or a list of them")
    assurance = _text(entry, "assurance", default="loa3")
    if assurance not in LEVELS:
        raise ValueError(f"'assurance' must be one of {', '.join(LEVELS)}")
    by_claim = entry.get("assurance_claim", {})
    if not isinstance(by_claim, Mapping):
        raise ValueError("'assurance_claim' must be an object with 'claim' and 'values'")
    values = by_claim.get("values", {}) if by_claim else {}
    if by_claim and (
        not isinstance(by_claim.get("claim"), str)
        or not isinstance(values, Mapping)
        or not values
        or any(level not in LEVELS for level in values.values())
    ):
        raise ValueError("'assurance_claim' needs 'claim' and 'values' (claim value -> level)")
    shown = entry.get("shown_claims", {})
    if not isinstance(shown, Mapping) or not all(isinstance(v, str) for v in shown.values()):
        raise ValueError("'shown_claims' must map a heading (units, roles) to a claim name")
    leeway = entry.get("leeway_seconds", 60)
    if not isinstance(leeway, int) or not 0 <= leeway <= MAX_LEEWAY:
        raise ValueError(f"'leeway_seconds' must be a whole number from 0 to {MAX_LEEWAY}")
    secret, secret_env = _text(entry, "client_secret"), _text(entry, "client_secret_env")
    if bool(secret) == bool(secret_env):
        raise ValueError("give exactly one of 'client_secret' and 'client_secret_env'")
    scopes = _text(entry, "scopes", default="openid")
    single_logout = entry.get("single_logout", True)
    if not isinstance(single_logout, bool):
        raise ValueError("'single_logout' must be true or false")
    if "openid" not in scopes.split():
        raise ValueError("'scopes' must include openid")
    return IdentityProvider(
        name=name,
        label={k: str(v) for k, v in label.items() if k in ("sv", "en")},
        audience=audience,
        discovery_url=discovery_url,
        client_id=_text(entry, "client_id", required=True),
        client_secret=secret,
        client_secret_env=secret_env,
        scopes=scopes,
        identifier_claim=_text(claims, "identifier", default="sub") or "sub",
        name_claims=names,
        assurance=assurance,
        assurance_claim=str(by_claim.get("claim", "")) if by_claim else "",
        assurance_values={str(k): str(v) for k, v in values.items()},
        shown_claims={str(k): str(v) for k, v in shown.items()},
        issuer=_text(entry, "issuer"),
        leeway_seconds=leeway,
        token_endpoint_auth_method=_text(
            entry, "token_endpoint_auth_method", default="client_secret_basic"
        ),
        single_logout=single_logout,
    )


def providers_from(entries: Any) -> tuple[IdentityProvider, ...]:
    if isinstance(entries, Mapping):
        entries = entries.get("providers")
    if not isinstance(entries, Sequence) or isinstance(entries, str):
        raise ValueError("expected a list of providers (or an object with 'providers')")
    found = tuple(p if isinstance(p, IdentityProvider) else provider_from(p) for p in entries)
    names = [p.name for p in found]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"provider name(s) used twice: {', '.join(doubled)}")
    return found


def read_file(text: str) -> tuple[IdentityProvider, ...]:
    """The ``SOB_OIDC_PROVIDERS`` setting: the path of a JSON file of providers."""
    path = Path(text)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from error
    return providers_from(data)
