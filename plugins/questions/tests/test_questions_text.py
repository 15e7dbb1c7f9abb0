"""Short text and long text."""

from __future__ import annotations

import pytest
from questions_testkit import (
    EXAMPLES,
    TYPES,
    clean,
    config_error,
    error,
    fhir_answer,
    fhir_item,
    make_spec,
    optional,
)

SHORT, LONG = EXAMPLES["short_text"], EXAMPLES["long_text"]


def test_text_is_stripped_and_normalised():
    assert clean(SHORT, "  Hej  ") == "Hej"
    assert clean(SHORT, "a\u030a") == "å"  # decomposed å, as macOS may send it
    assert clean(LONG, "rad 1\r\nrad 2\rrad 3\n") == "rad 1\nrad 2\nrad 3"
    assert clean(LONG, "\tindrag") == "indrag"
    assert clean(LONG, "a\tb") == "a\tb"
    assert clean(optional(SHORT), "   ") is None
    assert clean(optional(LONG), None) is None


def test_defaults():
    assert clean(make_spec("short_text"), "x" * 200) == "x" * 200
    assert error(make_spec("short_text"), "x" * 201, "en") == (
        "The answer may be at most 200 characters long; it is 201."
    )
    assert clean(make_spec("long_text"), "x" * 5000) == "x" * 5000
    assert error(make_spec("long_text"), "x" * 5001, "sv") == (
        "Svaret får vara högst 5000 tecken långt, nu är det 5001."
    )


@pytest.mark.parametrize(
    ("spec", "data", "sv", "en"),
    [
        (
            SHORT,
            "x" * 21,
            "Svaret får vara högst 20 tecken långt, nu är det 21.",
            "The answer may be at most 20 characters long; it is 21.",
        ),
        (SHORT, "rad 1\nrad 2", "Skriv svaret på en rad.", "Write the answer on one line."),
        (
            SHORT,
            "a\x00b",
            "Svaret innehåller tecken som inte är tillåtna.",
            "The answer contains characters that are not allowed.",
        ),
        (
            LONG,
            "a\x1bb",
            "Svaret innehåller tecken som inte är tillåtna.",
            "The answer contains characters that are not allowed.",
        ),
        (
            LONG,
            "a\ud800b",
            "Svaret innehåller tecken som inte är tillåtna.",
            "The answer contains characters that are not allowed.",
        ),
        (SHORT, 5, "Svaret måste vara en text.", "The answer must be text."),
        (LONG, ["a"], "Svaret måste vara en text.", "The answer must be text."),
        (LONG, b"bytes", "Svaret måste vara en text.", "The answer must be text."),
        (SHORT, "", "Du behöver svara på frågan.", "Please answer this question."),
    ],
)
def test_text_messages(spec, data, sv, en):
    assert error(spec, data, "sv") == sv
    assert error(spec, data, "en") == en


@pytest.mark.parametrize(
    ("key", "config", "en"),
    [
        ("short_text", {"max_length": 0}, "The setting max_length must be between 1 and 1000."),
        ("short_text", {"max_length": 1001}, "The setting max_length must be between 1 and 1000."),
        ("long_text", {"max_length": 50001}, "The setting max_length must be between 1 and 50000."),
        ("long_text", {"max_length": "5"}, "The setting max_length must be a whole number."),
        ("long_text", [], "The settings must be an object."),
    ],
)
def test_broken_text_configs(key, config, en):
    assert config_error(key, config, "en") == en


def test_text_questions_say_their_limit():
    assert TYPES["long_text"].make_field(LONG, "sv").kwargs["description"] == (
        "Du kan skriva högst 300 tecken."
    )
    assert TYPES["short_text"].make_field(SHORT, "en").kwargs["description"] == (
        "You can write at most 20 characters."
    )


@pytest.mark.parametrize("spec", [SHORT, LONG], ids=["short_text", "long_text"])
def test_over_long_text_is_refused_with_a_message_not_cut(make_app, spec):
    """No maxlength for the browser to cut a pasted text at without a word; the limit is in the
    hint, and the server refuses what is over it, keeping the text so it can be shortened."""
    from questions_testkit import parse_html

    app = make_app([spec], "sv")
    page = parse_html(app.test_client().get("/form").get_data(as_text=True))
    control = page.by_id(spec.key)
    assert "maxlength" not in control.attrs
    limit = spec.config["max_length"]
    assert page.by_id(f"{spec.key}:hint").text == f"Du kan skriva högst {limit} tecken."
    assert f"{spec.key}:hint" in control["aria-describedby"].split()
    too_long = "å" * (limit + 1)
    page = parse_html(
        app.test_client().post("/form", data={spec.key: too_long}).get_data(as_text=True)
    )
    assert page.by_id(f"{spec.key}:error").text == (
        f"Fel: Svaret får vara högst {limit} tecken långt, nu är det {limit + 1}."
    )
    kept = page.by_id(spec.key)
    assert (kept.get("value") if kept.tag == "input" else kept.text.strip()) == too_long


def test_display():
    assert TYPES["short_text"].display(SHORT, "Hej", "sv") == "Hej"
    assert TYPES["long_text"].display(LONG, "a\nb", "en") == "a\nb"
    assert TYPES["long_text"].display(LONG, None, "en") == ""


@pytest.mark.parametrize(("spec", "fhir_type"), [(SHORT, "string"), (LONG, "text")])
def test_fhir(spec, fhir_type):
    item = fhir_item(spec)
    assert item["type"] == fhir_type
    assert item["maxLength"] == spec.config["max_length"]
    assert fhir_answer(spec, "Hej") == [{"valueString": "Hej"}]
    assert TYPES[spec.type].from_fhir(item) == dict(spec.config)
    # no limit the source did not have is added (issue 16): the type's most, none exported
    assert TYPES[spec.type].from_fhir({"type": fhir_type}) == {
        "max_length": 1000 if fhir_type == "string" else 50000,
        "fhir_max_length": False,
    }
    with pytest.raises(ValueError):
        TYPES[spec.type].fhir_answer(spec, 5)


# --- web addresses (FHIR url) --------------------------------------------------------------------

URL = make_spec("short_text", {"max_length": 1000, "fhir_max_length": False, "format": "url"})


@pytest.mark.parametrize(
    "address",
    [
        "https://www.1177.se",
        "https://www.1177.se/Stockholm/liv--halsa/?q=sömn#a",
        "http://example.org:8080/x",
        "HTTPS://EXAMPLE.ORG/",
        "https://[2001:db8::1]/",
    ],
)
def test_a_web_address_is_taken_as_written(address):
    assert clean(URL, f"  {address} ") == address


@pytest.mark.parametrize(
    "address",
    [
        "www.1177.se",  # not absolute
        "1177.se/sömn",
        "ftp://example.org/fil",
        "javascript:alert(1)",
        "mailto:a@example.org",
        "https://",
        "https:///sökväg",
        "https://exa mple.org",
        "https://example.org:port/",
        "http://[::1/",
    ],
)
def test_anything_but_an_absolute_http_address_is_refused_with_a_clear_message(address):
    assert error(URL, address, "sv") == (
        "Ange en fullständig webbadress som börjar med https:// (eller http://), till exempel "
        "https://www.1177.se."
    )
    assert error(URL, address, "en").startswith("Enter a full web address starting with https://")


def test_a_web_address_keeps_the_length_limit_and_says_what_it_wants():
    short = make_spec("short_text", {"max_length": 25, "format": "url"})
    assert error(short, "https://example.org/" + "x" * 10, "en") == (
        "The answer may be at most 25 characters long; it is 30."
    )
    assert clean(optional(URL), "  ") is None


def test_format_is_url_or_nothing_and_only_for_a_short_text():
    for key, config in (
        ("short_text", {"format": "email"}),
        ("short_text", {"format": 1}),
        ("long_text", {"format": "url"}),
    ):
        assert config_error(key, config, "sv") == (
            'format kan bara vara "url", och bara för en kort text.'
        )


def test_a_web_address_is_a_fhir_url_item_answered_with_value_uri():
    item = fhir_item(URL)
    assert item["type"] == "url"
    assert "maxLength" not in item  # none in the source, none added
    assert fhir_answer(URL, "https://www.1177.se") == [{"valueUri": "https://www.1177.se"}]
    assert TYPES["short_text"].from_fhir({"type": "url", "linkId": "u"}) == dict(URL.config)
    assert TYPES["short_text"].from_fhir({"type": "url", "maxLength": 300}) == {
        "max_length": 300,
        "format": "url",
    }
    assert TYPES["short_text"].fhir_matches({"type": "url"})
    assert not TYPES["long_text"].fhir_matches({"type": "url"})


def test_a_web_address_field_asks_for_one(make_app):
    from questions_testkit import parse_html

    app = make_app([URL], "sv")
    page = parse_html(app.test_client().get("/form").get_data(as_text=True))
    control = page.by_id(URL.key)
    assert control["inputmode"] == "url"
    assert control["type"] == "text"  # the server judges the address, in words
    assert page.by_id(f"{URL.key}:hint").text == (
        "En fullständig webbadress som börjar med https://, högst 1000 tecken."
    )
    page = parse_html(
        app.test_client().post("/form", data={URL.key: "www.1177.se"}).get_data(as_text=True)
    )
    assert page.by_id(f"{URL.key}:error").text.startswith(
        "Fel: Ange en fullständig webbadress som börjar med https://"
    )


def test_several_web_addresses_are_each_checked_and_answered_as_value_uri():
    many = make_spec("short_text", {**URL.config, "repeats": True, "max_answers": 3})
    assert clean(many, ["https://a.example", "", "http://b.example/x"]) == [
        "https://a.example",
        "http://b.example/x",
    ]
    assert "Ange en fullständig webbadress" in error(many, ["https://a.example", "b"], "sv")
    item = fhir_item(many)
    assert (item["type"], item["repeats"]) == ("url", True)
    assert fhir_answer(many, ["https://a.example", "http://b.example/x"]) == [
        {"valueUri": "https://a.example"},
        {"valueUri": "http://b.example/x"},
    ]
    assert TYPES["short_text"].from_fhir(item) == dict(many.config)
