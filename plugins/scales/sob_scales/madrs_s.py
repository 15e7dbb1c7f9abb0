"""MADRS-S - Montgomery-Åsberg Depression Rating Scale, self-rated (9 items). Structure only.

Scoring (Svanborg & Åsberg, Acta Psychiatr Scand 1994;89:21-28; Svanborg & Åsberg, J Affect
Disord 2001;64:203-216): nine items, each rated 0-6 in printed order (0, 2, 4 and 6 are
described, 1, 3 and 5 lie between). The total (0-54) is the sum. Severity as used in Swedish
care: 0-12 none or very mild, 13-19 mild, 20-34 moderate, 35-54 severe depression. Item 9
(zest for life / "livslust", covering thoughts of death and suicide) at 4 or more raises
``item-9-high``. No missing-data rule is published for the self-rated form, so all nine items
are required.

Severity bands as used in Swedish care (e.g. the interpretation printed with the Swedish form).

Texts: rights held by the authors; the wording is not redistributed in an open-source package
(ARCHITECTURE.md, "Licensed instrument texts"). A licensed organisation imports it as a text pack.
"""

from __future__ import annotations

from sob_core import ItemFlag, hookimpl, simple_sum_scale

from ._shared import band, structure_items, text

ITEMS = structure_items([(0, 1, 2, 3, 4, 5, 6)] * 9)

BANDS = (
    band(
        "none-or-very-mild",
        ("Ingen eller mycket lätt depression", "None or very mild depression"),
        "green",
        0,
        13,
        (
            "0-12 poäng: inga eller mycket lätta depressiva symtom.",
            "0-12 points: no or very mild depressive symptoms.",
        ),
        (
            "Dina svar tyder på få eller inga besvär med nedstämdhet.",
            "Your answers suggest few or no problems with low mood.",
        ),
    ),
    band(
        "mild",
        ("Lätt depression", "Mild depression"),
        "lime",
        13,
        20,
        (
            "13-19 poäng: lätta depressiva symtom.",
            "13-19 points: mild depressive symptoms.",
        ),
        (
            "Dina svar tyder på vissa besvär med nedstämdhet. Ta gärna upp det med din behandlare.",
            "Your answers suggest some problems with low mood. Feel free to bring it "
            "up with your therapist.",
        ),
    ),
    band(
        "moderate",
        ("Måttlig depression", "Moderate depression"),
        "amber",
        20,
        35,
        (
            "20-34 poäng: måttliga depressiva symtom. Behandling bör övervägas.",
            "20-34 points: moderate depressive symptoms. Consider treatment.",
        ),
        (
            "Dina svar tyder på en hel del besvär med nedstämdhet. Din behandlare ser "
            "dina svar och kan prata med dig om dem.",
            "Your answers suggest quite a few problems with low mood. Your therapist "
            "sees your answers and can talk them through with you.",
        ),
    ),
    band(
        "severe",
        ("Svår depression", "Severe depression"),
        "red",
        35,
        None,
        (
            "35 poäng eller mer: svåra depressiva symtom. Skyndsam bedömning behövs.",
            "35 points or more: severe depressive symptoms. Prompt assessment is needed.",
        ),
        (
            "Dina svar tyder på stora besvär med nedstämdhet. Din behandlare ser dina "
            "svar och kan prata med dig om dem. Behöver du hjälp snabbt, ring 1177.",
            "Your answers suggest a lot of problems with low mood. Your therapist "
            "sees your answers and can talk them through with you. If you need help "
            "quickly, call 1177.",
        ),
    ),
)

SCALE = simple_sum_scale(
    id="madrs-s",
    name=text(
        "MADRS-S - självskattad depressionsskala",
        "MADRS-S - Montgomery-Åsberg Depression Rating Scale, self-rated",
    ),
    version="MADRS-S (1994)",
    citation=(
        "Svanborg P, Åsberg M. A new self-rating scale for depression and anxiety states based on"
        " the Comprehensive Psychopathological Rating Scale. Acta Psychiatr Scand."
        " 1994;89(1):21-28. Montgomery SA, Åsberg M. Br J Psychiatry. 1979;134:382-389."
    ),
    licence=(
        "Rights held by the authors (Svanborg, Åsberg). The wording is not redistributed in this"
        " open-source package; a licensed organisation imports it as a text pack."
    ),
    items=ITEMS,
    label=text("MADRS-S totalpoäng", "MADRS-S total score"),
    bands=BANDS,
    flags=(
        ItemFlag(
            "item-9-high",
            "9",
            minimum=4,
            text=text(
                "Fråga 9 (livslust, med tankar på död och självmord) har fått 4 poäng eller mer."
                " Gör en suicidriskbedömning.",
                "Item 9 (zest for life, covering thoughts of death and suicide) scored 4 or more."
                " Assess the suicide risk.",
            ),
        ),
    ),
    texts_shipped=False,
    description=text(
        "Nio frågor om hur du mått de senaste tre dagarna.",
        "Nine questions about how you have felt over the last three days.",
    ),
    explanation=text(
        "Summan av nio frågor, 0-54. Fråga 9 (livslust) med 4 poäng eller mer ska alltid följas"
        " upp med en bedömning av självmordsrisk.",
        "The sum of nine items, 0-54. Item 9 (zest for life) at 4 points or more must always be"
        " followed up with a suicide risk assessment.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på nio frågor om hur du mått, 0-54. Högre poäng betyder mer besvär "
        "med nedstämdhet.",
        "The sum of your answers to nine questions about how you have felt, 0-54. Higher means "
        "more problems with low mood.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
