"""Sidos settings. Everything an operator changes comes from the environment (see README)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from sidos.lib.envsettings import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("SIDOS_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("SIDOS_DEBUG", False)

SECRET_KEY = env_str("SIDOS_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SIDOS_SECRET_KEY is not set. Generate one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set SIDOS_DEBUG=1 for a local development run."
        )
    # Development only: a fixed key is acceptable because DEBUG is on and nothing is public.
    SECRET_KEY = "sidos-insecure-development-key-never-use-in-production"
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SIDOS_SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("SIDOS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("SIDOS_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "sidos.accounts",
    "sidos.privacy",
    "sidos.customers",
    "sidos.orders",
    "sidos.analytics",
    "sidos.mail",
    "sidos.servicedesk",
    "sidos.listening",
    "sidos.campaigns",
    "sidos.surveys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "sidos.urls"
WSGI_APPLICATION = "sidos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sidos.accounts.context_processors.staff_role",
            ],
        },
    },
]

DATABASE_URL = env_str("SIDOS_DATABASE_URL", f"sqlite:///{VAR_DIR / 'sidos.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("SIDOS_DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app read while an import or the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-64000;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fi", _("Finnish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["sidos.formats"]
TIME_ZONE = env_str("SIDOS_TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_URL = env_str("SIDOS_EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = env_str("SIDOS_DEFAULT_FROM_EMAIL", "sidos@localhost")


def _email_settings(url: str) -> dict:
    """smtp://user:pass@host:port, smtp+tls://…, smtps://…, console://, locmem://."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    backends = {
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ImproperlyConfigured(
            f"SIDOS_EMAIL_URL scheme must be one of {sorted(backends)}, not {parsed.scheme!r}"
        )
    return {
        "EMAIL_BACKEND": backends[parsed.scheme],
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
    }


globals().update(_email_settings(EMAIL_URL))

# Mail in (sidos.mail): the IMAP mailbox `sidos mail-poll` reads, and who handles each accepted message.
SIDOS_IMAP_URL = env_str("SIDOS_IMAP_URL", "")
# After a message is taken: "flag" (mark \Seen), "move:FOLDER" or "delete".
SIDOS_IMAP_PROCESSED = env_str("SIDOS_IMAP_PROCESSED", "flag")
SIDOS_INBOUND_MAIL_HANDLER = env_str("SIDOS_INBOUND_MAIL_HANDLER", "sidos.servicedesk.inbound.handle_message")
SIDOS_MAIL_DOMAIN = env_str("SIDOS_MAIL_DOMAIN", "")  # right-hand side of generated Message-IDs
SIDOS_MAIL_MAX_ATTACHMENT_BYTES = env_int("SIDOS_MAIL_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
SIDOS_MAIL_MAX_ATTEMPTS = env_int("SIDOS_MAIL_MAX_ATTEMPTS", 8)
SIDOS_SMTP_TIMEOUT = env_int("SIDOS_SMTP_TIMEOUT", 30)

# Service desk: the address customers' links point at, the acknowledgement of new tickets, CSAT links,
# and the public contact form's rate limit (posts per client address per hour).
SIDOS_PUBLIC_URL = env_str("SIDOS_PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else "")
SIDOS_SERVICEDESK_ACKNOWLEDGE = env_bool("SIDOS_SERVICEDESK_ACKNOWLEDGE", True)
SIDOS_CSAT_LINK_DAYS = env_int("SIDOS_CSAT_LINK_DAYS", 14)
SIDOS_CONTACT_FORM_PER_HOUR = env_int("SIDOS_CONTACT_FORM_PER_HOUR", 5)

# Surveys: how long an invitation link works, how long a served public form can be posted, and the public
# feedback form's posts per client address per hour.
SIDOS_SURVEY_LINK_DAYS = env_int("SIDOS_SURVEY_LINK_DAYS", 30)
SIDOS_SURVEY_FORM_TOKEN_HOURS = env_int("SIDOS_SURVEY_FORM_TOKEN_HOURS", 12)
SIDOS_FEEDBACK_FORM_PER_HOUR = env_int("SIDOS_FEEDBACK_FORM_PER_HOUR", 10)
# Campaigns: sending pace (messages per second, 0 = as fast as the SMTP server takes them), messages per
# SMTP connection, how long tracking/unsubscribe links work, the opt-in link and the signup form's limit.
SIDOS_CAMPAIGN_RATE = env_int("SIDOS_CAMPAIGN_RATE", 20)
SIDOS_CAMPAIGN_BATCH = env_int("SIDOS_CAMPAIGN_BATCH", 100)
SIDOS_CAMPAIGN_LINK_DAYS = env_int("SIDOS_CAMPAIGN_LINK_DAYS", 365)
SIDOS_SIGNUP_LINK_HOURS = env_int("SIDOS_SIGNUP_LINK_HOURS", 48)
SIDOS_SIGNUP_PER_HOUR = env_int("SIDOS_SIGNUP_PER_HOUR", 5)
SIDOS_SMS_PROVIDER = env_str("SIDOS_SMS_PROVIDER", "console://")  # or file:///path; see campaigns/sms

# Background work: the database backend and `sidos worker` by default; Redis (RQ) to scale out.
TASK_BACKEND = env_str("SIDOS_TASK_BACKEND", "database")
REDIS_URL = env_str("SIDOS_REDIS_URL", "redis://127.0.0.1:6379/0")
if TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}}
elif TASK_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "imports"]}}
    RQ_QUEUES = {name: {"URL": REDIS_URL} for name in ("default", "imports")}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}}
else:
    raise ImproperlyConfigured("SIDOS_TASK_BACKEND must be 'database', 'redis' or 'immediate'.")

# Periodic jobs `sidos worker` enqueues (sidos/accounts/scheduler.py): "HH:MM" daily in TIME_ZONE,
# "5m"/"300s"/"300" every N, or "off". Cron stays possible: set these "off" and run the commands instead.
SIDOS_SCHEDULE_ANALYTICS = env_str("SIDOS_SCHEDULE_ANALYTICS", "02:30")
SIDOS_SCHEDULE_SLA = env_str("SIDOS_SCHEDULE_SLA", "5m")
SIDOS_SCHEDULE_OUTBOX = env_str("SIDOS_SCHEDULE_OUTBOX", "5m")
SIDOS_SCHEDULE_IMAP = env_str("SIDOS_SCHEDULE_IMAP", "1m")  # only while SIDOS_IMAP_URL is set
SIDOS_SCHEDULE_SURVEYS = env_str("SIDOS_SCHEDULE_SURVEYS", "15m")  # triggered and delayed survey invitations
SIDOS_SCHEDULE_LISTENING = env_str("SIDOS_SCHEDULE_LISTENING", "5m")  # polling the network sources
SIDOS_SCHEDULER_TICK = env_int("SIDOS_SCHEDULER_TICK", 15)  # seconds between the scheduler's checks
SIDOS_SCHEDULE_RETENTION = env_str("SIDOS_SCHEDULE_RETENTION", "04:30")

# Contact-point normalisation: numbers without a country prefix are read in this region.
SIDOS_DEFAULT_PHONE_REGION = env_str("SIDOS_DEFAULT_PHONE_REGION", "FI")
SIDOS_IMPORT_BATCH_SIZE = env_int("SIDOS_IMPORT_BATCH_SIZE", 20_000)
# SQLite page cache (MiB) of an import's connection while it imports, then back to the app's 64 MB;
# 0 keeps the app's. Off by default: 512 made a 1M import ~11% cheaper in CPU but its memory grow with
# the database up to the cache (760 MiB peak instead of 200), and imports promise flat memory
# (bench/results/2026-12-02-vm-import-notes.md).
SIDOS_IMPORT_SQLITE_CACHE_MIB = env_int("SIDOS_IMPORT_SQLITE_CACHE_MIB", 0)
# The customer portal (/portal/): login-link lifetime, portal session length, links per 15 minutes.
SIDOS_PORTAL_LINK_MINUTES = env_int("SIDOS_PORTAL_LINK_MINUTES", 20)
SIDOS_PORTAL_SESSION_MINUTES = env_int("SIDOS_PORTAL_SESSION_MINUTES", 30)
SIDOS_PORTAL_LINKS_PER_ADDRESS = env_int("SIDOS_PORTAL_LINKS_PER_ADDRESS", 3)
SIDOS_PORTAL_LINKS_PER_IP = env_int("SIDOS_PORTAL_LINKS_PER_IP", 10)
SIDOS_PORTAL_VERIFY_HOURS = env_int("SIDOS_PORTAL_VERIFY_HOURS", 24)  # a new e-mail address's confirm link
# Retention (sidos/privacy/retention.py, `sidos retention-run`): how long each kind of data is kept; 0 = kept.
SIDOS_RETAIN_CLOSED_TICKETS_MONTHS = env_int("SIDOS_RETAIN_CLOSED_TICKETS_MONTHS", 36)
SIDOS_RETAIN_RAW_MAIL_DAYS = env_int("SIDOS_RETAIN_RAW_MAIL_DAYS", 90)
SIDOS_RETAIN_PORTAL_LINKS_DAYS = env_int("SIDOS_RETAIN_PORTAL_LINKS_DAYS", 30)
# Erasing whole customers is off until the operator chooses a period.
SIDOS_RETAIN_INACTIVE_YEARS = env_int("SIDOS_RETAIN_INACTIVE_YEARS", 0)

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SIDOS_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SIDOS_LOG_LEVEL", "WARNING")},
}
SIDOS_DEFAULT_CURRENCY = env_str("SIDOS_DEFAULT_CURRENCY", "EUR")

# Social listening: the classifier ingest uses (its active trained model when one is stored).
SIDOS_LISTENING_CLASSIFIER = env_str("SIDOS_LISTENING_CLASSIFIER", "model")
# A JSON taxonomy file for social listening; empty: the shipped banking one (sidos/listening/topics.py).
SIDOS_LISTENING_TAXONOMY = env_str("SIDOS_LISTENING_TAXONOMY", "")
