"""DSHI-9 - Deliberate Self-Harm Inventory, 9-item version (Lundh et al.). Structure and scoring only.

The Swedish short form of Gratz's Deliberate Self-Harm Inventory (Gratz, J Psychopathol Behav
Assess 2001;23:253-263). Lundh, Karim & Quilisch (Scand J Psychol 2007;48:33-41) simplified the
DSHI for Swedish adolescents and piloted it with 123 15-year-olds; the 9-item version was worked
out from it in a study of 14-year-olds in four schools in southern Sweden (Bjärehed & Lundh,
Cogn Behav Ther 2008;37:26-37). Facts relied on, and their source:

* Nine items, each a kind of physical self-harm done on purpose; for each the respondent says how
  many times she has done it during the last six months, from "never" (0 points) to "more than
  five times" (6 points); the maximum is 54 (9 x 6). Source: the Swedish instrument catalogue
  "Formulärbanken" (Carlbring, carlbring.se/fbanken/dshi-9), summarising Lundh et al. 2007 and
  Bjärehed & Lundh 2008. The seven options are read as the counts 0, 1, 2, 3, 4, 5 and more than
  5, scored 0-6 in printed order (``scores=(0, 1, 2, 3, 4, 5, 6)``).
* ``total`` (0-54) is the sum of the nine item scores: the frequency index of the studies
  (Cronbach's alpha 0.90, Lundh et al. 2009, per Formulärbanken).
* ``any`` is the dichotomous index of the studies: 1 when at least one behaviour is reported at
  least once in the six months ("some kind of deliberate self-harm at least once", reported by
  65.9% in the 2007 pilot), else 0. Its bands are ``none`` (0) and ``self-harm-reported`` (1).
* No clinical cut-offs are published for the total, so ``total`` has no bands.
* Any self-harm endorsement is clinically important: every item is a critical item, and an item
  answered with anything but "never" (score 1 or more) raises ``self-harm-reported``, as PHQ-9's
  item 9 raises its flag whatever the total.
* The publications give no rule for missing answers, so all nine items are required.

Texts: the DSHI-9 is not published by a publisher ("Ej förlagsutgivet"); the form is obtained from
Lars-Gunnar Lundh, Lund University, at no cost (Formulärbanken). No licence to redistribute its
wording is stated, so none is shipped: the region that obtained the form imports its Swedish (and
English) texts as a text pack (``sob scales import-texts``, see docs/operating.md).
"""

from __future__ import annotations

from typing import Any

from sob_core import (
    Scale,
    ScaleScore,
    Subscale,
    band_for,
    check_choice_answers,
    context_sex,
    hookimpl,
    item_scores,
)

from ._shared import band, structure_items, text

#: never, once, twice, three, four, five, more than five times during the last six months
FREQUENCY = (0, 1, 2, 3, 4, 5, 6)
ITEMS = structure_items([FREQUENCY] * 9)
ALL = tuple(item.id for item in ITEMS)
FLAG = "self-harm-reported"

ANY_BANDS = (
    band(
        "none",
        ("Inget självskadebeteende angivet", "No self-harm reported"),
        "green",
        0,
        1,
        (
            "Inget av de nio självskadebeteendena har angetts för de senaste sex månaderna.",
            "None of the nine kinds of self-harm is reported for the last six months.",
        ),
        (
            "Du har inte angett något av beteendena för de senaste sex månaderna.",
            "You have not reported any of the behaviours for the last six months.",
        ),
    ),
    band(
        "self-harm-reported",
        ("Självskadebeteende angivet", "Self-harm reported"),
        "red",
        1,
        None,
        (
            "Minst ett självskadebeteende har angetts minst en gång de senaste sex månaderna."
            " Följ upp skyndsamt och gör en riskbedömning, oavsett totalpoäng.",
            "At least one kind of self-harm is reported at least once in the last six months."
            " Follow up promptly and assess the risk, whatever the total.",
        ),
        (
            "Du har angett att du skadat dig själv någon gång de senaste sex månaderna. Din"
            " behandlare ser dina svar och kan prata med dig om dem. Behöver du hjälp snabbt,"
            " ring 1177, eller 112 om det är akut.",
            "You have said that you have hurt yourself at some time in the last six months. Your"
            " therapist sees your answers and can talk them through with you. If you need help"
            " quickly, call 1177, or 112 in an emergency.",
        ),
    ),
)

SUBSCALES = (
    Subscale(
        id="total",
        label=text("DSHI-9 totalpoäng", "DSHI-9 total score"),
        items=ALL,
        minimum=0,
        maximum=54,
        step=1,
        explanation=text(
            "Summan av nio frågor om hur många gånger olika självskadebeteenden förekommit de"
            " senaste sex månaderna, 0-54 (aldrig 0 till mer än fem gånger 6 per fråga). Det finns"
            " inga publicerade gränsvärden; varje angivet beteende ska följas upp.",
            "The sum of nine items on how many times kinds of self-harm occurred in the last six"
            " months, 0-54 (never 0 to more than five times 6 per item). No cut-offs are"
            " published; every reported behaviour needs follow-up.",
        ),
        citizen_explanation=text(
            "Summan av dina svar på nio frågor om de senaste sex månaderna, 0-54. Ett högre värde"
            " betyder att beteendena förekommit fler gånger.",
            "The sum of your answers to nine questions about the last six months, 0-54. A higher"
            " value means the behaviours happened more often.",
        ),
    ),
    Subscale(
        id="any",
        label=text("Något självskadebeteende", "Any self-harm"),
        items=ALL,
        bands=ANY_BANDS,
        minimum=0,
        maximum=1,
        step=1,
        explanation=text(
            "1 när minst ett av de nio beteendena angetts minst en gång de senaste sex månaderna,"
            " annars 0 (studiernas dikotoma mått).",
            "1 when at least one of the nine behaviours is reported at least once in the last six"
            " months, else 0 (the studies' dichotomous index).",
        ),
        citizen_explanation=text(
            "Om du angett något av beteendena de senaste sex månaderna (1) eller inget (0).",
            "Whether you reported any of the behaviours in the last six months (1) or none (0).",
        ),
    ),
)


def score(answers: Any, context: Any = None) -> ScaleScore:
    context_sex(context)  # validates the context; the DSHI-9 has no sex-specific rules
    scores = item_scores(SCALE, check_choice_answers(SCALE, answers))  # all nine required
    total = sum(scores.values())
    endorsed = int(any(points >= 1 for points in scores.values()))
    band = band_for(ANY_BANDS, endorsed)
    return ScaleScore(
        scores={"total": total, "any": endorsed},
        bands={"any": band.slug} if band is not None else {},
        flags=[FLAG] if endorsed else [],
    )


SCALE = Scale(
    id="dshi-9",
    name=text(
        "DSHI-9 - självskadeformulär, 9 frågor",
        "DSHI-9 - Deliberate Self-Harm Inventory, 9-item version",
    ),
    version="DSHI-9 (Lundh et al.)",
    citation=(
        "Lundh LG, Karim J, Quilisch E. Deliberate self-harm in 15-year-old adolescents: a pilot"
        " study with a modified version of the Deliberate Self-Harm Inventory. Scand J Psychol."
        " 2007;48(1):33-41. Bjärehed J, Lundh LG. Deliberate self-harm in 14-year-old"
        " adolescents: how frequent is it, and how is it associated with psychopathology,"
        " relationship variables, and styles of emotion regulation? Cogn Behav Ther."
        " 2008;37(1):26-37. After Gratz KL. J Psychopathol Behav Assess. 2001;23:253-263."
    ),
    licence=(
        "Not published by a publisher; the form is obtained from Lars-Gunnar Lundh, Lund"
        " University, at no cost. No licence to redistribute the wording is stated, so it is not"
        " shipped here and must be imported as a text pack."
    ),
    items=ITEMS,
    subscales=SUBSCALES,
    score=score,
    texts_shipped=False,
    critical_items=dict.fromkeys(ALL, FLAG),
    flag_texts={
        FLAG: text(
            "Minst en fråga (1-9) om självskadebeteende är besvarad med något annat än 'aldrig'"
            " för de senaste sex månaderna. Följ upp skyndsamt och gör en riskbedömning, oavsett"
            " totalpoäng.",
            "At least one item (1-9) on self-harm is answered with anything but 'never' for the"
            " last six months. Follow up promptly and assess the risk, whatever the total.",
        )
    },
    description=text(
        "Nio frågor om hur ofta olika självskadebeteenden förekommit de senaste sex månaderna"
        " (för ungdomar).",
        "Nine questions on how often kinds of self-harm occurred in the last six months (for"
        " adolescents).",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
