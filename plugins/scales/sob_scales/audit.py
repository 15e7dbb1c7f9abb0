"""AUDIT - Alcohol Use Disorders Identification Test (10 items).

Scoring (Babor, Higgins-Biddle, Saunders & Monteiro 2001, WHO/MSD/MSB/01.6a, pp. 17-20):
items 1-8 have five options scored 0-4 in printed order; items 9 and 10 have three options scored
0, 2 and 4. The total (0-40) is the sum. The WHO risk zones are I 0-7, II 8-15, III 16-19 and
IV 20-40. Sweden lowers the hazardous cut-off for women to 6 (Bergman & Källmén 2002, Alcohol and
Alcoholism 37(3):245-251), so women score zone II from 6, men from 8.

Without a recognised ``sex`` in the context the WHO cut-off of 8 applies (the higher one, the
same as for men): a result is never labelled "hazardous" on the female cut-off unless we know it
applies. Every item is required: the self-report form asks all ten questions, and the interview
version's skip after item 1 ("Never") is a form concern - a form that skips must record the
skipped items 2-8 as option 0, which is what the manual scores them as.

Texts: English as printed in the WHO manual (reproducible without permission); Swedish as in the
Swedish version by Hans Bergman, Magnus Huss klinik, Karolinska sjukhuset (1994), which
1177 formulärhantering lists as needing no licence. Forms should show the standard-drink
illustration that the Swedish item 2 refers to ("se exempel").
"""

from __future__ import annotations

from sob_core import Band, ScaleItem, hookimpl, simple_sum_scale

from ._shared import band, text

_FREQUENCY_USE = (
    text("Aldrig", "Never"),
    text("1 gång i månaden eller mer sällan", "Monthly or less"),
    text("2–4 gånger i månaden", "2 to 4 times a month"),
    text("2–3 gånger i veckan", "2 to 3 times a week"),
    text("4 gånger i veckan eller mer", "4 or more times a week"),
)
_DRINKS = (
    text("1–2", "1 or 2"),
    text("3–4", "3 or 4"),
    text("5–6", "5 or 6"),
    text("7–9", "7, 8 or 9"),
    text("10 eller fler", "10 or more"),
)
_FREQUENCY = (
    text("Aldrig", "Never"),
    text("Mer sällan än en gång i månaden", "Less than monthly"),
    text("Varje månad", "Monthly"),
    text("Varje vecka", "Weekly"),
    text("Dagligen eller nästan varje dag", "Daily or almost daily"),
)
_YES_NO = (
    text("Nej", "No"),
    text("Ja, men inte under det senaste året", "Yes, but not in the last year"),
    text("Ja, under det senaste året", "Yes, during the last year"),
)
_FIVE = (0, 1, 2, 3, 4)
_THREE = (0, 2, 4)

_QUESTIONS = (
    (
        "Hur ofta dricker du alkohol?",
        "How often do you have a drink containing alcohol?",
        _FREQUENCY_USE,
    ),
    (
        "Hur många ”glas” (se exempel) dricker du en typisk dag då du dricker alkohol?",
        "How many drinks containing alcohol do you have on a typical day when you are drinking?",
        _DRINKS,
    ),
    (
        "Hur ofta dricker du sex sådana ”glas” eller mer vid samma tillfälle?",
        "How often do you have six or more drinks on one occasion?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under det senaste året har du inte kunnat sluta dricka sedan du börjat?",
        "How often during the last year have you found that you were not able to stop drinking"
        " once you had started?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under det senaste året har du låtit bli att göra något som du borde för att du"
        " drack?",
        "How often during the last year have you failed to do what was normally expected from you"
        " because of drinking?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under senaste året har du behövt en ”drink” på morgonen efter mycket drickande"
        " dagen innan?",
        "How often during the last year have you needed a first drink in the morning to get"
        " yourself going after a heavy drinking session?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under det senaste året har du haft skuldkänslor eller samvetsförebråelser på"
        " grund av ditt drickande?",
        "How often during the last year have you had a feeling of guilt or remorse after drinking?",
        _FREQUENCY,
    ),
    (
        "Hur ofta under det senaste året har du druckit så att du dagen efter inte kommit ihåg vad"
        " du sagt eller gjort?",
        "How often during the last year have you been unable to remember what happened the night"
        " before because you had been drinking?",
        _FREQUENCY,
    ),
    (
        "Har du eller någon annan blivit skadad på grund av ditt drickande?",
        "Have you or someone else been injured as a result of your drinking?",
        _YES_NO,
    ),
    (
        "Har en släkting eller vän, en läkare (eller någon annan inom sjukvården) oroat sig över"
        " ditt drickande eller antytt att du borde minska på det?",
        "Has a relative or friend or a doctor or another health worker been concerned about your"
        " drinking or suggested you cut down?",
        _YES_NO,
    ),
)

ITEMS = tuple(
    ScaleItem(
        id=str(number),
        scores=_THREE if number >= 9 else _FIVE,
        text=text(sv, en),
        options=options,
    )
    for number, (sv, en, options) in enumerate(_QUESTIONS, start=1)
)


def _bands(hazardous_from: int) -> tuple[Band, ...]:
    who = (
        "WHO:s riskzoner" if hazardous_from == 8 else "WHO:s riskzoner med svensk gräns för kvinnor"
    )
    return (
        band(
            "low-risk",
            ("Låg risk", "Low risk"),
            "green",
            0,
            hazardous_from,
            (
                f"Under {hazardous_from} poäng: alkoholvanorna innebär låg risk ({who}).",
                f"Below {hazardous_from} points: drinking carries a low risk.",
            ),
            (
                "Dina svar tyder på alkoholvanor med låg risk för din hälsa.",
                "Your answers suggest drinking habits with a low risk to your health.",
            ),
        ),
        band(
            "hazardous",
            ("Riskbruk", "Hazardous use"),
            "orange",
            hazardous_from,
            16,
            (
                f"{hazardous_from}-15 poäng: alkoholvanorna ökar risken för skador. Kort rådgivning"
                " rekommenderas.",
                f"{hazardous_from}-15 points: drinking increases the risk of harm. Brief advice is"
                " recommended.",
            ),
            (
                "Dina svar tyder på alkoholvanor som kan öka risken för din hälsa. "
                "Det kan vara värt att prata med din behandlare om dem.",
                "Your answers suggest drinking habits that may increase the risk to "
                "your health. It may be worth talking them over with your therapist.",
            ),
        ),
        band(
            "harmful",
            ("Skadligt bruk", "Harmful use"),
            "deep-orange",
            16,
            20,
            (
                "16-19 poäng: alkoholen skadar sannolikt redan hälsan. Rådgivning och uppföljning"
                " rekommenderas.",
                "16-19 points: drinking is probably already causing harm. Counselling and"
                " follow-up are recommended.",
            ),
            (
                "Dina svar tyder på att alkoholen kan påverka din hälsa. Din "
                "behandlare ser dina svar och kan prata med dig om dem.",
                "Your answers suggest that alcohol may be affecting your health. Your "
                "therapist sees your answers and can talk them through with you.",
            ),
        ),
        band(
            "possible-dependence",
            ("Möjligt beroende", "Possible dependence"),
            "red",
            20,
            None,
            (
                "20 poäng eller mer: tecken på alkoholberoende. En utförligare bedömning behövs.",
                "20 points or more: signs of alcohol dependence. A fuller assessment is needed.",
            ),
            (
                "Dina svar tyder på att alkoholen påverkar dig mycket. Din behandlare "
                "ser dina svar och kan prata med dig om dem.",
                "Your answers suggest that alcohol affects you a lot. Your therapist "
                "sees your answers and can talk them through with you.",
            ),
        ),
    )


FEMALE_BANDS = _bands(6)
MALE_BANDS = _bands(8)

SCALE = simple_sum_scale(
    id="audit",
    name=text(
        "AUDIT - identifiering av alkoholrelaterade problem",
        "AUDIT - Alcohol Use Disorders Identification Test",
    ),
    version="WHO 2001 (2nd ed.); Swedish version Bergman 1994",
    citation=(
        "Babor TF, Higgins-Biddle JC, Saunders JB, Monteiro MG. AUDIT: The Alcohol Use Disorders"
        " Identification Test. Guidelines for Use in Primary Care, 2nd ed. Geneva: WHO; 2001"
        " (WHO/MSD/MSB/01.6a). Swedish cut-offs: Bergman H, Källmén H. Alcohol Alcohol."
        " 2002;37(3):245-251."
    ),
    licence=(
        "WHO: the AUDIT may be reproduced and used without permission. Swedish version: Hans"
        " Bergman, Karolinska sjukhuset; free to use, no licence needed."
    ),
    items=ITEMS,
    label=text("AUDIT totalpoäng", "AUDIT total score"),
    bands=MALE_BANDS,
    bands_by_sex={"female": FEMALE_BANDS, "male": MALE_BANDS},
    description=text(
        "Tio frågor om alkoholvanor det senaste året: konsumtion, beroendetecken och skador.",
        "Ten questions about drinking over the last year: consumption, dependence and harm.",
    ),
    explanation=text(
        "Summan av alla tio frågor, 0-40. Gränsen för riskbruk är 6 poäng för kvinnor och 8 för"
        " män (8 när kön inte är känt).",
        "The sum of all ten items, 0-40. Hazardous use starts at 6 points for women and 8 for"
        " men (8 when sex is not known).",
    ),
    citizen_explanation=text(
        "Summan av dina svar på tio frågor om alkohol, 0-40. Högre poäng betyder alkoholvanor "
        "med högre risk för hälsan.",
        "The sum of your answers to ten questions about alcohol, 0-40. Higher means drinking "
        "habits with a higher risk to health.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
