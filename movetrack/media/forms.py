from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from movetrack.media.services import MAX_DESCRIPTION_LENGTH


class PhotoForm(FlaskForm):
    """A photo for a step. The file's content is checked by the service (Pillow), not by
    its name: a text file called photo.jpg must get the same clear message as any other."""

    photo = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose a photo to upload."))],
        # On a tablet this opens the back camera, to photograph the workstation itself.
        render_kw={"accept": "image/*", "capture": "environment"},
    )
    description = StringField(
        _l("What the photo shows"),
        validators=[
            InputRequired(_l("Describe the photo in a few words, for those who cannot see it.")),
            Length(max=MAX_DESCRIPTION_LENGTH),
        ],
    )

