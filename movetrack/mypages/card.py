"""The participant's sign-in card: A6, their photo (or initials), name and a QR code that
opens their sign-in page. Printed when issued: the token is never stored readable."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from fpdf import FPDF
from PIL import Image

from movetrack.certificates.page import FAMILY, FONT_DIR, qr_image
from movetrack.participants.models import Participant

WIDTH, HEIGHT, MARGIN = 105, 148, 10  # A6 portrait, mm
PICTURE_SIZE = 36
QR_SIZE = 60


def render_card(participant: Participant, sign_in_url: str) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format=(WIDTH, HEIGHT))
    pdf.add_font(FAMILY, "", FONT_DIR / f"{FAMILY}-Regular.ttf")
    pdf.add_font(FAMILY, "B", FONT_DIR / f"{FAMILY}-Bold.ttf")
    pdf.set_title(_("Sign-in card: %(name)s", name=participant.display_name))
    pdf.set_creator("movetrack")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    left = (WIDTH - PICTURE_SIZE) / 2
    if participant.photo is not None:
        pdf.image(Image.open(io.BytesIO(participant.photo.data)), x=left, y=MARGIN, w=PICTURE_SIZE, h=PICTURE_SIZE)
    else:
        pdf.set_fill_color(225, 232, 240)
        pdf.ellipse(left, MARGIN, PICTURE_SIZE, PICTURE_SIZE, style="F")
        pdf.set_font(FAMILY, "B", 32)
        pdf.set_xy(left, MARGIN)
        pdf.cell(PICTURE_SIZE, PICTURE_SIZE, participant.initials, align="C")
    pdf.set_font(FAMILY, "B", 18)
    pdf.set_xy(MARGIN, MARGIN + PICTURE_SIZE + 3)
    pdf.multi_cell(WIDTH - 2 * MARGIN, 8, participant.display_name, align="C")
    qr_top = MARGIN + PICTURE_SIZE + 16
    pdf.image(qr_image(sign_in_url), x=(WIDTH - QR_SIZE) / 2, y=qr_top, w=QR_SIZE, h=QR_SIZE)
    pdf.set_font(FAMILY, "", 11)
    pdf.set_xy(MARGIN, qr_top + QR_SIZE + 2)
    pdf.multi_cell(WIDTH - 2 * MARGIN, 5, _("Scan the code to see your steps."), align="C")
    return bytes(pdf.output())
