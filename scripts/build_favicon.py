#!/usr/bin/env python3
"""Draw movetrack's icon: a staircase rising on the app's blue, the step progression MOVE
measures. Writes static/favicon.svg (for browsers that take SVG), static/favicon.ico
(16–64 px, for /favicon.ico) and the home-screen icons of the web app manifest
(static/icons/: 192 and 512 px, plain and "maskable") from one set of shapes, so they
never drift apart.

Usage (from the repository root, in the project's virtualenv; needs Pillow):

    python scripts/build_favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "static"
SIZE = 64  # the drawing's own units; every shape below is in them
BLUE = "#0b5cad"  # --accent in static/css/app.css
WHITE = "#ffffff"
CORNER = 12
# A staircase rising left to right: its outline, corner by corner.
STAIRS = ((10, 54), (10, 42), (22, 42), (22, 30), (34, 30), (34, 18), (54, 18), (54, 54))
ICO_SIZES = [(16, 16), (32, 32), (48, 48), (64, 64)]
APP_ICON_SIZES = (192, 512)
# A maskable icon may be cut to a circle: everything that matters stays in the middle 80 %.
MASKABLE_SAFE_ZONE = 0.8


def svg() -> str:
    points = " ".join(f"{x},{y}" for x, y in STAIRS)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}">'
        f'<rect width="{SIZE}" height="{SIZE}" rx="{CORNER}" fill="{BLUE}"/>'
        f'<polygon points="{points}" fill="{WHITE}"/></svg>\n'
    )


def bitmap(scale: int = 4) -> Image.Image:
    """Drawn large and scaled down by the ICO writer, so small sizes stay crisp."""
    image = Image.new("RGBA", (SIZE * scale, SIZE * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, SIZE * scale - 1, SIZE * scale - 1), CORNER * scale, fill=BLUE)
    draw.polygon([(x * scale, y * scale) for x, y in STAIRS], fill=WHITE)
    return image


def maskable(scale: int = 8) -> Image.Image:
    """The staircase on a full square of blue, shrunk into the safe zone."""
    side = SIZE * scale
    image = Image.new("RGBA", (side, side), BLUE)
    stairs = bitmap(scale).crop((0, 0, side, side))
    inner = round(side * MASKABLE_SAFE_ZONE)
    stairs = stairs.resize((inner, inner), Image.LANCZOS)
    offset = (side - inner) // 2
    image.alpha_composite(stairs, (offset, offset))
    return image


def write_app_icons() -> None:
    icons = STATIC / "icons"
    icons.mkdir(exist_ok=True)
    for size in APP_ICON_SIZES:
        bitmap(8).resize((size, size), Image.LANCZOS).save(icons / f"icon-{size}.png", optimize=True)
        maskable().resize((size, size), Image.LANCZOS).save(icons / f"icon-maskable-{size}.png",
                                                           optimize=True)


def main() -> None:
    (STATIC / "favicon.svg").write_text(svg(), encoding="utf-8")
    bitmap().save(STATIC / "favicon.ico", sizes=ICO_SIZES)
    write_app_icons()
    print("static/favicon.svg, static/favicon.ico and static/icons/ written")


if __name__ == "__main__":
    main()
