"""Exports in a real browser: a data administrator starts a CSV and a FHIR export of the ended
enrollments of a programme, sees each ready and downloads it (the CSV parses, every FHIR line
validates); a citizen reads and downloads her own data. Every page gets the structure, CSP and
axe-core checks."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, checked, click, sign_in
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

pytestmark = pytest.mark.browser
DATA_ADMIN = ("SE2321000131-P000000000014", "Erik Holm")
ENDED_CITIZEN = "197809232577"  # Ahmed Karimi: the demo's ended enrollment at the first unit


@pytest.fixture
def export_folder(live_server, tmp_path):
    """The live server writes this test's exports under its tmp_path."""
    before = live_server.app.config.get("SOB_EXPORT_DIR")
    live_server.app.config["SOB_EXPORT_DIR"] = str(tmp_path / "exports")
    yield tmp_path / "exports"
    live_server.app.config["SOB_EXPORT_DIR"] = before


def download(page, link) -> bytes:
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def export(page, format_label: str) -> bytes:
    main = page.locator("main")
    click(page, page.locator("nav.main-nav").get_by_role("link", name="Exporter"))
    expect(main.get_by_role("heading", name="Exportera avslutade moment")).to_be_visible()
    # the sleep programme by its key: another test may have ended enrollments of another one
    programme = main.get_by_label("Program")
    option = programme.locator("option", has_text="(somnbehandling)").first
    programme.select_option(value=option.get_attribute("value"))
    main.get_by_label(format_label).check()
    click(page, main.get_by_role("button", name="Starta exporten"))
    expect(main.locator("#export-status")).to_have_text("Klar att hämta")
    return download(page, main.get_by_role("link", name="Hämta exporten"))


def test_a_data_admin_exports_csv_and_fhir(page, export_folder):
    sign_in(page, "staff", DATA_ADMIN)
    data = export(page, "CSV per formulär (ZIP)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "columns.csv" in names
        diary = next(name for name in names if name.startswith("sleep-diary"))
        rows = list(csv.DictReader(io.StringIO(archive.read(diary).decode("utf-8-sig"))))
        responses = sum(
            len(list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig")))))
            for name in names
            if name != "columns.csv"
        )
    assert rows and ENDED_CITIZEN in {row["person"] for row in rows}
    assert {"bedtime", "total_sleep_min"} <= set(rows[0])

    lines = export(page, "FHIR QuestionnaireResponse (NDJSON)").decode().splitlines()
    assert len(lines) == responses  # one line per response, as one CSV row per response
    for line in lines:
        QuestionnaireResponse.model_validate(json.loads(line))
    # both are listed on the exports page
    click(page, page.locator("main").get_by_role("link", name="Tillbaka till exporterna"))
    expect(page.locator("main table tbody tr")).to_have_count(2)


def test_a_citizen_reads_and_downloads_her_own_data(page):
    main = page.locator("main")
    sign_in(page, "citizen", CITIZEN)
    page.goto("/citizen/settings")
    checked(page)
    click(
        page,
        main.get_by_role("link", name="Visa mina uppgifter som en sida att läsa eller skriva ut"),
    )
    expect(main.get_by_role("heading", name="Mina uppgifter", level=1)).to_be_visible()
    expect(main).to_contain_text("19850314-2393")
    data = download(page, main.get_by_role("link", name="Hämta mina uppgifter som fil (JSON)"))
    document = json.loads(data)
    assert document["citizen"]["name"] == CITIZEN[1]
    assert document["enrollments"] and document["enrollments"][0]["responses"]
