"""Media on questions (issue 11 item 2) and the FHIR round trip of media and own results."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_own_results import BANDS, EFFICIENCY, QUESTIONS

from sob_core import forms
from sob_core.enrollments import assignments
from sob_core.extensions import db
from sob_core.forms.definitions import FormDefinitionError, validate_definition
from sob_core.forms.question_media import QuestionMediaError, clean_media
from sob_core.interchange import fhir
from sob_core.models import Citizen, Enrollment, MediaFile, Staff
from sob_core.plugins import current_host
from sob_core.testing import login_as

JOHN = "198503142393"
TOMMY = "SE2321000131-P000000000011"


def _file(kind: str, name: str, content_type: str) -> int:
    row = MediaFile(
        sha256=name.ljust(64, "0")[:64],
        filename=name,
        content_type=content_type,
        size=1,
        storage_key=f"test/{name}",
    )
    db.session.add(row)
    db.session.flush()
    return row.id


@pytest.fixture
def files(app):
    return {
        "image": _file("image", "bild.png", "image/png"),
        "audio": _file("audio", "ljud.mp3", "audio/mpeg"),
        "video": _file("video", "film.mp4", "video/mp4"),
        "captions": _file("captions", "film.vtt", "text/vtt"),
    }


def _kinds(files):
    return {media_id: kind for kind, media_id in files.items()}


def _question(media):
    return {"key": "mood", "type": "number", "label": {"sv": "Humör"}, "media": media}


def test_good_media_of_each_kind_pass(files):
    kinds = _kinds(files)
    image = {"kind": "image", "media_id": files["image"], "alt": {"sv": "En sol", "en": "A sun"}}
    audio = {"kind": "audio", "media_id": files["audio"], "transcript": {"sv": "Hej."}}
    video = {"kind": "video", "media_id": files["video"], "captions_media_id": files["captions"]}
    for media in (image, audio, video):
        assert clean_media("mood", media, kinds) == media
        validate_definition({"questions": [_question(media)]}, current_host().registry, media=kinds)


@pytest.mark.parametrize(
    ("media", "message"),
    [
        ({"kind": "pdf", "media_id": "image"}, "must be an image, audio or video"),
        ({"kind": "image", "media_id": "image", "alt": {"en": "A sun"}}, "the alt text is missing"),
        ({"kind": "image", "media_id": "image"}, "the alt text is missing"),
        ({"kind": "image", "alt": {"sv": "Sol"}}, "the file is missing"),
        ({"kind": "image", "media_id": "audio", "alt": {"sv": "Sol"}}, "not of the right kind"),
        ({"kind": "image", "media_id": 999999, "alt": {"sv": "Sol"}}, "does not exist"),
        ({"kind": "audio", "media_id": "audio"}, "needs a transcript in Swedish"),
        ({"kind": "video", "media_id": "video"}, "needs a captions file"),
        (
            {"kind": "video", "media_id": "video", "captions_media_id": "image"},
            "not of the right kind",
        ),
        ({"kind": "image", "media_id": "image", "alt": {"sv": "S"}, "src": "x"}, "src"),
    ],
)
def test_each_refusal_of_media_names_the_question_and_problem(files, media, message):
    media = {
        k: files.get(v, v) if k in ("media_id", "captions_media_id") else v
        for k, v in media.items()
    }
    with pytest.raises(QuestionMediaError) as caught:
        clean_media("mood", media, _kinds(files))
    assert "Question mood" in str(caught.value) and message in str(caught.value)
    with pytest.raises(FormDefinitionError, match=message):
        forms.create_form(
            db.session,
            current_host().registry,
            key="media-bad",
            title={"sv": "x"},
            questions=[_question(media)],
        )


def _citizen_form(files, client, questions):
    version = forms.create_form(
        db.session,
        current_host().registry,
        key="media-form",
        title={"sv": "Med bild"},
        questions=questions,
    )
    citizen = db.session.scalar(select(Citizen).where(Citizen.personnummer == JOHN))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.citizen_id == citizen.id))
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    assignment = assignments.send_form(db.session, enrollment, version.form, tommy.id)
    db.session.commit()
    login_as(client, citizen)
    return assignment


def test_the_citizen_sees_the_media_above_the_field_accessibly(client, demo_data, files):
    questions = [
        _question({"kind": "image", "media_id": files["image"], "alt": {"sv": "En sol"}}),
        {
            "key": "sound",
            "type": "number",
            "label": {"sv": "Ljud"},
            "media": {"kind": "audio", "media_id": files["audio"], "transcript": {"sv": "Hej."}},
        },
        {
            "key": "film",
            "type": "number",
            "label": {"sv": "Film"},
            "media": {
                "kind": "video",
                "media_id": files["video"],
                "captions_media_id": files["captions"],
                "transcript": {"sv": "Text."},
            },
        },
    ]
    assignment = _citizen_form(files, client, questions)
    page = client.get(f"/citizen/forms/{assignment.id}").get_data(as_text=True)
    image = f'<img src="/media/{files["image"]}" alt="En sol">'
    assert image in page
    assert page.index(image) < page.index('name="mood"')  # above the question's field
    assert f'<audio controls preload="metadata" src="/media/{files["audio"]}"' in page
    assert 'aria-describedby="question-sound-transcript"' in page
    assert '<details class="transcript" id="question-sound-transcript">' in page
    assert "Hej." in page and "Visa textversionen" in page
    assert f'<track kind="captions" src="/media/{files["captions"]}" srclang="sv"' in page
    # the citizen may fetch a file her form shows (storage holds no bytes here: 404 from storage,
    # not from the access check, is shown by the other file she was not given)
    assert client.get(f"/media/{files['image']}").status_code == 404
    other = _file("image", "annan.png", "image/png")
    db.session.commit()
    from sob_core.web import media as media_web

    with client.application.test_request_context():
        from flask_login import login_user

        login_user(db.session.get(Citizen, assignment.citizen_id))
        assert media_web.may_see(files["image"]) and media_web.may_see(files["captions"])
        assert not media_web.may_see(other)


# --- FHIR ----------------------------------------------------------------------------------------


def test_own_results_and_media_survive_a_fhir_round_trip(app, demo_data, files):
    registry = current_host().registry
    questions = [dict(q) for q in QUESTIONS]
    questions[0]["media"] = {
        "kind": "image",
        "media_id": files["image"],
        "alt": {"sv": "En säng", "en": "A bed"},
    }
    questions[1]["media"] = {
        "kind": "video",
        "media_id": files["video"],
        "captions_media_id": files["captions"],
        "transcript": {"sv": "Tal."},
    }
    questions[2]["media"] = {
        "kind": "audio",
        "media_id": files["audio"],
        "transcript": {"sv": "Hej.", "en": "Hello."},
    }
    total = {
        "key": "total",
        "label": {"sv": "Summa"},
        "citizen_visible": False,
        "method": "mean",
        "questions": ["mood", "worry"],
        "decimals": 1,
        "bands": [dict(BANDS[0], upper=2.5), dict(BANDS[1], lower=2.5)],
    }
    original = forms.create_form(
        db.session,
        registry,
        key="own-fhir",
        title={"sv": "Egen"},
        questions=questions,
        results=[EFFICIENCY, total],
    )
    exported = fhir.export_questionnaire(original, registry, "sv", base_url="https://sob.test")
    from fhir.resources.R4B.questionnaire import Questionnaire

    Questionnaire.model_validate(exported)
    media = exported["item"][0]["extension"][-1]
    assert media["url"] == fhir.MEDIA_EXTENSION
    assert {"url": "src", "valueString": f"https://sob.test/media/{files['image']}"} in media[
        "extension"
    ]
    imported = fhir.import_questionnaire(db.session, registry, exported, "own-fhir-copy")
    assert imported.definition["results"] == original.definition["results"]
    for before, after in zip(
        original.definition["questions"], imported.definition["questions"], strict=True
    ):
        assert after.get("media") == before.get("media")
    again = fhir.export_questionnaire(imported, registry, "sv", base_url="https://sob.test")
    assert again["extension"] == exported["extension"]


def test_a_fhir_media_extension_without_a_file_id_is_refused(app, demo_data, files):
    registry = current_host().registry
    resource = {
        "resourceType": "Questionnaire",
        "status": "active",
        "item": [
            {
                "linkId": "q",
                "text": "Hur?",
                "type": "string",
                "extension": [
                    {
                        "url": fhir.MEDIA_EXTENSION,
                        "extension": [
                            {"url": "kind", "valueString": "image"},
                            {"url": "src", "valueString": "https://elsewhere.example/x.png"},
                        ],
                    }
                ],
            }
        ],
    }
    with pytest.raises(fhir.FhirImportError, match="media file id"):
        fhir.import_questionnaire(db.session, registry, resource, "no-id")
