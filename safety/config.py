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
#: Absolute links in emails and QR codes. Unset: the address being served,
#: ``http://$HOST:$PORT`` (127.0.0.1 and 5000 by default; ``make run`` and
#: ``make serve`` pass their PORT), and ``flask serve --port N`` sets it to N.
BASE_URL: str | None = None
SCHEDULER_ENABLED = False
#: Local time of the daily reminder digest, "HH:MM" in TIMEZONE.
REMINDER_TIME = "08:00"
#: 党政同责: the group and each second-level unit pair a party and an administrative post
#: in main responsibility (gap ``party_government_unpaired`` otherwise).
PARTY_GOVERNMENT = True

BABEL_DEFAULT_LOCALE = "zh_CN"
BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
LANGUAGES = {"zh_CN": "中文", "en": "English"}

#: Proxies in front (nginx: 1) whose X-Forwarded-For/-Proto/-Host to trust; 0: none.
PROXY_FIX = 0
#: One log line per request with its timing; JSON objects when LOG_JSON.
LOG_JSON = False
LOG_LEVEL = "INFO"
#: Prometheus metrics at /metrics (restrict access at the proxy).
METRICS_ENABLED = False

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Set True behind HTTPS (also turns on HSTS).
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = 8 * 3600

#: Sign-in throttling (services/throttling.py): failures allowed before a
#: wait, then doubling waits up to a cap, per account and per address.
LOGIN_FREE_FAILURES = 5
LOGIN_ACCOUNT_MAX_DELAY = 120
LOGIN_ADDRESS_FREE_FAILURES = 20
LOGIN_ADDRESS_MAX_DELAY = 15 * 60
#: Seconds without a failure after which a count starts again.
LOGIN_FAILURE_WINDOW = 3600

#: Lifetime of API tokens, seconds.
API_TOKEN_LIFETIME = 24 * 3600

#: Largest request body, bytes (photos are checked per file as well).
MAX_CONTENT_LENGTH = 32 * 1024 * 1024
#: Where photos are stored (outside static); default instance/uploads.
# UPLOAD_FOLDER = "/var/lib/safety/uploads"
#: Where photo bytes live: "local" (UPLOAD_FOLDER) or "s3" (an S3-compatible
#: bucket shared by every app machine; UPLOAD_FOLDER is then a read cache).
STORAGE_BACKEND = "local"
S3_BUCKET: str | None = None
#: e.g. "https://oss-cn-hangzhou.aliyuncs.com" or a MinIO address; unset: AWS.
S3_ENDPOINT_URL: str | None = None
S3_ACCESS_KEY_ID: str | None = None
S3_SECRET_ACCESS_KEY: str | None = None
S3_REGION = "us-east-1"
#: Prepended to every object key, e.g. "safety/photos/".
S3_PREFIX = ""
UPLOAD_MAX_IMAGE_BYTES = 10 * 1024 * 1024

#: LEC risk grading thresholds on D = L x E x C: (lower bound, grade).
LEC_THRESHOLDS = [(320, "major"), (160, "significant"), (70, "general"), (0, "low")]

#: Granted extensions of one hazard's deadline, at most (contract §7).
MAX_EXTENSIONS = 2

API_TITLE = "safety"
API_VERSION = "v1"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api/v1"
OPENAPI_JSON_PATH = "openapi.json"
