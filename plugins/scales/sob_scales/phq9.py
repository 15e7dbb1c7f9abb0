"""PHQ-9 - Patient Health Questionnaire, depression module (9 items).

Scoring (Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606-613; PHQ instruction manual):
nine items with four options, "Not at all" 0 to "Nearly every day" 3, in printed order. The total
(0-27) is the sum. Severity: 0-4 none-minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
20-27 severe. Item 9 (thoughts of being better off dead or of self-harm) above 0 raises the flag
``item-9-positive`` so a clinician follows it up whatever the total. The manual gives no rule for
prorating missing items, so all nine are required. The tenth, unscored difficulty question is
not part of the score and not accepted here.

Texts: PHQ-9 © Pfizer Inc., "no permission required to reproduce, translate, display or
distribute". English as published by Pfizer; Swedish translation by Mats Adler, Karolinska
Universitetssjukhuset Huddinge (Pfizer AB, 2005).
"""

from __future__ import annotations

from sob_core import ItemFlag, ScaleItem, hookimpl, simple_sum_scale

from ._shared import band, text

OPTIONS = (
    text("Inte alls", "Not at all"),
    text("Flera dagar", "Several days"),
    text("Mer än hälften av dagarna", "More than half the days"),
    text("Nästan varje dag", "Nearly every day"),
)

_QUESTIONS = (
    ("Lite intresse eller glädje i att göra saker", "Little interest or pleasure in doing things"),
    (
        "Känt dig nedstämd, deprimerad eller känt att framtiden ser hopplös ut",
        "Feeling down, depressed, or hopeless",
    ),
    (
        "Problem att somna eller att du vaknat i förtid, eller sovit för mycket",
        "Trouble falling or staying asleep, or sleeping too much",
    ),
    ("Känt dig trött eller energilös", "Feeling tired or having little energy"),
    ("Dålig aptit eller att du ätit för mycket", "Poor appetite or overeating"),
    (
        "Dålig självkänsla – eller att du känt dig misslyckad eller att du svikit dig själv eller"
        " din familj",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your"
        " family down",
    ),
    (
        "Svårigheter att koncentrera dig, till exempel när du läst tidningen eller sett på TV",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
    ),
    (
        "Att du rört dig eller talat så långsamt att andra noterat det? Eller motsatsen att du"
        " varit så nervös eller rastlös att du rört dig mer än vanligt",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite —"
        " being so fidgety or restless that you have been moving around a lot more than usual",
    ),
    (
        "Tankar att det skulle vara bättre om du var död eller att du skulle skada dig på något"
        " sätt",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
)

ITEMS = tuple(
    ScaleItem(id=str(number), scores=(0, 1, 2, 3), text=text(sv, en), options=OPTIONS)
    for number, (sv, en) in enumerate(_QUESTIONS, start=1)
)

BANDS = (
    band(
        "none-minimal",
        ("Inga eller minimala symtom", "None or minimal"),
        "green",
        0,
        5,
        (
            "0-4 poäng: inga eller minimala depressiva symtom.",
            "0-4 points: no or minimal depressive symptoms.",
        ),
        (
            "Dina svar tyder på få eller inga besvär med nedstämdhet de senaste två veckorna.",
            "Your answers suggest few or no problems with low mood over the last two weeks.",
        ),
    ),
    band(
        "mild",
        ("Lindriga symtom", "Mild"),
        "lime",
        5,
        10,
        (
            "5-9 poäng: lindriga depressiva symtom. Följ upp vid nästa kontakt.",
            "5-9 points: mild depressive symptoms. Follow up at the next contact.",
        ),
        (
            "Dina svar tyder på vissa besvär med nedstämdhet. Ta gärna upp det med din behandlare.",
            "Your answers suggest some problems with low mood. Feel free to bring it "
            "up with your therapist.",
        ),
    ),
    band(
        "moderate",
        ("Måttliga symtom", "Moderate"),
        "amber",
        10,
        15,
        (
            "10-14 poäng: måttliga depressiva symtom. Behandling bör övervägas.",
            "10-14 points: moderate depressive symptoms. Consider treatment.",
        ),
        (
            "Dina svar tyder på en hel del besvär med nedstämdhet. Din behandlare ser "
            "dina svar och kan prata med dig om dem.",
            "Your answers suggest quite a few problems with low mood. Your therapist "
            "sees your answers and can talk them through with you.",
        ),
    ),
    band(
        "moderately-severe",
        ("Medelsvåra symtom", "Moderately severe"),
        "deep-orange",
        15,
        20,
        (
            "15-19 poäng: medelsvåra depressiva symtom. Aktiv behandling rekommenderas.",
            "15-19 points: moderately severe depressive symptoms. Active treatment is recommended.",
        ),
        (
            "Dina svar tyder på mycket besvär med nedstämdhet. Din behandlare ser "
            "dina svar och kan prata med dig om dem.",
            "Your answers suggest many problems with low mood. Your therapist sees "
            "your answers and can talk them through with you.",
        ),
    ),
    band(
        "severe",
        ("Svåra symtom", "Severe"),
        "red",
        20,
        None,
        (
            "20-27 poäng: svåra depressiva symtom. Skyndsam bedömning och behandling behövs.",
            "20-27 points: severe depressive symptoms. Prompt assessment and treatment are needed.",
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
    id="phq-9",
    name=text("PHQ-9 - formulär om hälsa, depression", "PHQ-9 - Patient Health Questionnaire"),
    version="PHQ-9 (2001); Swedish version 2005-12-28",
    citation=(
        "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity"
        " measure. J Gen Intern Med. 2001;16(9):606-613."
    ),
    licence=(
        "© Pfizer Inc. Developed by Drs Spitzer, Williams, Kroenke and colleagues with an"
        " educational grant from Pfizer Inc. No permission required to reproduce, translate,"
        " display or distribute."
    ),
    items=ITEMS,
    label=text("PHQ-9 totalpoäng", "PHQ-9 total score"),
    bands=BANDS,
    flags=(
        ItemFlag(
            "item-9-positive",
            "9",
            minimum=1,
            text=text(
                "Fråga 9 (tankar på att det vore bättre att vara död eller att skada sig själv) är"
                " besvarad med något annat än 'Inte alls'. Följ upp skyndsamt, oavsett totalpoäng.",
                "Item 9 (thoughts of being better off dead or of self-harm) is answered with"
                " anything but 'Not at all'. Follow up promptly, whatever the total.",
            ),
        ),
    ),
    options=OPTIONS,
    description=text(
        "Under de senaste 2 veckorna, hur ofta har du besvärats av något av följande problem?",
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    ),
    explanation=text(
        "Summan av nio frågor, 0-27. Högre poäng betyder mer depressiva symtom. Fråga 9 ska alltid"
        " följas upp om den besvarats med något annat än 'Inte alls'.",
        "The sum of nine items, 0-27. Higher means more depressive symptoms. Always follow up"
        " item 9 when it is answered with anything but 'Not at all'.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på nio frågor, 0-27. Högre poäng betyder mer besvär med nedstämdhet.",
        "The sum of your answers to nine questions, 0-27. Higher means more problems with low "
        "mood.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
