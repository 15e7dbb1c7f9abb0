"""WHO-5 Well-Being Index as a sob scale plugin, the worked example of the plugin tutorial.

The tutorial is docs/writing-a-scale-plugin.md.

What the manual says (Psychiatric Research Unit, WHO Collaborating Centre in Mental Health,
Frederiksborg General Hospital, Hillerød; WHO-5 questionnaire 1998 version; Topp, Østergaard,
Søndergaard & Bech, Psychother Psychosom 2015;84:167-176):

* five statements about the last two weeks, each with six options printed from "All of the time"
  (5) to "At no time" (0), so option index i scores 5 - i;
* the raw score is the sum, 0-25; the percentage score is raw x 4, 0-100;
* a raw score below 13 (percentage below 52) indicates poor wellbeing, and testing for depression
  is recommended when the raw score is below 13 or any item is answered 0 or 1.

Decisions recorded here: every item is required (the manual scores only complete forms); the band
is on the percentage; the flag ``depression-screening-indicated`` follows the manual's two
conditions; the context (sex, age) does not change anything.

Texts: the WHO-5 is free to use without permission, but only in the official language versions
published by the Psychiatric Centre North Zealand, with any change marked. We have not verified
the official Swedish wording letter by letter, so this plugin ships structure and scoring only
(``texts_shipped=False``); the official texts are added as a text pack.
"""

from __future__ import annotations

from typing import Any

from sob_core import (
    Band,
    Scale,
    ScaleItem,
    ScaleScore,
    Subscale,
    band_for,
    bands_for,
    check_choice_answers,
    hookimpl,
    item_scores,
)

FLAG = "depression-screening-indicated"

#: option index 0 ("All of the time") scores 5 ... index 5 ("At no time") scores 0
ITEMS = tuple(ScaleItem(id=str(number), scores=(5, 4, 3, 2, 1, 0)) for number in range(1, 6))

BANDS = (
    Band(
        slug="poor-wellbeing",
        label={"sv": "Nedsatt välbefinnande", "en": "Poor wellbeing"},
        colour="orange",  # a name of sob_core.PALETTE (or a #rrggbb passing check_colour)
        lower=0,
        upper=52,
        explanation={
            "sv": "Under 52 procent (råpoäng under 13): nedsatt välbefinnande. En bedömning av"
            " depression rekommenderas.",
            "en": "Below 52 per cent (raw score below 13): poor wellbeing. An assessment for"
            " depression is recommended.",
        },
        citizen_explanation={
            "sv": "Dina svar tyder på att du har mått sämre den senaste tiden. Din behandlare ser"
            " dina svar och kan prata med dig om dem.",
            "en": "Your answers suggest you have been feeling worse recently. Your therapist sees"
            " your answers and can talk them through with you.",
        },
    ),
    Band(
        slug="adequate-wellbeing",
        label={"sv": "Tillräckligt välbefinnande", "en": "Adequate wellbeing"},
        colour="green",
        lower=52,
        upper=None,
        explanation={
            "sv": "52 procent eller mer: inget tecken på nedsatt välbefinnande. Granska ändå"
            " frågor som besvarats med de två lägsta alternativen.",
            "en": "52 per cent or more: no sign of poor wellbeing. Still look at any item"
            " answered with one of the two lowest options.",
        },
        citizen_explanation={
            "sv": "Dina svar tyder på att du har mått ganska bra den senaste tiden.",
            "en": "Your answers suggest you have been feeling fairly well recently.",
        },
    ),
)

SUBSCALES = (
    Subscale(
        id="total",
        label={"sv": "Råpoäng", "en": "Raw score"},
        items=tuple(item.id for item in ITEMS),
        minimum=0,
        maximum=25,
        step=1,  # a sum of whole item scores
        explanation={
            "sv": "Summan av de fem frågorna, 0-25. Högre är bättre.",
            "en": "The sum of the five items, 0-25. Higher is better.",
        },
        citizen_explanation={
            "sv": "Summan av dina svar på fem frågor, 0-25. Högre betyder att du mått bättre.",
            "en": "The sum of your answers to five questions, 0-25. Higher means you felt better.",
        },
    ),
    Subscale(
        id="percentage",
        label={"sv": "Procentpoäng", "en": "Percentage score"},
        items=tuple(item.id for item in ITEMS),
        bands=BANDS,
        minimum=0,
        maximum=100,
        step=4,  # the raw score times 4: 0, 4, 8 ... 100, so "poor" reads 0–48
        explanation={
            "sv": "Råpoängen gånger 4, 0-100. En skillnad på 10 procentenheter är betydelsefull.",
            "en": "The raw score times 4, 0-100. A change of 10 points is meaningful.",
        },
        citizen_explanation={
            "sv": "Summan av dina svar gånger 4, 0-100. Högre betyder att du mått bättre.",
            "en": "The sum of your answers times 4, 0-100. Higher means you felt better.",
        },
    ),
)


def score(answers: Any, context: Any = None) -> ScaleScore:
    """Score WHO-5 answers ``{"1": index, ..., "5": index}``; all five are required."""
    choices = check_choice_answers(SCALE, answers)  # raises InvalidAnswers naming the item
    scores = item_scores(SCALE, choices)
    raw = sum(scores.values())
    percentage = raw * 4
    band = band_for(bands_for(SUBSCALES[1], context), percentage)
    screen = raw < 13 or any(points <= 1 for points in scores.values())
    return ScaleScore(
        scores={"total": raw, "percentage": percentage},
        bands={"percentage": band.slug} if band is not None else {},
        flags=[FLAG] if screen else [],
    )


SCALE = Scale(
    id="who-5",
    name={"sv": "WHO-5 välbefinnandeindex", "en": "WHO-5 Well-Being Index"},
    version="1998",
    citation=(
        "Psychiatric Research Unit, WHO Collaborating Centre in Mental Health. WHO (Five)"
        " Well-Being Index (1998 version). Topp CW, Østergaard SD, Søndergaard S, Bech P. The"
        " WHO-5 Well-Being Index: a systematic review of the literature. Psychother Psychosom."
        " 2015;84(3):167-176."
    ),
    licence=(
        "Free to use without permission; only the official language versions from the"
        " Psychiatric Centre North Zealand may be used, with any change marked. Texts are not"
        " bundled: import the official wording as a text pack."
    ),
    items=ITEMS,
    subscales=SUBSCALES,
    score=score,
    texts_shipped=False,
    critical_items={item.id: FLAG for item in ITEMS},
    flag_texts={
        FLAG: {
            "sv": "Råpoäng under 13, eller en fråga besvarad med något av de två lägsta"
            " alternativen. WHO-5-manualen rekommenderar en bedömning av depression.",
            "en": "Raw score below 13, or an item answered with one of the two lowest options."
            " The WHO-5 manual recommends an assessment for depression.",
        }
    },
    description={
        "sv": "Fem påståenden om hur du mått de senaste två veckorna.",
        "en": "Five statements about how you have felt over the last two weeks.",
    },
)


@hookimpl
def sob_scales() -> list[Scale]:
    return [SCALE]
