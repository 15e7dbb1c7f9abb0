"""RCADS-25 - Revised Child Anxiety and Depression Scale, short version (25 items).

Structure and scoring only (Ebesutani, Reise, Chorpita et al., Psychol Assess 2012;24:833-845;
RCADS User's Guide, Chorpita, Ebesutani & Spence): 25 items with four options, "Never" 0,
"Sometimes" 1, "Often" 2, "Always" 3, in printed order; no item is reverse scored. Depression
(10 items) is items 1, 4, 8, 10, 13, 15, 16, 19, 21 and 24; anxiety (15 items) is the other
fifteen: 2, 3, 5, 6, 7, 9, 11, 12, 14, 17, 18, 20, 22, 23 and 25. Raw scores are sums: anxiety
0-45, depression 0-30, total 0-75.

Bands need the T-score norm tables by sex and school grade, which we do not ship, so no subscale
has bands and the context is not used. Missing data: the UCLA automated scoring programs handle
missing answers internally, but the published guide states no proration rule we could verify, so
every item is required (raw sums are only comparable when complete).

Texts: © Bruce F. Chorpita and Susan H. Spence, distributed by UCLA (rcads.ucla.edu); the wording
is not redistributed in this package and must be imported as a text pack.
"""

from __future__ import annotations

from typing import Any

from sob_core import (
    Scale,
    ScaleScore,
    Subscale,
    check_choice_answers,
    context_sex,
    hookimpl,
    item_scores,
)

from ._shared import structure_items, text

DEPRESSION = ("1", "4", "8", "10", "13", "15", "16", "19", "21", "24")
ANXIETY = tuple(str(n) for n in range(1, 26) if str(n) not in DEPRESSION)

ITEMS = structure_items([(0, 1, 2, 3)] * 25)

SUBSCALES = (
    Subscale(
        id="anxiety",
        label=text("Ångest", "Anxiety"),
        items=ANXIETY,
        minimum=0,
        maximum=45,
        step=1,
        explanation=text(
            "Summan av de 15 ångestfrågorna, 0-45. Högre poäng betyder mer ångest. Jämförelse med"
            " normer (T-poäng) kräver normtabeller efter kön och årskurs.",
            "The sum of the 15 anxiety items, 0-45. Higher means more anxiety. Comparing with"
            " norms (T scores) needs the norm tables by sex and school grade.",
        ),
        citizen_explanation=text(
            "Summan av dina svar på 15 frågor om oro, 0-45. Högre poäng betyder mer oro.",
            "The sum of your answers to 15 questions about worry, 0-45. Higher means more worry.",
        ),
    ),
    Subscale(
        id="depression",
        label=text("Depression", "Depression"),
        items=DEPRESSION,
        minimum=0,
        maximum=30,
        step=1,
        explanation=text(
            "Summan av de 10 depressionsfrågorna, 0-30. Högre poäng betyder mer nedstämdhet.",
            "The sum of the 10 depression items, 0-30. Higher means more low mood.",
        ),
        citizen_explanation=text(
            "Summan av dina svar på 10 frågor om nedstämdhet, 0-30. Högre poäng betyder mer"
            " nedstämdhet.",
            "The sum of your answers to 10 questions about low mood, 0-30. Higher means more low"
            " mood.",
        ),
    ),
    Subscale(
        id="total",
        label=text("Totalpoäng", "Total score"),
        items=tuple(str(n) for n in range(1, 26)),
        minimum=0,
        maximum=75,
        step=1,
        explanation=text(
            "Summan av alla 25 frågor, 0-75.",
            "The sum of all 25 items, 0-75.",
        ),
        citizen_explanation=text(
            "Summan av dina svar på alla 25 frågor, 0-75.",
            "The sum of your answers to all 25 questions, 0-75.",
        ),
    ),
)


def score(answers: Any, context: Any = None) -> ScaleScore:
    context_sex(context)  # validates the context; norms by sex are not applied
    scores = item_scores(SCALE, check_choice_answers(SCALE, answers))
    anxiety = sum(scores[item] for item in ANXIETY)
    depression = sum(scores[item] for item in DEPRESSION)
    return ScaleScore(
        scores={"anxiety": anxiety, "depression": depression, "total": anxiety + depression},
        bands={},
        flags=[],
    )


SCALE = Scale(
    id="rcads-25",
    name=text(
        "RCADS-25 - skala för ångest och depression hos barn och unga",
        "RCADS-25 - Revised Child Anxiety and Depression Scale, short version",
    ),
    version="RCADS-25 (2012)",
    citation=(
        "Ebesutani C, Reise SP, Chorpita BF, Ale C, Regan J, Young J, Higa-McMillan C, Weisz JR."
        " The Revised Child Anxiety and Depression Scale-Short Version: scale reduction via"
        " exploratory bifactor modeling of the broad anxiety factor. Psychol Assess."
        " 2012;24(4):833-845."
    ),
    licence=(
        "© Bruce F. Chorpita and Susan H. Spence, distributed by UCLA (rcads.ucla.edu). The"
        " wording is not redistributed here and must be imported as a text pack."
    ),
    items=ITEMS,
    subscales=SUBSCALES,
    score=score,
    texts_shipped=False,
    description=text(
        "25 frågor för barn och unga (8-18 år) om ångest och nedstämdhet.",
        "25 questions for children and young people (8-18) about anxiety and low mood.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
