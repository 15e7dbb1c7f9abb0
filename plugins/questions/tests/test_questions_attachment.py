"""The attachment type on its own: its settings, what ``clean`` accepts, display and FHIR."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sob_questions import _fhir
from sob_questions.attachment import ATTACHMENT

from sob_core import FileRules, QuestionSpec

SD = "http://hl7.org/fhir/StructureDefinition/"
DATA = b"%PDF-1.4 intyg"
PAYLOAD = {
    "media_id": 7,
    "filename": "intyg.pdf",
    "content_type": "application/pdf",
    "size": 2048,
    "sha256": hashlib.sha256(DATA).hexdigest(),
    "sha1": base64.b64encode(hashlib.sha1(DATA, usedforsecurity=False).digest()).decode(),
}


def spec(config=None, required=True) -> QuestionSpec:
    return QuestionSpec("doc", "attachment", {"sv": "Intyg"}, config or {}, required)


def test_the_rules_name_the_host_types_the_patterns_cover():
    rules = ATTACHMENT.file_rules(spec({"content_types": ["image/*"], "max_bytes": 5000}))
    assert rules == FileRules(("image/*",), 5000)
    assert rules.accepted() == ("image/jpeg", "image/png", "image/webp")
    assert FileRules(("APPLICATION/PDF",)).accepted() == ("application/pdf",)


@pytest.mark.parametrize(
    "config",
    [
        {"content_types": []},
        {"content_types": ["pdf"]},
        {"content_types": ["audio/*"]},  # none the host can receive
        {"max_bytes": 0},
        {"max_bytes": "5 MB"},
    ],
)
def test_settings_that_cannot_work_are_refused(config):
    with pytest.raises(ValueError):
        ATTACHMENT.validate_config(config, "sv")


def test_clean_takes_the_hosts_description_and_refuses_anything_else():
    assert ATTACHMENT.clean(spec(), dict(PAYLOAD), "sv") == PAYLOAD
    assert ATTACHMENT.clean(spec(required=False), None, "sv") is None
    with pytest.raises(ValueError, match="svara"):
        ATTACHMENT.clean(spec(), None, "sv")
    for broken in ("intyg.pdf", {**PAYLOAD, "media_id": "7"}, {**PAYLOAD, "sha1": "x"}, {"a": 1}):
        with pytest.raises(ValueError):
            ATTACHMENT.clean(spec(), broken, "sv")
    with pytest.raises(ValueError, match="Filtypen"):
        ATTACHMENT.clean(spec({"content_types": ["image/*"]}), dict(PAYLOAD), "sv")
    with pytest.raises(ValueError, match="för stor"):
        ATTACHMENT.clean(spec({"max_bytes": 1000}), dict(PAYLOAD), "sv")


def test_display_and_fhir():
    assert ATTACHMENT.display(spec(), PAYLOAD, "sv") == "intyg.pdf (2 kB)"
    (answer,) = ATTACHMENT.fhir_answer(spec(), PAYLOAD)
    assert answer == {
        "valueAttachment": {
            "contentType": "application/pdf",
            "title": "intyg.pdf",
            "size": 2048,
            "hash": PAYLOAD["sha1"],
        }
    }
    item = {
        "linkId": "doc",
        "type": "attachment",
        "extension": [
            {"url": SD + "mimeType", "valueCode": "application/pdf"},
            {"url": SD + "maxSize", "valueDecimal": 2.5e6},
        ],
    }
    assert _fhir.classify(item) == "attachment" and ATTACHMENT.fhir_matches(item)
    config = ATTACHMENT.from_fhir(item)
    assert config == {"content_types": ["application/pdf"], "max_bytes": 2500000}
    assert ATTACHMENT.fhir_item(spec(config), "sv") == {"extension": item["extension"]}
