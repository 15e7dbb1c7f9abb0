"""The design tool's pages for a form draft's own results and question media (issue 11)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from test_own_results import QUESTIONS

from sob_core.extensions import db
from sob_core.forms import drafts
from sob_core.models import CareUnit, FormDraft, MediaFile
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1, designer at unit 2
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
OLOF = "SE2321000016-P000000000024"  # publisher at unit 2
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHej\n"
EXE = b"MZ" + b"\x00" * 200


@pytest.fixture
def sob_config(tmp_path):
    return {"SOB_UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def units(demo_data):
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()


@pytest.fixture
def draft(units):
    row = FormDraft(
        key="egen-dagbok",
        care_unit_id=units[0],
        title={"sv": "Egen dagbok"},
        definition={"questions": [dict(q) for q in QUESTIONS], "results": []},
    )
    db.session.add(row)
    db.session.commit()
    return row


def _url(draft, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/design/form-drafts/{draft.id}/results" + (f"?{query}" if query else "")


def _media_url(draft, key="mood"):
    return f"/design/form-drafts/{draft.id}/questions/{key}/media"


def _revision(page: str) -> str:
    return page.split('name="revision"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


RESULT = {
    "key": "efficiency",
    "label_sv": "Sömneffektivitet",
    "label_en": "Sleep efficiency",
    "explanation_sv": "Andelen av tiden i sängen som du sov.",
    "citizen_visible": "y",
    "method": "formula",
    "formula": "asleep / in_bed * 100",
    "decimals": "0",
    "bands-0-slug": "low",
    "bands-0-label_sv": "Låg",
    "bands-0-upper": "85",
    "bands-0-colour": "amber",
    "bands-0-citizen_text_sv": "Du sov oroligt.",
    "bands-0-staff_text_sv": "Överväg sömnrestriktion.",
    "bands-1-slug": "good",
    "bands-1-label_sv": "Bra",
    "bands-1-lower": "85",
    "bands-1-colour": "green",
}


def _post_result(client, draft, data, page_args=None):
    page = client.get(_url(draft, **(page_args or {"new": 1}))).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(page), "revision": _revision(page), "action": "save"}
    if page_args and "result" in page_args:
        payload["original_key"] = page_args["result"]
    return client.post(_url(draft), data={**payload, **data})


def test_a_designer_adds_edits_and_removes_a_banded_result(client, login, draft):
    login("staff", SARA, unit_id=draft.care_unit_id)
    page = client.get(_url(draft, new=1)).get_data(as_text=True)
    assert '<option value="amber">Bärnsten (#8d6e00)</option>' in page  # the palette, in Swedish
    assert 'name="bands-0-colour"' in page and "<input" in page
    assert 'value="note"' not in page  # a text question cannot be summed
    sent = _post_result(client, draft, RESULT)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.refresh(draft)
    (result,) = draft.definition["results"]
    assert result["method"] == "formula" and result["citizen_visible"] is True
    assert result["bands"][0] == {
        "slug": "low",
        "label": {"sv": "Låg"},
        "lower": None,
        "upper": 85,
        "colour": "amber",
        "citizen_text": {"sv": "Du sov oroligt."},
        "staff_text": {"sv": "Överväg sömnrestriktion."},
    }
    listing = client.get(_url(draft)).get_data(as_text=True)
    assert "Sömneffektivitet" in listing and "Bärnsten" in listing
    back = f"/design/form-drafts/{draft.id}"  # "back" leads to the draft's editor page
    assert f'<a href="{back}">Tillbaka till formuläret</a>' in listing
    assert 'data-colour="#8d6e00"></span>Låg' in listing  # swatch with its name

    edited = _post_result(
        client,
        draft,
        {**RESULT, "method": "mean", "questions": ["mood", "worry"], "bands-1-label_sv": "God"},
        {"result": "efficiency"},
    )
    assert edited.status_code == 302
    db.session.refresh(draft)
    (result,) = draft.definition["results"]
    assert result["method"] == "mean" and result["questions"] == ["mood", "worry"]
    assert result["bands"][1]["label"] == {"sv": "God"}

    page = client.get(_url(draft)).get_data(as_text=True)
    removed = client.post(
        _url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "key": "efficiency",
            "action": "remove",
        },
    )
    assert removed.status_code == 302
    db.session.refresh(draft)
    assert draft.definition["results"] == []


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"formula": "__import__('os')"}, "formula", "__import__() är inte tillåtet"),
        ({"formula": "asleep ** 2"}, "formula", "Potenser (**) är inte tillåtna"),
        ({"key": "Sleep Efficiency"}, "key", "gemener"),
        ({"bands-1-lower": "90"}, "bands-1-lower", "måste börja där"),
        ({"bands-0-slug": "Låg Nivå"}, "bands-0-slug", "Låg Nivå"),
        ({"bands-1-label_sv": "", "bands-1-label_en": "Good"}, "bands-1-label_sv", "svenska"),
        ({"method": "sum", "questions": ["mood", "in_bed", "note"]}, "questions", "inte tal"),
        ({"label_sv": ""}, "label_sv", "svenska"),
    ],
)
def test_errors_are_shown_by_their_fields_in_swedish(
    client, login, draft, changes, field_id, message
):
    login("staff", SARA, unit_id=draft.care_unit_id)
    sent = _post_result(client, draft, {**RESULT, **changes})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert f'id="{field_id}-error"' in page
    error = page.split(f'id="{field_id}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error, error
    assert 'aria-describedby="' in page and f"{field_id}-error" in page
    db.session.refresh(draft)
    assert draft.definition["results"] == []


def test_a_conflicting_save_is_refused_and_keeps_what_was_typed(client, login, draft):
    login("staff", SARA, unit_id=draft.care_unit_id)
    page = client.get(_url(draft, new=1)).get_data(as_text=True)
    drafts.save(
        db.session,
        draft,
        revision=draft.revision,
        staff_id=None,
        title={"sv": "Ändrad av någon annan"},
    )
    db.session.commit()
    sent = client.post(
        _url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "action": "save",
            **RESULT,
        },
    )
    text = sent.get_data(as_text=True)
    assert sent.status_code == 409
    assert "Någon annan sparade formuläret" in text
    assert 'value="asleep / in_bed * 100"' in text  # nothing typed is lost
    db.session.refresh(draft)
    assert draft.definition["results"] == []


def test_csrf_is_required(client, login, draft):
    login("staff", SARA, unit_id=draft.care_unit_id)
    page = client.get(_url(draft, new=1)).get_data(as_text=True)
    sent = client.post(_url(draft), data={"revision": _revision(page), "action": "save", **RESULT})
    assert sent.status_code == 400
    removed = client.post(_url(draft), data={"revision": "1", "key": "x", "action": "remove"})
    assert removed.status_code == 400
    media = client.post(_media_url(draft), data={"revision": "1", "kind": "image"})
    assert media.status_code == 400
    db.session.refresh(draft)
    assert draft.definition["results"] == [] and "media" not in draft.definition["questions"][3]


@pytest.mark.parametrize("who", [TOMMY, OLOF])
def test_only_designers_of_the_owning_unit_get_in(client, login, draft, units, who):
    unit = units[0] if who == TOMMY else units[1]
    login("staff", who, unit_id=unit)
    for url in (_url(draft), _media_url(draft)):
        assert client.get(url).status_code in (403, 404)


def test_another_units_designer_gets_404(client, login, draft, units):
    login("staff", SARA, unit_id=units[1])  # designer at unit 2, the draft is unit 1's
    assert client.get(_url(draft)).status_code == 404
    assert client.get(_media_url(draft)).status_code == 404


def test_a_question_gets_an_image_with_alt_text_then_loses_it(client, login, draft):
    login("staff", SARA, unit_id=draft.care_unit_id)
    page = client.get(_media_url(draft)).get_data(as_text=True)
    missing_alt = client.post(
        _media_url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "kind": "image",
            "file": (io.BytesIO(PNG), "sol.png"),
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    text = missing_alt.get_data(as_text=True)
    assert missing_alt.status_code == 400 and 'id="alt_sv-error"' in text
    assert "alternativtext" in text.split('id="alt_sv-error">', 1)[1].split("</p>", 1)[0]
    exe = client.post(
        _media_url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "kind": "image",
            "alt_sv": "En sol",
            "file": (io.BytesIO(EXE), "sol.png"),
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    assert exe.status_code == 400 and 'id="file-error"' in exe.get_data(as_text=True)
    sent = client.post(
        _media_url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "kind": "image",
            "alt_sv": "En sol",
            "alt_en": "A sun",
            "file": (io.BytesIO(PNG), "sol.png"),
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.refresh(draft)
    media = draft.definition["questions"][3]["media"]
    stored = db.session.get(MediaFile, media["media_id"])
    assert media == {"kind": "image", "media_id": stored.id, "alt": {"sv": "En sol", "en": "A sun"}}
    assert stored.care_unit_id == draft.care_unit_id and stored.content_type == "image/png"

    page = client.get(_media_url(draft)).get_data(as_text=True)
    removed = client.post(
        _media_url(draft),
        data={
            "csrf_token": csrf_from(page),
            "revision": _revision(page),
            "key": "mood",
            "action": "remove",
        },
    )
    assert removed.status_code == 302
    db.session.refresh(draft)
    assert "media" not in draft.definition["questions"][3]


def test_a_video_needs_captions_and_audio_a_transcript(client, login, draft):
    login("staff", SARA, unit_id=draft.care_unit_id)
    page = client.get(_media_url(draft)).get_data(as_text=True)
    base = {"csrf_token": csrf_from(page), "revision": _revision(page), "action": "save"}
    video = client.post(
        _media_url(draft),
        data={**base, "kind": "video", "file": (io.BytesIO(MP4), "f.mp4")},
        content_type="multipart/form-data",
    )
    assert video.status_code == 400 and 'id="captions-error"' in video.get_data(as_text=True)
    audio = client.post(
        _media_url(draft),
        data={**base, "kind": "audio", "file": (io.BytesIO(b"ID3" + b"\x00" * 200), "l.mp3")},
        content_type="multipart/form-data",
    )
    assert audio.status_code == 400 and 'id="transcript_sv-error"' in audio.get_data(as_text=True)
    ok = client.post(
        _media_url(draft),
        data={
            **base,
            "kind": "video",
            "file": (io.BytesIO(MP4), "f.mp4"),
            "captions": (io.BytesIO(VTT), "f.vtt"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    db.session.refresh(draft)
    assert set(draft.definition["questions"][3]["media"]) == {
        "kind",
        "media_id",
        "captions_media_id",
    }


def test_adding_bands_to_an_imported_fhir_total_keeps_its_item(client, login, draft):
    kept = {"item": {"linkId": "TS", "type": "quantity", "text": "Total"}, "group": None}
    total = {
        "key": "ts",
        "label": {"sv": "Summa"},
        "method": "sum",
        "questions": ["worry"],
        "decimals": 0,
        "bands": [],
        "fhir_item": kept,
    }
    draft.definition = {**draft.definition, "results": [total]}
    db.session.commit()
    login("staff", SARA, unit_id=draft.care_unit_id)
    data = {
        "key": "ts",
        "label_sv": "Summa",
        "method": "sum",
        "questions": ["worry"],
        "decimals": "0",
        "bands-0-slug": "low",
        "bands-0-label_sv": "Låg",
        "bands-0-upper": "2",
        "bands-0-colour": "green",
        "bands-1-slug": "high",
        "bands-1-label_sv": "Hög",
        "bands-1-lower": "2",
        "bands-1-colour": "red",
    }
    sent = _post_result(client, draft, data, {"result": "ts"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.refresh(draft)
    (result,) = draft.definition["results"]
    assert [b["slug"] for b in result["bands"]] == ["low", "high"]
    assert result["fhir_item"] == kept
