"""The one settings module. Everything an operator may change is read from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured

from undersigned.env import (
    env_bool,
    env_int,
    env_list,
    env_networks,
    env_optional,
    env_path,
    env_str,
    secret_key_from,
)

PACKAGE_DIR = Path(__file__).resolve().parent

DATA_DIR = env_path("UNDERSIGNED_DATA_DIR", "./undersigned-data")
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = secret_key_from(DATA_DIR)
DEBUG = env_bool("UNDERSIGNED_DEBUG", False)
# Development helpers (the outbox page) are on only when asked for, and `undersigned demo` asks.
DEV_MODE = env_bool("UNDERSIGNED_DEV", False)

BASE_URL = env_str("UNDERSIGNED_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(f"UNDERSIGNED_BASE_URL must be an http(s) URL, not {BASE_URL!r}")

ALLOWED_HOSTS = env_list(
    "UNDERSIGNED_ALLOWED_HOSTS", [_base.hostname, "127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
TRUSTED_PROXIES = env_networks("UNDERSIGNED_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "undersigned.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "undersigned.statements",
    "undersigned.signatures",
    "undersigned.assembly",
    "undersigned.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "undersigned.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "undersigned.core.middleware.PublicBodyLimitMiddleware",
    "undersigned.core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "undersigned.core.middleware.ClientIPMiddleware",
    "undersigned.core.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "undersigned.urls"
WSGI_APPLICATION = "undersigned.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "undersigned.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in the data directory is the embedded default; DATABASE_URL=postgres://... switches
# to PostgreSQL. Both run the same code.
DATABASE_URL = env_optional("DATABASE_URL")
SQLITE_PATH = DATA_DIR / "undersigned.sqlite3"
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL")
    _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    _default_db["TEST"] = {"NAME": f"test_{_default_db['NAME']}_undersigned"}
else:
    _default_db = {
        "ENGINE": "undersigned.core.sqlite",
        "NAME": SQLITE_PATH,
        "OPTIONS": {
            # Writers take the lock when the transaction begins, so two writers never
            # deadlock upgrading a read lock; waiters queue for up to `timeout` seconds.
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("UNDERSIGNED_SQLITE_BUSY_TIMEOUT", 20, minimum=1),
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
                "PRAGMA cache_size=-20000;"
            ),
        },
        # One connection per server thread, kept open: opening one runs the PRAGMAs above
        # and registers Django's SQL functions, which cost more than a whole signature.
        "CONN_MAX_AGE": None,
        "CONN_HEALTH_CHECKS": True,
        # One file per test run, so that two runs in one checkout do not collide.
        "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
    }
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tasks and mail -------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("UNDERSIGNED_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

OUTBOX_DIR = DATA_DIR / "outbox"
# Documents submitted to conferences; served only through their view, never as /media/.
MEDIA_ROOT = DATA_DIR / "documents"
DOCUMENT_MAX_BYTES = env_int("UNDERSIGNED_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
EMAIL_URL = env_optional("EMAIL_URL")
if EMAIL_URL:
    _mail = urlsplit(EMAIL_URL)
    if _mail.scheme not in {"smtp", "smtps", "smtp+tls"}:
        raise ImproperlyConfigured("EMAIL_URL must start with smtp://, smtp+tls:// or smtps://")
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or {"smtps": 465, "smtp+tls": 587}.get(_mail.scheme, 25)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_SSL = _mail.scheme == "smtps"
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "undersigned.core.mail.OutboxBackend"
DEFAULT_FROM_EMAIL = env_str("UNDERSIGNED_FROM_EMAIL", f"Undersigned <noreply@{_base.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Signing rules --------------------------------------------------------------------------
VERIFICATION_TOKEN_DAYS = env_int("UNDERSIGNED_VERIFICATION_DAYS", 7, minimum=1)
VERIFICATION_MAX_MAILS = env_int("UNDERSIGNED_VERIFICATION_MAX_MAILS", 3, minimum=1)
VERIFICATION_RESEND_MINUTES = env_int("UNDERSIGNED_VERIFICATION_RESEND_MINUTES", 10, minimum=0)
RATE_LIMIT_SIGNS = env_int("UNDERSIGNED_RATE_LIMIT_SIGNS", 10, minimum=0)  # 0 disables it
RATE_LIMIT_WINDOW_SECONDS = env_int("UNDERSIGNED_RATE_LIMIT_WINDOW", 3600, minimum=1)
# One writer thread per process commits concurrent signatures together (group commit).
SIGNATURE_GROUP_COMMIT = env_bool("UNDERSIGNED_GROUP_COMMIT", True)
SIGNATURE_BATCH_MAX = env_int("UNDERSIGNED_SIGNATURE_BATCH_MAX", 256, minimum=1)
# Under load the writer process waits this long for more submissions to share a commit
# (see writer_process.py: off by default).
SIGNATURE_WRITER_LINGER_MS = env_int("UNDERSIGNED_WRITER_LINGER_MS", 0, minimum=0)
# The Unix socket of the machine's writer process; `undersigned serve` starts one and sets
# this for its server processes. Unset, each process writes through a thread of its own.
SIGNATURE_WRITER_SOCKET = env_optional("UNDERSIGNED_WRITER_SOCKET")
SIGNATORY_PAGE_SIZE = env_int("UNDERSIGNED_SIGNATORY_PAGE_SIZE", 100, minimum=1)

# --- Machine translation (none unless configured) --------------------------------------------
# A LibreTranslate-compatible server: its output is stored for human review, never published
# as it is. Nothing is sent anywhere unless an operator sets this.
MT_URL = env_optional("UNDERSIGNED_MT_URL")
if MT_URL and urlsplit(MT_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"UNDERSIGNED_MT_URL must be an http(s) URL, not {MT_URL!r}")
MT_API_KEY = env_optional("UNDERSIGNED_MT_API_KEY")
MT_TIMEOUT_SECONDS = env_int("UNDERSIGNED_MT_TIMEOUT", 30, minimum=1)

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The UI languages. Each has a complete catalog in locale/ (a test checks it).
LANGUAGES = [
    ("en", "English"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("tr", "Türkçe"),
    ("ku", "Kurdî"),
    ("hy", "Հայերեն"),
    ("el", "Ελληνικά"),
    ("it", "Italiano"),
    ("es", "Español"),
    ("fr", "Français"),
    ("pt", "Português"),
    ("ru", "Русский"),
    ("uk", "Українська"),
]
LANGUAGES_BIDI = ["ar", "fa", "he", "ur", "ckb"]
# Django knows no Kurmanji (Northern Kurdish, Latin script): register it.
django.conf.locale.LANG_INFO.setdefault(
    "ku", {"bidi": False, "code": "ku", "name": "Kurdish", "name_local": "Kurdî"}
)
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security -------------------------------------------------------------------------------
# What the public may send (the sign form needs a few kilobytes); organizers may send more:
# a whole statement to import, a translation of hundreds of blocks.
PUBLIC_MAX_BODY_BYTES = env_int("UNDERSIGNED_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UNDERSIGNED_MAX_ORGANIZER_BODY_BYTES", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Django's database sessions, read by a prepared statement (core/sessions.py).
SESSION_ENGINE = "undersigned.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _base.scheme == "https"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Tokens travel in link paths: no page may hand its address to another site. (Not
# "no-referrer": browsers then send "Origin: null" on our own forms, which CSRF refuses.)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("UNDERSIGNED_LOG_LEVEL", "INFO")},
    "loggers": {
        # Request logs would carry signers' addresses; only errors are logged, without them.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
    },
}

# The product's name, the same in every language.
SITE_NAME = "Undersigned"
CSRF_FAILURE_VIEW = "undersigned.core.views.csrf_failure"
