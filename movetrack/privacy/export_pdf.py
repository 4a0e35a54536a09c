"""The GDPR export as a PDF a person can read: the same sections as the JSON, each under a
heading in the reader's language, every record as "label: value" lines (nested records
indented), the photo as a picture. Fonts as on certificates (certificates/page.py), so a
name in any script prints."""

from __future__ import annotations

import base64
import io
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from movetrack.certificates.page import FAMILY, INK, PT, SOFT, use_noto_fonts

SECTIONS = {
    "participant": _l("Person"),
    "photo": _l("Photo"),
    "sign_in_card": _l("Sign-in card"),
    "modules": _l("Modules and steps"),
    "placements": _l("Placements, action plans, follow-ups and attendance"),
    "consents": _l("Consents"),
    "certificates": _l("Certificates"),
    "quality_answers": _l("Answers to the quality follow-up"),
    "reads": _l("Who has read or exported the data"),
    "erasure": _l("Erasure"),
}
INDENT = 6  # mm per level of nesting
LEFT_OUT = ("data_base64",)  # the photo is drawn, not printed as text


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _shown(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


class ExportPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        use_noto_fonts(self)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        self.alias_nb_pages()
        self.set_title(title)
        self.set_creator("movetrack")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*SOFT)
        self.cell(0, 5, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"),
                  align="C")

    def write_line(self, text: str, size: float = 10, style: str = "", depth: int = 0, color=INK) -> None:
        self.set_font(FAMILY, style, size)
        self.set_text_color(*color)
        self.set_x(self.l_margin + depth * INDENT)
        self.multi_cell(self.epw - depth * INDENT, size * PT * 1.4, text,
                        new_x="LMARGIN", new_y="NEXT")

    def value(self, value: Any, depth: int = 0) -> None:
        """A record (dict), a list of records or a plain value, nested records indented."""
        if isinstance(value, list):
            for item in value:
                self.value(item, depth)
                self.ln(1.5)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in LEFT_OUT or item in (None, "", [], {}):
                    continue
                if isinstance(item, list | dict):
                    self.write_line(f"{_label(key)}:", style="B", depth=depth)
                    self.value(item, depth + 1)
                else:
                    self.write_line(f"{_label(key)}: {_shown(item)}", depth=depth)
        else:
            self.write_line(_shown(value), depth=depth)


def render_export(data: dict[str, Any], name: str, exported_at) -> bytes:
    pdf = ExportPdf(_("Personal data: %(name)s", name=name))
    pdf.add_page()
    pdf.write_line(_("Personal data: %(name)s", name=name), 16, "B")
    pdf.write_line(_("Everything stored about the person on %(when)s.",
               when=format_datetime(exported_at, "long")), 10, color=SOFT)
    for key, title in SECTIONS.items():
        pdf.ln(4)
        pdf.write_line(str(title), 13, "B")
        section = data.get(key)
        if not section:
            pdf.write_line(_("Nothing recorded."), color=SOFT)
        elif key == "photo":
            pdf.image(io.BytesIO(base64.b64decode(section["data_base64"])), w=35)
        else:
            pdf.value(section)
    return bytes(pdf.output())
