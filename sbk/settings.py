"""Django settings for sbk, read from the environment.

DATABASE_URL   sqlite:////path/db.sqlite3 or postgres://user@host:5432/name (default: var/sbk.sqlite3)
SECRET_KEY     when unset: the contents of SBK_SECRET_KEY_FILE (default var/secret_key, which
               `sbk serve` creates once, mode 0600); required one way or the other when DEBUG is off
DEBUG          1/0 (default 1 for a developer checkout; `sbk serve` and production set 0)
ALLOWED_HOSTS  comma separated (default: localhost names when DEBUG, none otherwise)
SBK_SECURE_COOKIES  1/0: session and CSRF cookies only over HTTPS (default: on when DEBUG is
               off; `sbk serve` bound to a loopback address turns it off for plain http://)
SBK_KEYS_FILE  the key file for encryption at rest and blind indexes (default var/keys.json)
SBK_PHOTO_MAX_PIXELS  photos with more pixels are refused from their header (default 16 MP)
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SBK_VAR_DIR", BASE_DIR / "var"))


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG", True)

DEV_SECRET_KEY = "sbk-development-only-secret-key-do-not-use-in-production"
SECRET_KEY_FILE = Path(os.environ.get("SBK_SECRET_KEY_FILE", VAR_DIR / "secret_key"))


def _secret_key() -> str:
    """SECRET_KEY, else the key file (``sbk serve`` writes one), else the development key
    while DEBUG is on."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if not key and SECRET_KEY_FILE.is_file():
        key = SECRET_KEY_FILE.read_text(encoding="ascii").strip()
    return key or DEV_SECRET_KEY


SECRET_KEY = _secret_key()
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off but there is no SECRET_KEY: set SECRET_KEY in the environment, or let "
        f"`sbk serve` create the key file {SECRET_KEY_FILE}."
    )

_hosts = os.environ.get("ALLOWED_HOSTS", "")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()] or (
    ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "sbk.core",
    "sbk.divisions",
    "sbk.orgs",
    "sbk.accounts",
    "sbk.registry",
    "sbk.web",
    "sbk.demo",
    "sbk.notify",
    "sbk.cards",
    "sbk.exports",
    "sbk.photos",
    "sbk.portal",
    "sbk.ecard",
    "sbk.kiosk",
    "sbk.holidays",
    "sbk.reports",
    "sbk.stock",
    "sbk.assistant",
    "sbk.operations",
    "sbk.usage",
    "sbk.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sbk.accounts.middleware.IdleTimeoutMiddleware",
    "sbk.accounts.middleware.SecurityGateMiddleware",
    "sbk.core.middleware.DecryptionErrorMiddleware",
    "sbk.core.middleware.RequestErrorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # axes must come last: it turns a locked-out attempt into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sbk.urls"
WSGI_APPLICATION = "sbk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sbk.web.context.console",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sbk.sqlite3'}"),
        # Persistent connections: a new PostgreSQL connection per request costs more than
        # most requests (see benchmarks/RESULTS.md, cards).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the console read while an import writes; a busy timeout instead of
    # "database is locked" under the worker and the server at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "sbk.accounts.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "sbk.accounts.passwords.PasswordHistoryValidator"},
]

# Login throttling (django-axes): lock the username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("SBK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SBK_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_VERBOSE = False

# Sessions end after the browser closes, after SESSION_COOKIE_AGE in total and after
# SBK_IDLE_TIMEOUT seconds without a request (IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("SBK_SESSION_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Cookies over HTTPS only, except for the local demo on plain http://127.0.0.1 (`sbk serve`
# bound to a loopback address sets SBK_SECURE_COOKIES=0: no network path to protect there).
SESSION_COOKIE_SECURE = _flag("SBK_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SBK_IDLE_TIMEOUT = int(os.environ.get("SBK_IDLE_TIMEOUT", str(30 * 60)))

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# DEBUG: straight from the apps' static folders; otherwise what `collectstatic` (run by
# `sbk serve`) put, compressed, in STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG

# Encryption at rest (SPEC §8): the key file lives outside the database.
SBK_KEYS_FILE = os.environ.get("SBK_KEYS_FILE", str(VAR_DIR / "keys.json"))
SBK_CIPHER = os.environ.get("SBK_CIPHER", "SM4-GCM")
# Every column holding a blind index, for ``sbk keys reindex`` (sbk/core/reindex.py); a test
# finds the blind-index fields of every model and checks they are listed here.
SBK_BLIND_INDEX_COLUMNS = [
    "registry.Person.id_index",
    "registry.Person.phone_index",
    "cards.Application.stated_id_index",
    "portal.PhoneChallenge.id_index",
    "cards.Card.card_no_index",
]

# Import: rows per bulk insert.
SBK_IMPORT_BATCH = 2000
# The service journal that sbk.core.actions writes (ADR 0003), named like AUTH_USER_MODEL.
SBK_JOURNAL_MODEL = "cards.ServiceTransaction"

# ID photo compliance (issue 4): PhotoRules fields over the seed's defaults, e.g.
# {"center_tol_px": 8, "require_dpi": True}; a bad key fails the system check (sbk.E101).
SBK_PHOTO_RULES: dict = {}
# A photo with more pixels than this is refused from its header, never decoded (issue 23:
# an 11000×11000 PNG of 143 KB decodes to 1.16 GB). The ID photo is 358×441; phones ≤ 12 MP.
SBK_PHOTO_MAX_PIXELS = int(os.environ.get("SBK_PHOTO_MAX_PIXELS", str(4000 * 4000)))

# Personal data protection (issue 10, SPEC §8).
SBK_AUDIT_RETENTION_DAYS = int(os.environ.get("SBK_AUDIT_RETENTION_DAYS", "180"))
SBK_EXPORT_APPROVAL_ROWS = int(os.environ.get("SBK_EXPORT_APPROVAL_ROWS", "1000"))
# How long a mutating API call's stored answer is replayed for its Idempotency-Key.
SBK_IDEMPOTENCY_HOURS = int(os.environ.get("SBK_IDEMPOTENCY_HOURS", "48"))
SBK_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("SBK_PASSWORD_MAX_AGE_DAYS", "90"))
SBK_PASSWORD_HISTORY = int(os.environ.get("SBK_PASSWORD_HISTORY", "5"))
SBK_TOTP_REQUIRED_ROLES = [
    r.strip()
    for r in os.environ.get("SBK_TOTP_REQUIRED_ROLES", "city_admin").split(",")
    if r.strip()
]
OTP_TOTP_ISSUER = "sbk 社保卡服务平台"

# Card lifecycle (issue 3). Configuration, not constants: each year's method may change them.
# The handling assistant refuses below this relative score (ADR 0006).
SBK_ASSISTANT_THRESHOLD = float(os.environ.get("SBK_ASSISTANT_THRESHOLD", "0.35"))
# Ranking by meaning (ADR 0006, thirteenth round): on unless the environment turns it off;
# the default is ``sbk.assistant.dense.ON``, so it is set here only when the environment says.
if os.environ.get("SBK_ASSISTANT_MEANING"):
    SBK_ASSISTANT_MEANING = _flag("SBK_ASSISTANT_MEANING", True)
SBK_APPLICATION_DEADLINE_DAYS = int(os.environ.get("SBK_APPLICATION_DEADLINE_DAYS", "7"))
SBK_DEADLINE_WORKING_DAYS = _flag("SBK_DEADLINE_WORKING_DAYS", False)
SBK_TEMP_LOSS_DAYS = int(os.environ.get("SBK_TEMP_LOSS_DAYS", "5"))  # temporary loss lapses
SBK_UNCLAIMED_AFTER_DAYS = int(os.environ.get("SBK_UNCLAIMED_AFTER_DAYS", "90"))  # 滞发卡
# Stock (卡基台账): waste and unclaimed cards returned upward later than this are late
# (上缴不及时); a stocktake discrepancy not rectified within this is poorly rectified (整改不力).
SBK_STOCK_RETURN_DAYS = int(os.environ.get("SBK_STOCK_RETURN_DAYS", "30"))
SBK_STOCK_RECTIFY_DAYS = int(os.environ.get("SBK_STOCK_RECTIFY_DAYS", "15"))
SBK_CARD_VALIDITY_YEARS = int(os.environ.get("SBK_CARD_VALIDITY_YEARS", "10"))
SBK_CARD_VERSION = os.environ.get("SBK_CARD_VERSION", "3.00")
SBK_CARD_NO_PREFIX = os.environ.get("SBK_CARD_NO_PREFIX", "S")
SBK_PHOTO_CHECK = _flag("SBK_PHOTO_CHECK", True)  # call sbk.photos when it is installed
# Card history import (issue 23): no card date before the card scheme began (ISO date).
try:
    SBK_CARD_SCHEME_START = datetime.date.fromisoformat(
        os.environ.get("SBK_CARD_SCHEME_START") or "1999-01-01"
    )
except ValueError as exc:
    raise ImproperlyConfigured(
        f"SBK_CARD_SCHEME_START is not an ISO date YYYY-MM-DD: {exc}"
    ) from None

# SMS through the outbox (sbk worker). Gateways: sbk.notify.gateways.ConsoleGateway,
# FileGateway(path=...), HttpGateway(url=..., token=..., timeout=..., sign_name=...).
SBK_SMS_GATEWAY = os.environ.get("SBK_SMS_GATEWAY", "sbk.notify.gateways.ConsoleGateway")
SBK_SMS_OPTIONS = {
    k: v
    for k, v in {
        "url": os.environ.get("SBK_SMS_URL", ""),
        "token": os.environ.get("SBK_SMS_TOKEN", ""),
        "path": os.environ.get("SBK_SMS_FILE", ""),
    }.items()
    if v
}
SBK_SMS_TEXTS: dict[str, str] = {}  # override the message templates by kind
SBK_SMS_MAX_ATTEMPTS = int(os.environ.get("SBK_SMS_MAX_ATTEMPTS", "8"))
SBK_SMS_BACKOFF_SECONDS = int(os.environ.get("SBK_SMS_BACKOFF_SECONDS", "30"))
SBK_SMS_BACKOFF_MAX = int(os.environ.get("SBK_SMS_BACKOFF_MAX", "3600"))
SBK_SMS_LEASE_SECONDS = int(os.environ.get("SBK_SMS_LEASE_SECONDS", "120"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
