"""/favicon.ico: our own icon, cached, and linked from every page."""

from __future__ import annotations

import io

from PIL import Image


def test_the_favicon_is_our_icon_with_a_long_cache(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.cache_control.max_age >= 30 * 86400
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32)} <= icon.info["sizes"]
    icon.size = (32, 32)
    assert icon.convert("RGB").getpixel((2, 16)) == (11, 92, 173)  # the app's blue (--accent)


def test_every_page_links_the_icon(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<link rel="icon" href="/favicon.ico"' in page.text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b'fill="#0b5cad"' in svg.data
