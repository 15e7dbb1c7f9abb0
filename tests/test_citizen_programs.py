"""The citizen's program pages and the design tool's preview as a test citizen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select, update

from sob_core import enrollments
from sob_core.extensions import db
from sob_core.models import (
    Bookmark,
    CareUnit,
    Citizen,
    Enrollment,
    EnrollmentEvent,
    Form,
    FormAssignment,
    FormVersion,
    ItemProgress,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Staff,
)
from sob_core.testing import csrf_from

JOHN = "198503142393"
ELIN = "199207012486"
TOMMY = "SE2321000131-P000000000011"  # therapist at the first unit
SARA = (
    "SE2321000131-P000000000015"  # designer + publisher at the first unit, designer at the second
)


@pytest.fixture(autouse=True)
def _preview_blueprint(app):
    """Register the preview blueprint when the host does not (yet) do it itself."""
    if "preview" not in app.blueprints:
        from sob_core.web import preview

        app.register_blueprint(preview.bp)


def now() -> datetime:
    return datetime.now(UTC)


def text(key: str, title: str, body: str = "<p>Hej och välkommen!</p>") -> dict:
    return {"key": key, "kind": "text", "title": {"sv": title, "en": title}, "body": {"sv": body}}


def program_content(modules: list[dict] | None = None) -> dict:
    return {
        "name": {"sv": "Sömnbehandling", "en": "Sleep treatment"},
        "description": {"sv": "Ett program om sömn."},
        "welcome": {"sv": "Välkommen till din sömnbehandling."},
        "recommended_days": 28,
        "modules": modules
        or [
            {
                "key": "m1",
                "title": {"sv": "Introduktion och sömnkunskap"},
                "recommended_days": 7,
                "unlock": {"rule": "at_start"},
                "items": [
                    text("m1-i1", "Välkommen till din sömnbehandling"),
                    {
                        "key": "m1-img",
                        "kind": "image",
                        "title": {"sv": "Sömnens faser"},
                        "media_id": 7,
                        "alt": {"sv": "Ett diagram över sömnens faser under en natt"},
                    },
                    {
                        "key": "m1-audio",
                        "kind": "audio",
                        "title": {"sv": "Avslappning"},
                        "media_id": 8,
                        "captions_media_id": 9,
                    },
                    {
                        "key": "m1-video",
                        "kind": "video",
                        "title": {"sv": "Film om behandlingen"},
                        "media_id": 10,
                        "captions_media_id": 11,
                    },
                    {
                        "key": "m1-link",
                        "kind": "video",
                        "title": {"sv": "Film hos videotjänsten"},
                        "url": "https://www.youtube.com/watch?v=abc",
                    },
                    {
                        "key": "m1-evil",
                        "kind": "video",
                        "title": {"sv": "Elak länk"},
                        "url": "javascript:alert(1)",
                    },
                    {
                        "key": "m1-form",
                        "kind": "form",
                        "title": {"sv": "Sömnloggbok"},
                        "form_key": "hb-diary",
                        "form_version": 1,
                    },
                ],
            },
            {
                "key": "m2",
                "title": {"sv": "Sömnrestriktion"},
                "recommended_days": 7,
                "unlock": {"rule": "after_previous"},
                "items": [text("m2-i1", "Att begränsa tiden i sängen")],
            },
            {
                "key": "m3",
                "title": {"sv": "Tankar om sömn"},
                "recommended_days": 7,
                "unlock": {"rule": "days_after_start", "days": 14},
                "items": [text("m3-i1", "Oroliga tankar")],
            },
            {
                "key": "m4",
                "title": {"sv": "Repetition"},
                "recommended_days": 7,
                "unlock": {"rule": "by_therapist"},
                "items": [text("m4-i1", "Att hålla i det nya")],
            },
        ],
    }


def first_unit() -> int:
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).first()


def person(model, **where):
    return db.session.scalar(select(model).filter_by(**where))


def make_form() -> None:
    if person(Form, key="hb-diary") is not None:
        return
    form = Form(key="hb-diary")
    db.session.add(form)
    db.session.flush()
    db.session.add(
        FormVersion(
            form=form,
            version=1,
            title={"sv": "Sömnloggbok"},
            intro={"sv": "Fyll i varje morgon."},
            definition={
                "questions": [
                    {
                        "key": "hours",
                        "type": "number",
                        "label": {"sv": "Hur många timmar sov du?"},
                        "config": {},
                    }
                ],
                "results": [],
            },
        )
    )
    db.session.flush()


def make_version(
    key: str = "hb-sleep",
    content: dict | None = None,
    *,
    status: str = "published",
    is_open: bool = False,
    eligibility: dict | None = None,
    unit_id: int | None = None,
) -> ProgramVersion:
    make_form()
    unit_id = unit_id or first_unit()
    program = Program(key=key, kind="treatment", owner_care_unit_id=unit_id)
    db.session.add(program)
    db.session.flush()
    published = status == "published"
    version = ProgramVersion(
        program_id=program.id,
        major=1 if published else None,
        minor=0 if published else None,
        status=status,
        content=content or program_content(),
        is_open=is_open,
        eligibility=eligibility or {},
    )
    db.session.add(version)
    db.session.add(ProgramCatalogue(program_id=program.id, care_unit_id=unit_id))
    db.session.flush()
    return version


def enroll(number: str = JOHN, version: ProgramVersion | None = None, days_ago: int = 3):
    version = version or make_version()
    tommy = person(Staff, hsa_id=TOMMY)
    enrollment = enrollments.start(
        db.session,
        citizen_id=person(Citizen, personnummer=number).id,
        program_version_id=version.id,
        care_unit_id=first_unit(),
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=now() - timedelta(days=days_ago),
    )
    db.session.commit()
    return enrollment


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


# --- "Mitt innehåll" -----------------------------------------------------------------------------


def test_overview_shows_the_progress_meter_modules_and_symbols(client, login):
    enrollment = enroll(days_ago=3)
    login("citizen", JOHN)
    html = page(client, f"/citizen/programs/{enrollment.id}")
    assert html.count("<h1") == 1
    assert "Sömnbehandling" in html and "Välkommen till din sömnbehandling." in html
    assert '<progress max="28" value="3"' in html
    assert "Introduktion och sömnkunskap" in html
    due = enrollments.local_date(enrollment.started_at) + timedelta(days=7)
    assert re.search(r'<p class="due">[^<]*' + str(due.year), html)
    # Every status has a symbol hidden from screen readers and a text beside it.
    assert html.count('class="status-symbol') >= 8 and 'aria-hidden="true"' in html
    assert html.count('class="status-text"') == html.count('class="item item-')
    assert "<details" in html and "<summary>" in html  # the legend works without JavaScript
    # Content links to its page; a form to the existing fill-in page; locked items have no link.
    assignment = person(FormAssignment, enrollment_id=enrollment.id, item_key="m1-form")
    assert f'href="/citizen/programs/{enrollment.id}/items/m1-i1"' in html
    assert f'href="/citizen/forms/{assignment.id}"' in html
    assert "/items/m2-i1" not in html and "Att begränsa tiden i sängen" in html
    assert f'href="/citizen/programs/{enrollment.id}/timeline"' in html
    db.session.expire_all()
    assert person(Enrollment, id=enrollment.id).last_active_at is not None
    assert person(Citizen, personnummer=JOHN).last_active_at is not None


def test_overview_in_english_uses_the_msgids(client, login):
    enrollment = enroll(days_ago=1)
    login("citizen", JOHN)
    client.get("/lang/en")
    html = page(client, f"/citizen/programs/{enrollment.id}")
    assert "was started 1 day ago; the recommended number of days is 28." in html
    assert "My current content" in html and "Should be done:" in html
    assert "Show the explanation of the symbols" in html
    assert "Upcoming modules" in html and "Completed modules" in html
    assert "Your therapist opens this module." in html


def test_the_progress_meter_can_be_hidden_and_shown(client, login):
    enrollment = enroll()
    login("citizen", JOHN)
    html = page(client, f"/citizen/programs/{enrollment.id}")
    url = f"/citizen/programs/{enrollment.id}/progress-meter"
    response = client.post(url, data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    db.session.expire_all()
    assert person(Enrollment, id=enrollment.id).hide_progress is True
    html = page(client, f"/citizen/programs/{enrollment.id}")
    assert "<progress" not in html and f'action="{url}"' in html
    client.post(url, data={"csrf_token": csrf_from(html)})
    db.session.expire_all()
    assert person(Enrollment, id=enrollment.id).hide_progress is False
    assert client.post(url, data={}).status_code == 400  # no CSRF token


# --- content pages -------------------------------------------------------------------------------


def test_a_text_page_is_sanitised_and_opening_is_recorded_once(client, login):
    content = program_content()
    content["modules"][0]["items"][0]["body"] = {
        "sv": '<p onclick="steal()">Hej</p><script>alert(1)</script><a href="javascript:x()">x</a>'
    }
    enrollment = enroll(version=make_version(content=content))
    login("citizen", JOHN)
    url = f"/citizen/programs/{enrollment.id}/items/m1-i1"
    html = page(client, url)
    assert "<script" not in html.split("</main>")[0].split('<main id="main"')[1]
    assert "onclick" not in html and "javascript:" not in html
    assert "<p>Hej</p>" in html
    assert f'href="/citizen/programs/{enrollment.id}"' in html  # back to the overview
    page(client, url)
    opened = db.session.scalars(
        select(EnrollmentEvent).where(
            EnrollmentEvent.enrollment_id == enrollment.id,
            EnrollmentEvent.kind == "content_opened",
        )
    ).all()
    assert len(opened) == 1 and opened[0].item_key == "m1-i1"
    overview = page(client, f"/citizen/programs/{enrollment.id}")
    assert re.search(r'item item-done">\s*<span class="status-symbol', overview)


def test_media_pages(client, login):
    enrollment = enroll()
    login("citizen", JOHN)
    base = f"/citizen/programs/{enrollment.id}/items"
    html = page(client, f"{base}/m1-img")
    assert re.search(
        r'<img src="/media/7" alt="Ett diagram över sömnens faser under en natt"', html
    )
    html = page(client, f"{base}/m1-audio")
    assert "<audio controls" in html and '<track kind="captions" src="/media/9"' in html
    html = page(client, f"{base}/m1-video")
    assert "<video controls" in html and '<track kind="captions" src="/media/11"' in html
    html = page(client, f"{base}/m1-link")
    assert 'href="https://www.youtube.com/watch?v=abc"' in html and "<iframe" not in html
    html = page(client, f"{base}/m1-evil")
    assert "javascript:" not in html


def test_a_bookmark_is_a_toggle_and_a_shortcut_on_the_start_page(client, login):
    enrollment = enroll()
    login("citizen", JOHN)
    url = f"/citizen/programs/{enrollment.id}/items/m1-i1"
    html = page(client, url)
    assert 'aria-pressed="false"' in html
    response = client.post(f"{url}/bookmark", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    html = page(client, url)
    assert 'aria-pressed="true"' in html
    start = page(client, "/citizen/")
    assert f'href="{url}"' in start and "Välkommen till din sömnbehandling" in start
    client.post(f"{url}/bookmark", data={"csrf_token": csrf_from(html)})
    assert f'href="{url}"' not in page(client, "/citizen/")


def test_locked_and_hidden_items_answer_404(client, login):
    enrollment = enroll()
    enrollments.set_item_hidden(
        db.session, enrollment, "m1-i1", True, person(Staff, hsa_id=TOMMY).id, now()
    )
    db.session.commit()
    login("citizen", JOHN)
    base = f"/citizen/programs/{enrollment.id}/items"
    page(client, f"{base}/m2-i1", 404)  # module 2 is locked
    page(client, f"{base}/m1-i1", 404)  # hidden by the therapist
    page(client, f"{base}/no-such-item", 404)
    overview = page(client, f"/citizen/programs/{enrollment.id}")
    assert "/items/m1-i1" not in overview and "/items/m1-img" in overview


def test_a_program_form_is_filled_in_on_the_existing_page(client, login):
    enrollment = enroll()
    login("citizen", JOHN)
    html = page(client, f"/citizen/programs/{enrollment.id}/items/m1-form")
    assignment = person(FormAssignment, enrollment_id=enrollment.id, item_key="m1-form")
    assert f'href="/citizen/forms/{assignment.id}"' in html
    form_page = page(client, f"/citizen/forms/{assignment.id}")
    key = re.search(r'name="submission_key" value="([^"]+)"', form_page).group(1)
    response = client.post(
        f"/citizen/forms/{assignment.id}",
        data={
            "csrf_token": csrf_from(form_page),
            "submission_key": key,
            "action": "submit",
            "hours": "7",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    submitted = db.session.scalars(
        select(EnrollmentEvent).where(
            EnrollmentEvent.enrollment_id == enrollment.id,
            EnrollmentEvent.kind == "form_submitted",
        )
    ).all()
    assert [e.item_key for e in submitted] == ["m1-form"]
    html = page(client, f"/citizen/programs/{enrollment.id}/items/m1-form")
    assert f'href="/citizen/forms/{assignment.id}"' not in html
    timeline = page(client, f"/citizen/programs/{enrollment.id}/timeline")
    assert "<table" in timeline and "<caption>" in timeline and 'scope="col"' in timeline
    assert timeline.count("<tr>") >= 4  # header, started, module opened, opened, submitted


def test_the_citizens_timeline_leaves_out_staff_only_events(client, login):
    enrollment = enroll()
    enrollments.set_module_hidden(
        db.session, enrollment, "m4", True, person(Staff, hsa_id=TOMMY).id, now()
    )
    db.session.commit()
    login("citizen", JOHN)
    client.get("/lang/en")
    html = page(client, f"/citizen/programs/{enrollment.id}/timeline")
    assert "The programme started." in html
    assert "The module Introduktion och sömnkunskap opened." in html
    assert "module hidden" not in html and "Repetition" not in html


# --- the start page and open programs ------------------------------------------------------------


def _close_all_open_programs() -> None:
    # A plain UPDATE: published versions refuse ORM changes, and the demo has an open program.
    db.session.execute(update(ProgramVersion).values(is_open=False))
    db.session.commit()


def test_the_start_page_lists_ongoing_programs_and_says_when_none_are_available(client, login):
    enrollment = enroll()
    _close_all_open_programs()
    login("citizen", JOHN)
    client.get("/lang/en")
    html = page(client, "/citizen/")
    assert f'href="/citizen/programs/{enrollment.id}"' in html
    assert "My support or treatment programmes" in html
    assert (
        "There are no available courses, support programmes or registrations for treatments."
        in html
    )
    assert "Forms to fill in" in html and "Results" in html


def test_an_eligible_citizen_starts_an_open_program(client, login):
    _close_all_open_programs()
    version = make_version("hb-open", is_open=True, eligibility={"sex": "female"})
    db.session.commit()
    login("citizen", JOHN)  # a man: not offered
    assert f"/citizen/open/{version.id}" not in page(client, "/citizen/")
    html = page(client, "/citizen/")
    assert (
        client.post(f"/citizen/open/{version.id}", data={"csrf_token": csrf_from(html)}).status_code
        == 404
    )
    client.post("/auth/logout", data={"csrf_token": csrf_from(html)})
    login("citizen", ELIN)
    html = page(client, "/citizen/")
    assert f'action="/citizen/open/{version.id}"' in html
    response = client.post(f"/citizen/open/{version.id}", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.program_version_id == version.id)
    )
    assert enrollment.citizen.personnummer == ELIN and enrollment.therapist_id is None
    assert response.headers["Location"].endswith(f"/citizen/programs/{enrollment.id}")
    html = page(client, "/citizen/")
    assert f'action="/citizen/open/{version.id}"' not in html
    assert f'href="/citizen/programs/{enrollment.id}"' in html


# --- a citizen reaches only their own ------------------------------------------------------------

ROUTES = [
    ("get", "/citizen/programs/{id}"),
    ("get", "/citizen/programs/{id}/items/m1-i1"),
    ("get", "/citizen/programs/{id}/timeline"),
    ("post", "/citizen/programs/{id}/progress-meter"),
    ("post", "/citizen/programs/{id}/items/m1-i1/bookmark"),
]


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_a_citizen_cannot_reach_another_citizens_enrollment(client, login, method, route):
    theirs = enroll(ELIN)
    login("citizen", JOHN)
    url = route.format(id=theirs.id)
    if method == "get":
        page(client, url, 404)
    else:
        token = csrf_from(page(client, "/citizen/"))
        assert client.post(url, data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert person(Enrollment, id=theirs.id).hide_progress is False
    assert db.session.scalar(select(func.count(Bookmark.id))) == 0
    assert (
        db.session.scalar(
            select(func.count(ItemProgress.id)).where(ItemProgress.enrollment_id == theirs.id)
        )
        == 0
    )


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_an_ended_enrollment_is_closed_to_the_citizen(client, login, method, route):
    enrollment = enroll()
    enrollments.end(db.session, enrollment, "staff", person(Staff, hsa_id=TOMMY).id, now())
    db.session.commit()
    login("citizen", JOHN)
    url = route.format(id=enrollment.id)
    if method == "get":
        page(client, url, 404)
    else:
        token = csrf_from(page(client, "/citizen/"))
        assert client.post(url, data={"csrf_token": token}).status_code == 404


def test_staff_cannot_use_the_citizen_pages(client, login):
    enrollment = enroll()
    login("staff", TOMMY, unit_id=first_unit())
    page(client, f"/citizen/programs/{enrollment.id}", 403)


# --- a bounded number of queries -----------------------------------------------------------------


def count_statements(client, url: str) -> int:
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        page(client, url)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(statements)


def big_content(modules: int) -> dict:
    rules = ("at_start", "after_previous", "days_after_start", "by_therapist")
    return program_content(
        [
            {
                "key": f"m{n}",
                "title": {"sv": f"Modul {n}"},
                "recommended_days": 7,
                "unlock": {"rule": "at_start" if n < 3 else rules[n % 4], "days": n},
                "items": [
                    text(f"m{n}-a", f"Text {n}a"),
                    text(f"m{n}-b", f"Text {n}b"),
                    {
                        "key": f"m{n}-f",
                        "kind": "form",
                        "title": {"sv": f"Formulär {n}"},
                        "form_key": "hb-diary",
                    },
                ],
            }
            for n in range(modules)
        ]
    )


def test_the_overview_and_start_page_make_a_constant_number_of_queries(client, login):
    small = enroll(version=make_version("hb-small", big_content(3)), days_ago=40)
    large = enroll(version=make_version("hb-large", big_content(30)), days_ago=40)
    for n in range(300):
        db.session.add(
            EnrollmentEvent(
                enrollment_id=large.id,
                at=large.started_at + timedelta(minutes=n),
                kind="content_opened",
                actor_kind="citizen",
                actor_id=large.citizen_id,
                item_key="m0-a",
            )
        )
    for n in range(0, 30, 2):
        db.session.add(
            ItemProgress(enrollment_id=large.id, item_key=f"m{n}-a", first_opened_at=now())
        )
    db.session.commit()
    login("citizen", JOHN)
    for enrollment in (small, large):
        page(client, f"/citizen/programs/{enrollment.id}")  # the first visit opens what is due
    small_count = count_statements(client, f"/citizen/programs/{small.id}")
    large_count = count_statements(client, f"/citizen/programs/{large.id}")
    assert small_count == large_count, (small_count, large_count)

    db.session.add(Bookmark(enrollment_id=large.id, item_key="m0-a", created_at=now()))
    db.session.commit()
    one = (
        count_statements(client, "/citizen/"),
        count_statements(client, f"/citizen/programs/{large.id}"),
    )
    # Twenty bookmarks in modules open by day 40 (the start page leaves out locked modules' items).
    opened = [n for n in range(30) if n < 3 or n % 4 in (0, 2)]
    keys = [f"m{n}-{part}" for n in opened for part in "ab" if (n, part) != (0, "a")]
    for key in keys[:19]:
        db.session.add(Bookmark(enrollment_id=large.id, item_key=key, created_at=now()))
    db.session.commit()
    twenty = (
        count_statements(client, "/citizen/"),
        count_statements(client, f"/citizen/programs/{large.id}"),
    )
    assert one == twenty, (one, twenty)
    assert page(client, "/citizen/").count(f"/citizen/programs/{large.id}/items/") >= 20


# --- preview as a test citizen -------------------------------------------------------------------


def test_the_preview_shows_a_draft_as_a_citizen_would_see_it_on_day_n(client, login):
    draft = make_version("hb-draft", status="draft")
    db.session.commit()
    before = (
        db.session.scalar(select(func.count(Enrollment.id))),
        db.session.scalar(select(func.count(EnrollmentEvent.id))),
    )
    login("staff", SARA, unit_id=first_unit())
    client.get("/lang/en")
    url = f"/design/versions/{draft.id}/preview"
    html = page(client, url)
    assert "Preview as a test citizen" in html and 'class="preview-banner"' in html
    assert re.search(r'<input type="number" id="preview-day" name="day"', html)
    assert '<label for="preview-day">Day</label>' in html
    assert "was started 0 days ago" in html
    current = html.split('id="current-heading"')[1].split('id="upcoming-heading"')[0]
    assert "Introduktion och sömnkunskap" in current and "Sömnrestriktion" not in current
    assert f"{url}/items/m1-i1?day=0" in html
    html = page(client, f"{url}?day=7")
    current = html.split('id="current-heading"')[1].split('id="upcoming-heading"')[0]
    assert "Sömnrestriktion" in current and "Introduktion" not in current
    html = page(client, f"{url}?day=15")
    assert (
        "Tankar om sömn" in html.split('id="current-heading"')[1].split('id="upcoming-heading"')[0]
    )
    assert "In the preview it stays locked." in html  # the module the therapist opens
    page(client, f"{url}/items/m3-i1?day=0", 404)
    item = page(client, f"{url}/items/m3-i1?day=15")
    assert "Oroliga tankar" in item and "Preview as a test citizen" in item
    assert f"{url}?day=15" in item  # back to the overview on the same day
    form_item = page(client, f"{url}/items/m1-form?day=0")
    assert "Hur många timmar sov du?" in form_item and "/citizen/forms/" not in form_item
    after = (
        db.session.scalar(select(func.count(Enrollment.id))),
        db.session.scalar(select(func.count(EnrollmentEvent.id))),
    )
    assert before == after  # nothing stored


def test_the_preview_is_for_designers_and_publishers_of_the_owner_unit(client, login):
    version = make_version("hb-preview")
    db.session.commit()
    units = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()
    url = f"/design/versions/{version.id}/preview"
    login("staff", SARA, unit_id=units[1])  # a designer there, but the program is the first unit's
    page(client, url, 404)
    page(client, f"{url}/items/m1-i1", 404)
    client.post("/auth/logout", data={"csrf_token": csrf_from(page(client, "/staff/"))})
    login("staff", TOMMY, unit_id=units[0])
    page(client, url, 403)
    client.post("/auth/logout", data={"csrf_token": csrf_from(page(client, "/staff/"))})
    login("citizen", JOHN)
    page(client, url, 403)
