"""The held-out check of the third-party scale path: K10, written from docs/ alone.

``tests/fixtures/k10`` is a plugin distribution as docs/writing-a-scale-plugin.md describes it. It
validates, scores, is seen by the host through pluggy, becomes form questions, and its stored
results read as the docs promise: inclusive band ranges ("22–29"), and the band's label even
after the plugin is uninstalled.
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

from sqlalchemy import select

from sob_core import forms
from sob_core.extensions import db
from sob_core.models import CareUnit, Citizen, Enrollment, FormAssignment, Result

FIXTURE = Path(__file__).parent / "fixtures" / "k10"
if str(FIXTURE) not in sys.path:
    sys.path.insert(0, str(FIXTURE))

import sob_k10  # noqa: E402  (importable from the fixture's folder, as if pip-installed)

TOMMY = "SE2321000131-P000000000011"
PER = "195508232153"


def test_the_fixture_declares_its_entry_point_as_the_docs_say():
    config = configparser.ConfigParser()
    config.read(FIXTURE / "setup.cfg", encoding="utf-8")
    assert config["options.entry_points"]["sob"].split() == ["k10", "=", "sob_k10"]


def test_k10_validates_and_scores():
    sob_k10.SCALE.validate()
    score = sob_k10.SCALE.score
    lowest = score({str(n): 0 for n in range(1, 11)}, {})
    assert lowest.scores == {"total": 10} and lowest.bands == {"total": "likely-well"}
    assert score({str(n): 4 for n in range(1, 11)}, {}).scores == {"total": 50}
    # 22 and 29 are the moderate band's ends: 2 x 3 + 8 x 2 = 22; 9 x 3 + 1 x 2 = 29
    at_22 = {str(n): (2 if n <= 2 else 1) for n in range(1, 11)}
    at_29 = {str(n): (2 if n <= 9 else 1) for n in range(1, 11)}
    assert score(at_22, {}).bands == {"total": "moderate-distress"}
    assert score(at_29, {}).bands == {"total": "moderate-distress"}
    assert score({**at_29, "10": 2}, {}).bands == {"total": "severe-distress"}  # 30
    assert score({**at_22, "9": 3}, {}).flags == ["item-9-high"]


def test_the_hook_is_seen_through_pluggy(app, register_plugin):
    """The docs' example (section 9): the host registers the plugin and owns its scale."""
    register_plugin(sob_k10, "k10")
    host = app.extensions["sob"]
    implementations = host.pm.hook.sob_scales.get_hookimpls()
    assert "k10" in [impl.plugin_name for impl in implementations]  # pluggy sees the hook
    assert host.registry.scales["k10"] is sob_k10.SCALE  # validated and registered
    assert host.owner("scale", "k10") == "k10"


def test_scale_questions_turn_k10_into_form_questions(app, register_plugin):
    register_plugin(sob_k10, "k10")
    registry = app.extensions["sob"].registry
    questions = forms.scale_questions(db.session, registry, sob_k10.SCALE)
    assert [q["key"] for q in questions] == [str(n) for n in range(1, 11)]
    assert {q["type"] for q in questions} == {"single_choice"}
    first = questions[0]
    assert first["label"]["sv"].startswith("Hur ofta kände du dig trött")
    assert [o["label"]["en"] for o in first["config"]["options"]] == [
        "None of the time",
        "A little of the time",
        "Some of the time",
        "Most of the time",
        "All of the time",
    ]


def _k10_result_page(client, login, app) -> tuple[int, int]:
    """A K10 form answered by Per (total 25), scored; returns (enrollment id, unit id)."""
    registry = app.extensions["sob"].registry
    version = forms.create_form(
        db.session,
        registry,
        key="k10",
        title=dict(sob_k10.SCALE.name),
        questions=forms.scale_questions(db.session, registry, sob_k10.SCALE),
        results=[{"key": "k10.total", "citizen_visible": True}],
        scale_id="k10",
    )
    enrollment = db.session.scalar(
        select(Enrollment).join(Citizen).where(Citizen.personnummer == PER)
    )
    assignment = FormAssignment(
        citizen_id=enrollment.citizen_id, enrollment_id=enrollment.id, form_version_id=version.id
    )
    db.session.add(assignment)
    db.session.flush()
    response = forms.open_response(db.session, assignment)
    answers = {str(n): ("2" if n <= 5 else "1") for n in range(1, 11)}  # 5 x 3 + 5 x 2 = 25
    forms.submit(db.session, app.extensions["sob"], response, answers)
    db.session.commit()
    unit = db.session.scalar(select(CareUnit.id).order_by(CareUnit.id))
    return enrollment.id, unit


def test_stored_results_read_inclusive_ranges_and_keep_their_band_label(
    app, client, login, demo_data
):
    host = app.extensions["sob"]
    host.pm.register(sob_k10, name="k10")
    try:
        host.check()
        enrollment, unit = _k10_result_page(client, login, app)
        stored = db.session.scalar(select(Result).where(Result.key == "k10.total"))
        assert stored.value == 25 and stored.band == "moderate-distress"
        assert stored.band_label == {"sv": "Måttlig psykisk påfrestning", "en": "Moderate distress"}

        login("staff", TOMMY, unit_id=unit)
        url = f"/staff/patients/{enrollment}/results/k10.total"
        page = client.get(url).get_data(as_text=True)
        for shown in ("(10–15)", "(16–21)", "(22–29)", "(30–50)"):
            assert shown in page
        assert "22 – 30" not in page and "(22–30)" not in page
        assert "<td>22–29</td>" in page  # the 25 in the table

        login("citizen", PER)
        mine = client.get("/citizen/results/k10.total").get_data(as_text=True)
        assert "(22–29)" in mine and "Dina svar tyder på en hel del oro." in mine

        host.pm.unregister(name="k10")  # the plugin is uninstalled
        host.collect()
        assert "k10" not in host.registry.scales
        login("staff", TOMMY, unit_id=unit)
        page = client.get(url).get_data(as_text=True)
        assert "Måttlig psykisk påfrestning" in page
        assert "moderate-distress" not in page
    finally:
        if host.pm.get_plugin("k10") is not None:
            host.pm.unregister(name="k10")
        host.collect()


def test_the_tutorial_shows_this_pluggy_test_word_for_word():
    """docs/writing-a-scale-plugin.md section 9 copies the test above; they must not drift."""
    import inspect

    tutorial = (Path(__file__).parents[1] / "docs" / "writing-a-scale-plugin.md").read_text("utf-8")
    source = inspect.getsource(test_the_hook_is_seen_through_pluggy).splitlines()
    body = [line for line in source if '"""' not in line]  # the docstring is the test's own
    shown = tutorial.split("def test_the_hook_is_seen_through_pluggy", 1)[1].split("```", 1)[0]
    assert "def test_the_hook_is_seen_through_pluggy" + shown.rstrip("\n") == "\n".join(body)


def test_a_flag_reason_names_the_stored_band_label_of_an_uninstalled_scale(app, demo_data):
    from sob_core.web.staff.flags import _result_text

    stored = db.session.scalar(
        select(Result).where(Result.key == "phq-9.total", Result.value == 17)
    )
    assert stored.band == "moderately-severe"
    assert stored.band_label == {"sv": "Medelsvåra symtom", "en": "Moderately severe"}
    with app.test_request_context():
        # "gone.total": a result key whose scale is no longer installed
        assert _result_text("gone.total", 17, stored.band, "en", stored.band_label) == (
            "gone.total",
            "17 (Moderately severe)",
        )
        assert (
            _result_text("gone.total", 17, stored.band, "sv", None)[1] == "17 (moderately-severe)"
        )
