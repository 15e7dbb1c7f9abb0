"""ISI - Insomnia Severity Index (7 items). Structure and scoring only; texts are licensed.

Scoring (Bastien, Vallières & Morin, Sleep Med 2001;2:297-307; Morin et al., Sleep
2011;34:601-608): seven items, each with five options scored 0-4 in printed order (the
satisfaction item prints "Very satisfied" first, so it too is 0 first). The total (0-28) is the
sum. Categories: 0-7 no clinically significant insomnia, 8-14 subthreshold insomnia, 15-21
clinical insomnia (moderate severity), 22-28 clinical insomnia (severe). Items are numbered 1-7
in printed order (the original prints the first three as 1a-1c). No missing-data rule is
published, so all seven are required.

Texts: © Charles M. Morin, Université Laval; use is licensed (Mapi Research Trust), so item and
option wording is not shipped. A licence holder imports it as a text pack.
"""

from __future__ import annotations

from sob_core import hookimpl, simple_sum_scale

from ._shared import band, structure_items, text

ITEMS = structure_items([(0, 1, 2, 3, 4)] * 7)

BANDS = (
    band(
        "no-clinically-significant-insomnia",
        ("Ingen kliniskt betydelsefull sömnlöshet", "No clinically significant insomnia"),
        "green",
        0,
        8,
        (
            "0-7 poäng: sömnbesvären är inte kliniskt betydelsefulla.",
            "0-7 points: sleep problems are not clinically significant.",
        ),
        (
            "Dina svar tyder på få eller inga sömnbesvär.",
            "Your answers suggest few or no sleep problems.",
        ),
    ),
    band(
        "subthreshold-insomnia",
        ("Sömnlöshet under klinisk nivå", "Subthreshold insomnia"),
        "amber",
        8,
        15,
        (
            "8-14 poäng: märkbara sömnbesvär, men under gränsen för klinisk sömnlöshet.",
            "8-14 points: noticeable sleep problems, below the threshold for clinical insomnia.",
        ),
        (
            "Dina svar tyder på vissa sömnbesvär.",
            "Your answers suggest some sleep problems.",
        ),
    ),
    band(
        "clinical-insomnia-moderate-severity",
        ("Klinisk sömnlöshet, måttlig", "Clinical insomnia, moderate severity"),
        "orange",
        15,
        22,
        (
            "15-21 poäng: klinisk sömnlöshet av måttlig svårighetsgrad. Behandling, till exempel"
            " KBT för sömnlöshet, rekommenderas.",
            "15-21 points: clinical insomnia of moderate severity. Treatment such as CBT for"
            " insomnia is recommended.",
        ),
        (
            "Dina svar tyder på en hel del sömnbesvär. Din behandlare ser dina svar "
            "och kan prata med dig om dem.",
            "Your answers suggest quite a few sleep problems. Your therapist sees "
            "your answers and can talk them through with you.",
        ),
    ),
    band(
        "clinical-insomnia-severe",
        ("Klinisk sömnlöshet, svår", "Clinical insomnia, severe"),
        "red",
        22,
        None,
        (
            "22-28 poäng: svår klinisk sömnlöshet. En utförlig bedömning och behandling behövs.",
            "22-28 points: severe clinical insomnia. A full assessment and treatment are needed.",
        ),
        (
            "Dina svar tyder på mycket sömnbesvär. Din behandlare ser dina svar och "
            "kan prata med dig om dem.",
            "Your answers suggest many sleep problems. Your therapist sees your "
            "answers and can talk them through with you.",
        ),
    ),
)

SCALE = simple_sum_scale(
    id="isi",
    name=text("ISI - sömnlöshetsindex", "ISI - Insomnia Severity Index"),
    version="ISI (2001)",
    citation=(
        "Bastien CH, Vallières A, Morin CM. Validation of the Insomnia Severity Index as an outcome"
        " measure for insomnia research. Sleep Med. 2001;2(4):297-307. Morin CM, Belleville G,"
        " Bélanger L, Ivers H. The Insomnia Severity Index. Sleep. 2011;34(5):601-608."
    ),
    licence=(
        "© Charles M. Morin, Université Laval. Use requires a licence (Mapi Research Trust);"
        " texts are not included and must be imported as a text pack by a licence holder."
    ),
    items=ITEMS,
    label=text("ISI totalpoäng", "ISI total score"),
    bands=BANDS,
    texts_shipped=False,
    description=text(
        "Sju frågor om sömnbesvär och hur de påverkar dagen, de senaste två veckorna.",
        "Seven questions about sleep problems and their impact over the last two weeks.",
    ),
    explanation=text(
        "Summan av sju frågor, 0-28. 15 poäng eller mer betyder klinisk sömnlöshet.",
        "The sum of seven items, 0-28. 15 points or more means clinical insomnia.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på sju frågor om sömn, 0-28. Högre poäng betyder mer sömnbesvär.",
        "The sum of your answers to seven questions about sleep, 0-28. Higher means more sleep "
        "problems.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
