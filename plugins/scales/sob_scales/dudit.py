"""DUDIT - Drug Use Disorders Identification Test (11 items).

Scoring (Berman, Bergman, Palmstierna & Schlyter, DUDIT manual v1.0, Karolinska Institutet 2003;
Eur Addict Res 2005;11:22-31): items 1-9 have five options scored 0-4 in printed order; items 10
and 11 have three options scored 0, 2 and 4. The total (0-44) is the sum. A total of 6 or more
for men and 2 or more for women indicates probable drug-related problems; 25 or more, for either
sex, indicates probable dependence.

Without a recognised ``sex`` in the context the men's cut-off of 6 applies (the higher one), so a
result is only labelled "drug-related problems" on the women's cut-off when we know it applies.
The manual gives no rule for missing answers, so every item is required.

Texts: the DUDIT is free to use with attribution (Karolinska Institutet). English as in the
manual's English version; Swedish as in the original Swedish form. The Swedish wording of items
1-6 was checked against a published copy; items 7-11 should be checked against the official form
before clinical use.
"""

from __future__ import annotations

from sob_core import Band, ScaleItem, hookimpl, simple_sum_scale

from ._shared import band, text

_HOW_OFTEN = (
    text("Aldrig", "Never"),
    text("1 gång per månad eller mer sällan", "Once a month or less often"),
    text("2–4 gånger i månaden", "2–4 times a month"),
    text("2–3 gånger i veckan", "2–3 times a week"),
    text("4 gånger i veckan eller oftare", "4 times a week or more often"),
)
_TIMES = (
    text("0", "0"),
    text("1–2", "1–2"),
    text("3–4", "3–4"),
    text("5–6", "5–6"),
    text("7 eller fler", "7 or more"),
)
_FREQUENCY = (
    text("Aldrig", "Never"),
    text("Mer sällan än en gång i månaden", "Less often than once a month"),
    text("Varje månad", "Every month"),
    text("Varje vecka", "Every week"),
    text("Dagligen eller nästan varje dag", "Daily or almost every day"),
)
_YES_NO = (
    text("Nej", "No"),
    text("Ja, men inte under senaste året", "Yes, but not over the past year"),
    text("Ja, under senaste året", "Yes, over the past year"),
)

_QUESTIONS = (
    (
        "Hur ofta använder du andra droger än alkohol?",
        "How often do you use drugs other than alcohol?",
        _HOW_OFTEN,
    ),
    (
        "Använder du fler än en drog vid ett och samma tillfälle?",
        "Do you use more than one type of drug on the same occasion?",
        _HOW_OFTEN,
    ),
    (
        "Hur många gånger tar du droger under en typisk dag då du använder droger?",
        "How many times do you take drugs on a typical day when you use drugs?",
        _TIMES,
    ),
    (
        "Hur ofta blir du kraftigt påverkad av droger?",
        "How often are you influenced heavily by drugs?",
        _FREQUENCY,
    ),
    (
        "Har du under senaste året upplevt att din längtan efter droger varit så stark att du"
        " inte kunnat stå emot?",
        "Over the past year, have you felt that your longing for drugs was so strong that you"
        " could not resist it?",
        _FREQUENCY,
    ),
    (
        "Har det hänt att du under senaste året inte kunnat sluta ta droger sedan du börjat?",
        "Has it happened, over the past year, that you have not been able to stop taking drugs"
        " once you started?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under senaste året har du tagit droger och sedan struntat i att göra något som"
        " du borde ha gjort?",
        "How often over the past year have you taken drugs and then neglected to do something you"
        " should have done?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under senaste året har du behövt ta en drog på morgonen efter att ha använt"
        " mycket droger dagen innan?",
        "How often over the past year have you needed to take a drug the morning after heavy drug"
        " use the day before?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under senaste året har du haft skuldkänslor eller dåligt samvete för att du"
        " använt droger?",
        "How often over the past year have you had guilt feelings or a bad conscience because you"
        " used drugs?",
        _FREQUENCY,
    ),
    (
        "Har du eller någon annan blivit skadad (psykiskt eller fysiskt) för att du använt droger?",
        "Have you or anyone else been hurt (mentally or physically) because you used drugs?",
        _YES_NO,
    ),
    (
        "Har en släkting eller vän, en läkare eller sjuksköterska, eller någon annan, varit"
        " oroad över ditt drogande eller sagt till dig att du borde sluta med droger?",
        "Has a relative or a friend, a doctor or a nurse, or anyone else, been worried about your"
        " drug use or said to you that you should stop using drugs?",
        _YES_NO,
    ),
)

ITEMS = tuple(
    ScaleItem(
        id=str(number),
        scores=(0, 2, 4) if number >= 10 else (0, 1, 2, 3, 4),
        text=text(sv, en),
        options=options,
    )
    for number, (sv, en, options) in enumerate(_QUESTIONS, start=1)
)


def _bands(problems_from: int) -> tuple[Band, ...]:
    return (
        band(
            "no-drug-related-problems",
            ("Inga tecken på drogrelaterade problem", "No drug-related problems"),
            "green",
            0,
            problems_from,
            (
                f"Under {problems_from} poäng: svaren tyder inte på drogrelaterade problem.",
                f"Below {problems_from} points: the answers do not suggest drug-related problems.",
            ),
            (
                "Dina svar tyder inte på problem med droger.",
                "Your answers do not suggest problems with drugs.",
            ),
        ),
        band(
            "drug-related-problems",
            ("Troliga drogrelaterade problem", "Probable drug-related problems"),
            "amber",
            problems_from,
            25,
            (
                f"{problems_from}-24 poäng: troligen skadligt bruk eller beroende. Samtala om"
                " droganvändningen och bedöm vidare.",
                f"{problems_from}-24 points: probably harmful use or dependence. Talk about the"
                " drug use and assess further.",
            ),
            (
                "Dina svar tyder på att droger kan påverka din hälsa. Din behandlare "
                "ser dina svar och kan prata med dig om dem.",
                "Your answers suggest that drugs may be affecting your health. Your "
                "therapist sees your answers and can talk them through with you.",
            ),
        ),
        band(
            "probable-dependence",
            ("Troligt beroende", "Probable dependence"),
            "red",
            25,
            None,
            (
                "25 poäng eller mer: troligt beroende av en eller flera droger. En utförlig"
                " bedömning behövs.",
                "25 points or more: probably dependent on one or more drugs. A full assessment"
                " is needed.",
            ),
            (
                "Dina svar tyder på att droger påverkar dig mycket. Din behandlare "
                "ser dina svar och kan prata med dig om dem.",
                "Your answers suggest that drugs affect you a lot. Your therapist "
                "sees your answers and can talk them through with you.",
            ),
        ),
    )


FEMALE_BANDS = _bands(2)
MALE_BANDS = _bands(6)

SCALE = simple_sum_scale(
    id="dudit",
    name=text(
        "DUDIT - identifiering av drogrelaterade problem",
        "DUDIT - Drug Use Disorders Identification Test",
    ),
    version="1.0 (2003)",
    citation=(
        "Berman AH, Bergman H, Palmstierna T, Schlyter F. Evaluation of the Drug Use Disorders"
        " Identification Test (DUDIT) in criminal justice and detoxification settings and in a"
        " Swedish population sample. Eur Addict Res. 2005;11(1):22-31. DUDIT manual v1.0,"
        " Karolinska Institutet 2003."
    ),
    licence=(
        "© 2002 Anne H. Berman, Hans Bergman, Tom Palmstierna, Frans Schlyter, Karolinska"
        " Institutet. Free to use with the copyright notice kept."
    ),
    items=ITEMS,
    label=text("DUDIT totalpoäng", "DUDIT total score"),
    bands=MALE_BANDS,
    bands_by_sex={"female": FEMALE_BANDS, "male": MALE_BANDS},
    description=text(
        "Elva frågor om användning av narkotika och läkemedel det senaste året.",
        "Eleven questions about the use of drugs and medicines over the past year.",
    ),
    explanation=text(
        "Summan av alla elva frågor, 0-44. Gränsen för troliga problem är 2 poäng för kvinnor och"
        " 6 för män (6 när kön inte är känt); 25 eller mer tyder på beroende.",
        "The sum of all eleven items, 0-44. Probable problems start at 2 points for women and 6"
        " for men (6 when sex is not known); 25 or more suggests dependence.",
    ),
    citizen_explanation=text(
        "Summan av dina svar på elva frågor om droger, 0-44. Högre poäng betyder att droger "
        "påverkar dig mer.",
        "The sum of your answers to eleven questions about drugs, 0-44. Higher means that drugs "
        "affect you more.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
