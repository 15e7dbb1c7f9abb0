"""An imported FHIR form with an attachment item, in a real browser (issue 16): the citizen
attaches a PDF by the labelled file input, saves, sees the file by name with a download link and
"Ta bort filen", submits without choosing it again, and what is stored describes the file. axe
finds nothing on the page before and after the upload; without JavaScript it works the same."""

from __future__ import annotations

import os
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import assert_accessible
from fhir_form_helpers import citizen_page, send_imported, stored_answers

pytestmark = pytest.mark.browser

SD = "http://hl7.org/fhir/StructureDefinition/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ITEMS = [
    {
        "linkId": "certificate",
        "text": "Bifoga ditt läkarintyg",
        "type": "attachment",
        "required": True,
        "extension": [
            {"url": SD + "mimeType", "valueCode": "application/pdf"},
            {"url": SD + "mimeType", "valueCode": "image/*"},
            {"url": SD + "maxSize", "valueDecimal": 5242880},
        ],
    }
]


@pytest.mark.parametrize("javascript", [True, False])
def test_the_citizen_attaches_a_file_and_submits(browser, live_server, tmp_path, javascript):
    key = f"intyg-{'js' if javascript else 'nojs'}"
    send_imported(live_server.app, key, f"Läkarintyg {key}", ITEMS)
    upload = tmp_path / "intyg.pdf"
    upload.write_bytes(PDF)
    with citizen_page(browser, live_server, javascript) as page:
        page.get_by_role("link", name=re.compile(f"Läkarintyg {key}")).first.click()
        field = page.get_by_label("Bifoga ditt läkarintyg")
        expect(field).to_have_attribute("type", "file")
        expect(page.locator("#certificate\\:hint")).to_have_text(
            "Tillåtna filtyper: JPG, PNG, WEBP, PDF. Filen får vara högst 5 MB."
        )
        if javascript:
            assert_accessible(page)
        field.set_input_files(str(upload))
        page.get_by_role("button", name="Spara och fortsätt senare").click()
        link = page.get_by_role("link", name="intyg.pdf")
        expect(link).to_be_visible()
        expect(page.get_by_label("Ta bort filen")).not_to_be_checked()
        if javascript:
            assert_accessible(page)
        page.get_by_role("button", name="Skicka in").click()
        expect(page.locator(".flashes")).to_contain_text("Tack")
    answer = stored_answers(live_server.app, key)["certificate"]
    assert answer["filename"] == "intyg.pdf" and answer["content_type"] == "application/pdf"
    assert answer["size"] == len(PDF)
