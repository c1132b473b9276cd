"""Forms of the notifications area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length


class TestEmailForm(FlaskForm):
    """Send a test email to check the SMTP settings."""

    to = EmailField(_l("Send a test email to"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send test email"))
