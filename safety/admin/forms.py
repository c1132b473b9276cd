"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, read from the query string (GET: no CSRF needed)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional()], description=_l("Name or email"))
    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    object_type = SelectField(_l("Object type"), choices=[], validators=[Optional()])
    object_id = IntegerField(
        _l("Object id"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    since = DateField(_l("From date"), validators=[Optional()])
    until = DateField(_l("To date"), validators=[Optional()])
