"""Sleep efficiency from a sleep-diary night: the share of time in bed spent asleep.

Efficiency = total sleep time / time in bed x 100 (the standard sleep-diary definition; see
Reed & Sacco, J Clin Sleep Med 2016;12:263-266 on its denominator). Below 85% is "low", the
threshold that sleep restriction in CBT for insomnia works towards (Spielman, Saskin & Thorpy,
Sleep 1987;10:45-56). The value is rounded to 1 decimal, half away from zero; the band is decided
on the unrounded value, so 84.96% is "low" although shown as 85.0.

Answers are ``{"time_in_bed_min": N, "total_sleep_min": N}``, numbers of minutes: both required,
non-negative and finite, time in bed above 0, and sleep no longer than time in bed. The texts are
our own (no licence needed).

``check_answers`` refuses an impossible night while the citizen can still correct it: no time in
bed, more sleep than time in bed, and, when the diary also asks when she went to bed
(``bedtime``) and got up (``rise_time``, "HH:MM" each), the same time for both or more time in bed
than lies between them (a night may pass midnight).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sob_core import (
    AnswerProblem,
    InvalidAnswers,
    Scale,
    ScaleItem,
    ScaleScore,
    Subscale,
    band_for,
    check_number_answers,
    context_sex,
    hookimpl,
    round_half_away,
)

from ._shared import band, text

ITEMS = (
    ScaleItem(
        id="time_in_bed_min",
        kind="number",
        unit="min",
        text=text(
            "Hur länge låg du i sängen i natt, från det att du gick och lade dig tills du steg upp?"
            " (minuter)",
            "How long were you in bed last night, from going to bed until getting up? (minutes)",
        ),
    ),
    ScaleItem(
        id="total_sleep_min",
        kind="number",
        unit="min",
        text=text(
            "Hur länge sov du sammanlagt i natt? (minuter)",
            "How long did you sleep in total last night? (minutes)",
        ),
    ),
)

BANDS = (
    band(
        "low",
        ("Låg", "Low"),
        "orange",
        0,
        85,
        (
            "Under 85 %: en stor del av tiden i sängen gick åt till att ligga vaken.",
            "Below 85%: much of the time in bed was spent awake.",
        ),
        (
            "En stor del av tiden i sängen låg du vaken. Det är vanligt vid "
            "sömnbesvär, och något som behandlingen arbetar med.",
            "You were awake for much of the time in bed. This is common with sleep "
            "problems, and something the treatment works on.",
        ),
    ),
    band(
        "normal",
        ("Normal", "Normal"),
        "green",
        85,
        None,
        (
            "85 % eller mer: du sov under det mesta av tiden i sängen.",
            "85% or more: you slept for most of the time in bed.",
        ),
        (
            "Du sov under det mesta av tiden i sängen.",
            "You slept for most of the time in bed.",
        ),
    ),
)

SUBSCALES = (
    Subscale(
        id="efficiency",
        label=text("Sömneffektivitet", "Sleep efficiency"),
        items=("time_in_bed_min", "total_sleep_min"),
        bands=BANDS,
        minimum=0,
        maximum=100,
        step=0.1,  # per cent with one decimal
        explanation=text(
            "Andel av tiden i sängen som du sov, i procent: sömntid / tid i sängen x 100.",
            "The share of time in bed spent asleep, in per cent: sleep time / time in bed x 100.",
        ),
        citizen_explanation=text(
            "Hur stor del av tiden i sängen du sov, i procent. Ett högre värde betyder att du låg"
            " vaken en mindre del av natten.",
            "How much of your time in bed you slept, in per cent. A higher value means you lay"
            " awake for less of the night.",
        ),
    ),
)


def score(answers: Any, context: Any = None) -> ScaleScore:
    context_sex(context)  # validates the context; it does not change the result
    values = check_number_answers(SCALE, answers)
    in_bed, asleep = values["time_in_bed_min"], values["total_sleep_min"]
    if in_bed == 0:
        raise InvalidAnswers("sleep-efficiency: 'time_in_bed_min' must be more than 0")
    if asleep > in_bed:
        raise InvalidAnswers(
            "sleep-efficiency: 'total_sleep_min' cannot be longer than 'time_in_bed_min'"
        )
    efficiency = asleep * 100 / in_bed
    band = band_for(BANDS, efficiency)
    return ScaleScore(
        scores={"efficiency": round_half_away(efficiency, 1)},
        bands={"efficiency": band.slug} if band is not None else {},
        flags=[],
    )


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _minutes(value: Any) -> int | float | None:
    """A number of minutes, or None when the answer is missing or not a plain number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    return value


def _clock(value: Any) -> int | None:
    """Minutes after midnight of an "HH:MM" answer, or None."""
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def _duration(minutes: float) -> str:
    hours, rest = divmod(int(round(minutes)), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def check_answers(answers: Mapping[str, Any]) -> list[AnswerProblem]:
    """The impossible parts of one night's diary, each with a message next to its field."""
    problems: list[AnswerProblem] = []
    in_bed = _minutes(answers.get("time_in_bed_min"))
    asleep = _minutes(answers.get("total_sleep_min"))
    if in_bed is not None and in_bed <= 0:
        problems.append(
            AnswerProblem(
                text(
                    "Tiden i sängen måste vara längre än 0 minuter.",
                    "The time in bed must be more than 0 minutes.",
                ),
                ("time_in_bed_min",),
            )
        )
    elif in_bed is not None and asleep is not None and asleep > in_bed:
        problems.append(
            AnswerProblem(
                text(
                    f"Du kan inte ha sovit längre än du låg i sängen: du har angett {_duration(asleep)}"
                    f" sömn men {_duration(in_bed)} i sängen.",
                    f"You cannot have slept longer than you were in bed: you gave {_duration(asleep)}"
                    f" of sleep but {_duration(in_bed)} in bed.",
                ),
                ("total_sleep_min",),
            )
        )
    bedtime, rise = _clock(answers.get("bedtime")), _clock(answers.get("rise_time"))
    if bedtime is not None and rise is not None:
        between = (rise - bedtime) % (24 * 60)  # a night may pass midnight
        if between == 0:
            problems.append(
                AnswerProblem(
                    text(
                        "Tiden du steg upp kan inte vara samma som tiden du gick och lade dig.",
                        "The time you got up cannot be the same as the time you went to bed.",
                    ),
                    ("rise_time",),
                )
            )
        elif in_bed is not None and in_bed > between:
            bed_text, rise_text = answers["bedtime"], answers["rise_time"]
            problems.append(
                AnswerProblem(
                    text(
                        f"Du har angett {_duration(in_bed)} i sängen, men från {bed_text} till"
                        f" {rise_text} är det {_duration(between)}.",
                        f"You gave {_duration(in_bed)} in bed, but from {bed_text} to {rise_text}"
                        f" is {_duration(between)}.",
                    ),
                    ("time_in_bed_min",),
                )
            )
    return problems


SCALE = Scale(
    id="sleep-efficiency",
    name=text("Sömneffektivitet (sömndagbok)", "Sleep efficiency (sleep diary)"),
    version="1.0",
    citation=(
        "Sleep efficiency = total sleep time / time in bed x 100. Reed DL, Sacco WP. Measuring"
        " sleep efficiency: what should the denominator be? J Clin Sleep Med. 2016;12(2):263-266."
        " 85% threshold: Spielman AJ, Saskin P, Thorpy MJ. Treatment of chronic insomnia by"
        " restriction of time in bed. Sleep. 1987;10(1):45-56."
    ),
    licence="Texts written for sob; EUPL-1.2 like the rest of the package.",
    items=ITEMS,
    subscales=SUBSCALES,
    score=score,
    texts_shipped=True,
    check_answers=check_answers,
    description=text(
        "Två uppgifter ur sömndagboken för en natt: tid i sängen och total sömntid.",
        "Two sleep-diary entries for one night: time in bed and total sleep time.",
    ),
)


@hookimpl
def sob_scales():
    return [SCALE]
