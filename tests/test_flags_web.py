"""Flags for staff on the web: the panel's triage, a flag's page, the start page's open flags, the
patient list's kinds, the design tool's flag rules, and the therapist's content-free notice."""

from __future__ import annotations

import re

from flag_helpers import JOHAN, TOMMY, enroll, program_version, scored, staff, unit
from sqlalchemy import select

from sob_core import programs
from sob_core.extensions import db
from sob_core.models import (
    AuditEvent,
    CareUnit,
    Flag,
    NoticePreference,
    Notification,
    Program,
    ProgramVersion,
)
from sob_core.testing import csrf_from

SARA = "SE2321000131-P000000000015"  # designer + publisher at unit 1


def _flagged(rules=None):
    enrollment = enroll(program_version(rules))
    scored(
        enrollment,
        value=17,
        band="moderately-severe",
        flags=["item-9-positive"],
        answers={"9": {"type": "single_choice", "value": "2"}},
    )
    flag = db.session.scalar(select(Flag).where(Flag.enrollment_id == enrollment.id))
    return enrollment, flag


def _csrf(client, url):
    return csrf_from(client.get(url).get_data(as_text=True))


def test_acknowledge_assign_and_resolve_on_the_web(client, login):
    enrollment, flag = _flagged()
    login("staff", TOMMY, unit_id=unit())
    base = f"/staff/patients/{enrollment.id}"
    page = client.get(base).get_data(as_text=True)
    panel = page.split('id="flags-heading"', 1)[1].split("</section>", 1)[0]
    assert "Kritisk fråga" in panel and "Ny" in panel
    assert "Fråga 9: ”Mer än hälften av dagarna” (2 poäng)" in panel
    token = csrf_from(page)
    done = client.post(f"{base}/flags/{flag.id}/acknowledge", data={"csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Flag, flag.id).status == "acknowledged"
    assert db.session.get(Flag, flag.id).acknowledged_by_id == staff(TOMMY).id
    flag_page = client.get(f"{base}/flags/{flag.id}")
    assert flag_page.status_code == 200
    html = flag_page.get_data(as_text=True)
    assert "Varför flaggan sattes" in html and "Kvitterad" in html
    token = csrf_from(html)
    colleague = staff("SE2321000131-P000000000012").id
    assigned = client.post(
        f"{base}/flags/{flag.id}/assign", data={"csrf_token": token, "assignee": colleague}
    )
    assert assigned.status_code == 302
    stranger = client.post(
        f"{base}/flags/{flag.id}/assign",
        data={"csrf_token": token, "assignee": staff(JOHAN).id},
    )
    assert stranger.status_code == 422
    # no note: refused by the field
    missing = client.post(
        f"{base}/flags/{flag.id}/close",
        data={"csrf_token": token, "outcome": "resolved", "note": " "},
    )
    assert missing.status_code == 422
    assert 'id="note-error"' in missing.get_data(as_text=True)
    assert "Skriv en anteckning om vad som gjordes." in missing.get_data(as_text=True)
    closed = client.post(
        f"{base}/flags/{flag.id}/close",
        data={"csrf_token": token, "outcome": "resolved", "note": "Ringt, gjort en plan."},
    )
    assert closed.status_code == 302
    db.session.expire_all()
    flag = db.session.get(Flag, flag.id)
    assert (flag.status, flag.close_note, flag.assigned_to_id) == (
        "resolved",
        "Ringt, gjort en plan.",
        colleague,
    )
    audited = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.what == "flag", AuditEvent.actor_kind == "staff")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.detail.get("step")) for e in audited] == [
        ("change", "acknowledge"),
        ("read", None),
        ("change", "assign"),
        ("change", "resolve"),
    ]
    listing = client.get("/staff/patients?view=mine").get_data(as_text=True)
    row = listing.split(f'/staff/patients/{enrollment.id}">John Doe</a>', 1)[1]
    assert "Kritisk fråga" not in row.split("</tr>", 1)[0]


def test_another_units_staff_cannot_see_or_handle_the_flag(client, login):
    enrollment, flag = _flagged()
    units = db.session.scalars(select(CareUnit.id).order_by(CareUnit.id)).all()
    login("staff", JOHAN, unit_id=units[1])
    assert client.get(f"/staff/patients/{enrollment.id}/flags/{flag.id}").status_code == 404
    token = _csrf(client, "/staff/")
    posted = client.post(
        f"/staff/patients/{enrollment.id}/flags/{flag.id}/acknowledge", data={"csrf_token": token}
    )
    assert posted.status_code == 404
    assert "John Doe" not in client.get("/staff/").get_data(as_text=True)


def test_the_start_page_lists_open_flags_with_filters(client, login):
    enrollment, flag = _flagged()
    login("staff", TOMMY, unit_id=unit())
    html = client.get("/staff/").get_data(as_text=True)
    section = html.split('id="open-flags-heading"', 1)[1].split("</section>", 1)[0]
    assert "John Doe" in section and "Kritisk fråga" in section
    assert "Allvarlighetsgrad: Hög" in section
    # the demo's Per Andersson has a flag too; the filter by kind keeps both, by "mine" neither
    only = client.get("/staff/?kind=inactivity").get_data(as_text=True)
    assert "John Doe" not in only.split('id="open-flags-heading"', 1)[1]
    mine = client.get("/staff/?mine=y").get_data(as_text=True)
    assert "Inga öppna flaggor." in mine
    bad = client.get("/staff/?kind=bogus")
    assert bad.status_code == 422
    assert 'id="kind-error"' in bad.get_data(as_text=True)
    assert db.session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.what == "open_flags", AuditEvent.citizen_id == enrollment.citizen_id
        )
    )


def test_the_therapist_is_told_without_content(client, login, app):
    tommy = staff(TOMMY)
    tommy.email = "tommy@example.se"
    db.session.add(NoticePreference(person_kind="staff", person_id=tommy.id, staff_mode="digest"))
    db.session.commit()
    if "email" not in app.extensions["sob"].registry.channels:
        import pytest

        pytest.skip("no e-mail channel installed")
    enrollment, flag = _flagged()
    (notice,) = db.session.scalars(
        select(Notification).where(
            Notification.kind == "flag_raised", Notification.recipient_id == tommy.id
        )
    ).all()
    assert notice.recipient_kind == "staff" and notice.status == "held"
    assert notice.link == f"/staff/patients/{enrollment.id}"
    from sob_core.notifications import TEMPLATES

    subject, body = TEMPLATES["flag_raised"]
    assert "PHQ" not in subject["sv"] + body["sv"] and "9" not in body["sv"]


def test_design_tool_flag_rules(client, login):
    login("staff", SARA, unit_id=unit())
    version = db.session.scalar(
        select(ProgramVersion)
        .join(Program)
        .where(ProgramVersion.status == "published", Program.owner_care_unit_id == unit())
        .order_by(ProgramVersion.id)
    )
    draft = programs.start_draft(db.session, version.program, created_by_id=None)
    db.session.commit()
    url = f"/design/versions/{draft.id}/flag-rules"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Standardreglerna" in html and "critical-items" in html
    assert f'href="{url}"' in client.get(f"/design/versions/{draft.id}/edit").get_data(as_text=True)
    token = csrf_from(html)
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "key": "svar",
            "kind": "band",
            "severity": "3",
            "result_key": "phq-9.total",
            "bands": "severe, nope",
        },
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="bands-error"' in text and "skalan har ingen nivå nope" in text
    good = client.post(
        url,
        data={
            "csrf_token": token,
            "key": "svar",
            "kind": "band",
            "severity": "3",
            "result_key": "phq-9.total",
            "bands": "severe, moderately-severe",
        },
    )
    assert good.status_code == 302
    db.session.expire_all()
    stored = db.session.get(ProgramVersion, draft.id).content["flag_rules"]
    assert stored == [
        {
            "key": "svar",
            "kind": "band",
            "severity": 3,
            "result_key": "phq-9.total",
            "bands": ["severe", "moderately-severe"],
        }
    ]
    quiet = client.post(
        url,
        data={
            "csrf_token": token,
            "key": "tyst",
            "kind": "inactivity",
            "severity": "2",
            "days": "14",
        },
    )
    assert quiet.status_code == 302
    listed = client.get(url).get_data(as_text=True)
    assert "Programmets regler" in listed and "14 dagar" in listed
    removed = client.post(f"{url}/svar/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    db.session.expire_all()
    assert [r["key"] for r in db.session.get(ProgramVersion, draft.id).content["flag_rules"]] == [
        "tyst"
    ]


def test_the_patient_list_shows_kinds_as_symbols_with_text(client, login):
    enrollment, flag = _flagged()
    login("staff", TOMMY, unit_id=unit())
    html = client.get("/staff/patients?view=mine").get_data(as_text=True)
    row = html.split(f'/staff/patients/{enrollment.id}">John Doe</a>', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'<span aria-hidden="true">‼</span> Kritisk fråga', row)
    assert "1 flagga" in row
