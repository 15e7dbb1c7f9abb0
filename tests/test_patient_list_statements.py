"""The patient lists' statements are built once per shape of list (which list, sorted how, what
kind of search) and reused: the unit, the staff member, the search text and the page are bound
at execution, so a reused statement never shows one unit's or one search's rows for another."""

from __future__ import annotations

from sqlalchemy import select

from sob_core.extensions import db
from sob_core.models import CareUnit, Citizen, Enrollment, Staff
from sob_core.web.staff import listing
from sob_core.web.staff.listing import ListQuery, patient_page

TOMMY = "SE2321000131-P000000000011"


def _expected(unit_id: int, therapist_id: int | None = None, name_part: str = "") -> set[int]:
    """The enrollment ids a list should show, by a plain query of its own."""
    query = (
        select(Enrollment.id)
        .join(Citizen, Citizen.id == Enrollment.citizen_id)
        .where(Enrollment.care_unit_id == unit_id, Enrollment.status.in_(listing.ONGOING))
    )
    if therapist_id is not None:
        query = query.where(Enrollment.therapist_id == therapist_id)
    ids = set()
    for enrollment_id, name in db.session.execute(query.add_columns(Citizen.name)):
        if name_part.lower() in name.lower():
            ids.add(enrollment_id)
    return ids


def _shown(unit_id: int, staff_id: int, query: ListQuery) -> set[int]:
    page = patient_page(db.session, care_unit_id=unit_id, staff_id=staff_id, query=query)
    ids = {row.enrollment_id for row in page.rows}
    for number in range(2, page.pages + 1):
        later = ListQuery(view=query.view, sort=query.sort, search=query.search, page=number)
        more = patient_page(db.session, care_unit_id=unit_id, staff_id=staff_id, query=later)
        ids |= {row.enrollment_id for row in more.rows}
    return ids


def test_one_statement_serves_every_unit_staff_member_and_page(app, demo_data):
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    units = list(db.session.scalars(select(CareUnit).order_by(CareUnit.id)))
    assert len(units) >= 2
    listing._statements.cache_clear()
    for unit in units:
        assert _shown(unit.id, tommy.id, ListQuery(view="all")) == _expected(unit.id)
    shown_mine = _shown(units[0].id, tommy.id, ListQuery(view="mine"))
    assert shown_mine == _expected(units[0].id, tommy.id) and shown_mine
    other = db.session.scalar(select(Staff).where(Staff.id != tommy.id).order_by(Staff.id))
    assert _shown(units[0].id, other.id, ListQuery(view="mine")) == _expected(units[0].id, other.id)
    # two lists ("all" and "mine"), one sort: two shapes whatever the units, people and pages
    assert listing._statements.cache_info().currsize == 2


def test_one_statement_serves_every_search_text_of_a_kind(app, demo_data):
    tommy = db.session.scalar(select(Staff).where(Staff.hsa_id == TOMMY))
    unit_id = db.session.scalar(select(CareUnit.id).order_by(CareUnit.id))
    listing._statements.cache_clear()
    names = ("john", "DOE", "a")
    for text in names:
        found = _shown(unit_id, tommy.id, ListQuery(view="all", search=text))
        assert found == _expected(unit_id, name_part=text), text
    john = _expected(unit_id, name_part="john")
    assert john and _expected(unit_id, name_part="a") != john  # the searches differ
    digits = db.session.scalar(
        select(Citizen.personnummer)
        .join(Enrollment, Enrollment.citizen_id == Citizen.id)
        .where(Enrollment.care_unit_id == unit_id)
    )
    by_number = _shown(unit_id, tommy.id, ListQuery(view="all", search=digits[2:8]))
    by_other_number = _shown(unit_id, tommy.id, ListQuery(view="all", search="00000000000"))
    assert by_number and not by_other_number
    # a name is searched in its distinct casings: "john" and "a" in two (john, John), "DOE" in
    # three (DOE, doe, Doe); so two name shapes, and one of digits, for five searches
    assert listing._statements.cache_info().currsize == 3
