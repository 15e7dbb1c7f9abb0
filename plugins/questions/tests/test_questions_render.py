"""The templates, rendered by a tiny Flask host: labels, fieldsets, errors tied to their inputs."""

from __future__ import annotations

from collections import Counter

import pytest
from questions_testkit import EXAMPLES, TYPES, Node, make_spec, optional, parse_html
from werkzeug.datastructures import MultiDict

GROUPS = {
    "yes_no",
    "single_choice",
    "multiple_choice",
    "scale",
    "duration",
    "date_time",
    "open_choice",
}
NATIVE_REQUIRED = {
    "yes_no",
    "single_choice",
    "dropdown",
    "number",
    "scale",
    "short_text",
    "long_text",
    "date",
    "time",
    "date_time",
    "quantity",
}

VALID = {
    "yes_no": ([("yes-no", "false")], False),
    "single_choice": ([("single-choice", "sleep")], "sleep"),
    "multiple_choice": (
        [("multiple-choice", "sleep"), ("multiple-choice", "body")],
        ["body", "sleep"],
    ),
    "dropdown": ([("dropdown", "food")], "food"),
    "number": ([("number", "7,5")], 7.5),
    "slider": ([("slider", "35"), ("slider:set", "1")], 35),
    "scale": ([("scale", "7")], 7),
    "short_text": ([("short-text", " Hej ")], "Hej"),
    "long_text": ([("long-text", "rad 1\r\nrad 2")], "rad 1\nrad 2"),
    "date": ([("date", "2024-03-31")], "2024-03-31"),
    "time": ([("time", "07:30")], "07:30"),
    "duration": ([("duration:hours", "7"), ("duration:minutes", "30")], 450),
    "date_time": (
        [("date-time:date", "2024-03-31"), ("date-time:time", "07:30")],
        "2024-03-31T07:30:00+02:00",
    ),
    "open_choice": (
        [("open-choice", "sleep"), ("open-choice:other", "Arbete")],
        ["sleep", {"other": "Arbete"}],
    ),
    "quantity": ([("quantity", "72,5")], 72.5),
}

SLIDER_CHOSEN = {"sv": "Jag har valt mitt värde", "en": "I have chosen my value"}

INVALID = {
    "yes_no": ([("yes-no", "maybe")], "Välj bland de svarsalternativ som finns."),
    "single_choice": ([("single-choice", "nope")], "Välj bland de svarsalternativ som finns."),
    "multiple_choice": (
        [("multiple-choice", v) for v in ("body", "food", "sleep")],
        "Välj minst 1 och högst 2 svarsalternativ.",
    ),
    "dropdown": ([("dropdown", "")], "Du behöver svara på frågan."),
    "number": ([("number", "abc")], "Ange ett tal, till exempel 12 eller 7,5."),
    "slider": (
        [("slider", "36"), ("slider:set", "1")],
        "Välj ett värde mellan 0 och 100 i steg om 5.",
    ),
    "scale": ([("scale", "11")], "Välj ett värde från 0 till 10."),
    "short_text": (
        [("short-text", "x" * 21)],
        "Svaret får vara högst 20 tecken långt, nu är det 21.",
    ),
    "long_text": ([], "Du behöver svara på frågan."),
    "date": ([("date", "2023-02-29")], "Datumet finns inte. Kontrollera år, månad och dag."),
    "time": (
        [("time", "25:00")],
        "Ange en tid mellan 00:00 och 23:59 som TT:MM, till exempel 07:30.",
    ),
    "duration": (
        [("duration:hours", "sju"), ("duration:minutes", "")],
        "Ange timmar och minuter som hela tal, till exempel 7 och 30.",
    ),
}


def inputs_of(page: Node, spec_key: str) -> list[Node]:
    return [
        n
        for n in page.iter()
        if n.tag in ("input", "select", "textarea")
        and (n.get("name") or "").split(":")[0] == spec_key
    ]


def described_by(node: Node) -> list[str]:
    return (node.get("aria-describedby") or "").split()


def owner(page: Node, spec_key: str, type_key: str) -> Node:
    """The element carrying the question's descriptions: its fieldset, or its one input."""
    first = inputs_of(page, spec_key)[0]
    if type_key in GROUPS:
        fieldset = first.ancestor("fieldset")
        assert fieldset is not None
        return fieldset
    return first


def check_page(page: Node) -> None:
    ids = Counter(n.get("id") for n in page.iter() if n.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []
    for node in page.iter():
        assert "style" not in node.attrs, node.tag
        if node.tag == "script":
            assert node.get("src") and not node.text, "inline script"
        for ref in described_by(node):
            page.by_id(ref)
        if node.tag == "label":
            page.by_id(node["for"])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_question_renders_with_its_label(make_app, lang):
    app = make_app(list(EXAMPLES.values()), lang)
    response = app.test_client().get("/form")
    assert response.status_code == 200
    page = parse_html(response.get_data(as_text=True))
    check_page(page)
    for key, spec in EXAMPLES.items():
        label = spec.label[lang]
        controls = inputs_of(page, spec.key)
        assert controls, key
        if key in GROUPS:
            fieldset = controls[0].ancestor("fieldset")
            legend = fieldset.find_all("legend")
            assert legend and fieldset.children.index(legend[0]) <= 1, key
            assert legend[0].text == label
            assert all(c.ancestor("fieldset") is fieldset for c in controls)
            for control in controls:  # every radio, checkbox and part has its own label
                assert page.find("label", for_=control["id"]).text
        elif key == "slider":  # the range input, and the box that makes its value the answer
            control, chosen = controls
            assert control["id"] == spec.key and control["type"] == "range"
            assert page.find("label", for_=control["id"]).text == label
            assert (chosen["type"], chosen["name"]) == ("checkbox", f"{spec.key}:set")
            assert page.find("label", for_=chosen["id"]).text == SLIDER_CHOSEN[lang]
            assert "required" not in control.attrs and "required" in chosen.attrs
            assert "checked" not in chosen.attrs
            continue
        else:
            (control,) = controls
            assert control["id"] == spec.key
            assert page.find("label", for_=control["id"]).text == label
        native = key in NATIVE_REQUIRED
        assert all(("required" in c.attrs) is native for c in controls), key
        assert not any("aria-invalid" in c.attrs for c in controls)


def test_posted_answers_come_back_cleaned(make_app):
    app = make_app(list(EXAMPLES.values()))
    data = MultiDict([pair for pairs, _ in VALID.values() for pair in pairs])
    response = app.test_client().post("/form", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {EXAMPLES[k].key: payload for k, (_, payload) in VALID.items()}


def test_errors_are_tied_to_their_inputs(make_app):
    app = make_app(list(EXAMPLES.values()))
    data = MultiDict([pair for pairs, _ in INVALID.values() for pair in pairs])
    page = parse_html(app.test_client().post("/form", data=data).get_data(as_text=True))
    check_page(page)
    for key, (_, message) in INVALID.items():
        spec = EXAMPLES[key]
        error = page.by_id(f"{spec.key}:error")
        assert error.text == f"Fel: {message}", key
        assert f"{spec.key}:error" in described_by(owner(page, spec.key, key)), key
        assert all(c.get("aria-invalid") == "true" for c in inputs_of(page, spec.key)), key


def test_invalid_answers_are_shown_again(make_app):
    app = make_app(list(EXAMPLES.values()))
    data = MultiDict(
        [
            ("number", "abc"),
            ("multiple-choice", "body"),
            ("multiple-choice", "food"),
            ("multiple-choice", "sleep"),
            ("duration:hours", "sju"),
            ("duration:minutes", "5"),
            ("short-text", "x" * 21),
        ]
    )
    page = parse_html(app.test_client().post("/form", data=data).get_data(as_text=True))
    assert page.by_id("number")["value"] == "abc"
    assert [c["value"] for c in inputs_of(page, "multiple-choice") if "checked" in c.attrs] == [
        "body",
        "food",
        "sleep",
    ]
    assert page.by_id("duration")["value"] == "sju"
    assert page.by_id("duration:minutes")["value"] == "5"
    assert page.by_id("short-text")["value"] == "x" * 21


def test_stored_payloads_fill_the_form(make_app):
    """A draft saved as payloads renders as the answers it holds."""
    from flask_wtf import FlaskForm

    app = make_app([EXAMPLES["duration"], EXAMPLES["scale"], EXAMPLES["multiple_choice"]])
    with app.test_request_context("/form"):

        class Draft(FlaskForm):
            pass

        for spec in (EXAMPLES["duration"], EXAMPLES["scale"], EXAMPLES["multiple_choice"]):
            setattr(Draft, spec.key, TYPES[spec.type].make_field(spec, "sv"))
        form = Draft(data={"duration": 450, "scale": 7, "multiple-choice": ["food"]})
        assert form["duration"].part("hours") == "7"
        assert form["duration"].part("minutes") == "30"
        assert form["scale"]._value() == "7"
        assert form["multiple-choice"].is_selected("food")
        assert not form["multiple-choice"].is_selected("body")


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_help_text_is_described(make_app, key):
    base = EXAMPLES[key]
    spec = make_spec(
        key,
        base.config,
        key=base.key,
        help={"sv": "Tänk på den senaste veckan.", "en": "Think of the last week."},
    )
    page = parse_html(make_app([spec], "en").test_client().get("/form").get_data(as_text=True))
    check_page(page)
    help_node = page.by_id(f"{spec.key}:help")
    assert help_node.text == "Think of the last week."
    assert f"{spec.key}:help" in described_by(owner(page, spec.key, key))


def test_multiple_choice_hint_is_described(make_app):
    spec = EXAMPLES["multiple_choice"]
    page = parse_html(make_app([spec]).test_client().get("/form").get_data(as_text=True))
    assert page.by_id("multiple-choice:hint").text == "Du kan välja 1-2 svarsalternativ"
    assert described_by(owner(page, spec.key, "multiple_choice")) == ["multiple-choice:hint"]


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_optional_questions_say_so_and_accept_nothing(make_app, key):
    spec = optional(EXAMPLES[key])
    app = make_app([spec], "sv")
    page = parse_html(app.test_client().get("/form").get_data(as_text=True))
    marker = page.find(class_="q-optional")
    assert marker.text == "(frivillig)"
    assert not any("required" in c.attrs for c in inputs_of(page, spec.key))
    assert app.test_client().post("/form", data={}).get_json() == {spec.key: None}
    if key == "slider":  # a range input always posts a value: untouched, it is still no answer
        posted = app.test_client().post("/form", data={spec.key: "50"})
        assert posted.get_json() == {spec.key: None}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_untouched_required_slider_is_not_an_answer(make_app, lang):
    """Without script the range input posts where it stands (the middle, untouched); only the
    ticked box makes that the answer, and the citizen is told so."""
    spec = EXAMPLES["slider"]
    app = make_app([spec], lang)
    page = parse_html(app.test_client().post("/form", data={"slider": "50"}).get_data(as_text=True))
    check_page(page)
    message = {
        "sv": "Flytta reglaget till ditt svar och kryssa sedan i ”Jag har valt mitt värde”.",
        "en": "Move the slider to your answer, then tick “I have chosen my value”.",
    }[lang]
    assert page.by_id("slider:error").text.endswith(message)
    chosen = page.by_id("slider:set")
    assert chosen.get("aria-invalid") == "true" and "checked" not in chosen.attrs
    assert described_by(chosen) == ["slider:error"]
    assert page.by_id("slider")["value"] == "50"  # where it stood, drawn there again
    ticked = app.test_client().post("/form", data={"slider": "50", "slider:set": "1"})
    assert ticked.get_json() == {"slider": 50}


def test_a_stored_slider_answer_is_shown_chosen(make_app):
    from flask_wtf import FlaskForm

    spec = EXAMPLES["slider"]
    app = make_app([spec])
    with app.test_request_context("/form"):

        class Draft(FlaskForm):
            pass

        setattr(Draft, spec.key, TYPES[spec.type].make_field(spec, "sv"))
        form = Draft(data={"slider": 35})
        assert form["slider"].chosen and form["slider"].position == "35"
        assert Draft(data={})["slider"].chosen is False


def test_slider_shows_its_ends_and_loads_its_script(make_app):
    spec = EXAMPLES["slider"]
    page = parse_html(make_app([spec], "en").test_client().get("/form").get_data(as_text=True))
    slider = page.by_id("slider")
    assert (slider["type"], slider["min"], slider["max"], slider["step"]) == (
        "range",
        "0",
        "100",
        "5",
    )
    assert described_by(slider) == ["slider:min", "slider:max"]
    assert page.by_id("slider:min").text == "0 No pain"
    assert page.by_id("slider:max").text == "100 Worst imaginable"
    assert "hidden" in page.by_id("slider:current").attrs
    (script,) = page.find_all("script")
    assert script["src"] == "/plugins/sob-questions/static/sob_questions/questions.js"


def test_scale_labels_carry_the_anchors(make_app):
    page = parse_html(
        make_app([EXAMPLES["scale"]], "sv").test_client().get("/form").get_data(as_text=True)
    )
    labels = [page.find("label", for_=c["id"]).text for c in inputs_of(page, "scale")]
    assert labels[0] == "0 Inte alls"
    assert labels[1:10] == [str(n) for n in range(1, 10)]
    assert labels[10] == "10 Mycket"


def test_number_unit_is_described(make_app):
    page = parse_html(
        make_app([EXAMPLES["number"]], "sv").test_client().get("/form").get_data(as_text=True)
    )
    number = page.by_id("number")
    assert number["inputmode"] == "decimal"
    assert described_by(number) == ["number:hint", "number:unit"]
    assert page.by_id("number:unit").text == "kg"


def test_errors_speak_the_question_language(make_app):
    app = make_app([EXAMPLES["number"]], "en")
    page = parse_html(app.test_client().post("/form", data={"number": "x"}).get_data(as_text=True))
    assert page.by_id("number:error").text == "Error: Enter a number, for example 12 or 7.5."


def test_fields_leave_judgement_to_clean():
    """No validators: the host runs form.validate() for CSRF alone, hidden questions included."""
    for spec in EXAMPLES.values():
        assert TYPES[spec.type].make_field(spec, "sv").args[1] == []


def test_an_untouched_duration_is_empty(make_app):
    app = make_app([optional(EXAMPLES["duration"])])
    data = {"duration:hours": "", "duration:minutes": " "}
    assert app.test_client().post("/form", data=data).get_json() == {"duration": None}
