"""Importing a FHIR Questionnaire from the design tool's forms page in a real browser (issue 16):
a designer uploads the SDC PHQ-9 example and the new form's page opens with the import report.
Each page gets the CSP, structure and axe-core checks (zero violations)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import assert_accessible
from test_messages_browser import checked, click, sign_in

pytestmark = pytest.mark.browser

DESIGNER = ("SE2321000131-P000000000015", "Sara Ek")  # designer and publisher at unit 1
CORPUS = Path(__file__).parent.parent / "fhir_corpus"


def test_a_designer_imports_a_questionnaire_file(page):
    main = page.locator("main")
    sign_in(page, "staff", DESIGNER)
    page.goto("/design/forms")
    checked(page)
    assert_accessible(page)
    main.get_by_label("Fil med FHIR-frågeformulär").set_input_files(str(CORPUS / "sdc-phq9.json"))
    click(page, main.get_by_role("button", name="Importera frågeformuläret"))
    expect(page.locator(".flashes")).to_contain_text("Frågeformuläret importerades som version")
    expect(page.locator("h1")).to_contain_text("Patient Health Questionnaire")
    expect(main).to_contain_text("questionnaire-sdc-profile-example-phq9")
    expect(
        main.get_by_role("heading", name="Importerat från ett FHIR-frågeformulär")
    ).to_be_visible()
    checked(page)
    assert_accessible(page)


def test_a_refused_file_is_told_on_the_import_page(page, tmp_path):
    main = page.locator("main")
    broken = tmp_path / "trasig.json"
    broken.write_text('{"resourceType": "Questionnaire",', encoding="utf-8")
    sign_in(page, "staff", DESIGNER)
    page.goto("/design/forms")
    main.get_by_label("Fil med FHIR-frågeformulär").set_input_files(str(broken))
    click(page, main.get_by_role("button", name="Importera frågeformuläret"))
    expect(page.locator("#import-problems")).to_contain_text("inte giltig JSON")
    checked(page)
    assert_accessible(page)
