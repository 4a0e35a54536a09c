"""The certificate as PDF (fpdf2), drawn from the frozen content alone.

Two layouts from the same record: FORMAL for employers and validation (compact, every
module with the meaning of the step reached), EASY_READ for the participant (large text,
a picture and a ten-box step meter per module). Headings are translated with Babel under
`force_locale`, so Swedish and English come from one drawing; the module wording is
as it was frozen: the formal paper's in the certificate's language, the easy-read one's in
the participant's own, each text falling back to the Swedish on its own, right-aligned
when it is written right to left.

The page itself (fonts, footer, banner, QR code, pictograms) is page.py.

Layout never depends on how long things are: text is wrapped with multi_cell, each
module block is measured first and moved whole to the next page when it would not fit,
and every page's footer repeats the verification code and "page n of N".
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from movetrack.certificates.page import FAMILY, INK, SOFT, WHITE, CertificatePdf, pictogram_file
from movetrack.certificates.services import FROZEN_TEXTS, module_language_note
from movetrack.languages import RIGHT_TO_LEFT
from movetrack.modules.models import AREA_LABELS
from movetrack.modules.translated import Text, frozen_text


class Layout(enum.StrEnum):
    FORMAL = "formal"
    EASY_READ = "easy-read"


@dataclass(frozen=True)
class Printable:
    """What a PDF may show: the frozen content plus how to check it."""

    content: dict[str, Any]
    code: str
    content_sha256: str
    verify_url: str
    revoked_at: dt.datetime | None = None
    # A reissue that replaced this certificate: when, and where to check the new one.
    replaced_at: dt.datetime | None = None
    replacement_url: str | None = None


def render_certificate(printable: Printable, layout: Layout, language: str) -> bytes:
    with force_locale(language):
        pdf = CertificatePdf(printable, language)
        writer = FormalWriter if layout == Layout.FORMAL else EasyReadWriter
        writer(pdf, printable.content).write()
        return bytes(pdf.output())


def _date(iso: str, style: str = "long") -> str:
    return format_date(dt.date.fromisoformat(iso), style)


class _Writer:
    TEXTS = FROZEN_TEXTS  # the module texts the paper prints
    def __init__(self, pdf: CertificatePdf, content: dict[str, Any]):
        self.pdf = pdf
        self.content = content

    @property
    def period(self) -> tuple[str, str]:
        return _date(self.content["period"]["start"]), _date(self.content["period"]["end"])

    @property
    def issued_line(self) -> str:
        return _(
            "Issued %(date)s by %(issuer)s, %(unit)s.",
            date=_date(self.content["issued_on"]),
            issuer=self.content["issuer"]["name"],
            unit=self.content["unit"],
        )

    @property
    def text_language(self) -> str:
        """The language the paper's module texts are read in."""
        return self.pdf.language

    def text(self, module: dict, name: str) -> Text:
        return frozen_text(module, name, self.text_language)

    def write_module_text(self, module: dict, name: str, size: float, style: str = "",
                          width: float = 0) -> None:
        text = self.text(module, name)
        align = "R" if text.language in RIGHT_TO_LEFT else "L"
        self.pdf.write_text(text.value, size, style, width=width, align=align)

    def module_language_note(self) -> None:
        """Module texts without a translation are in the library's language; the paper says so."""
        if note := module_language_note(self.content["modules"], self.text_language, self.pdf.language,
                                        self.TEXTS):
            self.pdf.write_text(str(note), 10, color=SOFT)

    def verification_lines(
        self, title_size: float, text_size: float
    ) -> list[tuple[str, float, str]]:
        printable = self.pdf.printable
        return [
            (_("Check that this certificate is genuine"), title_size, "B"),
            (_("Scan the QR code or open this address:"), text_size, ""),
            (printable.verify_url, text_size, ""),
            (_("Verification code: %(code)s", code=printable.code), text_size, ""),
            (
                _("Content fingerprint (SHA-256): %(hash)s", hash=printable.content_sha256),
                text_size - 2,
                "",
            ),
        ]


class FormalWriter(_Writer):
    """For employers and validation: what each step reached means, compactly."""

    STEP_COLUMN = 34

    def write(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        self.heading()
        pdf.ln(4)
        # On page 1 beside the name: a reader checks the paper before reading on.
        pdf.qr_block(34, self.verification_lines(11, 9))
        pdf.write_text(_("Modules and steps reached"), 13, "B")
        self.module_language_note()
        pdf.ln(1)
        pdf.rule()
        pdf.ln(2)
        for module in self.content["modules"]:
            self.module(module)
        pdf.ln(6)
        pdf.signature(11, self.issued_line, self.content["issuer"]["name"])

    def heading(self) -> None:
        pdf, content = self.pdf, self.content
        pdf.write_text(f"{content['organisation']} · {content['unit']}", 10, color=SOFT)
        pdf.ln(3)
        pdf.write_text(_("Certificate of competence development"), 20, "B")
        pdf.ln(2)
        pdf.write_text(content["participant"]["name"], 16, "B")
        start, end = self.period
        pdf.write_text(_("Period: %(start)s – %(end)s", start=start, end=end), 11)
        pdf.ln(3)
        pdf.write_text(
            _(
                "The participant has taken part in supported work training at %(unit)s. Each "
                "module below is a skill described as ten steps (the MOVE method). It shows the "
                "step reached by the end of the period, as assessed by staff, and what that step "
                "means.",
                unit=content["unit"],
            ),
            10,
        )

    def meta(self, module: dict) -> str:
        area = AREA_LABELS.get(module["area"], module["area"])
        return _("%(area)s · assessed %(date)s", area=area, date=_date(module["assessed_on"]))

    def module(self, module: dict) -> None:
        pdf = self.pdf
        title_width = pdf.epw - self.STEP_COLUMN
        step = _("Step %(step)d of %(steps)d", step=module["step"], steps=module["steps"])
        height = (
            pdf.text_height(self.text(module, "title").value, 11, "B", title_width)
            + pdf.text_height(self.meta(module), 8.5)
            + pdf.text_height(self.text(module, "step_title").value, 10, "B")
            + pdf.text_height(self.text(module, "step_meaning").value, 10)
            + 6
        )
        pdf.keep_together(height)
        top = pdf.get_y()
        pdf.set_xy(pdf.l_margin + title_width, top)
        pdf.write_text(step, 11, "B", width=self.STEP_COLUMN, align="R")
        pdf.set_xy(pdf.l_margin, top)
        self.write_module_text(module, "title", 11, "B", width=title_width)
        pdf.write_text(self.meta(module), 8.5, color=SOFT)
        self.write_module_text(module, "step_title", 10, "B")
        self.write_module_text(module, "step_meaning", 10)
        pdf.ln(2.5)
        pdf.rule()
        pdf.ln(2.5)


class EasyReadWriter(_Writer):
    """For the participant: big text, few words, a picture and a step meter per module."""

    TEXTS = ("title", "step_title")
    PICTURE = 30
    BOX = 8.5
    BOX_GAP = 1.5

    @property
    def text_language(self) -> str:
        """The participant's own language (certificates before schema 2: the paper's)."""
        return self.content.get("easy_read_language", self.pdf.language)

    def write(self) -> None:
        pdf = self.pdf
        pdf.add_page()
        self.heading()
        pdf.ln(4)
        # On page 1 beside the name, however many modules follow.
        pdf.qr_block(
            40,
            [
                (_("Scan the code to see that the certificate is real."), 14, "B"),
                (self.pdf.printable.verify_url, 10, ""),
                (_("Verification code: %(code)s", code=self.pdf.printable.code), 10, ""),
            ],
        )
        pdf.write_text(_("What you have learned"), 18, "B")
        self.module_language_note()
        pdf.ln(3)
        drew_pictures = [self.module(module) for module in self.content["modules"]]
        pdf.ln(4)
        pdf.signature(14, self.issued_line, self.content["issuer"]["name"])
        if any(drew_pictures):
            pdf.write_text(
                _(
                    "Pictures: OpenMoji, the open-source emoji and icon project "
                    "(openmoji.org). Licence: CC BY-SA 4.0."
                ),
                8,
                color=SOFT,
            )

    def heading(self) -> None:
        pdf, content = self.pdf, self.content
        pdf.write_text(_("Certificate"), 28, "B")
        pdf.write_text(content["participant"]["name"], 22, "B")
        pdf.ln(2)
        pdf.write_text(_("You have trained at %(unit)s.", unit=content["unit"]), 16)
        start, end = self.period
        pdf.write_text(_("From %(start)s to %(end)s.", start=start, end=end), 16)

    def module(self, module: dict) -> bool:
        """Draw one module; True when its picture was drawn."""
        pdf = self.pdf
        picture = pictogram_file(module.get("pictograms", []))
        # With pictures chosen, every title starts in the same column, picture or not.
        indent = self.PICTURE + 6 if self.content.get("pictures") else 0
        width = pdf.epw - indent
        step = _("Step %(step)d of %(steps)d", step=module["step"], steps=module["steps"])
        text_height = (
            pdf.text_height(self.text(module, "title").value, 18, "B", width)
            + self.BOX
            + 3
            + pdf.text_height(step, 16, "B", width)
            + pdf.text_height(self.text(module, "step_title").value, 14, "", width)
        )
        height = max(text_height, self.PICTURE if picture else 0) + 8
        pdf.keep_together(height)
        top = pdf.get_y()
        if picture:
            pdf.image(picture, x=pdf.l_margin, y=top, w=self.PICTURE, h=self.PICTURE)
        left = pdf.l_margin + indent
        pdf.set_xy(left, top)
        self.write_module_text(module, "title", 18, "B", width=width)
        self.step_meter(left, pdf.get_y() + 1, module["step"], module["steps"])
        pdf.set_xy(left, pdf.get_y() + self.BOX + 3)
        pdf.write_text(step, 16, "B", width=width)
        self.write_module_text(module, "step_title", 14, width=width)
        pdf.set_xy(pdf.l_margin, max(pdf.get_y(), top + (self.PICTURE if picture else 0)) + 3)
        pdf.rule()
        pdf.ln(5)
        return bool(picture)

    def step_meter(self, left: float, top: float, step: int, steps: int) -> None:
        """Numbered boxes, filled up to the step reached: read by shape and number, not colour."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_line_width(0.4)
        pdf.set_draw_color(*INK)
        for number in range(1, steps + 1):
            x = left + (number - 1) * (self.BOX + self.BOX_GAP)
            reached = number <= step
            pdf.set_fill_color(*(INK if reached else WHITE))
            pdf.rect(x, top, self.BOX, self.BOX, style="DF")
            pdf.set_text_color(*(WHITE if reached else INK))
            pdf.set_xy(x, top)
            pdf.cell(self.BOX, self.BOX, str(number), align="C")
        pdf.set_y(top)
