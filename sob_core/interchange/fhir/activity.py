"""A patient's activity plan as FHIR R4: a ``Goal`` per registration, an ``Observation`` per value.

- **Goal.** ``description.text`` is the registration's heading; its targets are one
  ``target`` with ``measure.text`` (the heading) and ``detailRange`` low/high as UCUM
  quantities (only the bounds that are set). A registration without targets has no ``target``.
  ``lifecycleStatus`` is ``active``, or ``cancelled`` once the registration is removed from the
  plan (its values are still exported). ``outcomeReference`` lists the registration's
  Observations. The plan's instructions are the Goal's ``note``.
- **Observation.** ``status`` ``final``, ``code`` the registration (system
  ``ACTIVITY_SYSTEM``, code its id, display its heading), ``effectiveDateTime`` the registered
  day, ``valueQuantity`` in UCUM, ``referenceRange`` the target (type ``treatment``) and
  ``interpretation`` L / N / H against it.
- **Subject** is the citizen by personal identity number (or coordination number), as in the
  QuestionnaireResponse export.

The result is a ``Bundle`` of type ``collection``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...models import ActivityPlan, ActivityRegistration, ActivityValue, Citizen
from .common import (
    DEFAULT_BASE_URL,
    PERSONNUMMER_SYSTEM,
    SAMORDNINGSNUMMER_SYSTEM,
    SOB_FHIR,
    fhir_id,
    iso,
)

ACTIVITY_SYSTEM = SOB_FHIR + "/CodeSystem/activity-registration"
UCUM = "http://unitsofmeasure.org"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
RANGE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"

#: The plan's units as UCUM codes (counts as annotations).
UCUM_CODES = {
    "cm": "cm",
    "km": "km",
    "meter": "m",
    "m": "m",
    "kg": "kg",
    "mmHg": "mm[Hg]",
    "mmol/l": "mmol/L",
    "timmar": "h",
    "minuter": "min",
    "st": "{st}",
    "ggr": "{ggr}",
}


def quantity(value: float, unit: str) -> dict[str, Any]:
    number: float | int = int(value) if float(value).is_integer() else value
    return {"value": number, "unit": unit, "system": UCUM, "code": UCUM_CODES.get(unit, unit)}


def _subject(citizen: Citizen) -> dict[str, Any]:
    system = SAMORDNINGSNUMMER_SYSTEM if citizen.coordination_number else PERSONNUMMER_SYSTEM
    return {"identifier": {"system": system, "value": citizen.personnummer}}


def _range(registration: ActivityRegistration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if registration.target_min is not None:
        out["low"] = quantity(registration.target_min, registration.unit)
    if registration.target_max is not None:
        out["high"] = quantity(registration.target_max, registration.unit)
    return out


def _interpretation(registration: ActivityRegistration, value: float) -> str:
    if registration.target_min is not None and value < registration.target_min:
        return "L"
    if registration.target_max is not None and value > registration.target_max:
        return "H"
    return "N"


_MEANING = {"L": "Low", "N": "Normal", "H": "High"}


def goal(
    registration: ActivityRegistration,
    citizen: Citizen,
    observation_ids: Sequence[str],
    instructions: str = "",
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": fhir_id("activity-goal", registration.id),
        "lifecycleStatus": "cancelled" if registration.removed_at else "active",
        "description": {"text": registration.heading},
        "subject": _subject(citizen),
    }
    target = _range(registration)
    if target:
        resource["target"] = [{"measure": {"text": registration.heading}, "detailRange": target}]
    if instructions:
        resource["note"] = [{"text": instructions}]
    if observation_ids:
        resource["outcomeReference"] = [{"reference": f"Observation/{i}"} for i in observation_ids]
    return resource


def observation(
    registration: ActivityRegistration, value: ActivityValue, citizen: Citizen
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": fhir_id("activity-value", value.id),
        "status": "final",
        "code": {
            "coding": [
                {
                    "system": ACTIVITY_SYSTEM,
                    "code": str(registration.id),
                    "display": registration.heading,
                }
            ],
            "text": registration.heading,
        },
        "subject": _subject(citizen),
        "effectiveDateTime": value.on_date.isoformat(),
        "valueQuantity": quantity(value.value, registration.unit),
    }
    issued = iso(value.created_at)
    if issued:
        resource["issued"] = issued
    target = _range(registration)
    if target:
        code = _interpretation(registration, value.value)
        resource["referenceRange"] = [
            {
                **target,
                "type": {"coding": [{"system": RANGE_MEANING, "code": "treatment"}]},
            }
        ]
        resource["interpretation"] = [
            {"coding": [{"system": INTERPRETATION, "code": code, "display": _MEANING[code]}]}
        ]
    return resource


def export_activity_plan(
    plan: ActivityPlan | None,
    registrations: Sequence[ActivityRegistration],
    values: Mapping[int, Sequence[ActivityValue]],
    citizen: Citizen,
    *,
    base_url: str | None = None,
) -> dict[str, Any]:
    """A ``collection`` Bundle of the plan's Goals and their Observations."""
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    entries: list[dict[str, Any]] = []
    instructions = plan.instructions if plan is not None else ""
    for registration in registrations:
        observations = [
            observation(registration, v, citizen) for v in values.get(registration.id, [])
        ]
        resource = goal(registration, citizen, [o["id"] for o in observations], instructions)
        entries.append({"fullUrl": f"{base}/fhir/Goal/{resource['id']}", "resource": resource})
        entries.extend(
            {"fullUrl": f"{base}/fhir/Observation/{o['id']}", "resource": o} for o in observations
        )
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": fhir_id("activity-plan", plan.enrollment_id if plan is not None else "none"),
        "type": "collection",
        "entry": entries,
    }
    if plan is not None and plan.updated_at is not None:
        bundle["timestamp"] = iso(plan.updated_at)
    return bundle
