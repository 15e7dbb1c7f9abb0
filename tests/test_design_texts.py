"""The rest of the design tool: English texts, who may start an open programme, the citizen's
registered region, and retiring a published version from the catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from sob_core import enrollments, programs
from sob_core.enrollments import EnrollmentError
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Citizen,
    Enrollment,
    ProgramVersion,
    Staff,
)
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1, designer at unit 2
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
ANNA = "SE2321000131-P000000000012"  # therapist and citizen admin at unit 1
OLOF = "SE2321000016-P000000000024"  # publisher at unit 2
JOHN = "198503142393"  # registered in region 14 (demo)
ELIN = "199207012486"  # registered in region 14 (demo)
LINNEA = "200102112687"  # registered in region 01 (demo)
NEW_PERSON = "199001010017"


@pytest.fixture
def units(demo_data):
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()


def _staff(hsa_id: str) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == hsa_id))


def _citizen(number: str) -> Citizen:
    return db.session.scalar(select(Citizen).where(Citizen.personnummer == number))


def make_draft(unit_id: int, key: str = "sprak") -> ProgramVersion:
    draft = programs.create_program(
        db.session,
        key=key,
        kind="treatment",
        owner_care_unit_id=unit_id,
        content={
            "name": {"sv": "Språkprogram"},
            "recommended_days": 28,
            "modules": [
                {
                    "key": "m1",
                    "title": {"sv": "Början"},
                    "recommended_days": 7,
                    "unlock": {"rule": "at_start"},
                    "items": [
                        {"key": "m1-i1", "kind": "text", "title": "Välkommen", "body": "Hej!"},
                        {"key": "m1-i2", "kind": "text", "title": "Bara svenska", "body": "Sv"},
                    ],
                }
            ],
        },
    )
    db.session.commit()
    return draft


def publish(draft: ProgramVersion, **kwargs) -> ProgramVersion:
    version = programs.publish(db.session, draft, publisher_id=_staff(SARA).id, **kwargs)
    db.session.commit()
    return version


def post(client, page_url: str, data: dict, action: str | None = None):
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    payload = {"csrf_token": csrf_from(page.get_data(as_text=True)), **data}
    return client.post(action or page_url, data=payload)


def start(version: ProgramVersion, number: str, unit_id: int) -> Enrollment:
    tommy = _staff(TOMMY)
    enrollment = enrollments.start(
        db.session,
        citizen_id=_citizen(number).id,
        program_version_id=version.id,
        care_unit_id=unit_id,
        therapist_id=tommy.id,
        started_by_id=tommy.id,
        now=datetime.now(UTC),
    )
    db.session.commit()
    return enrollment


def audit_events(what: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.what == what)))


# --- English beside Swedish ---------------------------------------------------------------------


def test_english_texts_are_stored_beside_the_swedish_and_removed_when_emptied(client, login, units):
    draft = make_draft(units[0])
    login("staff", SARA, unit_id=units[0])
    edit = f"/design/versions/{draft.id}/items/m1-i1/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'name="title_en"' in page and 'name="body_en"' in page
    response = post(
        client,
        edit,
        {"title": "Välkommen", "title_en": "Welcome", "body": "Hej!", "body_en": "Hello!"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(ProgramVersion, draft.id).content["modules"][0]["items"][0]
    assert item["title"] == {"sv": "Välkommen", "en": "Welcome"}
    assert item["body"] == {"sv": "<p>Hej!</p>", "en": "<p>Hello!</p>"}
    # The edit page shows both again; an emptied English removes the language.
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Welcome"' in page and "&lt;p&gt;Hello!&lt;/p&gt;" in page
    response = post(
        client, edit, {"title": "Välkommen", "title_en": "", "body": "Hej!", "body_en": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(ProgramVersion, draft.id).content["modules"][0]["items"][0]
    assert item["title"] == {"sv": "Välkommen"} and item["body"] == {"sv": "<p>Hej!</p>"}

    # Swedish stays required, its error tied to its field; English alone is not enough.
    response = post(client, edit, {"title": "", "title_en": "Welcome", "body": "Hej!"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert (
        'id="title-error"' in html
        and 'aria-describedby="title-hint title-limit title-error"' in html
    )
    assert "Ge innehållet en rubrik." in html

    module = f"/design/versions/{draft.id}/modules/m1/edit"
    response = post(
        client,
        module,
        {
            "title": "Början",
            "title_en": "The start",
            "description": "Om början",
            "description_en": "About the start",
            "recommended_days": "7",
            "unlock": "at_start",
        },
    )
    assert response.status_code == 302
    settings = post(
        client,
        f"/design/versions/{draft.id}/edit",
        {"name": "Språkprogram", "name_en": "Language programme", "recommended_days": "28"},
        action=f"/design/versions/{draft.id}/settings",
    )
    assert settings.status_code == 302
    db.session.expire_all()
    content = db.session.get(ProgramVersion, draft.id).content
    assert content["name"] == {"sv": "Språkprogram", "en": "Language programme"}
    assert content["modules"][0]["title"] == {"sv": "Början", "en": "The start"}
    assert content["modules"][0]["description"] == {"sv": "Om början", "en": "About the start"}


def test_every_item_kind_has_english_fields(client, login, units):
    draft = make_draft(units[0])
    login("staff", SARA, unit_id=units[0])
    wanted = {
        "text": ("title_en", "body_en"),
        "image": ("title_en", "alt_en"),
        "audio": ("title_en", "transcript_en"),
        "video": ("title_en",),
        "form": ("title_en",),
        "activity_plan": ("title_en", "body_en"),
    }
    for kind, names in wanted.items():
        html = client.get(f"/design/versions/{draft.id}/modules/m1/items/new/{kind}").get_data(
            as_text=True
        )
        for name in names:
            assert f'name="{name}"' in html, (kind, name)
            assert f'<label for="{name}">' in html, (kind, name)


def test_the_citizen_reads_english_where_it_exists_and_swedish_otherwise(client, login, units):
    draft = make_draft(units[0])
    content = dict(draft.content)
    module = dict(content["modules"][0])
    first = dict(module["items"][0])
    first["title"] = {"sv": "Välkommen", "en": "Welcome"}
    first["body"] = {"sv": "<p>Hej!</p>", "en": "<p>Hello!</p>"}
    module["items"] = [first, module["items"][1]]
    module["title"] = {"sv": "Början", "en": "The start"}
    content["modules"] = [module]
    content["name"] = {"sv": "Språkprogram", "en": "Language programme"}
    programs.update_draft(db.session, draft, content)
    version = publish(draft)
    enrollment = start(version, JOHN, units[0])
    login("citizen", JOHN)
    client.get("/lang/en")
    item = client.get(f"/citizen/programs/{enrollment.id}/items/m1-i1").get_data(as_text=True)
    assert "<h1>Welcome</h1>" in item and "Hello!" in item and "Hej!" not in item
    assert "Language programme" in item and "The start" in item
    overview = client.get(f"/citizen/programs/{enrollment.id}").get_data(as_text=True)
    assert "Welcome" in overview and "Bara svenska" in overview  # no English: the Swedish
    assert ' lang="sv">Bara svenska<' in overview and ' lang="sv">Welcome<' not in overview
    swedish_only = client.get(f"/citizen/programs/{enrollment.id}/items/m1-i2").get_data(
        as_text=True
    )
    assert '<h1 lang="sv">Bara svenska</h1>' in swedish_only  # marked for screen readers
    assert '<div class="rich-text" lang="sv">' in swedish_only
    client.get("/lang/sv")
    item = client.get(f"/citizen/programs/{enrollment.id}/items/m1-i1").get_data(as_text=True)
    assert "<h1>Välkommen</h1>" in item and "Hej!" in item and "Hello!" not in item


# --- who may start an open programme -------------------------------------------------------------


def test_the_eligibility_page_is_for_the_owning_units_publishers(client, login, units):
    version = publish(make_draft(units[0]))
    url = f"/design/programs/{version.program_id}/eligibility"
    login("staff", TOMMY, unit_id=units[0])
    assert client.get(url).status_code == 403
    login("staff", SARA, unit_id=units[1])  # designer only at unit 2, and not the owner
    assert client.get(url).status_code == 403
    login("staff", OLOF, unit_id=units[1])  # publisher at another unit
    assert client.get(url).status_code == 404
    login("staff", SARA, unit_id=units[0])
    assert client.get(url).status_code == 200
    response = client.post(url, data={"is_open": "y", "sex": "any"})
    assert response.status_code == 400  # no CSRF token
    db.session.expire_all()
    assert not db.session.get(ProgramVersion, version.id).is_open


def test_the_eligibility_page_checks_each_field(client, login, units):
    draft = make_draft(units[0])
    version = publish(draft)
    newer = programs.start_draft(db.session, version.program, created_by_id=None)
    db.session.commit()
    login("staff", SARA, unit_id=units[0])
    url = f"/design/programs/{version.program_id}/eligibility"
    page = client.get(url).get_data(as_text=True)
    assert "Västra Götalandsregionen" in page and "Region Stockholm" in page
    response = post(
        client,
        url,
        {"is_open": "y", "sex": "any", "regions": ["99"], "min_age": "50", "max_age": "20"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="regions-error"' in html and "Välj bland regionerna i listan." in html
    assert 'id="max_age-error"' in html
    assert "Den högsta åldern kan inte vara lägre än den lägsta." in html
    response = post(client, url, {"is_open": "y", "sex": "any", "min_age": "131"})
    html = response.get_data(as_text=True)
    assert 'id="min_age-error"' in html and "Ange en ålder från 0 till 130." in html
    response = post(client, url, {"is_open": "y", "sex": "nobody"})
    assert 'id="sex-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(ProgramVersion, version.id).is_open

    response = post(
        client,
        url,
        {"is_open": "y", "sex": "female", "regions": ["01"], "min_age": "18", "max_age": "65"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    for target in (
        db.session.get(ProgramVersion, version.id),
        db.session.get(ProgramVersion, newer.id),
    ):
        assert target.is_open
        assert target.eligibility == {
            "regions": ["01"],
            "sex": "female",
            "min_age": 18,
            "max_age": 65,
        }
    [event] = audit_events("program_version.eligibility")
    assert event.actor_id == _staff(SARA).id and event.detail["program_version_id"] == version.id
    assert event.citizen_id is None
    # The form shows what is stored.
    page = client.get(url).get_data(as_text=True)
    assert 'value="18"' in page and 'value="65"' in page


# --- the citizen's region from her registration -------------------------------------------------


def test_open_programmes_by_the_region_she_is_registered_in(client, login, units):
    db.session.execute(
        ProgramVersion.__table__.update().values(is_open=False)
    )  # the demo's open programme out of the way
    db.session.commit()
    version = publish(
        make_draft(units[1], key="stockholm"), is_open=True, eligibility={"regions": ["01"]}
    )
    action = f'action="/citizen/open/{version.id}"'
    login("citizen", LINNEA)  # registered in region 01
    assert action in client.get("/citizen/").get_data(as_text=True)
    # John is treated in region 14 and registered there: not offered, whatever his enrollments.
    login("citizen", JOHN)
    html = client.get("/citizen/")
    html = html.get_data(as_text=True)
    assert action not in html and "inte vilken region du är folkbokförd" not in html
    # Elin without a registered region: not offered, and told why.
    enrollments.set_home_region(db.session, _citizen(ELIN), None)
    db.session.commit()
    login("citizen", ELIN)
    html = client.get("/citizen/").get_data(as_text=True)
    assert action not in html
    assert "vet inte vilken region du är folkbokförd" in html
    assert (
        client.post(f"/citizen/open/{version.id}", data={"csrf_token": csrf_from(html)}).status_code
        == 404
    )


def test_staff_register_the_region_on_a_new_enrollment_and_on_the_patient_page(
    client, login, units
):
    version = publish(make_draft(units[0]))
    login("staff", ANNA, unit_id=units[0])
    page = client.get("/staff/enrollments/new").get_data(as_text=True)
    assert 'name="home_region"' in page and "Folkbokförd i region" in page
    fields = {
        "personnummer": NEW_PERSON,
        "name": "Greta Garbo",
        "program_version": version.id,
        "therapist": _staff(ANNA).id,
    }
    response = post(client, "/staff/enrollments/new", {**fields, "home_region": "99"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="home_region-error"' in html and _citizen(NEW_PERSON) is None
    response = post(client, "/staff/enrollments/new", {**fields, "home_region": "01"})
    assert response.status_code == 302, response.get_data(as_text=True)
    greta = _citizen(NEW_PERSON)
    assert greta.home_region_code == "01"
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == greta.id))

    patient = f"/staff/patients/{enrollment.id}"
    html = client.get(patient).get_data(as_text=True)
    assert "Folkbokförd i region: Region Stockholm" in html
    action = f"/staff/patients/{enrollment.id}/home-region"
    assert client.post(action, data={"home_region": "14"}).status_code == 400  # no CSRF token
    response = post(client, patient, {"home_region": "14"}, action=action)
    assert response.status_code == 302
    db.session.expire_all()
    assert _citizen(NEW_PERSON).home_region_code == "14"
    [event] = [e for e in audit_events("citizen.home_region") if e.citizen_id == greta.id]
    assert event.actor_id == _staff(ANNA).id and event.detail["home_region"] == "14"
    # A therapist who is not a citizen admin sees the region but cannot change it.
    login("staff", TOMMY, unit_id=units[0])
    html = client.get(patient).get_data(as_text=True)
    assert "Folkbokförd i region: Västra Götalandsregionen" in html and action not in html
    response = post(client, patient, {"home_region": "01"}, action=action)
    assert response.status_code == 403


# --- retiring a published version ---------------------------------------------------------------


def test_a_retired_version_is_not_offered_but_ongoing_enrollments_keep_it(client, login, units):
    first = publish(make_draft(units[0]))
    draft = programs.start_draft(db.session, first.program, created_by_id=None)
    content = dict(draft.content)
    content["recommended_days"] = 30
    programs.update_draft(db.session, draft, content)
    second = publish(draft)
    enrollment = start(second, JOHN, units[0])
    program_id = second.program_id
    url = f"/design/versions/{second.id}/retire"

    login("staff", TOMMY, unit_id=units[0])
    assert client.get(url).status_code == 403
    login("staff", OLOF, unit_id=units[1])
    assert client.get(url).status_code == 404
    login("staff", SARA, unit_id=units[0])
    page = client.get(url).get_data(as_text=True)
    assert "1 pågående inskrivning" in page
    assert "nya inskrivningar på version 1.0" in page
    assert client.post(url).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert db.session.get(ProgramVersion, second.id).status == "published"

    response = post(client, url, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgramVersion, second.id).status == "retired"
    [event] = audit_events("program_version.retired")
    assert event.detail["program_version_id"] == second.id and event.actor_id == _staff(SARA).id
    html = client.get(f"/design/programs/{program_id}").get_data(as_text=True)
    assert "Tillbakadragen" in html and f"/design/versions/{second.id}/relist" in html
    assert client.get(url).status_code == 404  # already retired

    # New enrollments start on 1.0; none can start on 1.1 ...
    offered = {v.id for v in programs.available_versions(db.session, units[0])}
    assert first.id in offered and second.id not in offered
    with pytest.raises(EnrollmentError) as error:
        start(db.session.get(ProgramVersion, second.id), ELIN, units[0])
    assert error.value.code == "not_published"
    db.session.rollback()
    # ... while John's enrollment on it goes on.
    login("citizen", JOHN)
    assert client.get(f"/citizen/programs/{enrollment.id}").status_code == 200
    assert client.get(f"/citizen/programs/{enrollment.id}/items/m1-i1").status_code == 200

    # Listed again, it is offered again.
    login("staff", SARA, unit_id=units[0])
    response = post(client, f"/design/versions/{second.id}/relist", {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgramVersion, second.id).status == "published"
    assert audit_events("program_version.relisted")
    offered = {v.id for v in programs.available_versions(db.session, units[0])}
    assert second.id in offered and first.id not in offered


def test_a_retired_open_version_is_not_offered_to_citizens(client, login, units):
    version = publish(make_draft(units[0]), is_open=True, eligibility={})
    elin = _citizen(ELIN)
    now = datetime.now(UTC)
    assert version.id in {v.id for v in enrollments.eligible_open_programs(db.session, elin, now)}
    programs.retire(db.session, version)
    db.session.commit()
    assert version.id not in {
        v.id for v in enrollments.eligible_open_programs(db.session, elin, now)
    }
    with pytest.raises(programs.ProgramError):
        programs.retire(db.session, version)


def test_a_change_in_the_english_text_only_is_shown_in_english():
    def content(title: dict) -> dict:
        return {
            "name": {"sv": "P"},
            "modules": [
                {
                    "key": "m1",
                    "title": {"sv": "Början"},
                    "items": [
                        {"key": "m1-i1", "kind": "text", "title": title, "body": {"sv": "x"}}
                    ],
                }
            ],
        }

    [change] = programs.diff(content({"sv": "Välkommen"}), content({"sv": "Välkommen", "en": "Hi"}))
    assert (change.field, change.old, change.new) == ("title", None, "[en] Hi")
    [change] = programs.diff(content({"sv": "Hej"}), content({"sv": "Hallå", "en": "Hi"}))
    assert (change.old, change.new) == ("Hej", "Hallå")  # the Swedish changed: shown in Swedish


def test_a_programme_with_every_version_retired_can_still_get_a_draft(units):
    version = publish(make_draft(units[0]))
    programs.retire(db.session, version)
    db.session.commit()
    assert programs.latest_published(db.session, version.program) is None
    draft = programs.start_draft(db.session, version.program, created_by_id=None)
    assert draft.status == "draft" and draft.based_on_id == version.id
    assert draft.content["modules"] == version.content["modules"]
