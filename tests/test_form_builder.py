"""The design tool's form builder (issue 11): forms, drafts, questions, skip logic, publishing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sob_core.extensions import db
from sob_core.forms import drafts
from sob_core.models import CareUnit, Form, FormDraft
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1, designer at unit 2
TOMMY = "SE2321000131-P000000000011"  # therapist at unit 1
OLOF = "SE2321000016-P000000000024"  # publisher at unit 2


@pytest.fixture
def units(demo_data):
    return db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()


def _revision(page: str) -> str:
    return page.split('name="revision"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def _new_form(client, key="egen-enkat"):
    page = client.get("/design/forms/new").get_data(as_text=True)
    sent = client.post(
        "/design/forms/new",
        data={
            "csrf_token": csrf_from(page),
            "key": key,
            "title_sv": "Egen enkät",
            "title_en": "Own",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return db.session.scalar(select(FormDraft).where(FormDraft.key == key))


def _add(client, draft, qtype, data):
    url = f"/design/form-drafts/{draft.id}/questions/new?type={qtype}"
    page = client.get(url).get_data(as_text=True)
    payload = {"csrf_token": csrf_from(page), "revision": _revision(page), "type": qtype}
    return client.post(url, data={**payload, **data})


CHOICE = {
    "key": "mood",
    "label_sv": "Hur mår du?",
    "label_en": "How are you?",
    "help_sv": "Välj ett svar.",
    "required": "y",
    "config_options": "bra | Bra | Good\ndaligt | Dåligt | Bad",
}


def test_a_designer_builds_publishes_and_edits_a_form(client, login, units):
    login("staff", SARA, unit_id=units[0])
    listing = client.get("/design/forms").get_data(as_text=True)
    assert "Nytt formulär" in listing or "New form" in listing
    draft = _new_form(client)
    assert draft.care_unit_id == units[0]
    assert (
        db.session.scalar(select(Form).where(Form.key == "egen-enkat")) is None
    )  # no citizen sees it
    assert _add(client, draft, "single_choice", CHOICE).status_code == 302
    sent = _add(
        client,
        draft,
        "short_text",
        {
            "key": "why",
            "label_sv": "Varför?",
            "show_if_question": "mood",
            "show_if_operator": "equals",
            "show_if_value": "daligt",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.refresh(draft)
    mood, why = draft.definition["questions"]
    assert mood["config"]["options"][1] == {
        "value": "daligt",
        "label": {"sv": "Dåligt", "en": "Bad"},
    }
    assert mood["help"] == {"sv": "Välj ett svar."}
    assert why["show_if"] == {"question": "mood", "equals": "daligt"} and why["required"] is False
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    assert "Hur mår du?" in editor
    # moving the dependent question above the one it depends on is refused
    moved = client.post(
        f"/design/form-drafts/{draft.id}/questions/why/move",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor), "action": "up"},
        follow_redirects=True,
    )
    assert [q["key"] for q in db.session.get(FormDraft, draft.id).definition["questions"]] == [
        "mood",
        "why",
    ]
    assert "mood" in moved.get_data(as_text=True)
    # deleting the question a condition depends on is refused
    client.post(
        f"/design/form-drafts/{draft.id}/questions/mood/move",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor), "action": "delete"},
    )
    assert len(db.session.get(FormDraft, draft.id).definition["questions"]) == 2
    preview = client.get(f"/design/form-drafts/{draft.id}/preview?lang=en").get_data(as_text=True)
    assert "How are you?" in preview and "data-show-if" in preview
    assert "Hur mår du?" in client.get(f"/design/form-drafts/{draft.id}/preview").get_data(
        as_text=True
    )
    published = client.post(
        f"/design/form-drafts/{draft.id}/publish",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor)},
    )
    assert published.status_code == 302, published.get_data(as_text=True)
    form = db.session.scalar(select(Form).where(Form.key == "egen-enkat"))
    assert form.latest.version == 1 and form.care_unit_id == units[0]
    db.session.expire_all()
    assert db.session.scalar(select(FormDraft).where(FormDraft.key == "egen-enkat")) is None
    page = client.get(f"/design/forms/{form.id}").get_data(as_text=True)
    opened = client.post(f"/design/forms/{form.id}/edit", data={"csrf_token": csrf_from(page)})
    assert opened.status_code == 302
    new_draft = db.session.scalar(select(FormDraft).where(FormDraft.form_id == form.id))
    assert new_draft.based_on_version == 1


def test_a_forward_condition_and_a_bad_config_are_explained(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client)
    sent = _add(
        client,
        draft,
        "short_text",
        {
            "key": "a",
            "label_sv": "A",
            "show_if_question": "a",
            "show_if_operator": "equals",
            "show_if_value": "x",
        },
    )
    assert sent.status_code == 400
    bad = _add(client, draft, "single_choice", {**CHOICE, "config_options": "bra"})
    assert bad.status_code == 400 and 'id="config_options-error"' in bad.get_data(as_text=True)
    empty = _add(client, draft, "single_choice", {**CHOICE, "label_sv": ""})
    assert 'id="label_sv-error"' in empty.get_data(as_text=True)


def test_a_stale_revision_is_refused(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client)
    url = f"/design/form-drafts/{draft.id}/questions/new?type=single_choice"
    page = client.get(url).get_data(as_text=True)
    drafts.save(db.session, draft, revision=draft.revision, staff_id=None, title={"sv": "Annan"})
    db.session.commit()
    sent = client.post(
        url, data={"csrf_token": csrf_from(page), "revision": _revision(page), **CHOICE}
    )
    assert sent.status_code == 409
    assert db.session.get(FormDraft, draft.id).definition["questions"] == []


def test_publishing_an_empty_form_is_refused(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client)
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    sent = client.post(
        f"/design/form-drafts/{draft.id}/publish",
        data={"csrf_token": csrf_from(editor), "revision": _revision(editor)},
    )
    assert sent.status_code == 400
    assert db.session.get(FormDraft, draft.id) is not None


def test_access_is_denied_to_others(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client)
    assert client.post("/design/forms/new", data={"key": "x", "title_sv": "X"}).status_code == 400
    for url in (f"/design/form-drafts/{draft.id}", f"/design/form-drafts/{draft.id}/preview"):
        assert client.get(url).status_code == 200
    login("staff", OLOF, unit_id=units[1])
    assert client.get(f"/design/form-drafts/{draft.id}").status_code == 404
    assert client.get(f"/design/form-drafts/{draft.id}/preview").status_code == 404
    login("staff", TOMMY, unit_id=units[0])  # a therapist, not a designer: denied
    for url in ("/design/forms", f"/design/form-drafts/{draft.id}", "/design/forms/from-scale"):
        assert client.get(url).status_code == 403, url
    page = client.get("/staff/").get_data(as_text=True)
    sent = client.post(
        f"/design/form-drafts/{draft.id}/publish", data={"csrf_token": csrf_from(page)}
    )
    assert sent.status_code == 403


def test_a_form_from_a_scale(client, login, units):
    login("staff", SARA, unit_id=units[0])
    page = client.get("/design/forms/from-scale").get_data(as_text=True)
    assert "phq-9" in page  # every installed scale is listed
    registry = client.application.extensions["sob"].registry
    taken = set(db.session.scalars(select(Form.key)))
    free = [s for s in sorted(registry.scales) if s not in taken and f'value="{s}"' in page]
    if not free:
        pytest.skip("every installed scale has a form in the demo data")
    scale_id = free[0]
    sent = client.post(
        "/design/forms/from-scale", data={"csrf_token": csrf_from(page), "scale_id": scale_id}
    )
    assert sent.status_code == 302
    draft = db.session.scalar(select(FormDraft).where(FormDraft.key == scale_id))
    assert draft.scale_id == scale_id
    assert len(draft.definition["questions"]) == len(registry.scales[scale_id].items)

    # The scale's items are its questions: not edited, moved, deleted or added to here.
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    first = draft.definition["questions"][0]["key"]
    before = (draft.revision, draft.definition)
    refused = [
        client.post(
            f"/design/form-drafts/{draft.id}/questions/{first}/move",
            data={"csrf_token": csrf_from(editor), "action": "delete"},
        ),
        client.get(f"/design/form-drafts/{draft.id}/questions/{first}", follow_redirects=True),
        client.get(f"/design/form-drafts/{draft.id}/questions/new?type=text"),
    ]
    assert refused[0].status_code == 302 and refused[2].status_code == 302
    assert "kan inte ändras" in refused[1].get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(FormDraft, draft.id)
    assert (stored.revision, stored.definition) == before


def test_every_installed_question_type_can_be_built_and_published(client, login, units, app):
    from form_builder_helpers import EVERY_TYPE, build_every_type, publish

    registry = app.extensions["sob"].registry
    assert set(registry.question_types) <= set(EVERY_TYPE)  # the helper covers every type
    login("staff", SARA, unit_id=units[0])
    draft = build_every_type(client)
    questions = draft.definition["questions"]
    assert [q["type"] for q in questions] == list(EVERY_TYPE)
    assert questions[3]["config"]["unit"] == {"sv": "koppar", "en": "cups"}
    assert publish(client, draft).status_code == 302
    form = db.session.scalar(select(Form).where(Form.key == "egen-enkat"))
    assert [q["key"] for q in form.latest.definition["questions"]] == [
        d["key"] for d in EVERY_TYPE.values()
    ]


OPTIONS = ({"sv": "Nej", "en": "No"}, {"sv": "Ja", "en": "Yes"})


def _test_scale(scale_id: str, shipped: bool):
    from sob_core import ScaleItem, simple_sum_scale

    return simple_sum_scale(
        id=scale_id,
        name={"sv": f"Testskala {scale_id}", "en": f"Test scale {scale_id}"},
        version="1",
        citation="sob's tests",
        licence=f"Testlicens {scale_id}",
        items=tuple(
            ScaleItem(id=str(n), scores=(0, 1), text={"sv": f"Fråga {n}", "en": f"Item {n}"})
            for n in (1, 2)
        ),
        label={"sv": "Summa", "en": "Sum"},
        texts_shipped=shipped,
        options=OPTIONS,
    )


class _TestScales:
    """A third-party scale plugin, registered only for the test (no core change)."""

    @staticmethod
    def sob_scales():
        return [_test_scale("testskala", True), _test_scale("utan-texter", False)]


def test_a_third_party_scale_becomes_a_form_and_one_without_texts_cannot(
    client, login, units, register_plugin
):
    from sob_core import hookimpl

    plugin = type("TestScalesPlugin", (), {"sob_scales": hookimpl(_TestScales.sob_scales)})
    register_plugin(plugin, "test-scales")
    login("staff", SARA, unit_id=units[0])
    page = client.get("/design/forms/from-scale").get_data(as_text=True)
    assert "Testskala testskala" in page and "Testlicens testskala" in page
    assert "Testskala utan-texter" in page  # listed, but it cannot be chosen
    assert 'value="utan-texter"' not in page
    refused = client.post(
        "/design/forms/from-scale", data={"csrf_token": csrf_from(page), "scale_id": "utan-texter"}
    )
    assert refused.status_code == 400
    assert db.session.scalar(select(FormDraft).where(FormDraft.key == "utan-texter")) is None
    sent = client.post(
        "/design/forms/from-scale", data={"csrf_token": csrf_from(page), "scale_id": "testskala"}
    )
    assert sent.status_code == 302
    draft = db.session.scalar(select(FormDraft).where(FormDraft.key == "testskala"))
    assert draft.scale_id == "testskala" and draft.care_unit_id == units[0]
    assert [q["label"]["sv"] for q in draft.definition["questions"]] == ["Fråga 1", "Fråga 2"]
    assert draft.definition["results"] == [{"key": "testskala.total", "citizen_visible": True}]
    from form_builder_helpers import publish

    assert publish(client, draft).status_code == 302
    again = client.get("/design/forms/from-scale").get_data(as_text=True)
    assert 'value="testskala"' not in again  # the key is taken now
    no_csrf = client.post("/design/forms/from-scale", data={"scale_id": "testskala"})
    assert no_csrf.status_code == 400


def test_every_post_needs_csrf_and_another_units_designer_gets_404(client, login, units):
    from form_builder_helpers import add_question, publish

    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "csrf-prov")
    assert (
        add_question(client, draft, "short_text", {"key": "a", "label_sv": "A"}).status_code == 302
    )
    other = _new_form(client, "publicerad")
    add_question(client, other, "short_text", {"key": "a", "label_sv": "A"})
    assert publish(client, other).status_code == 302
    form = db.session.scalar(select(Form).where(Form.key == "publicerad"))
    base = f"/design/form-drafts/{draft.id}"
    posts = [
        ("/design/forms/new", {"key": "x", "title_sv": "X"}),
        ("/design/forms/from-scale", {"scale_id": "phq-9"}),
        (f"/design/forms/{form.id}/edit", {}),
        (base, {"revision": "1", "title_sv": "Ny"}),
        (f"{base}/questions/new?type=short_text", {"key": "b", "label_sv": "B"}),
        (f"{base}/questions/a", {"key": "a", "label_sv": "B"}),
        (f"{base}/questions/a/move", {"action": "duplicate"}),
        (f"{base}/publish", {}),
        (f"{base}/discard", {}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    db.session.refresh(draft)
    assert [q["key"] for q in draft.definition["questions"]] == ["a"]
    # a designer of another unit: the draft, its pages and the unit's form answer 404
    login("staff", OLOF, unit_id=units[1])
    for url in (
        base,
        f"{base}/preview",
        f"{base}/questions/a",
        f"{base}/questions/new?type=short_text",
        f"{base}/discard",
        f"/design/forms/{form.id}",
    ):
        assert client.get(url).status_code == 404, url
    listing = client.get("/design/forms").get_data(as_text=True)
    assert f'href="{base}"' not in listing and f'href="/design/forms/{form.id}"' not in listing


def test_duplicate_delete_and_move(client, login, units):
    from form_builder_helpers import add_question, revision

    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "ordning")
    for key in ("a", "b"):
        add_question(client, draft, "short_text", {"key": key, "label_sv": key.upper()})
    base = f"/design/form-drafts/{draft.id}"

    def act(key, action, **extra):
        page = client.get(base).get_data(as_text=True)
        return client.post(
            f"{base}/questions/{key}/move",
            data={
                "csrf_token": csrf_from(page),
                "revision": revision(page),
                "action": action,
                **extra,
            },
        )

    def keys():
        db.session.expire_all()
        return [q["key"] for q in db.session.get(FormDraft, draft.id).definition["questions"]]

    act("a", "duplicate")
    assert keys() == ["a", "a-2", "b"]
    act("b", "up")
    assert keys() == ["a", "b", "a-2"]
    confirm = act("a-2", "delete")
    assert confirm.status_code == 200 and "Ta bort frågan" in confirm.get_data(as_text=True)
    assert keys() == ["a", "b", "a-2"]  # not before it is confirmed
    act("a-2", "delete", confirm="yes")
    assert keys() == ["a", "b"]
    stale = client.post(
        f"{base}/questions/a/move",
        data={
            "csrf_token": csrf_from(client.get(base).get_data(as_text=True)),
            "revision": "1",
            "action": "down",
        },
        follow_redirects=True,
    )
    assert keys() == ["a", "b"] and "Någon annan" in stale.get_data(as_text=True)


def test_the_programme_form_picker_lists_published_forms_only(client, login, units):
    """A draft (even a new form's) never reaches the programme editor's picker nor citizens."""
    from form_builder_helpers import add_question

    from sob_core.web.design.common import usable_forms

    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "bara-utkast")
    add_question(client, draft, "short_text", {"key": "a", "label_sv": "A"})
    with client.application.test_request_context():
        assert "bara-utkast" not in [c.value for c in usable_forms()]
        assert "talk-about" in [c.value for c in usable_forms()]


def test_a_broken_condition_is_shown_and_publishing_refuses_it(client, login, units):
    from form_builder_helpers import publish

    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "trasig")
    questions = [
        {
            "key": "a",
            "type": "short_text",
            "label": {"sv": "A"},
            "show_if": {"question": "b", "equals": "x"},
        },
        {"key": "b", "type": "short_text", "label": {"sv": "B"}},
    ]
    drafts.save(
        db.session,
        draft,
        revision=draft.revision,
        staff_id=None,
        definition={"questions": questions, "results": []},
    )
    db.session.commit()
    editor = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    assert "Villkoret kan inte användas" in editor and "senare fråga" in editor
    refused = publish(client, draft)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Formuläret kan inte publiceras än" in page and "Fråga a:" in page
    assert "senare fråga" in page
    assert db.session.scalar(select(Form).where(Form.key == "trasig")) is None


def test_a_type_setting_refused_by_the_type_is_shown_by_its_field(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "reglage")
    sent = _add(
        client,
        draft,
        "slider",
        {"key": "s", "label_sv": "S", "config_min": "10", "config_max": "0", "config_step": "x"},
    )
    assert sent.status_code == 400
    page = sent.get_data(as_text=True)
    assert 'id="config_step-error"' in page and "Ange ett heltal." in page
    sent = _add(
        client,
        draft,
        "slider",
        {"key": "s", "label_sv": "S", "config_min": "10", "config_max": "0"},
    )
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400 and 'class="error" id="config_' in page
    assert db.session.get(FormDraft, draft.id).definition["questions"] == []


def test_a_shared_form_is_read_only(client, login, units):
    login("staff", SARA, unit_id=units[0])
    shared = db.session.scalar(select(Form).where(Form.care_unit_id.is_(None)))
    if shared is None:
        pytest.skip("the demo data has no shared form")
    page = client.get(f"/design/forms/{shared.id}").get_data(as_text=True)
    assert "kan användas men inte ändras" in page
    assert f"/design/forms/{shared.id}/edit" not in page
    listing = client.get("/design/forms").get_data(as_text=True)
    assert f'href="/design/forms/{shared.id}"' in listing
    edit = client.post(f"/design/forms/{shared.id}/edit", data={"csrf_token": csrf_from(page)})
    assert edit.status_code == 403
    assert db.session.scalar(select(FormDraft).where(FormDraft.form_id == shared.id)) is None


def test_texts_saved_from_a_stale_page_are_kept_on_the_page(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "texter")
    page = client.get(f"/design/form-drafts/{draft.id}").get_data(as_text=True)
    drafts.save(db.session, draft, revision=draft.revision, staff_id=None, intro={"sv": "Annan"})
    db.session.commit()
    data = {"csrf_token": csrf_from(page), "revision": _revision(page), "title_sv": "Min rubrik"}
    sent = client.post(f"/design/form-drafts/{draft.id}", data=data)
    assert sent.status_code == 409
    shown = sent.get_data(as_text=True)
    assert 'value="Min rubrik"' in shown and "Någon annan sparade formuläret" in shown
    db.session.refresh(draft)
    assert draft.title == {"sv": "Egen enkät", "en": "Own"} and draft.intro == {"sv": "Annan"}
    data["revision"] = _revision(shown)  # the page now carries the current revision
    assert client.post(f"/design/form-drafts/{draft.id}", data=data).status_code == 302
    db.session.refresh(draft)
    assert draft.title == {"sv": "Min rubrik"}


def test_editing_a_published_form_publishes_a_new_version_and_keeps_the_old(client, login, units):
    from form_builder_helpers import add_question, publish

    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "versioner")
    add_question(client, draft, "short_text", {"key": "a", "label_sv": "A"})
    assert publish(client, draft).status_code == 302
    form = db.session.scalar(select(Form).where(Form.key == "versioner"))
    first = form.latest
    page = client.get(f"/design/forms/{form.id}").get_data(as_text=True)
    client.post(f"/design/forms/{form.id}/edit", data={"csrf_token": csrf_from(page)})
    second = db.session.scalar(select(FormDraft).where(FormDraft.form_id == form.id))
    add_question(client, second, "long_text", {"key": "b", "label_sv": "B"})
    assert publish(client, second).status_code == 302
    db.session.expire_all()
    form = db.session.scalar(select(Form).where(Form.key == "versioner"))
    assert [v.version for v in form.versions] == [1, 2]
    assert [q["key"] for q in form.versions[0].definition["questions"]] == ["a"]
    assert [q["key"] for q in form.versions[1].definition["questions"]] == ["a", "b"]
    assert form.versions[0].id == first.id
    listing = client.get(f"/design/forms/{form.id}").get_data(as_text=True)
    assert "<td>2</td>" in listing and "<td>1</td>" in listing


def test_a_question_can_be_set_to_take_several_answers(client, login, units):
    login("staff", SARA, unit_id=units[0])
    draft = _new_form(client, "flera-svar")
    page = client.get(f"/design/form-drafts/{draft.id}/questions/new?type=short_text")
    assert "Flera svar" in page.get_data(as_text=True)  # from the type's config_schema
    refused = _add(
        client,
        draft,
        "short_text",
        {"key": "m", "label_sv": "Mediciner", "config_max_answers": "3"},
    )
    assert refused.status_code == 400
    assert "gäller bara en fråga med flera svar" in refused.get_data(as_text=True)
    sent = _add(
        client,
        draft,
        "short_text",
        {
            "key": "m",
            "label_sv": "Mediciner",
            "config_repeats": "y",
            "config_max_answers": "3",
            "config_max_length": "100",
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    db.session.refresh(draft)
    (question,) = draft.definition["questions"]
    assert question["config"] == {"max_length": 100, "repeats": True, "max_answers": 3}
