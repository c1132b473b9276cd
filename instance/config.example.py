# Copy to instance/config.py (git-ignored) and adjust. Values here override
# safety/config.py; SAFETY_* environment variables override both, e.g.
#   SAFETY_MAIL_PORT=2525 SAFETY_TIMEZONE=Asia/Shanghai make run

# Session signing. Leave unset to use the key generated into instance/secret_key.
# SECRET_KEY = "change me"

# SQLite by default (instance/safety.db); a group with many sites uses PostgreSQL:
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://safety:secret@db.example/safety"

# SMTP for reminders and notifications.
# MAIL_SERVER = "smtp.example.com"
# MAIL_PORT = 587
# MAIL_USE_TLS = True
# MAIL_USE_SSL = False
# MAIL_USERNAME = "safety@example.com"
# MAIL_PASSWORD = "secret"
# MAIL_DEFAULT_SENDER = "安全生产管理 <safety@example.com>"

# The organisation's clock: "today", deadlines and the daily reminder slot.
# TIMEZONE = "Asia/Shanghai"
# REMINDER_TIME = "08:00"

# Absolute links inside emails.
# BASE_URL = "https://safety.example.com"

# Behind HTTPS: secure cookies and HSTS.
# SESSION_COOKIE_SECURE = True
