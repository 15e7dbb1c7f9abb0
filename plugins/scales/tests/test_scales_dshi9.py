"""DSHI-9: worked examples derived from the published rules (see the module docstring).

Each of the nine items is answered with how many times the behaviour occurred in the last six
months, scored 0 (never) to 6 (more than five times) in printed order. ``total`` is the sum
(0-54); ``any`` is 1 when some item is above 0; an item above 0 raises ``self-harm-reported``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sob_scales import dshi9

from sob_core import InvalidAnswers

SCALE = dshi9.SCALE
FLAG = "self-harm-reported"


def answers(*indexes: int) -> dict[str, int]:
    return {str(n): i for n, i in enumerate(indexes, start=1)}


@pytest.mark.parametrize(
    ("indexes", "total", "endorsed", "band", "flagged"),
    [
        ((0,) * 9, 0, 0, "none", False),  # never anything
        ((6,) * 9, 54, 1, "self-harm-reported", True),  # the maximum, 9 x 6
        ((1, 0, 0, 0, 0, 0, 0, 0, 0), 1, 1, "self-harm-reported", True),  # once, item 1
        ((0, 0, 0, 0, 0, 0, 0, 0, 1), 1, 1, "self-harm-reported", True),  # once, item 9
        ((0, 2, 0, 3, 0, 0, 6, 0, 0), 11, 1, "self-harm-reported", True),  # 2 + 3 + 6
        ((5, 4, 3, 2, 1, 0, 0, 0, 0), 15, 1, "self-harm-reported", True),
    ],
)
def test_worked_examples(indexes, total, endorsed, band, flagged):
    result = SCALE.score(answers(*indexes), {})
    assert result.scores == {"total": total, "any": endorsed}
    assert result.bands == {"any": band}
    assert (FLAG in result.flags) is flagged


@pytest.mark.parametrize("item", [str(n) for n in range(1, 10)])
def test_every_item_raises_the_flag_alone(item):
    given_answers = answers(*([0] * 9))
    given_answers[item] = 1
    result = SCALE.score(given_answers, None)
    assert result.flags == [FLAG]
    assert SCALE.critical_items[item] == FLAG


def test_seven_frequency_options_per_item():
    assert all(item.scores == (0, 1, 2, 3, 4, 5, 6) for item in SCALE.items)
    assert [item.id for item in SCALE.items] == [str(n) for n in range(1, 10)]
    assert SCALE.subscale("total").maximum == 54


def test_texts_come_from_a_text_pack():
    assert SCALE.texts_shipped is False
    assert all(not item.text and not item.options for item in SCALE.items)
    assert "text pack" in SCALE.licence


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({str(n): 0 for n in range(1, 9)}, "missing item(s) '9'"),
        ({**answers(*([0] * 9)), "10": 0}, "unknown item '10'"),
        (answers(7, 0, 0, 0, 0, 0, 0, 0, 0), "item '1' option index 7 is out of range 0-6"),
        (answers(-1, 0, 0, 0, 0, 0, 0, 0, 0), "out of range"),
        ({**answers(*([0] * 9)), "3": True}, "item '3' must be an option index"),
        ({**answers(*([0] * 9)), "3": "2"}, "item '3' must be an option index"),
        ([0] * 9, "answers must be an object"),
    ],
)
def test_invalid_answers_are_refused_naming_the_item(bad, message):
    with pytest.raises(InvalidAnswers, match=None) as info:
        SCALE.score(bad, {})
    assert message in str(info.value)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.integers(0, 6), min_size=9, max_size=9))
def test_scores_stay_in_range_and_the_index_follows_the_items(indexes):
    result = SCALE.score(answers(*indexes), {})
    assert result.scores["total"] == sum(indexes)
    assert 0 <= result.scores["total"] <= 54
    assert result.scores["any"] == (1 if any(indexes) else 0)
    assert (result.flags == [FLAG]) is any(indexes)


def _pack() -> dict:
    """A text pack as a region writes it from the licensed form (placeholder wording here)."""
    options = {
        "sv": ["Aldrig", "1 gång", "2 gånger", "3 gånger", "4 gånger", "5 gånger", "Fler än 5"],
        "en": ["Never", "Once", "Twice", "3 times", "4 times", "5 times", "More than 5 times"],
    }
    return {
        "format": "sob-scale-texts/1",
        "scale": "dshi-9",
        "scale_version": SCALE.version,
        "licence_note": "Obtained from the author for the region's own use",
        "languages": {
            lang: {
                "items": {str(n): f"{lang} text {n}" for n in range(1, 10)},
                "options": options[lang],
            }
            for lang in ("sv", "en")
        },
    }


def test_a_region_imports_its_texts_and_the_form_flags_any_self_harm(
    app, runner, register_plugin, tmp_path, demo_data
):
    """The text-pack route of docs/operating.md, end to end: import, form, answer, results."""
    import json

    from sqlalchemy import select

    from sob_core import forms
    from sob_core.extensions import db
    from sob_core.models import Citizen, Enrollment, FormAssignment, Result
    from sob_core.plugins import current_host

    if "dshi-9" not in current_host().registry.scales:  # a checkout whose sob-scales predates it
        register_plugin(dshi9, "dshi9")
    listed = runner.invoke(args=["scales", "list"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[-3:] for line in listed.output.splitlines() if "dshi-9" in line] == [
        ["texts", "not", "installed"]
    ]
    pack = tmp_path / "dshi-9.json"
    pack.write_text(json.dumps(_pack()), encoding="utf-8")
    imported = runner.invoke(args=["scales", "import-texts", str(pack)])
    assert imported.exit_code == 0, imported.output
    assert "texts of dshi-9" in imported.output
    listed = runner.invoke(args=["scales", "list"])
    assert [line.split()[-2:] for line in listed.output.splitlines() if "dshi-9" in line] == [
        ["texts", "installed"]
    ]

    short = _pack()
    short["languages"]["sv"]["options"] = short["languages"]["sv"]["options"][:5]
    pack.write_text(json.dumps(short), encoding="utf-8")
    refused = runner.invoke(args=["scales", "import-texts", str(pack)])
    assert refused.exit_code == 2
    assert "languages.sv.options for item 1 must list 7 option texts" in refused.output

    registry = app.extensions["sob"].registry
    questions = forms.scale_questions(db.session, registry, SCALE)
    assert len(questions) == 9 and questions[0]["label"]["sv"] == "sv text 1"
    assert [o["label"]["en"] for o in questions[0]["config"]["options"]][::6] == [
        "Never",
        "More than 5 times",
    ]
    version = forms.create_form(
        db.session,
        registry,
        key="dshi-9",
        title=dict(SCALE.name),
        questions=questions,
        results=[{"key": f"dshi-9.{sub.id}", "citizen_visible": True} for sub in SCALE.subscales],
        scale_id="dshi-9",
    )
    enrollment = db.session.scalar(
        select(Enrollment).join(Citizen).where(Citizen.personnummer == "195508232153")
    )
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id, enrollment_id=enrollment.id, form_version_id=version.id
    )
    db.session.add(assignment)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    answers = {str(n): "0" for n in range(1, 10)} | {"4": "1"}  # item 4 once
    forms.submit(db.session, app.extensions["sob"], response, answers)
    db.session.commit()
    results = {
        r.key: r
        for r in db.session.scalars(select(Result).where(Result.response_id == response.id))
    }
    assert results["dshi-9.total"].value == 1 and results["dshi-9.total"].flags == [FLAG]
    assert results["dshi-9.any"].value == 1 and results["dshi-9.any"].band == FLAG
    assert results["dshi-9.any"].band_label == {
        "sv": "Självskadebeteende angivet",
        "en": "Self-harm reported",
    }
