"""Default configuration.

Order of precedence (last wins): these defaults, ``instance/config.py``,
environment variables prefixed ``SAFETY_`` (parsed as JSON where they can be,
so ``SAFETY_MAIL_PORT=2525`` is an int), then the ``config`` mapping given to
``create_app`` (tests).
"""

from __future__ import annotations

# SECRET_KEY is deliberately absent: it is generated once into instance/.
# SQLALCHEMY_DATABASE_URI defaults to instance/safety.db, set in the factory
# because it depends on the instance path.

SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

MAIL_SERVER = "localhost"
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME: str | None = None
MAIL_PASSWORD: str | None = None
MAIL_DEFAULT_SENDER = "safety@localhost"
#: Seconds a connection, a command or a reply from the SMTP server may take.
MAIL_TIMEOUT = 10
#: Seconds one email's whole SMTP conversation may take, connecting included
#: (a server trickling bytes beats every socket timeout). None: 6 x MAIL_TIMEOUT.
MAIL_DEADLINE: float | None = None
#: Attempts before a temporarily failing email is given up (marked failed).
MAIL_MAX_ATTEMPTS = 8

TIMEZONE = "Asia/Shanghai"
BASE_URL = "http://127.0.0.1:5000"
SCHEDULER_ENABLED = False
#: Local time of the daily reminder digest, "HH:MM" in TIMEZONE.
REMINDER_TIME = "08:00"

BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = {"zh_CN": "中文", "en": "English"}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Set True behind HTTPS (also turns on HSTS).
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = 8 * 3600

#: Failed sign-ins in a row before an account is locked for a while.
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_SECONDS = 15 * 60

#: Lifetime of API tokens, seconds.
API_TOKEN_LIFETIME = 24 * 3600

#: Largest request body, bytes (photos are checked per file as well).
MAX_CONTENT_LENGTH = 32 * 1024 * 1024
#: Where photos are stored (outside static); default instance/uploads.
# UPLOAD_FOLDER = "/var/lib/safety/uploads"
UPLOAD_MAX_IMAGE_BYTES = 10 * 1024 * 1024

#: LEC risk grading thresholds on D = L x E x C: (lower bound, grade).
LEC_THRESHOLDS = [(320, "major"), (160, "significant"), (70, "general"), (0, "low")]

API_TITLE = "safety"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
