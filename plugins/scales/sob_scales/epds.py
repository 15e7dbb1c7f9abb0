"""EPDS - Edinburgh Postnatal Depression Scale (10 items). Structure and scoring only.

Scoring (Cox, Holden & Sagovsky, Br J Psychiatry 1987;150:782-786): ten items with four options
scored 0-3. Items 1, 2 and 4 print the least severe option first (scores 0, 1, 2, 3); items 3
and 5-10 are reverse scored, printing the most severe option first (scores 3, 2, 1, 0). The total
(0-30) is the sum; the manual says all ten items must be completed, so all are required.
Swedish cut-off: 12 or more indicates probable depression (Wickberg & Hwang, Acta Psychiatr
Scand 1996;94:181-184, optimal cut-off 11.5). Any score above 0 on item 10 (thoughts of harming
oneself) raises ``item-10-positive``; the flag compares the item *score*, so with item 10's
reversed printing the last option ("Never") is the only one that does not raise it.

Texts: © 1987 The Royal College of Psychiatrists; copying and distribution need written
permission, so no wording is shipped. A licence holder imports it as a text pack.
"""

from __future__ import annotations

from sob_core import ItemFlag, hookimpl, simple_sum_scale

from ._shared import band, structure_items, text

_FORWARD = (0, 1, 2, 3)
_REVERSED = (3, 2, 1, 0)
ITEMS = structure_items([_FORWARD if number in (1, 2, 4) else _REVERSED for number in range(1, 11)])

BANDS = (
    band(
        "below-cutoff",
        ("Under gränsvärdet", "Below cut-off"),
        "green",
        0,
        12,
        (
            "0-11 poäng: under den svenska gränsen för trolig depression. Fråga 10 ska ändå alltid"
            " granskas.",
            "0-11 points: below the Swedish cut-off for probable depression. Always check item 10"
            " regardless.",
        ),
        (
            "Dina svar tyder på få besvär med nedstämdhet eller oro den senaste tiden.",
            "Your answers suggest few problems with low mood or worry recently.",
        ),
    ),
    band(
        "above-cutoff",
        ("Över gränsvärdet", "Above cut-off"),
        "orange",
        12,
        None,
        (
            "12 poäng eller mer: trolig depression. Ett uppföljande samtal och en klinisk bedömning"
            " behövs.",
            "12 points or more: probable depression. A follow-up conversation and a clinical"
            " assessment are needed.",
        ),
        (
            "Dina svar tyder på besvär med nedstämdhet eller oro som kan vara bra att "
            "prata om. Din behandlare ser dina svar och kan prata med dig om dem.",
            "Your answers suggest problems with low mood or worry that may be good to "
            "talk about. Your therapist sees your answers and can talk them through "
            "with you.",
        ),
    ),
)

SCALE = simple_sum_scale(
    id="epds",
    name=text(
        "EPDS - Edinburgh postnatal depressionsskala", "EPDS - Edinburgh Postnatal Depression Scale"
    ),
    version="EPDS (1987); Swedish cut-off 1996",
    citation=(
        "Cox JL, Holden JM, Sagovsky R. Detection of postnatal depression: development of the"
        " 10-item Edinburgh Postnatal Depression Scale. Br J Psychiatry. 1987;150:782-786."
        " Wickberg B, Hwang CP. The Edinburgh Postnatal Depression Scale: validation on a Swedish"
        " community sample. Acta Psychiatr Scand. 1996;94(3):181-184."
    ),
    licence=(
        "© 1987 The Royal College of Psychiatrists. Copying and distribution need written"
        " permission; texts are not included and must be imported as a text pack."
    ),
    items=ITEMS,
    label=text("EPDS totalpoäng", "EPDS total score"),
    bands=BANDS,
    flags=(
        ItemFlag(
            "item-10-positive",
            "10",
            minimum=1,
            text=text(
                "Fråga 10 (tankar på att skada sig själv) har fått 1 poäng eller mer. Följ upp"
                " skyndsamt, oavsett totalpoäng.",
                "Item 10 (thoughts of harming oneself) scored 1 or more. Follow up promptly,"
                " whatever the total.",
            ),
        ),
    ),
    texts_shipped=False,
    description=text(
        "Tio frågor om hur du mått de senaste sju dagarna, under graviditet eller efter"
        " förlossning.",
        "Ten questions about how you have felt over the past seven days, in pregnancy or after"
        " birth.",
    ),
    explanation=text(
        "Summan av tio frågor, 0-30. 12 poäng eller mer tyder på depression. Fråga 10 handlar om"
        " tankar på att skada sig själv och följs alltid upp.",
        "The sum of ten items, 0-30. 12 points or more suggests depression. Item 10 asks about"
        " thoughts of self-harm and is always followed up.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på tio frågor om hur du mått den senaste veckan, 0-30. Högre poäng "
        "betyder mer besvär med nedstämdhet eller oro.",
        "The sum of your answers to ten questions about how you have felt over the last week, "
        "0-30. Higher means more problems with low mood or worry.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
