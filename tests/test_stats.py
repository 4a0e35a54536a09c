"""The statistics room (issue 12, MOVE.md §5): every figure of a hand-made fixture worked
out by hand below (never by the code under test), the scope of each role through HTTP,
small numbers hidden from case workers on the page and in the CSV, the CSV's format, and
a fixed number of queries whatever the amount of data.

The fixture: period P = 2026-01-01 … 2026-03-31 (Q1), L = 2026-03-31. 1 Jan 2026 is a
Thursday, so 1 Feb is a Sunday and 2 Feb a Monday. Ordering unit A = Arbetsförmedlingen
(world.af), B = Socialtjänsten.

person (gender, birth year)  placement: received → start → end, outcome       unit
Anna    (woman, 1990)        pl1: 2025-11-20 → 2025-12-01 → –                 A
Bertil  (man, 2005)          pl2: 2026-01-05 → 2026-01-15 → 2026-03-31 work   A
Cecilia (woman, 2001)        pl3: 2026-01-10 → 2026-02-01 → 2026-03-15 studies A
David   (man, 1980)          pl4: 2026-02-01 → 2026-02-05 → 2026-03-01 own ch. A
Eva     (not stated, –)      pl5: 2026-03-10 → not started                     A
Filip   (man, 1999)          pl6: 2025-06-01 → 2025-06-10 → 2026-01-20 other pl. A
                             pl7: 2026-02-20 → 2026-03-02 → –   (returning)    A
Greta   (woman, 1970)        pl8: 2026-01-12 → 2026-01-20 → 2026-02-10 BY MISTAKE A
Hugo    (man, 1985)          pl9: 2026-01-08 → 2026-01-12 → –                  B

Age band = year of start (received while not started) − birth year: Anna 2025−1990 = 35,
Bertil 21 (under 25), Cecilia 2026−2001 = 25 (25 and over: birth year only, though she
may not have had her birthday), David 46, Eva not stated, Filip pl6 2025−1999 = 26,
pl7 27, Hugo 41.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from movetrack.attendance.models import Attendance, AttendanceStatus
from movetrack.auth.models import Role
from movetrack.extensions import db
from movetrack.followups.models import FollowUp, FollowUpKind
from movetrack.org.models import OrderingUnit
from movetrack.placements.models import (
    Outcome,
)
from movetrack.progress.models import RatingSource
from movetrack.stats import figures
from movetrack.stats.grouping import COLUMNS, Cell, Row, Table
from movetrack.stats.period import Filters, Period
from movetrack.stats.suppression import COMPLEMENT, SMALL, hide_small_numbers
from tests import factories
from tests.helpers import count_queries

D = dt.date
P = Period(D(2026, 1, 1), D(2026, 3, 31))
Q1 = {"first": "2026-01-01", "last": "2026-03-31"}
# Column order: all, woman, man, other, not stated, under 25, 25 and over, age not stated.
ALL, WOMAN, MAN, OTHER, NOT_STATED, UNDER_25, FROM_25, NO_AGE = range(8)


pytestmark = pytest.mark.usefixtures("english")


def _placement(person, ordering_unit, received, start=None, end=None, outcome=None,
               weekdays=()):
    return factories.make_placement(
        person, ordering_unit, start_date=start, end_date=end, received_on=received,
        exit_outcome=outcome, schedule={day: Decimal(4) for day in weekdays},
    )


def _attend(placement, day, status=AttendanceStatus.PRESENT, hours=None):
    db.session.add(Attendance(placement=placement, on_date=day, status=status, hours=hours))


@pytest.fixture
def q1(world):
    w = world
    b_unit = OrderingUnit(organisation=w.org, name="Socialtjänsten")
    b_worker = factories.make_user(w.org, "soc", Role.ORDERER, ordering_unit=b_unit,
                                   name="Siv Social")
    w.anna.gender, w.anna.birth_year = "woman", 1990
    w.bertil.gender, w.bertil.birth_year = "man", 2005
    people = {
        name: factories.make_participant(w.passagen, name, gender=gender, birth_year=year)
        for name, gender, year in (
            ("Cecilia", "woman", 2001), ("David", "man", 1980), ("Eva", "not_stated", None),
            ("Filip", "man", 1999), ("Greta", "woman", 1970), ("Hugo", "man", 1985),
        )
    }
    c, d, e, f, g, h = people.values()
    pl1 = _placement(w.anna, w.af, D(2025, 11, 20), D(2025, 12, 1))
    pl2 = _placement(w.bertil, w.af, D(2026, 1, 5), D(2026, 1, 15), D(2026, 3, 31), Outcome.WORK)
    pl3 = _placement(c, w.af, D(2026, 1, 10), D(2026, 2, 1), D(2026, 3, 15), Outcome.STUDIES,
                     weekdays=(4,))
    pl4 = _placement(d, w.af, D(2026, 2, 1), D(2026, 2, 5), D(2026, 3, 1), Outcome.OWN_CHOICE,
                     weekdays=(0, 2))
    _placement(e, w.af, D(2026, 3, 10))
    pl6 = _placement(f, w.af, D(2025, 6, 1), D(2025, 6, 10), D(2026, 1, 20),
                     Outcome.OTHER_PLACEMENT)
    pl7 = _placement(f, w.af, D(2026, 2, 20), D(2026, 3, 2))
    pl8 = _placement(g, w.af, D(2026, 1, 12), D(2026, 1, 20), D(2026, 2, 10),
                     Outcome.REGISTERED_BY_MISTAKE, weekdays=(0,))
    _placement(h, b_unit, D(2026, 1, 8), D(2026, 1, 12))

    # Modules. M1 "Slipa en stol" (area arbetsmoment), M2 "Bära ved" (area fysiskt).
    m1, m2 = w.module, factories.make_module("bara-ved", "Bära ved", area_key="fysiskt")
    anna_m1 = w.anna_module  # given step 2
    anna_m1.placement, anna_m1.assigned_on = pl1, D(2025, 12, 1)
    factories.rate(anna_m1, 3, w.supervisor, D(2025, 12, 20))
    factories.rate(anna_m1, 5, w.supervisor, D(2026, 3, 10))
    factories.rate(anna_m1, 9, w.supervisor, D(2026, 3, 20), source=RatingSource.SELF,
                   approved=False)  # the participant's own, unapproved: counts nowhere
    bertil_m1 = w.bertil_module  # given step 1
    bertil_m1.placement, bertil_m1.assigned_on = pl2, D(2026, 1, 15)
    factories.rate(bertil_m1, 2, w.supervisor, D(2026, 3, 20))
    cecilia_m2 = factories.assign(c, m2, on=D(2026, 2, 1), placement=pl3)  # no step given
    factories.rate(cecilia_m2, 3, w.supervisor, D(2026, 2, 10))
    factories.rate(cecilia_m2, 2, w.supervisor, D(2026, 3, 1))
    factories.assign(d, m2, on=D(2026, 2, 5), placement=pl4)  # never rated: no step
    filip_old = factories.assign(f, m1, baseline=2, on=D(2025, 6, 10), placement=pl6)
    factories.rate(filip_old, 6, w.supervisor, D(2025, 9, 1))
    factories.rate(filip_old, 5, w.supervisor, D(2026, 1, 10))
    filip_new = factories.assign(f, m1, baseline=4, on=D(2026, 3, 2), placement=pl7)
    factories.rate(filip_new, 4, w.supervisor, D(2026, 3, 25))
    greta_m1 = factories.assign(g, m1, baseline=1, on=D(2026, 1, 20), placement=pl8)
    factories.rate(greta_m1, 8, w.supervisor, D(2026, 2, 1))

    # Attendance. David (Mon, Wed; 5 Feb–1 Mar): Mondays 9, 16, 23 Feb and Wednesdays
    # 11, 18, 25 Feb = 6 scheduled. Present 9th, partly 11th, sick 16th, present 18th,
    # 23rd and 25th not recorded; a record on Tuesday 10th is not a scheduled day.
    for day, status, hours in ((9, AttendanceStatus.PRESENT, None),
                               (11, AttendanceStatus.PARTLY, Decimal(2)),
                               (16, AttendanceStatus.SICK, None),
                               (18, AttendanceStatus.PRESENT, None),
                               (10, AttendanceStatus.PRESENT, None)):
        _attend(pl4, D(2026, 2, day), status, hours)
    # Cecilia (Fridays; 1 Feb–15 Mar): 6, 13, 20, 27 Feb, 6 and 13 Mar, all present.
    for day in (D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 20), D(2026, 2, 27),
                D(2026, 3, 6), D(2026, 3, 13)):
        _attend(pl3, day)
    _attend(pl8, D(2026, 1, 26))  # registered by mistake: counts nowhere

    # Three months after exit: Bertil works, David studies, Cecilia's not recorded yet.
    for placement, activity in ((pl2, Outcome.WORK), (pl4, Outcome.STUDIES), (pl3, None)):
        db.session.add(FollowUp(
            placement=placement, kind=FollowUpKind.AFTER_EXIT, label="3 months",
            due_on=placement.end_date + dt.timedelta(days=91),
            held_on=placement.end_date + dt.timedelta(days=91) if activity else None,
            activity_after_exit=activity,
        ))
    db.session.commit()
    return SimpleNamespace(b_unit=b_unit, b_worker=b_worker, pl7=pl7, **people)


def values(row: Row) -> list:
    return [cell.value for cell in row.cells]


def test_every_figure_of_the_quarter_as_worked_out_by_hand(world, q1):
    report = figures.report(world.admin, P, Filters(), D(2026, 11, 30))
    flow = report.flow
    #                                         all  W  M  O  NS <25 25+ n/a
    # Inflow, received in P (Greta's by mistake left out): Bertil, Cecilia, David, Eva,
    # Filip (pl7), Hugo. Under 25: Bertil.
    assert values(flow.row("inflow")) == [6, 1, 4, 0, 1, 1, 4, 1]
    # Starts: Bertil 15 Jan, Cecilia 1 Feb, David 5 Feb, Filip 2 Mar, Hugo 12 Jan.
    assert values(flow.row("starts")) == [5, 1, 4, 0, 0, 1, 4, 0]
    # Outflow: Bertil (31 Mar, the last day), Cecilia, David, Filip's first (26 at start).
    assert values(flow.row("outflow")) == [4, 1, 3, 0, 0, 1, 3, 0]
    # To work or studies: Bertil (work) and Cecilia (studies) of 4 = 50 %; women 1/1;
    # men 1/3 (Bertil); under 25 1/1; 25+ 1/3 (Cecilia).
    share = values(flow.row("share_to_work_or_studies"))
    assert share[:3] == [0.5, 1.0, pytest.approx(1 / 3)]
    assert share[5:7] == [1.0, pytest.approx(1 / 3)]
    assert share[OTHER] is None and share[NO_AGE] is None  # nobody ended: no share
    # Active on 31 Mar: Anna, Bertil (ends that day), Filip (pl7), Hugo.
    assert values(flow.row("active_at_end")) == [4, 1, 3, 0, 0, 1, 3, 0]

    # By outcome: work 1 (Bertil), studies 1 (Cecilia), own choice 1 (David), another
    # placement 1 (Filip); all 4.
    by_outcome = report.outflow_by_outcome
    assert values(by_outcome.row("work"))[:3] == [1, 0, 1]
    assert values(by_outcome.row("studies"))[:3] == [1, 1, 0]
    assert values(by_outcome.row("own_choice"))[ALL] == 1
    assert values(by_outcome.row("other_placement"))[ALL] == 1
    assert values(by_outcome.row("unknown"))[ALL] == 0
    assert values(by_outcome.row("total"))[ALL] == 4
    assert "registered_by_mistake" not in [row.key for row in by_outcome.rows]

    # Month by month. Inflow: Jan Bertil, Cecilia, Hugo = 3; Feb David, Filip = 2; Mar Eva 1.
    inflow, outflow, active = report.series
    assert [row.cells[ALL].value for row in inflow.rows] == [3, 2, 1, 6]
    # Outflow: Jan Filip's first; Feb none; Mar Bertil, Cecilia, David.
    assert [row.cells[ALL].value for row in outflow.rows] == [1, 0, 3, 4]
    # Active at 31 Jan: Anna, Bertil, Hugo (Filip ended 20 Jan) = 3; 28 Feb: Anna, Bertil,
    # Cecilia, David, Hugo = 5; 31 Mar: Anna, Bertil, Filip, Hugo = 4.
    assert [row.cells[ALL].value for row in active.rows] == [3, 5, 4]

    # Lead time (started in P): Bertil 5→15 Jan 10, Cecilia 10 Jan→1 Feb 22, David
    # 1→5 Feb 4, Filip 20 Feb→2 Mar 10 (February has 28 days), Hugo 8→12 Jan 4.
    # All: 4, 4, 10, 10, 22: median 10; p90 at ⌈4.5⌉ = 5th: 22.
    # Men: 4, 4, 10, 10 (even): median (4 + 10) / 2 = 7; p90 at ⌈3.6⌉ = 4th: 10.
    lead = report.lead_time
    assert values(lead.row("median"))[:3] == [10, 22, 7]
    assert values(lead.row("p90"))[:3] == [22, 22, 10]
    # Time in activity (ended in P): David 5 Feb→1 Mar 24, Cecilia 1 Feb→15 Mar 42,
    # Bertil 15 Jan→31 Mar 75, Filip 10 Jun 2025→20 Jan 2026 224.
    # Even count: median (42 + 75) / 2 = 58.5; p90 at ⌈3.6⌉ = 4th: 224.
    spent = report.time_in_activity
    assert values(spent.row("median"))[ALL] == 58.5
    assert values(spent.row("p90"))[ALL] == 224
    # Men: 24, 75, 224: median 75.
    assert values(spent.row("median"))[MAN] == 75

    # Moved up since 31 Dec 2025 (three months before L), of those active on L with a
    # module: Anna 3 → 5 (the self-rating 9 does not count): moved. Bertil: no step on 31
    # Dec (assigned 15 Jan) → 2: cannot show a move. Filip's new module (assigned 2 Mar,
    # his first placement's does not count): not moved. Hugo: no module, not counted.
    moved = report.moved_up
    assert values(moved.row("with_modules"))[:3] == [3, 1, 2]
    assert values(moved.row("moved_up"))[:3] == [1, 1, 0]
    assert values(moved.row("share_moved_up"))[:3] == [pytest.approx(1 / 3), 1.0, 0.0]

    # Gain = step on L − baseline, per placement that ran in P. Work tasks: Anna 5 − 2 = 3,
    # Bertil 2 − 1 = 1, Filip's first 5 − 2 = 3, Filip's second 4 − 4 = 0: mean 7 / 4.
    # Physical: Cecilia 2 − 3 (first rating, no step given) = −1. David's module has no
    # step: left out. Greta's (by mistake) counts nowhere.
    gains = report.gain_by_area
    assert values(gains.row("arbetsmoment"))[:3] == [1.75, 3.0, pytest.approx(4 / 3)]
    assert values(gains.row("fysiskt"))[:3] == [-1.0, -1.0, None]
    assert values(gains.row("socialt"))[ALL] is None
    direction = report.gain_direction
    assert values(direction.row("increased"))[:3] == [3, 1, 2]  # Anna; Bertil, Filip
    assert values(direction.row("same"))[:3] == [1, 0, 1]  # Filip's new module
    assert values(direction.row("decreased"))[:3] == [1, 1, 0]  # Cecilia
    assert values(direction.row("total"))[ALL] == 5

    # Attendance: David 3 of 6 (9th, 11th partly, 18th), Cecilia 6 of 6: 9 / 12.
    attendance = report.attendance
    assert values(attendance.row("scheduled_days"))[:3] == [12, 6, 6]
    assert values(attendance.row("present_days"))[:3] == [9, 6, 3]
    assert values(attendance.row("rate"))[:3] == [0.75, 1.0, 0.5]

    # Three months after exit: Bertil works, David studies; Cecilia's is not recorded.
    after = report.after_exit
    assert values(after.row("work"))[ALL] == 1
    assert values(after.row("studies"))[ALL] == 1
    assert values(after.row("total"))[ALL] == 2


def test_filters_narrow_every_figure(world, q1):
    men_25 = figures.flow(world.admin, P, Filters(gender="man", age_band="25_plus"))
    # Inflow: David, Filip (pl7), Hugo.
    assert values(men_25.row("inflow"))[ALL] == 3
    only_b = figures.flow(world.admin, P, Filters(ordering_unit_id=q1.b_unit.id))
    assert values(only_b.row("inflow"))[ALL] == 1  # Hugo
    pl7 = q1.pl7
    pl7.target_groups = ["young_adult"]
    db.session.commit()
    young = figures.flow(world.admin, P, Filters(target_group="young_adult"))
    assert values(young.row("inflow"))[ALL] == 1  # Filip's second order


def test_a_case_worker_sees_only_their_ordering_units_people_with_small_numbers_hidden(
    client, auth, world, q1
):
    auth.login("admin")
    admin_page = client.get("/statistics/", query_string=Q1)
    assert admin_page.status_code == 200
    assert _cells(admin_page.text, "Orders received (inflow)") == [
        "6", "1", "4", "0", "1", "1", "4", "1"]
    auth.logout()

    auth.login("handlaggare")  # Olle at A
    page = client.get("/statistics/", query_string=Q1)
    assert page.status_code == 200
    # A's inflow: Bertil, Cecilia, David, Eva, Filip = 5 (Hugo is B's: admin's 6 less one);
    # each gender and age cell holds 1 to 4 people: "<5".
    assert _cells(page.text, "Orders received (inflow)") == [
        "5", "&lt;5", "&lt;5", "0", "&lt;5", "&lt;5", "&lt;5", "&lt;5"]
    # Starts at A: Bertil, Cecilia, David, Filip = 4 people: hidden, total too.
    assert _cells(page.text, "Placements started")[ALL] == "&lt;5"
    assert "Small numbers are hidden" in page.text and "Hugo" not in page.text
    # B's ordering unit is not a choice for A's case worker.
    refused = client.get("/statistics/", query_string={**Q1, "ordering_unit": q1.b_unit.id})
    assert refused.status_code == 422 and "Choose one of the listed options." in refused.text

    export = client.get("/statistics/export.csv", query_string=Q1)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = text.splitlines()
    assert "Inflow, starts" not in text and "Inflöde, starter" in text  # Swedish by default
    inflow = next(line for line in lines if line.startswith("Beställningar mottagna"))
    assert inflow.split(";")[1:] == ["5", "<5", "<5", "0", "<5", "<5", "<5", "<5"]
    auth.logout()

    auth.login("soc")  # Siv at B sees Hugo's order alone, hidden
    page = client.get("/statistics/", query_string=Q1)
    assert _cells(page.text, "Orders received (inflow)")[ALL] == "&lt;5"


def test_the_csv_opens_in_swedish_excel_and_in_english(client, auth, world, q1):
    auth.login("admin")
    swedish = client.get("/statistics/export.csv", query_string=Q1).data.decode("utf-8")
    assert swedish.startswith("\ufeff")
    lines = swedish.splitlines()
    attendance = next(line for line in lines if line.startswith("Närvarograd"))
    assert attendance.split(";")[1:4] == ["75", "100", "50"]
    median = [line for line in lines if line.startswith("Median")]
    assert median[1].split(";")[1] == "58,5"  # time in activity: a decimal comma
    english = client.get("/statistics/export.csv",
                         query_string={**Q1, "language": "en"}).data.decode("utf-8")
    lines = english.splitlines()
    median = [line for line in lines if line.startswith("Median")]
    assert median[1].split(",")[1] == "58.5"
    assert any(line.startswith("Orders received (inflow),6,1,4") for line in lines)


def test_the_page_states_its_decisions_and_draws_its_charts(client, auth, world, q1):
    auth.login("admin")
    page = client.get("/statistics/", query_string=Q1)
    text = page.text
    assert page.status_code == 200
    assert "only the birth year is stored" in text
    assert "woman, man, other or not stated" in text
    assert "Placements registered by mistake count nowhere." in text
    assert "quality follow-up answers are reported per unit and month" in text
    assert text.count("<svg") == 2 and 'role="img"' in text
    assert "<title>Orders received, January 2026: 3</title>" in text
    assert "Small numbers are hidden" not in text  # admins see exact numbers


def test_period_choices_are_checked(client, auth, world):
    auth.login("admin")
    backwards = client.get("/statistics/", query_string={"first": "2026-03-01",
                                                         "last": "2026-02-01"})
    assert backwards.status_code == 422
    assert "The last day cannot be before the first day." in backwards.text
    assert client.get("/statistics/", query_string={"first": "nonsense"}).status_code == 422
    auth.logout()
    auth.login("handledare")
    assert client.get("/statistics/", query_string=Q1).status_code == 200


def test_participants_may_not_see_statistics(client, auth, world):
    assert client.get("/statistics/").status_code in (302, 401)


def test_the_page_runs_a_fixed_number_of_queries(client, auth, world, q1):
    auth.login("admin")
    client.get("/statistics/", query_string=Q1)
    with count_queries() as small:
        page = client.get("/statistics/", query_string=Q1)
    assert _cells(page.text, "Orders received (inflow)")[ALL] == "6"
    module = factories.make_module("extra", "Extra")
    for number in range(12):
        person = factories.make_participant(world.passagen, f"Person {number}", gender="woman",
                                            birth_year=1990)
        placement = _placement(person, world.af, D(2026, 1, 2), D(2026, 1, 5),
                               weekdays=(0, 1, 2, 3, 4))
        assignment = factories.assign(person, module, baseline=1, on=D(2026, 1, 5),
                                      placement=placement)
        for week in range(8):
            factories.rate(assignment, 2 + week % 3, world.supervisor,
                           D(2026, 1, 5) + dt.timedelta(weeks=week))
            _attend(placement, D(2026, 1, 5) + dt.timedelta(weeks=week))
    db.session.commit()
    with count_queries() as large:
        page = client.get("/statistics/", query_string=Q1)
    assert page.status_code == 200
    assert _cells(page.text, "Orders received (inflow)")[ALL] == "18"
    assert large.count == small.count


def _cells(html: str, row_label: str) -> list[str]:
    """The cells of the first table row headed `row_label`."""
    row = html.split(f'<th scope="row">{row_label}</th>', 1)[1].split("</tr>", 1)[0]
    return [cell.split("</td>")[0] for cell in row.split('<td class="number-cell">')[1:]]


# --- the suppression rule on its own -------------------------------------------------------


def _row(key, counts, **fields) -> Row:
    return Row(key, [Cell(value, value) for value in counts], **fields)


def test_a_hidden_cell_is_never_the_only_one_in_a_group_that_adds_up():
    # all 12: women 2, men 10. Women is hidden (2 people); men would give it away
    # (12 − 10), so men is hidden too. Ages: under 25 5, 25+ 7: both shown.
    row = _row("inflow", [12, 2, 10, 0, 0, 5, 7, 0])
    table = Table("flow", [row])
    hide_small_numbers([table], 5)
    assert [cell.hidden for cell in row.cells] == [
        None, SMALL, COMPLEMENT, None, None, None, None, None]


def test_rows_that_add_up_to_a_total_hide_a_second_row():
    # Outcomes: work 3 (hidden), studies 6, unknown 9, all 18: studies is hidden as well.
    work = _row("work", [3, 0, 3, 0, 0, 0, 3, 0])
    studies = _row("studies", [6, 0, 6, 0, 0, 0, 6, 0])
    unknown = _row("unknown", [9, 0, 9, 0, 0, 0, 9, 0])
    total = _row("total", [18, 0, 18, 0, 0, 0, 18, 0], is_total=True)
    table = Table("outflow_by_outcome", [work, studies, unknown, total], additive=True)
    hide_small_numbers([table], 5)
    assert work.cells[ALL].hidden == SMALL and studies.cells[ALL].hidden == COMPLEMENT
    assert unknown.cells[ALL].hidden is None and total.cells[ALL].hidden is None
    assert len(COLUMNS) == 8
