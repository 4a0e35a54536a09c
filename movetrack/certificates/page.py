"""The page a certificate is drawn on (fpdf2): A4 with the fonts, the colours, a footer
with the verification code, the revoked banner, the QR code and the step pictograms.
What each layout writes on it is pdf.py.

Fonts: Noto Sans with Noto Sans Arabic and Noto Sans Ethiopic as fallbacks (OFL, in
fonts/), shaped with HarfBuzz (uharfbuzz) so Arabic letters join and run right to left.
Only the glyphs used are embedded, so a certificate stays small.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from movetrack.media.pictograms import all_pictograms

if TYPE_CHECKING:
    from movetrack.certificates.pdf import Printable

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "NotoSans"
FALLBACK_FAMILIES = ("NotoSansArabic", "NotoSansEthiopic")
PT = 25.4 / 72  # millimetres per typographic point

INK = (27, 31, 36)
SOFT = (73, 82, 92)
RULE = (201, 208, 215)
REVOKED = (176, 0, 32)
WHITE = (255, 255, 255)


# Scripts whose letters join or run right to left (Hebrew, Arabic with its supplements and
# presentation forms) or that only the fallback fonts have (Ethiopic).
SHAPED_SCRIPTS = (
    (0x0590, 0x08FF), (0x1200, 0x139F), (0x2D80, 0x2DDF), (0xAB00, 0xAB2F), (0xFB1D, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def needs_shaping(content) -> bool:
    """Whether any text of the certificate is in a script that needs the fallback fonts
    and shaping. The certificate's own words are Swedish or English (Latin): the content
    (names, module titles and steps) decides."""
    text = json.dumps(content, ensure_ascii=False)
    return any(low <= ord(char) <= high for char in text if ord(char) >= 0x0590
               for low, high in SHAPED_SCRIPTS)


def qr_image(url: str):
    """A PIL image of the QR code; level M survives a crease or a smudge on paper."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image()


@cache
def _svg_renders(path: str) -> bool:
    """Whether fpdf2 can draw this SVG, tried once per process on a scratch document, so a
    pictogram it cannot handle is left out instead of breaking (or half-drawing) a page."""
    try:
        scratch = FPDF()
        scratch.add_page()
        scratch.image(path, w=10)
        scratch.output()
    # fpdf2 raises many kinds of error for SVG it cannot handle; any of them means "skip".
    except Exception:  # noqa: BLE001
        log.warning("pictogram %s cannot be drawn in a PDF; left out", path)
        return False
    return True


def pictogram_file(keys: list[str]) -> str | None:
    """The first of the step's pictograms that exists and renders."""
    pictograms = all_pictograms()
    folder = Path(current_app.config["STATIC_ROOT"]) / "pictograms"
    for key in keys:
        pictogram = pictograms.get(key)
        path = folder / pictogram.file if pictogram else None
        if path and path.is_file() and _svg_renders(str(path)):
            return str(path)
    return None


def use_noto_fonts(pdf: FPDF, shaped: bool = True) -> None:
    """Noto Sans, with Arabic and Ethiopic fallbacks, shaped: names in any script print.
    Loading a font and shaping text are most of a PDF's time (issue 14: under 0.3 s), so
    `shaped=False` (nothing in those scripts) loads Noto Sans alone and skips HarfBuzz."""
    for family in (FAMILY, *FALLBACK_FAMILIES) if shaped else (FAMILY,):
        pdf.add_font(family, "", FONT_DIR / f"{family}-Regular.ttf")
        pdf.add_font(family, "B", FONT_DIR / f"{family}-Bold.ttf")
    if shaped:
        pdf.set_fallback_fonts(list(FALLBACK_FAMILIES))
        pdf.set_text_shaping(True)


class CertificatePdf(FPDF):
    """A4 with the fonts, metadata, a footer carrying the code on every page, and a red
    banner on every page of a revoked certificate."""

    def __init__(self, printable: Printable, language: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.printable = printable
        self.language = language
        use_noto_fonts(self, shaped=needs_shaping(printable.content))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=22)
        self.alias_nb_pages()
        content = printable.content
        self.set_lang(language)
        self.set_title(
            _(
                "Certificate of competence development: %(name)s",
                name=content["participant"]["name"],
            )
        )
        self.set_author(f"{content['organisation']}, {content['unit']}")
        self.set_creator("movetrack")

    # Text helpers: every string goes through multi_cell so anything long wraps.

    def line_height(self, size: float) -> float:
        return size * PT * 1.4

    def write_text(
        self, text: str, size: float, style: str = "", color=INK, width: float = 0, align: str = "L"
    ) -> None:
        self.set_font(FAMILY, style, size)
        self.set_text_color(*color)
        self.multi_cell(
            width,
            self.line_height(size),
            text,
            align=align,
            new_x="LEFT" if width else "LMARGIN",
            new_y="NEXT",
        )

    def text_height(self, text: str, size: float, style: str = "", width: float = 0) -> float:
        self.set_font(FAMILY, style, size)
        lines = self.multi_cell(
            width or self.epw, self.line_height(size), text, dry_run=True, output="LINES"
        )
        return len(lines) * self.line_height(size)

    def keep_together(self, height: float) -> None:
        """Start a new page unless the block fits; a block taller than a page just flows."""
        if height < self.eph and self.will_page_break(height):
            self.add_page()

    def rule(self) -> None:
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def banner(self) -> str | None:
        """What every page must say first about a certificate that no longer stands alone."""
        printable = self.printable
        if printable.revoked_at is not None:
            return _(
                "REVOKED on %(date)s. This certificate is no longer valid.",
                date=format_date(printable.revoked_at, "long"),  # in the local time zone
            )
        if printable.replaced_at is not None:
            return _(
                "REPLACED on %(date)s by a newer certificate: %(url)s",
                date=format_date(printable.replaced_at, "long"),
                url=printable.replacement_url,
            )
        return None

    def header(self) -> None:
        banner = self.banner()
        if banner is None:
            return
        self.write_text(banner, 12, "B", REVOKED)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*SOFT)
        text = _(
            "Verification code %(code)s · page %(page)s of %(pages)s",
            code=self.printable.code,
            page=self.page_no(),
            pages="{nb}",
        )
        self.cell(0, 5, text, align="C")

    def qr_block(self, size: float, lines: list[tuple[str, float, str]]) -> None:
        """The QR code with lines of text beside it, kept on one page."""
        text_width = self.epw - size - 6
        height = max(size, sum(self.text_height(t, s, st, text_width) + 1 for t, s, st in lines))
        self.keep_together(height + 4)
        top = self.get_y()
        self.image(qr_image(self.printable.verify_url), x=self.l_margin, y=top, w=size, h=size)
        left = self.l_margin + size + 6
        self.set_xy(left, top)
        for text, size_pt, style in lines:
            self.write_text(text, size_pt, style, INK if style else SOFT, width=text_width)
            self.set_xy(left, self.get_y() + 1)  # not ln(): it would return to the margin
        self.set_xy(self.l_margin, top + height + 4)

    def signature(self, size: float, issued_line: str, issuer: str) -> None:
        """The issue line, room to sign, a line, and the issuer's name under it."""
        height = self.text_height(issued_line, size) + 30
        self.keep_together(height)
        self.write_text(issued_line, size)
        self.ln(16)
        self.set_draw_color(*INK)
        self.set_line_width(0.3)
        self.line(self.l_margin, self.get_y(), self.l_margin + 90, self.get_y())
        self.ln(1.5)
        self.write_text(_("Signature: %(name)s", name=issuer), size - 2, color=SOFT)
        self.ln(6)
