"""GAD-7 - Generalized Anxiety Disorder 7-item scale.

Scoring (Spitzer, Kroenke, Williams & Löwe, Arch Intern Med 2006;166:1092-1097; PHQ instruction
manual): seven items with four options, "Not at all" 0 to "Nearly every day" 3, in printed order.
The total (0-21) is the sum. Severity: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe. The
manual gives no rule for prorating missing items, so all seven are required.

Texts: GAD-7 © Pfizer Inc., no permission required to reproduce, translate, display or
distribute. English as published by Pfizer; Swedish as in the Pfizer Swedish version.
"""

from __future__ import annotations

from sob_core import ScaleItem, hookimpl, simple_sum_scale

from ._shared import band, text

OPTIONS = (
    text("Inte alls", "Not at all"),
    text("Flera dagar", "Several days"),
    text("Mer än hälften av dagarna", "More than half the days"),
    text("Nästan varje dag", "Nearly every day"),
)

_QUESTIONS = (
    ("Känt dig nervös, ängslig eller väldigt stressad", "Feeling nervous, anxious, or on edge"),
    (
        "Inte kunnat sluta oroa dig eller kontrollera din oro",
        "Not being able to stop or control worrying",
    ),
    ("Oroat dig för mycket för olika saker", "Worrying too much about different things"),
    ("Haft svårt att slappna av", "Trouble relaxing"),
    (
        "Varit så rastlös att du har haft svårt att sitta still",
        "Being so restless that it is hard to sit still",
    ),
    ("Blivit lätt irriterad eller retlig", "Becoming easily annoyed or irritable"),
    (
        "Känt dig rädd för att något hemskt skulle hända",
        "Feeling afraid, as if something awful might happen",
    ),
)

ITEMS = tuple(
    ScaleItem(id=str(number), scores=(0, 1, 2, 3), text=text(sv, en), options=OPTIONS)
    for number, (sv, en) in enumerate(_QUESTIONS, start=1)
)

BANDS = (
    band(
        "minimal",
        ("Minimal ångest", "Minimal anxiety"),
        "green",
        0,
        5,
        (
            "0-4 poäng: inga eller minimala ångestsymtom.",
            "0-4 points: no or minimal anxiety symptoms.",
        ),
        (
            "Dina svar tyder på få eller inga besvär med oro eller ångest.",
            "Your answers suggest few or no problems with worry or anxiety.",
        ),
    ),
    band(
        "mild",
        ("Lindrig ångest", "Mild anxiety"),
        "lime",
        5,
        10,
        (
            "5-9 poäng: lindriga ångestsymtom. Följ upp vid nästa kontakt.",
            "5-9 points: mild anxiety symptoms. Follow up at the next contact.",
        ),
        (
            "Dina svar tyder på vissa besvär med oro eller ångest. Ta gärna upp det "
            "med din behandlare.",
            "Your answers suggest some problems with worry or anxiety. Feel free to "
            "bring it up with your therapist.",
        ),
    ),
    band(
        "moderate",
        ("Måttlig ångest", "Moderate anxiety"),
        "amber",
        10,
        15,
        (
            "10-14 poäng: måttliga ångestsymtom. En närmare bedömning rekommenderas.",
            "10-14 points: moderate anxiety symptoms. A closer assessment is recommended.",
        ),
        (
            "Dina svar tyder på en hel del besvär med oro eller ångest. Din "
            "behandlare ser dina svar och kan prata med dig om dem.",
            "Your answers suggest quite a few problems with worry or anxiety. Your "
            "therapist sees your answers and can talk them through with you.",
        ),
    ),
    band(
        "severe",
        ("Svår ångest", "Severe anxiety"),
        "red",
        15,
        None,
        (
            "15-21 poäng: svåra ångestsymtom. Aktiv behandling rekommenderas.",
            "15-21 points: severe anxiety symptoms. Active treatment is recommended.",
        ),
        (
            "Dina svar tyder på mycket besvär med oro eller ångest. Din behandlare "
            "ser dina svar och kan prata med dig om dem.",
            "Your answers suggest many problems with worry or anxiety. Your therapist "
            "sees your answers and can talk them through with you.",
        ),
    ),
)

SCALE = simple_sum_scale(
    id="gad-7",
    name=text(
        "GAD-7 - skattning av generaliserad ångest", "GAD-7 - Generalized Anxiety Disorder 7"
    ),
    version="GAD-7 (2006)",
    citation=(
        "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing generalized"
        " anxiety disorder: the GAD-7. Arch Intern Med. 2006;166(10):1092-1097."
    ),
    licence=(
        "© Pfizer Inc. Developed by Drs Spitzer, Williams, Kroenke and colleagues with an"
        " educational grant from Pfizer Inc. No permission required to reproduce, translate,"
        " display or distribute."
    ),
    items=ITEMS,
    label=text("GAD-7 totalpoäng", "GAD-7 total score"),
    bands=BANDS,
    options=OPTIONS,
    description=text(
        "Under de senaste 2 veckorna, hur ofta har du besvärats av följande problem?",
        "Over the last 2 weeks, how often have you been bothered by the following problems?",
    ),
    explanation=text(
        "Summan av sju frågor, 0-21. Högre poäng betyder mer ångest.",
        "The sum of seven items, 0-21. Higher means more anxiety.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på sju frågor, 0-21. Högre poäng betyder mer besvär med oro eller "
        "ångest.",
        "The sum of your answers to seven questions, 0-21. Higher means more problems with "
        "worry or anxiety.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
