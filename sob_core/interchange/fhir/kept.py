"""What an imported item carries that sob does not use, kept verbatim and exported again.

An import loses nothing silently and refuses nothing needlessly: an item key or a (non-modifier)
extension that no question type and no part of the core maps is kept as it came in the
question's ``"kept"`` entry (``{"keys": {name: value}, "extension": [...], "text_extension":
[...]}``) and written back into the item on export. ``report(definition)`` lists what was kept
and what the import made up (a question's text taken from its code, see ``items.py``), so the
CLI and the web can say it: "kept, not used by sob: ...".

What changes what an item asks or stores is not kept but refused, naming it: a modifier
extension (by definition), ``repeats`` where the question does not repeat (its type exports no
``repeats``: a slider, a scale), an answer list sob did not
read, and the SDC expressions that compute answers or decide what is shown (``REFUSED_EXTENSIONS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .common import TRANSLATION
from .errors import N_

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
SD = "http://hl7.org/fhir/StructureDefinition/"
LHC = "http://lhcforms.nlm.nih.gov/"
#: extensions that give an item its answer options some way sob cannot follow: computed (SDC
#: answerExpression, FHIRPath or an x-fhir-query), looked up at a web service (LHC-Forms'
#: externallydefined) or taken from another answer's data (LHC-Forms' dataControl). An item
#: carrying one is refused naming it (``items.refuse_option_sources``), also when it has no
#: options otherwise: it is not an open choice of free text, nor a choice without options
OPTION_SOURCES = frozenset(
    {
        SDC + "sdc-questionnaire-answerExpression",
        LHC + "fhir/StructureDefinition/questionnaire-externallydefined",
        LHC + "fhirExt/dataControl",
    }
)
#: extensions that compute answers or decide what is shown: sob would show a form that behaves
#: differently, so an import refuses them (a module mapping one takes it off this list; an item's
#: FHIRPath ``calculatedExpression`` is read off the item before, by ``expressions.py``)
REFUSED_EXTENSIONS = frozenset(
    {
        SDC + "sdc-questionnaire-calculatedExpression",
        SDC + "sdc-questionnaire-enableWhenExpression",
        *OPTION_SOURCES,
        SDC + "sdc-questionnaire-candidateExpression",
        # SDC 3: which of the options are offered, by an expression
        SDC + "sdc-questionnaire-answerOptionsToggleExpression",
        "http://hl7.org/fhir/StructureDefinition/targetConstraint",
        "http://hl7.org/fhir/StructureDefinition/cqf-expression",
        "http://hl7.org/fhir/StructureDefinition/questionnaire-constraint",
    }
)
#: SDC's prefill from the patient record: one reading only ``%patient`` is evaluated for the
#: signed-in citizen (``expressions.py``, ``calculate.py``); any other reads a record sob has not,
#: so the question starts empty (kept, and said in the report as a line of its own)
INITIAL_EXPRESSIONS = frozenset(
    {SDC + "sdc-questionnaire-initialExpression", SD + "questionnaire-initialExpression"}
)
#: extensions that only populate a form from the patient record or extract answers into other
#: resources (neither changes what the citizen is asked nor what is stored): kept verbatim
#: wherever they are (the Questionnaire, a group, an item) and reported, "kept, not used by sob"
POPULATION = frozenset(
    {
        *INITIAL_EXPRESSIONS,
        SD + "variable",
        SDC + "sdc-questionnaire-launchContext",
        SD + "questionnaire-launchContext",
        SDC + "sdc-questionnaire-itemPopulationContext",
        SDC + "sdc-questionnaire-sourceQueries",
        SDC + "sdc-questionnaire-observationLinkPeriod",
        SDC + "sdc-questionnaire-shortText",
        SDC + "sdc-questionnaire-observationExtract",
        SDC + "sdc-questionnaire-itemExtractionContext",
        SDC + "sdc-questionnaire-assembledFrom",
        SDC + "sdc-questionnaire-preferredTerminologyServer",
        SD + "preferredTerminologyServer",
        # R4's name for the server to expand value sets with: sob has the answers in the form
        SD + "terminology-server",
        # extraction of answers into other resources (Observation categories, templates)
        SDC + "sdc-questionnaire-observation-extract-category",
        SDC + "sdc-questionnaire-templateExtract",
        SD + "cqf-library",
    }
)
VARIABLE = SD + "variable"
#: item keys that change what is asked or stored: refused when the question would not use them
REFUSED_KEYS = frozenset(
    {"repeats", "answerValueSet", "answerOption", "initial", "readOnly", "modifierExtension"}
)

#: the report's messages (``N_``: translated where shown, as the errors are)
MESSAGES: dict[str, str] = {
    "kept_key": N_("kept, not used by sob: %(name)s on %(count)s items (%(links)s)"),
    "kept_extension": N_(
        "kept, not used by sob: the extension %(url)s on %(count)s items (%(links)s)"
    ),
    "kept_extension_form": N_("kept, not used by sob: the extension %(url)s on the Questionnaire"),
    "initial_expression": N_(
        "%(count)s items (%(links)s) are prefilled from the patient record in the source "
        "(SDC initialExpression); sob has no patient record, so these questions start empty"
    ),
    "calculated": N_(
        "%(count)s items (%(links)s) are calculated by sob from the other answers (SDC "
        "calculatedExpression in FHIRPath): shown read-only, computed when the form is saved"
    ),
    "patient_prefill": N_(
        "%(count)s items (%(links)s) are prefilled from the signed-in citizen (SDC "
        "initialExpression reading %%patient)"
    ),
    "text_from_code": N_("item %(link)s has no text: its code's display %(text)s is shown"),
    "text_from_value_set": N_(
        "item %(link)s has no text: the name of its answer list %(text)s is shown"
    ),
    "text_from_link": N_("item %(link)s has no text: its linkId %(text)s is shown"),
}


@dataclass(frozen=True)
class Note:
    """One line of an import report, coded like the errors (``i18n.translate_error``)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return MESSAGES[self.code]

    def __str__(self) -> str:
        return self.template % dict(self.params)


def is_empty(value: Any) -> bool:
    return value in (False, None, [], {}, "")


def keep(
    item: Mapping[str, Any],
    handled: Iterable[str],
    again: Mapping[str, Any],
    media_url: str,
) -> tuple[dict[str, Any], list[str], list[str]]:
    """``(kept, refused keys, refused extension urls)`` of an item against what sob maps
    (``handled`` keys) and what its question exports again (``again``)."""
    handled = set(handled)
    kept: dict[str, Any] = {}
    refused_keys: list[str] = []
    keys: dict[str, Any] = {}
    for name, value in item.items():
        if name in handled or name in again or is_empty(value):
            continue
        if name in REFUSED_KEYS:
            refused_keys.append(repr(name))
        else:
            keys[name] = value
    if keys:
        kept["keys"] = keys
    exported = {e.get("url") for e in again.get("extension") or [] if isinstance(e, Mapping)}
    refused_urls: list[str] = []
    extensions = []
    for extension in item.get("extension") or []:
        url = extension.get("url") if isinstance(extension, Mapping) else None
        if url in exported or url == media_url:
            continue
        if not isinstance(url, str) or url in REFUSED_EXTENSIONS:
            refused_urls.append(repr(url))
        else:
            extensions.append(extension)
    if extensions:
        kept["extension"] = extensions
    text = item.get("_text")
    others = [
        e
        for e in (text.get("extension") or [] if isinstance(text, Mapping) else [])
        if isinstance(e, Mapping) and e.get("url") != TRANSLATION
    ]
    if others:
        kept["text_extension"] = others
    return kept, refused_keys, refused_urls


def restore(item: dict[str, Any], question: Mapping[str, Any]) -> None:
    """Write what the import kept back into the exported ``item`` (never over what sob wrote)."""
    if question.get("label_from"):
        item.pop("text", None)  # the source had none; sob's shown text was made up on import
        item.pop("_text", None)
    kept = question.get("kept")
    if not isinstance(kept, Mapping):
        return
    for name, value in (kept.get("keys") or {}).items():
        item.setdefault(name, value)
    extensions = list(kept.get("extension") or [])
    if extensions:
        item["extension"] = [*(item.get("extension") or []), *extensions]
    text_extensions = list(kept.get("text_extension") or [])
    if text_extensions and "text" in item:
        text = dict(item.get("_text") or {})
        text["extension"] = [*(text.get("extension") or []), *text_extensions]
        item["_text"] = text


def report(definition: Mapping[str, Any]) -> list[Note]:
    """What an imported form's questions keep unused, and the texts the import made up."""
    notes: list[Note] = []
    keys: dict[str, list[str]] = {}
    urls: dict[str, list[str]] = {}
    prefilled: list[str] = []
    computed: dict[str, list[str]] = {"calculated": [], "patient_prefill": []}
    own = definition.get("kept")  # the Questionnaire's own (importing._kept_extensions)
    for extension in (own.get("extension") or []) if isinstance(own, Mapping) else []:
        if isinstance(extension, Mapping):
            notes.append(Note("kept_extension_form", {"url": repr(str(extension.get("url")))}))
    for group in definition.get("groups") or []:
        kept_group = group.get("kept") if isinstance(group, Mapping) else None
        for extension in (kept_group or {}).get("extension") or []:
            urls.setdefault(str(extension.get("url")), []).append(f"{group.get('key')} (group)")
    for question in definition.get("questions") or []:
        if not isinstance(question, Mapping):
            continue
        link = str(question.get("key"))
        if question.get("calculated"):  # evaluated by sob (expressions.py), said on a line
            computed["calculated"].append(link)
        if question.get("initial_expression"):
            computed["patient_prefill"].append(link)
        source = question.get("label_from")
        if source in ("code", "value_set", "link"):
            label = question.get("label") or {}
            text = next(iter(label.values()), "") if isinstance(label, Mapping) else ""
            notes.append(Note(f"text_from_{source}", {"link": repr(link), "text": repr(text)}))
        kept = question.get("kept")
        if not isinstance(kept, Mapping):
            continue
        for name in kept.get("keys") or {}:
            keys.setdefault(name, []).append(link)
        for extension in kept.get("extension") or []:
            if extension.get("url") in INITIAL_EXPRESSIONS:
                prefilled.append(link)  # said on a line of its own, below
                continue
            urls.setdefault(str(extension.get("url")), []).append(link)
        for extension in kept.get("text_extension") or []:
            urls.setdefault(str(extension.get("url")), []).append(link + " (text)")
    for name, links in keys.items():
        notes.append(Note("kept_key", _where(links, name=repr(name))))
    for url, links in urls.items():
        notes.append(Note("kept_extension", _where(links, url=repr(url))))
    if prefilled:
        notes.append(Note("initial_expression", _where(prefilled)))
    for code, links in computed.items():
        if links:
            notes.append(Note(code, _where(links)))
    return notes


def variable_names(node: Any) -> set[str]:
    """The names of the SDC ``variable`` extensions anywhere in ``node``."""
    found: set[str] = set()
    if isinstance(node, list):
        for value in node:
            found |= variable_names(value)
    elif isinstance(node, Mapping):
        for extension in node.get("extension") or []:
            if isinstance(extension, Mapping) and extension.get("url") == VARIABLE:
                expression = extension.get("valueExpression")
                name = expression.get("name") if isinstance(expression, Mapping) else None
                if isinstance(name, str) and name:
                    found.add(name)
        for key, value in node.items():
            if key != "extension":
                found |= variable_names(value)
    return found


def _where(links: list[str], **params: Any) -> dict[str, Any]:
    shown = ", ".join(repr(link) for link in links[:5]) + (", ..." if len(links) > 5 else "")
    return {**params, "count": len(links), "links": shown}
