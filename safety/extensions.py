"""Extensions, created unbound and bound to an app by the factory.

Imports no layer of this application above the models (the API's
flask-smorest ``Api`` lives in :mod:`safety.api`).
"""

from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from safety.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
