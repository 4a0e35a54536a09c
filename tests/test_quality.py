"""The monthly quality follow-up: four questions answered with faces, once per month
(changeable: a new row, the latest counts), and results per unit with small counts hidden."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from movetrack.extensions import db
from movetrack.mypages import services as card_services
from movetrack.quality import queries
from movetrack.quality.models import QualityAnswer
from movetrack.quality.services import this_month
from movetrack.unit_of_work import unit_of_work
from tests import factories
from tests.helpers import csrf_token, post_form

PIN = "4711"


def _sign_in(client, world, participant):
    with unit_of_work():
        token = card_services.issue_card(world.supervisor, participant, PIN, None)
    post_form(client, f"/card/{token}", data={"pin": PIN})


def _answer(client, *faces):
    return post_form(client, "/me/questions", data={f"answer_{n}": str(face) for n, face in enumerate(faces, 1)})


def test_a_participant_answers_four_questions_with_faces_and_can_change_them_this_month(client, world):
    _sign_in(client, world, world.anna)
    page = client.get("/me/questions")
    assert page.status_code == 200
    assert "Trivs du här?" in page.text and "Lyssnar vi på dig?" in page.text
    assert page.text.count('class="face face-') == 12 and "Ibland" in page.text
    assert page.text.count('data-speak="') >= 4  # every question can be read aloud

    saved = _answer(client, 3, 2, 3, 1)
    assert saved.status_code == 302
    again = client.get("/me/questions")
    assert "Du har svarat den här månaden" in again.text
    assert '<input checked id="answer_1-2" name="answer_1" required type="radio" value="3">' in again.text
    assert '<input checked id="answer_4-0" name="answer_4" required type="radio" value="1">' in again.text
    _answer(client, 1, 1, 1, 1)
    rows = db.session.scalars(sa.select(QualityAnswer).order_by(QualityAnswer.id)).all()
    assert [row.answers for row in rows] == [[3, 2, 3, 1], [1, 1, 1, 1]]  # nothing overwritten
    assert {row.month for row in rows} == {this_month()}
    assert queries.answer_this_month(world.anna, this_month()).answers == [1, 1, 1, 1]


def test_an_answer_needs_a_face_for_every_question(client, world):
    _sign_in(client, world, world.anna)
    missing = post_form(client, "/me/questions", data={"answer_1": "3", "answer_2": "9"})
    assert missing.status_code == 422 and "Tryck på en gubbe." in missing.text
    assert '<input checked id="answer_1-2" name="answer_1" required type="radio" value="3">' in missing.text  # kept
    assert db.session.scalars(sa.select(QualityAnswer)).all() == []


def test_answers_are_append_only_in_the_database(client, world):
    _sign_in(client, world, world.anna)
    _answer(client, 3, 3, 3, 3)
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("UPDATE quality_answers SET answer_1 = 1"))
    db.session.rollback()


def _answers(unit, rows):
    for index, faces in enumerate(rows):
        person = factories.make_participant(unit, f"Person {index}")
        db.session.flush()
        for answers in faces:
            db.session.add(QualityAnswer(participant_id=person.id, unit_id=unit.id, month=this_month(),
                                         answer_1=answers[0], answer_2=answers[1], answer_3=answers[2],
                                         answer_4=answers[3]))
    db.session.commit()


def test_results_per_unit_and_month_hide_counts_under_five(client, auth, world):
    # Six people; the first changed their mind (only their latest counts).
    _answers(world.passagen, [[(1, 1, 1, 1), (3, 3, 3, 3)]] + [[(3, 3, 3, 1)]] * 5)
    _answers(world.ostervik, [[(1, 1, 1, 1)]] * 4)
    auth.login("admin")
    month = this_month().strftime("%Y-%m")
    passagen = client.get(f"/units/{world.passagen.id}/quality?month={month}")
    assert passagen.status_code == 200 and "6 deltagare svarade." in passagen.text
    table = passagen.text.split("<tbody>")[1]
    first_row = table.split("</tr>")[0]
    assert first_row.count("<td>0</td>") == 2 and "<td>6</td>" in first_row
    fourth_row = table.split("</tr>")[3]  # five "no", one "yes": the one is hidden, and the five too
    assert fourth_row.count("färre än 5") == 2 and "<td>5</td>" not in fourth_row

    ostervik = client.get(f"/units/{world.ostervik.id}/quality?month={month}")
    assert "Färre än 5 deltagare svarade" in ostervik.text and "<tbody>" not in ostervik.text


def test_hide_small_keeps_a_hidden_count_from_being_worked_out():
    assert queries.hide_small([0, 0, 7]) == [0, 0, 7]
    assert queries.hide_small([5, 1, 9]) == [None, None, 9]
    assert queries.hide_small([2, 3, 9]) == [None, None, 9]
    assert queries.hide_small([6, 0, 6]) == [6, 0, 6]


def test_only_coordinators_see_results_and_word_the_units_questions(client, auth, world):
    auth.login("handledare")
    assert client.get(f"/units/{world.passagen.id}/quality").status_code == 403
    auth.logout()
    auth.login("admin")
    page = f"/units/{world.passagen.id}/quality/questions"
    data = {f"question_{n}_{lang}": f"Fråga {n} {lang}" for n in range(1, 5) for lang in ("sv", "en")}
    saved = post_form(client, page, data={**data, "question_2_en": ""})
    assert saved.status_code == 422 and "Skriv frågan." in saved.text and "Fråga 1 sv" in saved.text
    assert post_form(client, page, data=data).status_code == 302
    assert [q.text_sv for q in queries.questions_of(world.passagen.id)] == [f"Fråga {n} sv" for n in range(1, 5)]
    assert queries.questions_of(world.ostervik.id)[0].text_sv == "Trivs du här?"  # other units keep the defaults
    auth.logout()
    _sign_in(client, world, world.anna)
    assert "Fråga 3 sv" in client.get("/me/questions").text


def test_staff_cannot_answer_for_a_participant(client, auth, world):
    auth.login("handledare")
    assert client.get("/me/questions").status_code == 403
    token = csrf_token(client.get(f"/day/assignments/{world.anna_module.id}").text)
    refused = client.post("/me/questions", data={"csrf_token": token, "answer_1": "3", "answer_2": "3",
                                                 "answer_3": "3", "answer_4": "3"})
    assert refused.status_code == 403
    assert db.session.scalars(sa.select(QualityAnswer)).all() == []
