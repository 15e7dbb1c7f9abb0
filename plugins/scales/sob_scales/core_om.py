"""CORE-OM - Clinical Outcomes in Routine Evaluation, Outcome Measure (34 items).

Structure and scoring only (Evans et al., Br J Psychiatry 2002;180:51-60; CORE System Trust,
"What's in a name (1): scoring CORE measures"). 34 items, five options printed "Not at all",
"Only occasionally", "Sometimes", "Often", "Most or all of the time". Problem-worded items score
0-4 in that order; the eight positively worded items 3, 4, 7, 12, 19, 21, 31 and 32 are reversed
(4-0), so a positive item answered 0 scores 4.

Domains (item means, 0-4): W well-being 4, 14, 17, 31; P problems 2, 5, 8, 11, 13, 15, 18, 20,
23, 27, 28, 30; F functioning 1, 3, 7, 10, 12, 19, 21, 25, 26, 29, 32, 33; R risk 6, 9, 16, 22,
24, 34; ``all`` all 34 items; ``non_risk`` the 28 items outside R. Risk items endorsed above 0
raise ``risk-items-endorsed``.

Missing data (CORE System Trust rule: prorate - take the mean of the answered items - when no
more than 10% of a score's items are missing): ``all`` up to 3 of 34, ``non_risk`` up to 3 of 28
(the Trust's current reading, rounding 2.8 up), P and F up to 1 of 12, W and R none. A domain
beyond its allowance is ``None``; when ``all`` cannot be computed the answers are invalid.

The band is read on the clinical score (mean of all items x 10): healthy < 6, low-level < 10,
mild < 15, moderate < 20, moderate-to-severe < 25, severe from 25; the bounds below are the same
cut-offs on the mean (0.6, 1.0 ...), decided on the unrounded mean.

Texts: the CORE-OM and its Swedish translation are distributed by the CORE System Trust; the
wording is not redistributed in this package and must be imported as a text pack.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sob_core import (
    InvalidAnswers,
    Scale,
    ScaleItem,
    ScaleScore,
    Subscale,
    band_for,
    check_choice_answers,
    context_sex,
    hookimpl,
    item_scores,
    mean,
    round_half_away,
)

from ._shared import band, text

POSITIVE = frozenset({"3", "4", "7", "12", "19", "21", "31", "32"})
RISK = ("6", "9", "16", "22", "24", "34")
DOMAINS: dict[str, tuple[str, ...]] = {
    "W": ("4", "14", "17", "31"),
    "P": ("2", "5", "8", "11", "13", "15", "18", "20", "23", "27", "28", "30"),
    "F": ("1", "3", "7", "10", "12", "19", "21", "25", "26", "29", "32", "33"),
    "R": RISK,
}
ALL = tuple(str(n) for n in range(1, 35))
NON_RISK = tuple(item for item in ALL if item not in RISK)
#: how many missing items each score tolerates (10% of its items, see the module docstring)
MAX_MISSING = {"W": 0, "P": 1, "F": 1, "R": 0, "all": 3, "non_risk": 3}

ITEMS = tuple(
    ScaleItem(id=item, scores=(4, 3, 2, 1, 0) if item in POSITIVE else (0, 1, 2, 3, 4))
    for item in ALL
)

BANDS = (
    band(
        "healthy",
        ("Frisk nivå", "Healthy"),
        "green",
        0,
        0.6,
        (
            "Klinisk poäng under 6 (medelvärde under 0,6): i nivå med en frisk befolkning.",
            "Clinical score below 6 (mean below 0.6): in the range of a healthy population.",
        ),
        (
            "Dina svar tyder på få psykiska besvär den senaste veckan.",
            "Your answers suggest little distress over the last week.",
        ),
    ),
    band(
        "low-level",
        ("Låg nivå", "Low level"),
        "lime",
        0.6,
        1.0,
        (
            "Klinisk poäng 6-9,9: låg nivå av psykiska besvär, under klinisk gräns.",
            "Clinical score 6-9.9: a low level of distress, below the clinical cut-off.",
        ),
        (
            "Dina svar tyder på lätta psykiska besvär den senaste veckan.",
            "Your answers suggest a little distress over the last week.",
        ),
    ),
    band(
        "mild",
        ("Lindrig", "Mild"),
        "amber",
        1.0,
        1.5,
        (
            "Klinisk poäng 10-14,9: lindriga psykiska besvär, över klinisk gräns.",
            "Clinical score 10-14.9: mild distress, above the clinical cut-off.",
        ),
        (
            "Dina svar tyder på vissa psykiska besvär den senaste veckan. Ta gärna "
            "upp det med din behandlare.",
            "Your answers suggest some distress over the last week. Feel free to "
            "bring it up with your therapist.",
        ),
    ),
    band(
        "moderate",
        ("Måttlig", "Moderate"),
        "orange",
        1.5,
        2.0,
        (
            "Klinisk poäng 15-19,9: måttliga psykiska besvär.",
            "Clinical score 15-19.9: moderate distress.",
        ),
        (
            "Dina svar tyder på en hel del psykiska besvär den senaste veckan. Din "
            "behandlare ser dina svar och kan prata med dig om dem.",
            "Your answers suggest quite a lot of distress over the last week. Your "
            "therapist sees your answers and can talk them through with you.",
        ),
    ),
    band(
        "moderate-to-severe",
        ("Måttlig till svår", "Moderate to severe"),
        "deep-orange",
        2.0,
        2.5,
        (
            "Klinisk poäng 20-24,9: måttliga till svåra psykiska besvär.",
            "Clinical score 20-24.9: moderate to severe distress.",
        ),
        (
            "Dina svar tyder på mycket psykiska besvär den senaste veckan. Din "
            "behandlare ser dina svar och kan prata med dig om dem.",
            "Your answers suggest a lot of distress over the last week. Your "
            "therapist sees your answers and can talk them through with you.",
        ),
    ),
    band(
        "severe",
        ("Svår", "Severe"),
        "red",
        2.5,
        None,
        (
            "Klinisk poäng 25 eller mer: svåra psykiska besvär.",
            "Clinical score 25 or more: severe distress.",
        ),
        (
            "Dina svar tyder på stora psykiska besvär den senaste veckan. Din "
            "behandlare ser dina svar och kan prata med dig om dem. Behöver du hjälp "
            "snabbt, ring 1177.",
            "Your answers suggest a great deal of distress over the last week. Your "
            "therapist sees your answers and can talk them through with you. If you "
            "need help quickly, call 1177.",
        ),
    ),
)

_MEAN_NOTE = (
    " Medelvärde av frågorna, 0-4 (klinisk poäng = medelvärde x 10).",
    " Mean of the items, 0-4 (clinical score = mean x 10).",
)


def _subscale(sub_id: str, sv: str, en: str, items: tuple[str, ...], bands: tuple = ()) -> Subscale:
    allowed = MAX_MISSING[sub_id]
    missing_sv = f" Högst {allowed} obesvarade frågor." if allowed else " Alla frågor krävs."
    missing_en = f" At most {allowed} unanswered items." if allowed else " Every item is needed."
    return Subscale(
        id=sub_id,
        label=text(sv, en),
        items=items,
        bands=bands,
        minimum=0,
        maximum=4,
        step=0.01,  # means reported with two decimals
        explanation=text(
            sv + "." + _MEAN_NOTE[0] + missing_sv, en + "." + _MEAN_NOTE[1] + missing_en
        ),
        citizen_explanation=text(
            f"{sv}: medelvärdet av dina svar, 0-4. Ett högre värde betyder mer besvär.",
            f"{en}: the mean of your answers, 0-4. A higher value means more distress.",
        ),
    )


SUBSCALES = (
    _subscale("W", "Välbefinnande", "Well-being", DOMAINS["W"]),
    _subscale("P", "Problem och symtom", "Problems", DOMAINS["P"]),
    _subscale("F", "Funktion", "Functioning", DOMAINS["F"]),
    _subscale("R", "Risk", "Risk", DOMAINS["R"]),
    _subscale("all", "Alla frågor", "All items", ALL, BANDS),
    _subscale("non_risk", "Alla utom risk", "All except risk", NON_RISK),
)


def _domain_mean(scores: dict[str, int], sub_id: str, items: tuple[str, ...]) -> Fraction | None:
    answered = [scores[item] for item in items if item in scores]
    if len(items) - len(answered) > MAX_MISSING[sub_id]:
        return None
    return mean(answered)


def score(answers: Any, context: Any = None) -> ScaleScore:
    context_sex(context)  # validates the context; CORE-OM has no sex-specific cut-offs
    scores = item_scores(SCALE, check_choice_answers(SCALE, answers, allow_missing=True))
    missing = [item for item in ALL if item not in scores]
    if len(missing) > MAX_MISSING["all"]:
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        raise InvalidAnswers(
            f"core-om: {len(missing)} items are missing ({shown}); the manual allows at most"
            f" {MAX_MISSING['all']} for the total score"
        )
    means = {sub.id: _domain_mean(scores, sub.id, sub.items) for sub in SUBSCALES}
    overall = means["all"]
    assert overall is not None  # guaranteed by the check above
    band = band_for(BANDS, overall)
    return ScaleScore(
        scores={
            key: None if value is None else round_half_away(value) for key, value in means.items()
        },
        bands={"all": band.slug} if band is not None else {},
        flags=["risk-items-endorsed"] if any(scores.get(item, 0) > 0 for item in RISK) else [],
    )


SCALE = Scale(
    id="core-om",
    name=text(
        "CORE-OM - skattning av psykiskt mående",
        "CORE-OM - Clinical Outcomes in Routine Evaluation, Outcome Measure",
    ),
    version="CORE-OM (1998)",
    citation=(
        "Evans C, Connell J, Barkham M, Margison F, McGrath G, Mellor-Clark J, Audin K. Towards a"
        " standardised brief outcome measure: psychometric properties and utility of the CORE-OM."
        " Br J Psychiatry. 2002;180:51-60. Scoring and prorating: CORE System Trust, 'What's in a"
        " name (1): scoring CORE measures'."
    ),
    licence=(
        "© CORE System Trust (CC BY-ND 4.0 for the English form; translations from the Trust)."
        " The wording is not redistributed here and must be imported as a text pack."
    ),
    items=ITEMS,
    subscales=SUBSCALES,
    score=score,
    texts_shipped=False,
    critical_items=dict.fromkeys(RISK, "risk-items-endorsed"),
    flag_texts={
        "risk-items-endorsed": text(
            "En eller flera riskfrågor (6, 9, 16, 22, 24, 34: risk för sig själv eller andra) är"
            " besvarade med något annat än 'Inte alls'. Gör en riskbedömning.",
            "One or more risk items (6, 9, 16, 22, 24, 34: risk to self or others) are answered"
            " with anything but 'Not at all'. Assess the risk.",
        )
    },
    description=text(
        "34 frågor om hur du mått den senaste veckan: välbefinnande, problem, funktion och risk.",
        "34 questions about the last week: well-being, problems, functioning and risk.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
