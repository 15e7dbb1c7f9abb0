"""Programs as services: content rules, sanitising, publishing, immutability, diff, export/import."""

from __future__ import annotations

import base64
import copy
import hashlib
import json

import pytest
from sqlalchemy import event, func, select

from sob_core import forms as forms_service
from sob_core import programs
from sob_core.extensions import db
from sob_core.media import storage as storage_service
from sob_core.models import (
    CareUnit,
    Form,
    FormVersion,
    MediaFile,
    Program,
    ProgramCatalogue,
    ProgramVersion,
    Region,
    Staff,
)
from sob_core.programs import ProgramContentError, ProgramImportError, VersionFrozen

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PNG2 = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
MP3 = b"ID3\x04\x00" + b"\x00" * 40
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nHej och välkommen\n".encode()


@pytest.fixture
def sob_config(tmp_path):
    return {"SOB_UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def registry(app):
    return app.extensions["sob"].registry


def load_world(registry, with_forms: bool = True) -> None:
    """Two regions and care units, a publisher and the sleep diary: lighter than the demo data."""
    regions = [
        Region(code="14", name="Västra Götalandsregionen"),
        Region(code="01", name="Region Stockholm"),
    ]
    db.session.add_all(regions)
    db.session.add_all(
        [
            CareUnit(region=regions[0], hsa_id="SE2321000131-E000000000101", name="Mottagning Ett"),
            CareUnit(region=regions[1], hsa_id="SE2321000016-E000000000201", name="Mottagning Två"),
            Staff(hsa_id="SE2321000131-P000000000015", name="Sara Ek"),
        ]
    )
    if with_forms:
        forms_service.create_form(
            db.session,
            registry,
            key="sleep-diary",
            title={"sv": "Sömndagbok"},
            scale_id="sleep-efficiency",
            questions=[
                {"key": "time_in_bed_min", "type": "duration", "label": {"sv": "Tid i sängen?"}},
                {
                    "key": "total_sleep_min",
                    "type": "duration",
                    "label": {"sv": "Hur länge sov du?"},
                },
            ],
            results=[{"key": "sleep-efficiency.efficiency", "citizen_visible": True}],
        )
    db.session.commit()


@pytest.fixture
def units(app, registry):
    load_world(registry)
    return db.session.scalars(select(CareUnit).order_by(CareUnit.id)).all()


@pytest.fixture
def sara(units) -> Staff:
    return db.session.scalar(select(Staff).where(Staff.hsa_id == "SE2321000131-P000000000015"))


def store(app, data: bytes, filename: str, kind: str, unit_id: int | None = None) -> MediaFile:
    media_type = storage_service.check_upload(data, filename, kind, 10**6)
    return storage_service.store_media(
        db.session,
        storage_service.get_storage(app),
        data,
        filename=filename,
        media_type=media_type,
        care_unit_id=unit_id,
    )


def sample_content(image_id: int | None = None, video_id=None, captions_id=None) -> dict:
    first_items = [
        {"key": "m1-i1", "kind": "text", "title": "Välkommen", "body": "<p>Hej!</p>"},
        {"key": "m1-i2", "kind": "form", "title": "Sömndagbok", "form_key": "sleep-diary"},
    ]
    if image_id is not None:
        first_items.append(
            {
                "key": "m1-i3",
                "kind": "image",
                "title": "Sömncykeln",
                "media_id": image_id,
                "alt": "En graf över nattens sömnstadier",
            }
        )
    second_items = [
        {"key": "m2-i1", "kind": "text", "title": "Sömnrestriktion", "body": "Sov mindre."},
        {"key": "m2-i2", "kind": "video", "title": "Film", "url": "https://youtu.be/abc"},
    ]
    if video_id is not None:
        second_items.append(
            {
                "key": "m2-i3",
                "kind": "video",
                "title": "Uppladdad film",
                "media_id": video_id,
                "captions_media_id": captions_id,
            }
        )
    return {
        "name": {"sv": "Sömnskola", "en": "Sleep school"},
        "description": "Ett program om sömn.",
        "welcome": "Välkommen till programmet!",
        "recommended_days": 56,
        "modules": [
            {
                "key": "m1",
                "title": "Introduktion",
                "recommended_days": 7,
                "unlock": {"rule": "at_start"},
                "items": first_items,
            },
            {
                "key": "m2",
                "title": "Sömnrestriktion",
                "recommended_days": 14,
                "unlock": {"rule": "after_previous"},
                "items": second_items,
            },
        ],
    }


def new_program(units, key="somnskola", content=None, **kwargs) -> ProgramVersion:
    return programs.create_program(
        db.session,
        key=key,
        kind="treatment",
        owner_care_unit_id=units[0].id,
        content=content or sample_content(),
        **kwargs,
    )


# --- content rules ------------------------------------------------------------------------------


def test_create_program_normalises_texts(app, units, registry):
    draft = new_program(units)
    assert draft.status == "draft" and draft.major is None and draft.label == "utkast"
    content = draft.content
    assert content["name"] == {"sv": "Sömnskola", "en": "Sleep school"}
    assert content["description"] == {"sv": "Ett program om sömn."}
    assert content["modules"][1]["items"][0]["body"] == {"sv": "Sov mindre."}
    assert content["modules"][0]["items"][1]["title"] == {"sv": "Sömndagbok"}
    assert content["key_counters"] == {"modules": 2, "items": {"m1": 2, "m2": 2}}
    programs.validate_content(db.session, registry, content)  # what is stored is valid


def _break(path, value):
    def mutate(content):
        target = content
        for step in path[:-1]:
            target = target[step]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


def _items(module):
    return ["modules", module, "items"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_break(["name"], ""), "The program: the name is missing"),
        (_break(["recommended_days"], 0), "recommended number of days must be a whole number"),
        (_break(["modules", 1, "key"], "m1"), "the key m1 is used twice"),
        (_break([*_items(1), 0, "key"], "m1-i1"), "the key m1-i1 is used twice"),
        (_break([*_items(1), 0, "key"], "m1"), "the key m1 is used twice"),
        (_break(["modules", 0, "key"], "Modul 1"), "must be 1-64 lower-case letters"),
        (
            _break([*_items(0), 0, "kind"], "quiz"),
            "Module 1 (Introduktion) › Välkommen: the kind 'quiz' is unknown",
        ),
        (
            _break(["modules", 1, "unlock"], {"rule": "someday"}),
            "Module 2 (Sömnrestriktion): the unlock rule 'someday' is unknown",
        ),
        (
            _break(["modules", 1, "unlock"], {"rule": "days_after_start"}),
            "the number of days must be a whole number",
        ),
        (
            _break(["modules", 1, "unlock"], {"rule": "days_after_start", "days": -1}),
            "from 0 to 3650",
        ),
        (
            _break(["modules", 0, "unlock"], {"rule": "after_previous"}),
            "the first module cannot wait",
        ),
        (
            _break([*_items(0), 1, "form_key"], "no-such-form"),
            "Sömndagbok: there is no form 'no-such-form'",
        ),
        (_break([*_items(0), 1, "form_version"], 99), "has no version 99"),
        (
            _break([*_items(0), 0, "title"], ""),
            "Module 1 (Introduktion) › item 1: the title is missing",
        ),
        (_break([*_items(0), 0, "body"], "<script>x()</script>"), "the text is missing"),
        (
            _break([*_items(1), 1, "url"], "http://youtu.be/abc"),
            "video links must start with https://",
        ),
        (
            _break([*_items(1), 1, "url"], "https://evil.example/video"),
            "video links must start with https://",
        ),
        (_break([*_items(1), 1, "url"], KeyError), "the video needs a file or a link"),
        (_break([*_items(1), 1, "media_id"], 12345), "not both"),
        (
            _break(
                [*_items(1), 1],
                {"key": "x", "kind": "image", "title": "Bild", "alt": "A", "media_id": 999},
            ),
            "the file 999 does not exist",
        ),
        (
            _break([*_items(1), 1], {"key": "x", "kind": "image", "title": "Bild", "alt": "A"}),
            "Bild: the file is missing",
        ),
        (_break(["modules"], "m1"), "modules must be a list"),
    ],
)
def test_content_rules(app, units, registry, mutate, message):
    content = sample_content()
    mutate(content)
    with pytest.raises(ProgramContentError) as error:
        programs.validate_content(db.session, registry, content)
    assert message in str(error.value)


def test_media_rules(app, units, registry):
    image = store(app, PNG, "graf.png", "image")
    audio = store(app, MP3, "ljud.mp3", "audio")
    video = store(app, MP4, "film.mp4", "video")
    captions = store(app, VTT, "film.vtt", "captions")
    content = sample_content(image_id=image.id, video_id=video.id, captions_id=captions.id)
    programs.validate_content(db.session, registry, content)

    no_alt = copy.deepcopy(content)
    del no_alt["modules"][0]["items"][2]["alt"]
    with pytest.raises(ProgramContentError, match="Sömncykeln: the alt text is missing"):
        programs.validate_content(db.session, registry, no_alt)

    wrong_kind = copy.deepcopy(content)
    wrong_kind["modules"][0]["items"][2]["media_id"] = audio.id
    with pytest.raises(ProgramContentError, match="is not of the right kind"):
        programs.validate_content(db.session, registry, wrong_kind)

    no_captions = copy.deepcopy(content)
    del no_captions["modules"][1]["items"][2]["captions_media_id"]
    with pytest.raises(ProgramContentError, match="needs a captions file"):
        programs.validate_content(db.session, registry, no_captions)


def test_forms_need_their_scale_texts(app, units, registry):
    forms_service.create_form(
        db.session,
        registry,
        key="isi-form",
        title={"sv": "ISI"},
        scale_id="isi",
        questions=[{"key": "1", "type": "number", "label": {"sv": "Fråga"}}],
    )
    content = sample_content()
    content["modules"][0]["items"][1]["form_key"] = "isi-form"
    with pytest.raises(ProgramContentError, match="the texts of the scale isi are not installed"):
        programs.validate_content(db.session, registry, content)


def test_text_bodies_are_sanitised(app, units):
    content = sample_content()
    content["modules"][0]["items"][0]["body"] = {
        "sv": (
            '<h2 onclick="steal()">Rubrik</h2><script>alert(1)</script>'
            '<style>p{color:red}</style><p style="x">Text <b>fet</b> '
            '<a href="javascript:alert(1)">elak</a> <a href="https://1177.se" target="_blank">'
            'bra</a> <a href="mailto:a@b.se">post</a></p><iframe src="https://x"></iframe>'
            "<img src=x onerror=alert(1)><ul><li>ett</li></ul>"
        )
    }
    body = new_program(units, content=content).content["modules"][0]["items"][0]["body"]["sv"]
    assert "script" not in body and "alert" not in body and "style" not in body
    assert "onclick" not in body and "iframe" not in body and "<img" not in body
    assert "javascript:" not in body and "target" not in body
    assert "<h2>Rubrik</h2>" in body and "<ul><li>ett</li></ul>" in body
    assert '<a href="https://1177.se" rel="noopener noreferrer">bra</a>' in body
    assert '<a href="mailto:a@b.se" rel="noopener noreferrer">post</a>' in body
    assert "fet" in body and "<b>" not in body


def test_body_from_plain_text():
    html = programs.body_from_input("Första stycket\r\nrad två\n\nAndra <stycket> & a < b")
    assert html == "<p>Första stycket<br>rad två</p><p>Andra &lt;stycket&gt; &amp; a &lt; b</p>"
    assert programs.body_from_input("<p>Hej <script>x()</script></p>") == "<p>Hej </p>"
    assert programs.body_from_input("") == ""


def test_generated_keys_are_never_reused(app, units):
    draft = new_program(units)
    content = copy.deepcopy(draft.content)
    key = programs.add_module(
        content, {"title": "Tre", "recommended_days": 7, "unlock": "by_therapist"}
    )
    assert key == "m3"
    item = programs.add_item(content, key, {"kind": "text", "title": "T", "body": "b"})
    assert item == "m3-i1"
    programs.update_draft(db.session, draft, content)
    content = copy.deepcopy(draft.content)
    programs.delete_item(content, "m3-i1")
    programs.delete_module(content, "m3")
    programs.update_draft(db.session, draft, content)
    content = copy.deepcopy(draft.content)
    assert programs.add_module(content, {"title": "Ny", "recommended_days": 7}) == "m4"
    assert programs.add_item(content, "m1", {"kind": "text", "title": "T", "body": "b"}) == "m1-i3"


def test_move_and_find(app, units):
    content = copy.deepcopy(new_program(units).content)
    programs.move_module(content, "m2", "up")
    assert [m["key"] for m in content["modules"]] == ["m2", "m1"]
    programs.move_module(content, "m2", "up")  # already first: nothing happens
    programs.move_item(content, "m1-i1", "down")
    module, item = programs.find_item(content, "m1-i1")
    assert module["key"] == "m1" and module["items"].index(item) == 1
    assert programs.find_module(content, "m2")["title"] == {"sv": "Sömnrestriktion"}
    with pytest.raises(KeyError):
        programs.find_item(content, "nope")


# --- publishing ---------------------------------------------------------------------------------


def changed(draft):
    """The draft with one edit, so that publishing it is a real new version."""
    content = copy.deepcopy(draft.content)
    content["description"] = {"sv": f"Ändrad {draft.id}"}
    programs.update_draft(db.session, draft, content)
    return draft


def test_publish_numbering_and_pinning(app, units, sara):
    draft = new_program(units)
    program = draft.program
    first = programs.publish(db.session, draft, publisher_id=sara.id)
    assert (first.major, first.minor, first.status, first.label) == (1, 0, "published", "1.0")
    assert first.published_by_id == sara.id and first.published_at is not None
    diary = db.session.scalar(select(Form).where(Form.key == "sleep-diary"))
    assert first.content["modules"][0]["items"][1]["form_version"] == diary.latest.version
    assert programs.catalogue_unit_ids(db.session, program) == {units[0].id}
    db.session.commit()

    second = changed(programs.start_draft(db.session, program, created_by_id=sara.id))
    assert programs.publish(db.session, second, publisher_id=sara.id).label == "1.1"
    third = changed(programs.start_draft(db.session, program, created_by_id=sara.id))
    assert programs.next_label(db.session, program, "major") == "2.0"
    assert programs.publish(db.session, third, publisher_id=sara.id, bump="major").label == "2.0"
    fourth = changed(programs.start_draft(db.session, program, created_by_id=sara.id))
    assert programs.publish(db.session, fourth, publisher_id=sara.id).label == "2.1"
    db.session.commit()
    assert programs.latest_published(db.session, program).label == "2.1"
    with pytest.raises(VersionFrozen):
        programs.publish(db.session, first, publisher_id=sara.id)


def test_publishing_an_unchanged_draft_is_refused(app, units, sara):
    draft = new_program(units)
    program = draft.program
    programs.publish(db.session, draft, publisher_id=sara.id)
    db.session.commit()
    again = programs.start_draft(db.session, program, created_by_id=sara.id)
    with pytest.raises(programs.ProgramError) as error:
        programs.publish(db.session, again, publisher_id=sara.id)
    assert error.value.code == "no_changes" and "1.0" in str(error.value)
    db.session.rollback()
    assert programs.latest_published(db.session, program).label == "1.0"
    # opening the programme to citizens is a change of its own
    again = programs.start_draft(db.session, program, created_by_id=sara.id)
    assert programs.publish(db.session, again, publisher_id=sara.id, is_open=True).label == "1.1"


def test_publish_needs_modules_and_items(app, units, sara):
    content = sample_content()
    content["modules"][1]["items"] = []
    draft = new_program(units, content=content)  # a draft may be unfinished
    with pytest.raises(ProgramContentError, match="Module 2 .Sömnrestriktion. has no content"):
        programs.publish(db.session, draft, publisher_id=sara.id)
    empty = new_program(units, key="tomt", content={"name": "Tomt", "recommended_days": 7})
    with pytest.raises(ProgramContentError, match="at least one module"):
        programs.publish(db.session, empty, publisher_id=sara.id)


def test_open_program_eligibility(app, units, sara):
    draft = new_program(units)
    with pytest.raises(programs.ProgramError, match="Unknown region: 99"):
        programs.publish(
            db.session, draft, publisher_id=sara.id, is_open=True, eligibility={"regions": ["99"]}
        )
    with pytest.raises(programs.ProgramError, match="lowest age cannot be above"):
        programs.publish(
            db.session,
            draft,
            publisher_id=sara.id,
            is_open=True,
            eligibility={"min_age": 30, "max_age": 20},
        )
    version = programs.publish(
        db.session,
        draft,
        publisher_id=sara.id,
        is_open=True,
        eligibility={"regions": ["14"], "sex": "female", "min_age": 18, "max_age": None},
    )
    assert version.is_open
    assert version.eligibility == {
        "regions": ["14"],
        "sex": "female",
        "min_age": 18,
        "max_age": None,
    }


def test_published_versions_are_immutable(app, units, sara):
    version = programs.publish(db.session, new_program(units), publisher_id=sara.id)
    db.session.commit()
    with pytest.raises(VersionFrozen):
        programs.update_draft(db.session, version, sample_content())

    changed = copy.deepcopy(version.content)
    changed["name"] = {"sv": "Något annat"}
    version.content = changed
    with pytest.raises(VersionFrozen, match="content never changes"):
        db.session.commit()
    db.session.rollback()

    version.minor = 7
    with pytest.raises(VersionFrozen, match="minor never changes"):
        db.session.flush()
    db.session.rollback()

    version.status = "draft"
    with pytest.raises(VersionFrozen, match="cannot become a draft"):
        db.session.flush()
    db.session.rollback()

    db.session.delete(version)
    with pytest.raises(VersionFrozen, match="cannot be deleted"):
        db.session.flush()
    db.session.rollback()

    # What may change: who may start it, and retiring it.
    version.is_open = True
    version.eligibility = {"regions": [], "sex": None, "min_age": 18, "max_age": None}
    version.status = "retired"
    db.session.commit()
    assert db.session.get(ProgramVersion, version.id).status == "retired"


def test_start_draft_copies_the_latest_published(app, units, sara):
    first = new_program(units)
    program = first.program
    assert programs.start_draft(db.session, program, created_by_id=sara.id) is first
    programs.publish(
        db.session, first, publisher_id=sara.id, is_open=True, eligibility={"sex": "male"}
    )
    db.session.commit()
    draft = programs.start_draft(db.session, program, created_by_id=sara.id)
    assert draft.id != first.id and draft.status == "draft" and draft.major is None
    assert draft.based_on_id == first.id and draft.created_by_id == sara.id
    assert draft.content == first.content and draft.content is not first.content
    assert draft.is_open and draft.eligibility["sex"] == "male"
    assert programs.start_draft(db.session, program, created_by_id=sara.id) is draft
    content = copy.deepcopy(draft.content)
    content["name"] = {"sv": "Nytt namn"}
    programs.update_draft(db.session, draft, content)
    db.session.commit()
    db.session.refresh(first)
    assert first.content["name"]["sv"] == "Sömnskola"


def test_available_versions_one_query(app, units, sara):
    first = new_program(units)
    programs.publish(db.session, first, publisher_id=sara.id)
    newer = changed(programs.start_draft(db.session, first.program, created_by_id=sara.id))
    programs.publish(db.session, newer, publisher_id=sara.id)
    programs.start_draft(db.session, first.program, created_by_id=sara.id)  # drafts never show
    other = new_program(units, key="annat", content={**sample_content(), "name": "Annat program"})
    programs.publish(db.session, other, publisher_id=sara.id)
    programs.set_catalogue(db.session, other.program, [units[0].id, units[1].id])
    new_program(units, key="opublicerat")
    db.session.commit()

    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    unit_id = units[0].id
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        available = programs.available_versions(db.session, unit_id)
        names = [(v.program.key, v.label) for v in available]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    mine = {"somnskola", "annat", "opublicerat"}
    assert [n for n in names if n[0] in mine] == [("annat", "1.0"), ("somnskola", "1.1")]
    assert len(statements) == 1, statements

    def keys(unit):
        return [v.program.key for v in programs.available_versions(db.session, unit.id)]

    assert [k for k in keys(units[1]) if k in mine] == ["annat"]
    programs.set_catalogue(db.session, other.program, [units[1].id])
    assert [k for k in keys(units[0]) if k in mine] == ["somnskola"]
    with pytest.raises(programs.ProgramError):
        programs.set_catalogue(db.session, other.program, [987654])


# --- what changed -------------------------------------------------------------------------------


def test_diff_names_added_removed_and_changed(app, units):
    old = new_program(units).content
    new = copy.deepcopy(old)
    new["recommended_days"] = 60
    new["modules"][0]["items"][0]["body"] = {"sv": "<p>Hej på dig!</p>"}
    new["modules"][0]["items"][1]["title"] = {"sv": "Sömndagboken"}
    del new["modules"][1]["items"][1]  # the film
    new["modules"][1]["unlock"] = {"rule": "days_after_start", "days": 14}
    new["modules"].append(
        {
            "key": "m3",
            "title": {"sv": "Tankar om sömn"},
            "recommended_days": 7,
            "unlock": {"rule": "after_previous"},
            "items": [
                {"key": "m3-i1", "kind": "text", "title": {"sv": "Oro"}, "body": {"sv": "x"}}
            ],
        }
    )
    new["modules"][0]["items"].reverse()
    changes = programs.diff(old, new)
    found = {(c.kind, c.path, c.field) for c in changes}
    assert ("changed", "The program", "recommended_days") in found
    assert ("changed", "Module 1 › Välkommen", "body") in found
    assert ("changed", "Module 1 › Sömndagboken", "title") in found
    assert ("removed", "Module 2 › Film", None) in found
    assert ("changed", "Module 2 · Sömnrestriktion", "unlock") in found
    assert ("added", "Module 3 · Tankar om sömn", None) in found
    assert ("added", "Module 3 › Oro", None) in found
    assert any(c.field == "position" and c.item_key in ("m1-i1", "m1-i2") for c in changes)
    body = next(c for c in changes if c.field == "body")
    assert (body.old, body.new) == ("Hej!", "Hej på dig!")
    title = next(c for c in changes if c.field == "title")
    assert (title.old, title.new) == ("Sömndagbok", "Sömndagboken")
    removed_module = programs.diff(new, old)
    assert ("removed", "Module 3 · Tankar om sömn", None) in {
        (c.kind, c.path, c.field) for c in removed_module
    }
    assert programs.diff(old, copy.deepcopy(old)) == []


def test_diff_moving_a_module(app, units):
    old = new_program(units).content
    new = copy.deepcopy(old)
    new["modules"][1]["unlock"] = {"rule": "at_start"}
    new["modules"][0]["unlock"] = {"rule": "after_previous"}
    new["modules"].reverse()
    moves = [c for c in programs.diff(old, new) if c.field == "position"]
    assert len(moves) == 1 and moves[0].module_key in ("m1", "m2")


# --- export and import --------------------------------------------------------------------------


def _published_with_media(app, units, sara, key="somnskola"):
    image = store(app, PNG, "graf.png", "image", units[0].id)
    video = store(app, MP4, "film.mp4", "video", units[0].id)
    captions = store(app, VTT, "film.vtt", "captions", units[0].id)
    content = sample_content(image_id=image.id, video_id=video.id, captions_id=captions.id)
    draft = new_program(units, key=key, content=content)
    version = programs.publish(
        db.session, draft, publisher_id=sara.id, is_open=True, eligibility={"regions": ["14"]}
    )
    db.session.commit()
    return version


def test_export_format(app, units, sara):
    version = _published_with_media(app, units, sara)
    data = programs.export_version(db.session, version)
    assert data["format"] == "sob-program/1"
    assert data["program"] == {"key": "somnskola", "kind": "treatment"}
    assert data["version"]["label"] == "1.0" and data["version"]["is_open"] is True
    assert data["version"]["content"] == version.content
    assert [f["key"] for f in data["forms"]] == ["sleep-diary"]
    assert data["forms"][0]["scale_id"] == "sleep-efficiency"
    assert {m["filename"] for m in data["media"]} == {"graf.png", "film.mp4", "film.vtt"}
    png = next(m for m in data["media"] if m["filename"] == "graf.png")
    assert base64.b64decode(png["data"]) == PNG
    assert png["sha256"] == hashlib.sha256(PNG).hexdigest() and png["content_type"] == "image/png"
    json.dumps(data)  # plain JSON
    with pytest.raises(programs.ProgramError):
        programs.export_version(
            db.session, programs.start_draft(db.session, version.program, created_by_id=None)
        )


def test_export_then_import_under_a_new_key(app, units, sara, registry):
    version = _published_with_media(app, units, sara)
    data = programs.export_bytes(db.session, version)
    forms_before = db.session.scalar(select(func.count(FormVersion.id)))
    imported = programs.import_program(
        db.session, registry, data, care_unit_id=units[1].id, key="somnskola-kopia"
    )
    db.session.commit()
    assert (
        imported.program.key == "somnskola-kopia"
        and imported.program.owner_care_unit_id == units[1].id
    )
    assert imported.label == "1.0" and imported.status == "published"
    assert imported.content == version.content  # identical media bytes are shared, forms reused
    assert db.session.scalar(select(func.count(FormVersion.id))) == forms_before
    assert programs.catalogue_unit_ids(db.session, imported.program) == {units[1].id}
    assert imported in programs.available_versions(db.session, units[1].id)
    with pytest.raises(ProgramImportError, match="already a program with the key somnskola"):
        programs.import_program(db.session, registry, data, care_unit_id=units[1].id)


def test_a_form_only_a_battery_uses_travels_with_the_export(app, units, sara, registry, tmp_path):
    from sob_core.testing import _empty_tables

    forms_service.create_form(
        db.session,
        registry,
        key="weekly-check",
        title={"sv": "Veckokoll"},
        questions=[{"key": "q1", "type": "short_text", "label": {"sv": "Hur har veckan varit?"}}],
    )
    content = sample_content()
    content["batteries"] = [
        {
            "key": "b1",
            "name": {"sv": "Varje vecka"},
            "form_keys": ["weekly-check"],
            "trigger": "repeat",
            "every_days": 7,
        }
    ]
    draft = new_program(units, key="veckokoll", content=content)
    version = programs.publish(db.session, draft, publisher_id=sara.id)
    db.session.commit()
    data = programs.export_version(db.session, version)
    assert {f["key"] for f in data["forms"]} == {"sleep-diary", "weekly-check"}
    raw = programs.export_bytes(db.session, version)
    db.session.remove()
    _empty_tables(db)
    load_world(registry, with_forms=False)
    unit = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).first()
    imported = programs.import_program(
        db.session,
        registry,
        raw,
        care_unit_id=unit.id,
        storage=storage_service.LocalStorage(tmp_path),
    )
    db.session.commit()
    assert imported.content["batteries"][0]["form_keys"] == ["weekly-check"]
    assert db.session.scalar(select(Form).where(Form.key == "weekly-check")) is not None


def test_export_imports_into_an_empty_installation(app, units, sara, registry, tmp_path):
    from sob_core.testing import _empty_tables

    version = _published_with_media(app, units, sara)
    data = programs.export_bytes(db.session, version)
    old_content = version.content
    db.session.remove()
    _empty_tables(db)
    load_world(registry, with_forms=False)  # a fresh installation without this program's forms
    fresh = storage_service.LocalStorage(tmp_path / "fresh-uploads")
    unit = db.session.scalars(select(CareUnit).order_by(CareUnit.id.desc())).first()

    imported = programs.import_program(
        db.session, registry, data, care_unit_id=unit.id, storage=fresh
    )
    db.session.commit()
    assert (
        imported.label == "1.0" and imported.is_open and imported.eligibility["regions"] == ["14"]
    )
    assert programs.diff(old_content, imported.content) == [
        c
        for c in programs.diff(old_content, imported.content)
        if c.field in ("media_id", "captions_media_id")
    ]
    diary = db.session.scalar(select(Form).where(Form.key == "sleep-diary"))
    assert diary is not None and diary.latest.scale_id == "sleep-efficiency"
    item = imported.content["modules"][0]["items"][1]
    assert item["form_version"] == diary.latest.version == 1
    image_id = imported.content["modules"][0]["items"][2]["media_id"]
    image = db.session.get(MediaFile, image_id)
    assert image.filename == "graf.png" and image.care_unit_id == unit.id
    assert storage_service.read_media(fresh, image) == PNG
    assert imported in programs.available_versions(db.session, unit.id)


def _counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Program, ProgramVersion, ProgramCatalogue, Form, FormVersion, MediaFile)
    }


def _export_dict(app, units, sara) -> dict:
    version = _published_with_media(app, units, sara)
    return json.loads(programs.export_bytes(db.session, version))


def _media_entry(data, name):
    return next(m for m in data["media"] if m["filename"] == name)


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d.update(format="sob-program/99"), "format 'sob-program/99'"),
        (lambda d: d["version"].update(label="1.x"), "version number '1.x' is not valid"),
        (lambda d: d["program"].update(kind="course"), "kind 'course' is unknown"),
        (
            lambda d: d["version"]["content"]["modules"][0]["items"][0].update(kind="quiz"),
            "the kind 'quiz' is unknown",
        ),
        (
            lambda d: d["forms"][0]["definition"]["questions"][0].update(type="hologram"),
            "unknown type 'hologram'",
        ),
        (lambda d: d["forms"][0].update(scale_id="no-such-scale"), "scale no-such-scale"),
        (lambda d: d.update(forms=[]), "there is no form 'sleep-diary'"),
        (
            lambda d: _media_entry(d, "graf.png").update(data="not base64!"),
            "graf.png is damaged (not base64)",
        ),
        (lambda d: _media_entry(d, "graf.png").update(sha256="0" * 64), "checksum does not match"),
        (
            lambda d: _media_entry(d, "graf.png").update(
                data=base64.b64encode(b"MZ\x90\x00binary").decode(),
                sha256=hashlib.sha256(b"MZ\x90\x00binary").hexdigest(),
            ),
            "graf.png cannot be used",
        ),
        (
            lambda d: _media_entry(d, "graf.png").update(content_type="application/x-msdownload"),
            "cannot be used",
        ),
        (lambda d: d["media"].pop(), "does not exist"),
        (lambda d: d["version"]["eligibility"].update(regions=["77"]), "Unknown region: 77"),
    ],
)
def test_a_bad_file_imports_nothing(app, units, sara, registry, spoil, message):
    data = _export_dict(app, units, sara)
    spoil(data)
    before = _counts()
    with pytest.raises(ProgramImportError) as error:
        programs.import_program(db.session, registry, data, care_unit_id=units[1].id, key="kopia")
    assert message in str(error.value)
    db.session.rollback()
    assert _counts() == before


def test_import_refuses_a_different_form_with_the_same_key(app, units, sara, registry):
    data = _export_dict(app, units, sara)
    data["forms"][0]["definition"]["questions"][-1]["label"] = {"sv": "En annan fråga"}
    before = _counts()
    with pytest.raises(ProgramImportError, match="A different form with the key sleep-diary"):
        programs.import_program(db.session, registry, data, care_unit_id=units[1].id, key="kopia")
    assert _counts() == before


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"{}", b"\xff\xfe"])
def test_import_refuses_what_is_not_an_export(app, units, registry, raw):
    with pytest.raises(ProgramImportError):
        programs.import_program(db.session, registry, raw, care_unit_id=units[0].id)


def test_a_failure_while_writing_rolls_everything_back(app, units, sara, registry):
    data = _export_dict(app, units, sara)
    before = _counts()

    class BrokenStorage:
        def put(self, data, content_type, *, private=False):
            raise OSError("disk full")

    with pytest.raises(ProgramImportError, match="nothing was imported: disk full"):
        programs.import_program(
            db.session,
            registry,
            data,
            care_unit_id=units[1].id,
            key="kopia",
            storage=BrokenStorage(),
        )
    assert _counts() == before


# --- storage ------------------------------------------------------------------------------------


def test_uploads_are_checked_by_extension_and_content(app):
    limit = 1000
    assert storage_service.check_upload(PNG, "bild.PNG", "image", limit).content_type == "image/png"
    assert storage_service.check_upload(b"\xff\xd8\xff\xe0" + b"0" * 10, "a.jpg", "image", limit)
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"0" * 10
    assert storage_service.check_upload(webp, "a.webp", None, limit).kind == "image"
    assert storage_service.check_upload(b"OggS" + b"0" * 10, "a.ogg", "audio", limit)
    assert storage_service.check_upload(MP4, "a.m4a", "audio", limit).content_type == "audio/mp4"
    assert storage_service.check_upload(b"\x1a\x45\xdf\xa3" + b"0" * 10, "a.webm", "video", limit)
    assert storage_service.check_upload(b"\xef\xbb\xbf" + VTT, "a.vtt", "captions", limit)
    refusals = [
        (b"MZ\x90\x00" + b"0" * 40, "virus.png", "image", "mismatch"),
        (PNG, "bild.exe", "image", "type"),
        (PNG, "bild.svg", "image", "type"),
        (PNG, "bild", "image", "type"),
        (MP4, "film.mp4", "image", "type"),
        (b"WEBVTTX", "a.vtt", "captions", "mismatch"),
        (b"", "a.png", "image", "empty"),
        (PNG * 100, "stor.png", "image", "size"),
    ]
    for data, name, kind, code in refusals:
        with pytest.raises(storage_service.UploadError) as error:
            storage_service.check_upload(data, name, kind, limit)
        assert error.value.code == code, name


def test_local_storage_is_content_addressed_and_safe(tmp_path):
    store_ = storage_service.LocalStorage(tmp_path)
    key = store_.put(PNG, "image/png")
    assert key == f"{hashlib.sha256(PNG).hexdigest()[:2]}/{hashlib.sha256(PNG).hexdigest()}"
    assert store_.put(PNG, "image/png") == key
    with store_.open(key) as stream:
        assert stream.read() == PNG
    for bad in ("../secret", "/etc/passwd", "ab/../../x", key + "/..", "AB/" + "0" * 64):
        with pytest.raises(KeyError):
            store_.open(bad)
    store_.delete(key)
    store_.delete(key)
    with pytest.raises(KeyError):
        store_.open(key)
    assert isinstance(store_, storage_service.Storage)


def test_identical_uploads_share_one_file(app):
    one = store(app, PNG2, "a.png", "image")
    two = store(app, PNG2, "b.png", "image")
    assert one.id == two.id and one.size == len(PNG2)


def test_clean_filename():
    assert storage_service.clean_filename("C:\\Users\\x\\Sömn bild.png") == "Sömn bild.png"
    assert storage_service.clean_filename("../../.hidden\x00.png") == "hidden.png"
    assert storage_service.clean_filename("") == "file"
    assert len(storage_service.clean_filename("a" * 300 + ".png")) == 255


# --- the command line ---------------------------------------------------------------------------


def test_cli_export_and_import(app, units, sara, runner, tmp_path):
    from sob_core.cli.programs import programs_group

    _published_with_media(app, units, sara)
    out = tmp_path / "export.json"
    result = runner.invoke(programs_group, ["export", "somnskola", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["version"]["label"] == "1.0"
    result = runner.invoke(programs_group, ["export", "somnskola", "--version", "1.0"])
    assert result.exit_code == 0 and '"sob-program/1"' in result.output

    result = runner.invoke(
        programs_group, ["import", str(out), "--unit", units[1].hsa_id, "--key", "kopia"]
    )
    assert result.exit_code == 0, result.output
    assert "imported kopia 1.0" in result.output
    assert db.session.scalar(select(Program).where(Program.key == "kopia")) is not None

    for args, reason in [
        (["export", "nothing"], "there is no program 'nothing'"),
        (["export", "somnskola", "--version", "9.9"], "has no version 9.9"),
        (["export", "somnskola", "--version", "x"], "not of the form X.Y"),
        (["import", str(out), "--unit", "nowhere"], "there is no care unit 'nowhere'"),
        (
            ["import", str(out), "--unit", units[1].hsa_id],
            "already a program with the key somnskola",
        ),
    ]:
        result = runner.invoke(programs_group, args)
        assert result.exit_code == 2, args
        assert reason in result.output and len(result.output.strip().splitlines()) == 1


def test_a_forms_question_media_travels_with_the_export_and_is_remapped(app, units, sara, registry):
    photo = b"\x89PNG\r\n\x1a\n" + b"\x01" * 300
    image = store(app, photo, "fraga.png", "image", units[0].id)
    forms_service.create_form(
        db.session,
        registry,
        key="bild-form",
        title={"sv": "Med bild"},
        questions=[
            {
                "key": "mood",
                "type": "number",
                "label": {"sv": "Humör"},
                "media": {"kind": "image", "media_id": image.id, "alt": {"sv": "En sol"}},
            }
        ],
    )
    content = sample_content()
    content["modules"][0]["items"].append(
        {"key": "m1-i9", "kind": "form", "title": "Bild", "form_key": "bild-form"}
    )
    draft = new_program(units, key="bildprogram", content=content)
    version = programs.publish(db.session, draft, publisher_id=sara.id)
    db.session.commit()
    data = programs.export_version(db.session, version)
    (shown,) = [m for m in data["media"] if m["filename"] == "fraga.png"]
    assert base64.b64decode(shown["data"]) == photo and shown["id"] == image.id
    # As another deployment would number it: the file and the form as new, under other ids.
    data = json.loads(json.dumps(data).replace('"bild-form"', '"bild-form-2"'))
    shown = next(m for m in data["media"] if m["filename"] == "fraga.png")
    shown["id"] = 987654
    form = next(f for f in data["forms"] if f["key"] == "bild-form-2")
    form["definition"]["questions"][0]["media"]["media_id"] = 987654
    imported = programs.import_program(
        db.session, registry, data, care_unit_id=units[1].id, key="bildprogram-kopia"
    )
    db.session.commit()
    copy_form = db.session.scalar(select(Form).where(Form.key == "bild-form-2"))
    media = copy_form.latest.definition["questions"][0]["media"]
    assert media == {"kind": "image", "media_id": image.id, "alt": {"sv": "En sol"}}
    assert imported.status == "published"
    # a form's question naming a file the export does not carry is refused, nothing imported
    form["definition"]["questions"][0]["media"]["media_id"] = 55555
    data["forms"] = [form]
    with pytest.raises(ProgramImportError, match="does not exist"):
        programs.import_program(
            db.session, registry, data, care_unit_id=units[1].id, key="bildprogram-tre"
        )
