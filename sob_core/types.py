"""The plain typed objects plugins hand to the core.

Every registration hook returns instances of these dataclasses. The core validates them when the
plugin loads (``validate()``), so a broken plugin fails at start-up with a message naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .answer_file_types import FileRules
from .palette import resolve_colour

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
#: a band's slug: lower-case letters, digits and hyphens ("moderately-severe")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
LANGUAGES = ("sv", "en")
AUDIENCES = ("staff", "citizen")
#: assurance levels of a login, lowest first (the Swedish trust framework's LoA 1-4); "demo" is
#: below them all and only the demo provider, mounted in demo mode only, gives it
ASSURANCE_LEVELS = ("demo", "loa1", "loa2", "loa3", "loa4")

#: A text in several languages: ``{"sv": "...", "en": "..."}``. Swedish first.
LocalText = Mapping[str, str]


class PluginContractError(ValueError):
    """A plugin returned something that breaks the contract of its hook."""


class InvalidAnswers(ValueError):
    """The answers given to a scale's scoring cannot be scored; the message says why."""


class TranslatedError(ValueError):
    """A plugin's error in every language it speaks: ``str()`` is English (logs, tests); the host
    tells a reader ``in_language(lang)`` (``i18n.translate_error``, also inside coded errors)."""

    def __init__(self, texts: LocalText) -> None:
        self.texts = dict(texts)
        super().__init__(local(self.texts, "en"))

    def in_language(self, lang: str) -> str:
        """The message in ``lang`` (Swedish, then any, when the plugin does not speak it)."""
        return local(self.texts, lang)


def _check_key(kind: str, key: str) -> None:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise PluginContractError(
            f"{kind} key {key!r} must be 1-64 lower-case letters, digits, '_', '.' or '-'"
        )


def _check_text(what: str, text: Mapping[str, str], required: bool = True) -> None:
    if not isinstance(text, Mapping):
        raise PluginContractError(f"{what} must be a mapping of language code to text")
    if required and not text.get("sv"):
        raise PluginContractError(f"{what} needs a Swedish ('sv') text")
    for lang, value in text.items():
        if not isinstance(lang, str) or not isinstance(value, str):
            raise PluginContractError(f"{what} must map language codes to strings")


def local(text: LocalText | None, lang: str = "sv") -> str:
    """Pick ``lang`` from a local text, falling back to Swedish, then any language.

    A plain string (a row written straight to the table) is read as Swedish, as content does."""
    if not text:
        return ""
    if isinstance(text, str):
        return text
    return text.get(lang) or text.get("sv") or next(iter(text.values()), "")


# --- question types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a form, as the core hands it to a question type."""

    key: str  # stable id of the question inside its form
    type: str  # question type key
    label: LocalText
    config: Mapping[str, Any] = field(default_factory=dict)
    required: bool = True
    help: LocalText = field(default_factory=dict)


@dataclass(frozen=True)
class QuestionType:
    """A kind of question (single choice, number, duration ...).

    ``make_field(spec, lang)`` returns an *unbound* WTForms field for the question; the host binds
    it into a ``FlaskForm`` under the name ``spec.key``.
    ``clean(spec, data, lang)`` turns the bound field's ``data`` into the JSON-serialisable payload
    that is stored, raising ``ValueError`` with a message in ``lang`` for invalid input. It must
    accept any input (also input that did not come from the field) without crashing.
    ``validate_config(config, lang)`` raises ``ValueError`` when a designer's configuration is invalid.
    ``display(spec, payload, lang)`` renders a stored payload as plain text.
    ``template`` names a Jinja template (``<package>/<name>.html``) that renders the field; it is
    rendered with ``field`` (bound WTForms field), ``spec``, ``lang`` and ``qtype``.
    ``fhir_type`` is the FHIR R4 ``Questionnaire.item.type``; ``fhir_item(spec, lang)`` returns extra
    keys for the exported item (``answerOption``, extensions ...); ``fhir_answer(spec, payload)``
    returns the ``answer`` list of a ``QuestionnaireResponse`` item; ``from_fhir(item)`` returns
    ``(type config, payload parser)`` pieces for import: the config for a question built from a
    FHIR item, raising ``ValueError`` when the item cannot be represented.
    """

    key: str
    label: LocalText
    make_field: Callable[[QuestionSpec, str], Any]
    clean: Callable[[QuestionSpec, Any, str], Any]
    fhir_type: str
    config_schema: Mapping[str, Any] = field(default_factory=dict)
    validate_config: Callable[[Mapping[str, Any], str], None] = lambda config, lang: None
    display: Callable[[QuestionSpec, Any, str], str] = lambda spec, payload, lang: str(payload)
    template: str | None = None
    fhir_item: Callable[[QuestionSpec, str], Mapping[str, Any]] = lambda spec, lang: {}
    fhir_answer: Callable[[QuestionSpec, Any], list[dict[str, Any]]] = lambda spec, payload: []
    from_fhir: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    #: the FHIR item types (and extensions) ``from_fhir`` understands, used to pick the type on import
    fhir_matches: Callable[[Mapping[str, Any]], bool] | None = None
    #: ``for_scale_item(item, option_labels)`` returns the config of a question administering a
    #: scale item (``option_labels[i]`` is the text of the item's i-th option), or None when this
    #: type cannot serve that kind of item. The core builds scale forms from the first installed
    #: type (in key order) that serves each item.
    for_scale_item: Callable[[ScaleItem, Sequence[LocalText]], Mapping[str, Any] | None] | None = (
        None
    )
    file_rules: Callable[[QuestionSpec], FileRules] | None = None  # see answer_file_types

    def validate(self) -> None:
        _check_key("question type", self.key)
        _check_text(f"question type {self.key!r} label", self.label)
        for name in (
            "make_field",
            "clean",
            "validate_config",
            "display",
            "fhir_item",
            "fhir_answer",
        ):
            if not callable(getattr(self, name)):
                raise PluginContractError(f"question type {self.key!r}: {name} must be callable")
        if not self.fhir_type:
            raise PluginContractError(f"question type {self.key!r} needs a FHIR item type")
        for name in ("for_scale_item", "file_rules"):  # optional, but callable when given
            if getattr(self, name) is not None and not callable(getattr(self, name)):
                raise PluginContractError(f"question type {self.key!r}: {name} must be callable")


# --- rating scales -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A coloured score range of a subscale: ``lower <= value < upper`` (None is open).

    ``explanation`` is the clinician's text (what the range means for care: "Consider
    treatment"); only staff see it. ``citizen_explanation`` is the text a citizen sees beside her
    own values: neutral, no diagnosis or treatment advice. A band without a citizen text shows the
    citizen its label and range only.
    """

    slug: str
    label: LocalText
    colour: str  # a name of ``sob_core.PALETTE`` ("green") or "#rrggbb" passing ``check_colour``
    lower: float | None = None
    upper: float | None = None
    explanation: LocalText = field(default_factory=dict)
    citizen_explanation: LocalText = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A palette name ("green") is kept as its #rrggbb, so every page draws the same colour;
        # ``Scale.validate`` refuses a colour ``check_colour`` refuses.
        if isinstance(self.colour, str):
            object.__setattr__(self, "colour", resolve_colour(self.colour))

    def contains(self, value: float) -> bool:
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value < self.upper
        )

    def inclusive_range(
        self, step: float | None, minimum: float | None = None, maximum: float | None = None
    ) -> tuple[float | None, float | None]:
        """The band's lowest and highest reportable value with a score step of ``step``.

        ``upper`` is exclusive, so the highest value is ``upper - step`` (a PHQ-9 band 5 <= x < 10
        is 5-9); an open end is the subscale's ``minimum`` / ``maximum``, or None when unknown.
        Without a step (None) the highest value of a closed band cannot be named: it is None too,
        and the band reads "from lower, below upper".
        """
        low = self.lower if self.lower is not None else minimum
        if self.upper is None:
            high = maximum
        elif step:
            high = float(Decimal(str(self.upper)) - Decimal(str(step)))
        else:
            high = None
        return low, high


@dataclass(frozen=True)
class ScaleItem:
    """One item of an instrument, numbered as the published instrument numbers it.

    ``scores[i]`` is the score of the i-th option in the order the instrument prints its options.
    ``text`` and ``options`` carry the wording only where the licence allows shipping it.
    A numeric item (e.g. minutes) has ``kind="number"`` and no scores.
    """

    id: str
    scores: tuple[int, ...] = ()
    text: LocalText = field(default_factory=dict)
    options: tuple[LocalText, ...] = ()
    kind: str = "choice"  # "choice" or "number"
    unit: str = ""


@dataclass(frozen=True)
class Subscale:
    id: str
    label: LocalText
    items: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()
    #: bands chosen by context, e.g. {"female": (...), "male": (...)}; ``bands`` is the default
    bands_by_sex: Mapping[str, tuple[Band, ...]] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    explanation: LocalText = field(default_factory=dict)
    #: what the citizen reads above her own values (``explanation`` is the care team's text);
    #: without it the citizen sees no explanation of the subscale
    citizen_explanation: LocalText = field(default_factory=dict)
    #: the smallest difference between two reported values: 1 for a sum of integer item scores,
    #: 0.01 for a mean reported with two decimals. Values are shown with its decimals and bands
    #: as inclusive ranges (5-9); None (unknown) shows up to two decimals and half-open ranges.
    step: float | None = None

    def bands_for(self, context: Mapping[str, Any] | None = None) -> tuple[Band, ...]:
        sex = (context or {}).get("sex")
        return self.bands_by_sex.get(sex, self.bands) if sex else self.bands


@dataclass(frozen=True)
class ScaleScore:
    """What a scale's scoring returns: a value and a band slug per subscale, and flags."""

    scores: Mapping[str, float | int | None]
    bands: Mapping[str, str | None] = field(default_factory=dict)
    flags: Sequence[str] = ()


@dataclass(frozen=True)
class AnswerProblem:
    """Why a whole response cannot be accepted as given, found across its answers.

    ``message`` is shown to the citizen (Swedish and English); ``items`` are the item ids (a
    form's question keys) it concerns, and the message is shown next to those fields (above the
    form when it names none).
    """

    message: LocalText
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scale:
    """A standardised instrument.

    ``score(answers, context)`` takes answers keyed by item id (option index for choice items, a
    number for numeric items; a missing item is an absent key) and a context such as
    ``{"sex": "female", "age": 34}``, and returns a ``ScaleScore``; it raises ``InvalidAnswers``
    when the answers cannot be scored under the manual's rules.

    ``check_answers(answers)``, optional, checks a whole response across its answers before it is
    accepted, and returns the ``AnswerProblem``s found (none: the response may be submitted). It
    gets the scale's item answers as ``score`` does, and the form's other questions under their
    own keys (e.g. a sleep diary's bedtime), so answers ``score`` would refuse are refused while
    the citizen can still correct them.
    """

    id: str
    name: LocalText
    version: str
    citation: str
    licence: str
    items: tuple[ScaleItem, ...]
    subscales: tuple[Subscale, ...]
    score: Callable[[Mapping[str, Any], Mapping[str, Any]], ScaleScore]
    #: whether the plugin ships the item texts; when False a text pack must be imported
    texts_shipped: bool = True
    languages: tuple[str, ...] = ("sv", "en")
    #: item ids whose answer raises a flag, with the flag's slug
    critical_items: Mapping[str, str] = field(default_factory=dict)
    description: LocalText = field(default_factory=dict)
    #: the option labels shared by every item, when the instrument prints one response row
    options: tuple[LocalText, ...] = ()
    #: cross-field checks of a whole response before it is accepted (see the class docstring)
    check_answers: Callable[[Mapping[str, Any]], Sequence[AnswerProblem]] | None = None
    #: what each flag slug means, for the care team: ``{slug: {"sv": ..., "en": ...}}``, e.g.
    #: "Item 9 (thoughts of self-harm) answered above 'Not at all'". Shown on the patient page
    #: with the item and answer that raised it (``critical_items``); an unknown slug is shown as is.
    flag_texts: Mapping[str, LocalText] = field(default_factory=dict)

    def item(self, item_id: str) -> ScaleItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def subscale(self, subscale_id: str) -> Subscale:
        for sub in self.subscales:
            if sub.id == subscale_id:
                return sub
        raise KeyError(subscale_id)

    def validate(self) -> None:
        from .scale_checks import check_bands as _check_bands
        from .scale_checks import check_options as _check_options

        _check_key("scale", self.id)
        _check_text(f"scale {self.id!r} name", self.name)
        for name in ("version", "citation", "licence"):
            if not getattr(self, name):
                raise PluginContractError(f"scale {self.id!r} needs a {name}")
        if not self.items or not self.subscales:
            raise PluginContractError(f"scale {self.id!r} needs items and subscales")
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise PluginContractError(f"scale {self.id!r} has duplicate item ids")
        shared = _check_options(self.id, "the shared options", self.options, self.texts_shipped)
        for item in self.items:
            if item.kind == "choice" and not item.scores:
                raise PluginContractError(f"scale {self.id!r} item {item.id} has no option scores")
            if self.texts_shipped and not (isinstance(item.text, Mapping) and item.text.get("sv")):
                raise PluginContractError(
                    f"scale {self.id!r} says it ships texts but item {item.id} has no Swedish text"
                )
            if item.text:
                _check_text(f"scale {self.id!r} item {item.id} text", item.text)
            own = _check_options(
                self.id, f"item {item.id} options", item.options, self.texts_shipped
            )
            if item.kind != "choice":
                continue
            labels, source = (
                (own, "its own options give") if own else (shared, "the shared options give")
            )
            if labels and len(labels) != len(item.scores):
                raise PluginContractError(
                    f"scale {self.id!r}: item {item.id} has {len(item.scores)} scores but {source}"
                    f" {len(labels)} option labels; give one label per score, in printed order"
                )
            if self.texts_shipped and not labels:
                raise PluginContractError(
                    f"scale {self.id!r} says it ships texts but item {item.id} has no option"
                    " labels (set the item's options or the scale's shared options)"
                )
        for sub in self.subscales:
            unknown = set(sub.items) - set(ids)
            if unknown:
                raise PluginContractError(
                    f"scale {self.id!r} subscale {sub.id!r} names unknown items {sorted(unknown)}"
                )
            _check_bands(self.id, sub, sub.bands, "bands")
            for sex, variant in sub.bands_by_sex.items():
                _check_bands(self.id, sub, tuple(variant), f"bands_by_sex[{sex!r}]")
        unknown_critical = sorted(set(self.critical_items) - set(ids))
        if unknown_critical:
            raise PluginContractError(
                f"scale {self.id!r} critical_items names unknown items {unknown_critical}"
            )
        if not callable(self.score):
            raise PluginContractError(f"scale {self.id!r}: score must be callable")
        if self.check_answers is not None and not callable(self.check_answers):
            raise PluginContractError(f"scale {self.id!r}: check_answers must be callable")


# --- result scoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormInfo:
    """What the result-scoring hook learns about the form a response answered."""

    key: str  # stable key of the form, e.g. "sleep-diary"
    version: int
    scale_id: str | None
    questions: Sequence[QuestionSpec]
    #: the form's result definitions (``definition["results"]``): those with a ``method`` are
    #: the form's own results, which the core computes (``sob_core.forms.own_results``)
    results: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class ComputedResult:
    """One result of a response: a value on a named result, its band and flags."""

    key: str  # result key, e.g. "audit.total" or "sleep-efficiency.efficiency"
    value: float | int | None
    band: str | None = None
    flags: Sequence[str] = ()
    label: LocalText = field(default_factory=dict)
    #: the band's label; when left empty the core looks it up in the scale or form defining it
    band_label: LocalText = field(default_factory=dict)


# --- notification channels -----------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A notification as a channel sees it: never health data, only that something waits."""

    recipient_kind: str  # "staff" or "citizen"
    recipient_id: int
    subject: LocalText
    body: LocalText
    link: str = ""
    address: Mapping[str, str] = field(default_factory=dict)  # e.g. {"email": ..., "phone": ...}
    #: the recipient's language ("sv" or "en"): a channel leaving the service sends only that text
    language: str = "sv"
    #: a stable reference of the outbox row ("sob-notice-<id>"), the same on every retry
    reference: str = ""
    #: where the provider may POST delivery reports (set for channels with ``delivery_reports``)
    report_url: str = ""


@dataclass(frozen=True)
class NotificationChannel:
    """A way to deliver a notice.

    ``send(notice, config)`` delivers one notice and returns a provider reference (or "");
    it raises to signal a failure that should be retried. ``config`` holds the app settings named
    in ``config_keys`` (a plugin declares its own settings with the ``sob_settings`` hook).
    ``carries_health_data`` must be False for any channel leaving the platform (e-mail, SMS): the
    core then sends only generic texts. ``send`` may be called again for the same notice after a
    worker died during a send (at-least-once): use ``notice.reference`` as the provider's
    idempotency key or message id where the provider has one.
    """

    key: str
    label: LocalText
    send: Callable[[Notice, Mapping[str, Any]], str]
    carries_health_data: bool = False
    config_keys: tuple[str, ...] = ()
    #: the provider reports delivery later to ``notice.report_url`` (fields id, status, delivered)
    delivery_reports: bool = False
    #: outgoing notices wait until the quiet hours (``SOB_SMS_QUIET_HOURS``) are over
    quiet_hours: bool = False
    #: the notice is delivered by being written (an inbox inside the service): the outbox row is
    #: written ``sent`` at once, with no delivery job, attempt or call of ``send``
    local: bool = False
    #: optional: ``session(config)`` is a context manager giving a function that sends one notice
    #: like ``send`` (same return value, same exceptions); the outbox opens it once for a batch
    #: of notices and closes it after, so a channel can keep one connection (SMTP) for many
    #: sends. A send that raises fails only that notice; the session must stay usable for the
    #: next one (reconnect if need be). Without it each notice is sent with ``send``.
    session: (
        Callable[[Mapping[str, Any]], AbstractContextManager[Callable[[Notice], str]]] | None
    ) = None

    def validate(self) -> None:
        _check_key("notification channel", self.key)
        _check_text(f"notification channel {self.key!r} label", self.label)
        if not callable(self.send):
            raise PluginContractError(f"notification channel {self.key!r}: send must be callable")
        if self.session is not None and not callable(self.session):
            raise PluginContractError(
                f"notification channel {self.key!r}: session must be callable or None"
            )


# --- login providers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who a login provider has verified.

    ``audience`` is "staff" (``identifier`` is an HSA-id) or "citizen" (a personnummer).
    ``assurance`` is the assurance level of this login, one of ``ASSURANCE_LEVELS`` (e.g. "loa3");
    ``complete_login`` refuses it when it is below the installation's minimum for the audience.
    """

    audience: str
    identifier: str
    provider: str
    assurance: str
    name: str = ""


@dataclass(frozen=True)
class LoginProvider:
    """A way to sign in.

    ``blueprint`` is a Flask blueprint the host mounts at ``/auth/<key>/``; its entry view is
    ``<blueprint name>.start``. When the provider has verified someone it calls
    ``sob_core.complete_login(identity)`` and returns that response.
    ``available(app)`` may refuse the provider for an app (the demo provider refuses when demo
    mode is off); the host then does not mount it at all.
    ``assurance`` is the highest level (``ASSURANCE_LEVELS``) the provider's logins can have: the
    sign-in page leaves out a provider below the installation's minimum for an audience. Each
    login's own level is the one its ``VerifiedIdentity`` carries.
    """

    key: str
    label: LocalText
    audiences: tuple[str, ...]
    blueprint: Any
    assurance: str = "loa1"
    available: Callable[[Any], bool] = lambda app: True
    #: an optional click command group the host adds as ``sob auth <key> ...``
    cli: Any = None
    #: ``offers(app, audience)``: whether the mounted provider has anything for that audience in
    #: this app (a configurable provider may serve only one); the sign-in page asks it
    offers: Callable[[Any, str], bool] = lambda app, audience: True
    #: ``logout(data)``: where signing out continues for a session this provider started (its
    #: single logout), or None to end only the local session. Called by the core's logout view
    #: after the session is revoked and cleared, with a copy of what the session held; it may
    #: store what its return needs (e.g. a ``state``) in the new, anonymous session
    logout: Callable[[Mapping[str, Any]], str | None] | None = None

    def validate(self) -> None:
        _check_key("login provider", self.key)
        _check_text(f"login provider {self.key!r} label", self.label)
        if not self.audiences or set(self.audiences) - set(AUDIENCES):
            raise PluginContractError(
                f"login provider {self.key!r} audiences must be drawn from {AUDIENCES}"
            )
        if self.blueprint is None or not hasattr(self.blueprint, "register"):
            raise PluginContractError(f"login provider {self.key!r} needs a Flask blueprint")
        if self.assurance not in ASSURANCE_LEVELS:
            raise PluginContractError(
                f"login provider {self.key!r} assurance must be one of {ASSURANCE_LEVELS}"
            )


@dataclass(frozen=True)
class Credential:
    """What a login provider keeps for a staff member in the core's credential store."""

    hsa_id: str
    name: str
    active: bool
    data: dict[str, Any]
    locked_until: datetime | None

    def locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or datetime.now(UTC))


# --- settings ------------------------------------------------------------------------------------

SETTING_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


@dataclass(frozen=True)
class Setting:
    """An environment variable, read once when the app is created.

    The host reads every declared setting (the core's and each plugin's ``sob_settings``) from the
    environment, turns the text into a value with ``parse`` (``default`` when unset or empty) and
    stores it in ``app.config`` under ``name``, unless the app's configuration already sets it.
    ``shown_default`` is how the README's settings table shows a default that is computed.
    """

    name: str
    default: Any
    description: str
    parse: Callable[[str], Any] = str
    shown_default: str = ""

    def read(self, environ: Mapping[str, str]) -> Any:
        raw = environ.get(self.name)
        if raw is None or raw.strip() == "":
            return self.default
        try:
            return self.parse(raw.strip())
        except (TypeError, ValueError) as error:
            raise ValueError(f"setting {self.name}={raw!r} is invalid: {error}") from error

    def validate(self) -> None:
        if not isinstance(self.name, str) or not SETTING_RE.match(self.name):
            raise PluginContractError(
                f"setting {self.name!r} must be an upper-case environment variable name"
            )
        if not self.description:
            raise PluginContractError(f"setting {self.name!r} needs a description")
        if not callable(self.parse):
            raise PluginContractError(f"setting {self.name!r}: parse must be callable")
