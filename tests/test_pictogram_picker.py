"""Putting pictures beside module steps: the picker, pictogram search, and who may use them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from movetrack.audit import AuditEvent
from movetrack.extensions import db
from movetrack.media.pictograms import natural_key, search_pictograms
from movetrack.modules.models import ModuleStep, StepPicture
from tests.helpers import csrf_token

HTMX = {"HX-Request": "true"}


def picker(world, step=3) -> str:
    return f"/media/modules/{world.module.id}/steps/{step}/pictures"


def step_pictures(world, number: int) -> list[StepPicture]:
    step = db.session.scalar(
        sa.select(ModuleStep).where(
            ModuleStep.version_id == world.module.versions[0].id, ModuleStep.number == number
        )
    )
    db.session.refresh(step)
    return step.pictures


def add(client, world, key, step=3, headers=None):
    page = client.get(picker(world, step))
    return client.post(
        picker(world, step) + "/pictogram",
        data={"csrf_token": csrf_token(page.text), "key": key},
        headers=headers or {},
    )


@pytest.fixture
def admin(auth, world):
    auth.login("admin")


def test_admin_adds_a_pictogram_and_the_steps_page_shows_it(client, auth, world, admin):
    page = client.get(picker(world))
    assert page.status_code == 200
    assert "Slipa en stol steg 3" in page.text and "Betydelse 3" in page.text
    assert "hammare" in page.text

    response = add(client, world, "saw")
    assert response.status_code == 302
    assert [p.pictogram_key for p in step_pictures(world, 3)] == ["hammer", "saw"]
    assert [p.pictogram_key for p in step_pictures(world, 4)] == ["hammer"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "step_picture.added")).one()
    assert event.details["step"] == 3 and event.details["pictogram"] == "saw"

    auth.logout()
    auth.login("handledare")
    steps_page = client.get(f"/day/assignments/{world.anna_module.id}")
    assert steps_page.text.count('alt="såg"') == 1
    assert steps_page.text.count('alt="hammare"') == 10


def test_adding_with_htmx_returns_the_current_pictures(client, world, admin):
    response = add(client, world, "saw", headers=HTMX)
    assert response.status_code == 200
    assert 'id="current-pictures"' in response.text and "<html" not in response.text
    assert "såg" in response.text and 'role="status"' in response.text


def test_adding_does_not_make_a_new_module_version(client, world, admin):
    add(client, world, "saw")
    db.session.refresh(world.module)
    assert world.module.current_version_number == 1 and len(world.module.versions) == 1


def test_unknown_pictogram_is_422_and_nothing_is_added(client, world, admin):
    response = add(client, world, "no-such-picture")
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert [p.pictogram_key for p in step_pictures(world, 3)] == ["hammer"]


def test_same_pictogram_twice_is_422(client, world, admin):
    response = add(client, world, "hammer", headers=HTMX)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert len(step_pictures(world, 3)) == 1


def test_remove_a_picture(client, auth, world, admin):
    hammer_id = step_pictures(world, 3)[0].id
    page = client.get(picker(world))
    response = client.post(
        f"{picker(world)}/{hammer_id}/remove", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert step_pictures(world, 3) == []
    assert len(step_pictures(world, 2)) == 1
    assert db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "step_picture.removed")
    ).one().subject_id == hammer_id

    after = client.get(picker(world))
    assert "No pictures yet" in after.text or "Inga bilder" in after.text


def test_a_picture_of_another_step_cannot_be_removed_here(client, world, admin):
    other = step_pictures(world, 4)[0]
    page = client.get(picker(world))
    response = client.post(f"{picker(world)}/{other.id}/remove", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 404
    assert len(step_pictures(world, 4)) == 1


def test_move_a_picture_earlier(client, world, admin):
    add(client, world, "saw")
    saw = step_pictures(world, 3)[1]
    page = client.get(picker(world))
    response = client.post(
        f"{picker(world)}/{saw.id}/move",
        data={"csrf_token": csrf_token(page.text), "direction": "earlier"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert [p.pictogram_key for p in step_pictures(world, 3)] == ["saw", "hammer"]


def test_supervisor_cannot_open_the_picker_or_add(client, auth, world):
    auth.login("handledare")
    assert client.get(picker(world)).status_code == 403
    token = csrf_token(client.get(f"/day/assignments/{world.anna_module.id}").text)
    response = client.post(picker(world) + "/pictogram", data={"csrf_token": token, "key": "saw"})
    assert response.status_code == 403
    assert len(step_pictures(world, 3)) == 1


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(picker(world))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("step", [0, 11])
def test_steps_outside_1_to_10_are_404(client, world, admin, step):
    assert client.get(picker(world, step)).status_code == 404


def test_unknown_module_is_404(client, world, admin):
    assert client.get("/media/modules/999/steps/1/pictures").status_code == 404


def test_picker_links_to_every_step(client, world, admin):
    page = client.get(picker(world, 3)).text
    for number in range(1, 11):
        assert f'href="{picker(world, number)}"' in page
    assert 'aria-current="page"' in page


def test_picker_search_works_without_javascript(client, world, admin):
    page = client.get(picker(world) + "?q=såg")
    assert page.status_code == 200
    assert 'value="saw"' in page.text and 'value="horse"' not in page.text
    form = page.text[page.text.index('role="search"'):]
    assert 'hx-get="/media/pictograms?module_id=' in form
    assert 'hx-trigger="input changed delay:250ms, search"' in form


def test_without_javascript_adding_returns_to_the_same_search(client, world, admin):
    page = client.get(picker(world) + "?q=såg")
    response = client.post(
        picker(world) + "/pictogram?q=såg", data={"csrf_token": csrf_token(page.text), "key": "saw"}
    )
    assert response.status_code == 302 and "q=s" in response.headers["Location"]


# --- search ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["häst", "horse", "HÄST", "hast"])
def test_search_finds_the_horse_by_swedish_or_english_label(client, auth, world, query):
    auth.login("handledare")
    response = client.get("/media/pictograms", query_string={"q": query}, headers=HTMX)
    assert response.status_code == 200
    assert "horse.svg" in response.text and "<html" not in response.text


def test_search_page_for_staff_without_add_buttons(client, auth, world):
    auth.login("handledare")
    page = client.get("/media/pictograms?q=häst")
    assert page.status_code == 200 and "<h1>" in page.text
    assert "horse.svg" in page.text and "hammer.svg" not in page.text
    assert 'name="key"' not in page.text  # nothing to add to


def test_search_with_step_context_gives_add_buttons_to_admins_only(client, auth, world):
    url = f"/media/pictograms?q=häst&module_id={world.module.id}&step=3"
    auth.login("admin")
    assert 'name="key" value="horse"' in client.get(url, headers=HTMX).text
    auth.logout()
    auth.login("handledare")
    assert 'name="key"' not in client.get(url, headers=HTMX).text


def test_search_is_for_staff_only(client, auth, world):
    auth.login("handlaggare")
    assert client.get("/media/pictograms?q=häst").status_code == 403


def test_category_filter(client, auth, world):
    auth.login("admin")
    response = client.get("/media/pictograms?category=animals", headers=HTMX)
    assert "horse.svg" in response.text and "hammer.svg" not in response.text


def test_labels_follow_the_language(client, auth, world):
    auth.login("admin")
    swedish = client.get("/media/pictograms?q=horse", headers=HTMX)
    assert "<figcaption>häst</figcaption>" in swedish.text
    client.post("/language", data={"lang": "en", "csrf_token": csrf_token(client.get(picker(world)).text)})
    english = client.get("/media/pictograms?q=häst", headers=HTMX)
    assert "<figcaption>horse</figcaption>" in english.text


def test_search_ranks_whole_words_first_and_sorts_naturally(app):
    with app.test_request_context():
        assert search_pictograms("ko")[0].key == "cow"
        assert search_pictograms("horse")[0].key == "horse"
        clocks = [p.key for p in search_pictograms("", "time") if p.key.startswith("clock-")]
    assert clocks.index("clock-2") < clocks.index("clock-10")
    assert natural_key("clock-2") < natural_key("clock-10") < natural_key("clock-10-30")


def test_photo_form_opens_the_tablet_camera(client, world, admin):
    page = client.get(picker(world)).text
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page


def test_plain_get_of_the_picker_search_returns_to_the_picker(client, world, admin):
    response = client.get(f"/media/pictograms?q=häst&module_id={world.module.id}&step=3")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(picker(world))


def test_supervisor_with_a_picker_link_gets_the_browse_page(client, auth, world):
    auth.login("handledare")
    response = client.get(f"/media/pictograms?q=häst&module_id={world.module.id}&step=3")
    assert response.status_code == 200 and "horse.svg" in response.text
