"""Fuzzing: arbitrary input to every form, the JSON library import and the htmx fragments.

Whatever is typed (NUL, lone surrogates, right-to-left marks, 100 kB, huge or negative
numbers, NaN, impossible dates) or uploaded (random bytes as a photo), the answer is a
success or a 4xx with a message, never a 500, and the database stays consistent: a
refused post changes no table, and no rating is outside 1–10.

The forms are found, not listed: the demo workplace is crawled as the coordinator and
every form that posts is fuzzed, so a new form is covered without anyone adding it here.

Examples are few by default so the suite stays quick; HYPOTHESIS_PROFILE=thorough (or
`deep`) runs many more: `HYPOTHESIS_PROFILE=thorough bash scripts/test tests/test_fuzz.py`.
"""

from __future__ import annotations

import io
import os
import re
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from movetrack.auth.models import User
from movetrack.backup.archive import tables
from movetrack.demo import demo_command
from movetrack.extensions import db
from tests.test_markup import _crawl

settings.register_profile(
    "fuzz", max_examples=6, deadline=None, derandomize=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("thorough", parent=settings.get_profile("fuzz"), max_examples=100)
settings.register_profile("deep", parent=settings.get_profile("fuzz"), max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))

NASTY_TEXT = [
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202eevil\u202c", "مرحبا بالعالم", "ሰላም",
    "\ufeff", "\u200b", "A" * 100_000, "-1", "0", "99999999999999999999999", "-9223372036854775809",
    "1e309", "NaN", "nan", "inf", "-inf", "2026-02-30", "0001-01-01", "9999-12-31", "+10000-01-01",
    "<script>alert(1)</script>", "'; DROP TABLE participants; --", "../../etc/passwd", "%00", "\r\n",
]
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
TEXT = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(alphabet=ANY_CHARACTER, max_size=60),
    st.text(max_size=3000),
)
NUMBER = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-20, max_value=20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
DATE = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(["2026-02-29", "2026-13-01", "0000-00-00"]),
)
FILE_BYTES = st.one_of(
    st.binary(max_size=4096),
    st.sampled_from([b"", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0" + b"\x00" * 100, b"GIF89a"]),
)
# Forms that would end the fuzzer's own session, not the app's business here.
SELF_ENDING = ("/logout", "/account/password", "/language")


class _Forms(HTMLParser):
    """Every form on a page that posts: where to, how encoded, and its fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            action = attributes.get("hx-post") or attributes.get("action") or ""
            if (attributes.get("method") or "get").lower() == "post" or attributes.get("hx-post"):
                self._form = {"action": action, "multipart": "multipart" in (attributes.get("enctype") or ""),
                              "fields": []}
                self.forms.append(self._form)
            return
        if self._form is None or not attributes.get("name"):
            if tag == "option" and self._select is not None:
                self._select["choices"].append(attributes.get("value") or "")
            return
        field = {"name": attributes["name"], "tag": tag, "type": (attributes.get("type") or tag).lower(),
                 "value": attributes.get("value") or "", "choices": []}
        if tag in ("input", "textarea", "select", "button"):
            self._form["fields"].append(field)
        if tag == "select":
            self._select = field

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def _forms(html: str, page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(urljoin(page, form["action"] or page)).path
    return parser.forms


OWN = object()  # the value the page drew into the field now (a fresh request key, say)


def _value(field: dict) -> st.SearchStrategy:
    """What to send for one field: what the page put there some of the time, anything else
    the rest; sometimes nothing at all. Drawn from the field as first found, so that every
    example draws the same way whatever the page shows by then."""
    if field["name"] == "csrf_token":
        return st.just(OWN)
    typed = {"number": NUMBER, "date": DATE, "hidden": st.one_of(NUMBER, TEXT)}.get(field["type"], TEXT)
    options = [st.none(), st.just(OWN), typed, TEXT]
    if field["choices"]:
        options.insert(0, st.sampled_from(field["choices"]))
    return st.one_of(*options)


def _encoded(fields: dict[str, list[str]]) -> bytes:
    """A url-encoded body as a browser would send it, lone surrogates as their raw bytes."""
    def encode(text: str) -> str:
        return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{encode(name)}={encode(value)}" for name, values in fields.items() for value in values).encode()


def _without_surrogates(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _counts() -> dict[str, int]:
    connection = db.session.connection()
    return {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table)) for table in tables()}


def _assert_consistent() -> None:
    connection = db.session.connection()
    for table in ("ratings", "self_ratings"):
        outside = connection.scalar(sa.text(f"SELECT COUNT(*) FROM {table} WHERE step < 1 OR step > 10"))
        assert outside == 0, f"{table}: a step outside 1–10"


def _draw_post(form: dict, data) -> tuple[list[tuple[dict, object]], dict, dict]:
    """(each field with what to send, files, headers), drawn from the form as first found."""
    drawn, files = [], {}
    for field in form["fields"]:
        if field["type"] == "file":
            content = data.draw(st.one_of(st.none(), FILE_BYTES), label=field["name"])
            if content is not None:
                files[field["name"]] = (io.BytesIO(content), data.draw(TEXT, label="filename") or "x")
        elif field["type"] in ("submit", "button"):
            if data.draw(st.booleans(), label=f"press {field['name']}"):
                drawn.append((field, OWN))
        else:
            drawn.append((field, data.draw(_value(field), label=field["name"])))
    headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
    return drawn, files, headers


def _post(client, action: str, multipart: bool, drawn, files, headers, page_values: dict[str, str]):
    values: dict[str, list[str]] = {}
    for field, value in drawn:
        if value is OWN:
            value = page_values.get(field["name"], field["value"])
        if value is not None:
            values.setdefault(field["name"], []).append(value)
    if multipart or files:
        body = {name: [_without_surrogates(value) for value in found] for name, found in values.items()}
        return client.post(action, data={**body, **files}, headers=headers, content_type="multipart/form-data")
    return client.post(action, data=_encoded(values), headers=headers,
                       content_type="application/x-www-form-urlencoded")


def _fuzz_form(client, page: str, form: dict) -> None:
    @given(data=st.data())
    def post_anything(data):
        drawn, files, headers = _draw_post(form, data)
        now = client.get(page)  # the form as drawn now: its CSRF token and a fresh request key
        assert now.status_code < 500, page
        same = [found for found in _forms(now.text, page) if found["action"] == form["action"]]
        page_values = {field["name"]: field["value"] for field in (same[0]["fields"] if same else [])}
        db.session.rollback()
        before = _counts()
        response = _post(client, form["action"], form["multipart"], drawn, files, headers, page_values)
        assert response.status_code < 500, f"{form['action']}: {response.status_code}"
        db.session.rollback()
        if response.status_code >= 400:
            assert _counts() == before, f"{form['action']} refused ({response.status_code}) but changed rows"
        _assert_consistent()

    post_anything()


def _form_kind(action: str, fields: list[dict]) -> str:
    return re.sub(r"\d+", "N", action) + " " + ",".join(sorted({field["name"] for field in fields}))


@pytest.fixture
def demo_pages(app, client, auth):
    """The demo workplace, signed in as the coordinator: each kind of posting form once,
    with a page that draws it."""
    assert app.test_cli_runner().invoke(demo_command).exit_code == 0
    auth.login("samordnare", "movetrack-demo")
    me = db.session.scalar(sa.select(User).where(User.username == "samordnare"))
    found: dict[str, tuple[str, dict]] = {}
    for key, html in _crawl(client, "/", per_kind=1).items():
        page = key.split(" ", 1)[1]
        for form in _forms(html, page):
            action = form["action"]
            if action.startswith(SELF_ENDING) or action.startswith(f"/admin/users/{me.id}/"):
                continue
            found.setdefault(_form_kind(action, form["fields"]), (page, form))
    return found


def test_no_form_answers_a_500_whatever_is_posted(client, demo_pages):
    assert len(demo_pages) > 30  # the crawl found the workplace's forms
    for page, form in demo_pages.values():
        _fuzz_form(client, page, form)
