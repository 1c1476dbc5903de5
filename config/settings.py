"""Mitwirken settings.

Everything comes from the environment through the small readers in ``config.env``, each
with an embedded default, so that no configuration at all gives a working single process:
SQLite in WAL mode and the in-memory channel layer. ``DATABASE_URL`` selects PostgreSQL
and ``REDIS_URL`` the Redis channel layer, for several Daphne processes behind a proxy.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str
from config.files import private_file, private_file_once

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")


def _secret_key() -> str:
    """SECRET_KEY from the environment; embedded mode keeps a generated one in DATA_DIR.

    With DATABASE_URL set, several processes (perhaps on several machines) share the
    sessions, so they must share the key too: there it is mandatory.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    if DATABASE_URL and not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DATABASE_URL is set: every server process must "
            "sign sessions with the same key. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    return private_file_once(DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "csp",
    "django.contrib.staticfiles",
    "channels",
    "workshops",
    "realtime",
]

MIDDLEWARE = [
    # Pages compressed for browsers that ask (all do): the phone page is a fifth of its
    # size gzipped. Django's GZip pads each response with random bytes against BREACH,
    # and the CSRF token in a page is masked afresh each time.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's LocaleMiddleware, with the choice kept in the session and the conference's
    # offer on participant pages (workshops/languages.py).
    "workshops.languages.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "workshops.languages.switcher",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in WAL mode with immediate transactions (writers queue for the lock at
# BEGIN instead of failing halfway with "database is locked"), or DATABASE_URL.
if DATABASE_URL:
    # A bounded pool per process. Under ASGI every HTTP request runs in a thread of its
    # own, and a persistent connection per thread meant a new PostgreSQL connection per
    # request, until the server refused more ("too many clients") when phones joined at
    # once. Pooled connections go back to the pool after each request and each database
    # call of the socket consumers, for the next one to take.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env_int("DATABASE_POOL_SIZE", 20),
        # Waiting longer for a connection than this is an outage, not a queue:
        # commands then get "unavailable" and are sent again by the client.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 5),
    }
else:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    SQLITE_PATH = env_str("SQLITE_PATH", str(DATA_DIR / "mitwirken.sqlite3"))
    # Sessions, names and password hashes: the owner's only, from the first byte on.
    # SQLite gives its -wal and -shm files the database file's mode (config/files.py).
    private_file(SQLITE_PATH)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Keep connections: reopening one (and re-running the PRAGMAs) per call of
            # a consumer would cost more than the call.
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer: in-memory for one process, Redis for several.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "capacity": env_int("CHANNEL_CAPACITY", 1000),
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": env_int("CHANNEL_CAPACITY", 1000)},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# E-mail: invitations to moderators (workshops/services/organise.py). Without EMAIL_HOST
# the mails are written to the server's log (the organiser copies the link from the page).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mitwirken@localhost")

# Participants keep their identity in the session for the whole conference day and beyond.
# Database sessions, read and created more cheaply (config/sessions.py).
SESSION_ENGINE = "config.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_SAMESITE = "Lax"
# Behind an HTTPS proxy (docs/operations.md) secure cookies, HSTS and the redirect are on
# unless turned off one by one; the proxy must set X-Forwarded-Proto.
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", BEHIND_HTTPS_PROXY)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", True)
    # /healthz answers the proxy's and the monitor's plain-HTTP probes without a redirect.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("tr", _("Turkish")),
    ("ar", _("Arabic")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "mitwirken_language"
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed and compressed by collectstatic (`make run`), cached for a year; before
    # collectstatic the plain names (config/static.py).
    "staticfiles": {"BACKEND": "config.static.HashedStaticFilesStorage"},
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # bundles/<page>.js: each page's script and its imports in one file (config/bundles.py)
    "config.bundles.BundleFinder",
]
# Serve straight from static/ as well, so a checkout works before collectstatic has run.
WHITENOISE_USE_FINDERS = True
# The icons browsers fetch on their own at the root (/favicon.ico, /apple-touch-icon.png);
# drawn by tools/icons.py.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "config.logs.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "config.logs.JsonFormatter"},
    },
    # no client addresses in any log line (config/logs.py; Daphne's access log too)
    "filters": {"redact_addresses": {"()": "config.logs.RedactAddresses"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if env_str("LOG_FORMAT", "plain") == "json" else "plain",
            "filters": ["redact_addresses"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "INFO"}},
}

# Product limits; the pages hand them to the browser (the text box's maxlength).
ITEM_TEXT_MAX = 500
# The duplicate finder scores at most this many items per look-up and per written item,
# those sharing most index keys with the text (workshops/signatures.py).
SIMILAR_CANDIDATES = env_int("SIMILAR_CANDIDATES", 20)
# Tallies of a round are sent at most once per this many seconds (realtime/tally.py);
# 0 sends one per vote.
TALLY_INTERVAL = env_int("TALLY_INTERVAL_MS", 250) / 1000
# A forum without an event for this long gets a heartbeat with its rev on every socket
# (realtime/hub.py). The pages ping only after QUIET_LIMIT_MS (static/js/live.js) of
# silence, which must stay above this and a quarter of it.
HEARTBEAT_INTERVAL = env_int("HEARTBEAT_INTERVAL_MS", 20000) / 1000
if HEARTBEAT_INTERVAL < 1:
    raise ImproperlyConfigured("HEARTBEAT_INTERVAL_MS must be at least 1000 (one second)")

# --- Hardening (docs/operations.md) -------------------------------------------------------
# Content-Security-Policy: only this origin, no plugins, no <base>, no framing. Templates
# carry no inline script or style (data for scripts is JSON in <script type=application/json>).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "img-src": [SELF, "data:"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Shared counters for the throttles below: Redis when there are several processes,
# otherwise this process's memory.
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one client and pool per process, not one per request
            # (config/caches.py)
            "BACKEND": "config.caches.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mitwirken",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
else:
    # Room for every counter of a busy day: Django's default of 300 entries would be
    # culled as soon as a few hundred people are counted, and the limits would silently
    # stop holding. 100 000 entries are a few tens of MB at most.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": env_int("LOCAL_CACHE_ENTRIES", 100_000)},
        }
    }

# What one forum and the live channel keep (docs/operations.md, "Limits of the live channel").
FORUM_ITEMS_MAX = env_int("FORUM_ITEMS_MAX", 1000)  # items per forum; bounds every snapshot
# Command receipts (at-most-once answers, refusals too) are deleted after this many hours.
COMMAND_RECEIPT_RETENTION_HOURS = env_int("COMMAND_RECEIPT_RETENTION_HOURS", 48)

# Abuse limits (0 turns one off), each explained in docs/operations.md ("Limits"). A
# venue's Wi-Fi puts every phone behind one address, so limits count what identifies a
# person (session, participant, user name); where an address is still counted, the cap is
# far above a hall of 1000.
PROPOSALS_PER_MINUTE = env_int("PROPOSALS_PER_MINUTE", 20)  # per participant, all sockets
SOCKETS_PER_PARTICIPANT = env_int("SOCKETS_PER_PARTICIPANT", 8)  # per server process
# per server process: a hall of 1000, their old sockets still open during a reconnect, and
# the screens and consoles, with room to spare
SOCKETS_PER_ADDRESS = env_int("SOCKETS_PER_ADDRESS", 5000)
JOINS_PER_MINUTE_PER_ADDRESS = env_int("JOINS_PER_MINUTE_PER_ADDRESS", 3000)  # a hall, 3 times
CODE_MISSES_PER_MINUTE = env_int("CODE_MISSES_PER_MINUTE", 20)  # unknown join codes, per session
CODE_MISSES_PER_HOUR_PER_ADDRESS = env_int("CODE_MISSES_PER_HOUR_PER_ADDRESS", 3000)
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 10)  # per 15 minutes
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 200)  # per 15 minutes
# The client's address is the last one in X-Forwarded-For (the one the proxy wrote) only
# behind a proxy that sets it; otherwise the header is the client's own word.
USE_X_FORWARDED_FOR = env_bool("USE_X_FORWARDED_FOR", BEHIND_HTTPS_PROXY)
# Wrong voting card codes per 15 minutes: per phone (its session's participant), per
# code tried (one card typed in on many phones) and per address (new codes on phone after
# fresh phone; far above a hall's typos); beyond any, entries are not checked.
CARD_FAILURES_PER_PHONE = env_int("CARD_FAILURES_PER_PHONE", 10)
CARD_FAILURES_PER_CODE = env_int("CARD_FAILURES_PER_CODE", 10)
CARD_FAILURES_PER_ADDRESS = env_int("CARD_FAILURES_PER_ADDRESS", 1000)
SIMILAR_LOOKUPS_PER_MINUTE = env_int("SIMILAR_LOOKUPS_PER_MINUTE", 60)  # per session: /similar

# Privacy (DSGVO) and accessibility (BITV 2.0): who is responsible, whom to ask. Shown on
# the privacy notice (templates/workshops/privacy.html) and the accessibility statement
# (templates/workshops/accessibility.html); a city can also replace both templates.
PRIVACY_CONTROLLER = env_str("PRIVACY_CONTROLLER", "Stadt Musterstadt, Integrationsbüro")
PRIVACY_CONTROLLER_ADDRESS = env_str(
    "PRIVACY_CONTROLLER_ADDRESS", "Rathausplatz 1, 12345 Musterstadt"
)
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "integration@musterstadt.example")
PRIVACY_OFFICER_EMAIL = env_str("PRIVACY_OFFICER_EMAIL", "datenschutz@musterstadt.example")
ACCESSIBILITY_CONTACT_EMAIL = env_str(
    "ACCESSIBILITY_CONTACT_EMAIL", "barrierefreiheit@musterstadt.example"
)
ACCESSIBILITY_CONTACT_PHONE = env_str("ACCESSIBILITY_CONTACT_PHONE", "")
ACCESSIBILITY_ENFORCEMENT_URL = env_str(
    "ACCESSIBILITY_ENFORCEMENT_URL", "https://www.schlichtungsstelle-bgg.de/"
)
ACCESSIBILITY_STATEMENT_DATE = env_str("ACCESSIBILITY_STATEMENT_DATE", "2026-11-24")
# Personal data of a conference is kept this many days after its date; then
# `manage.py purge_personal_data --expired` (daily cron) removes it.
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 90)

# The follow-up of adopted measures by their leads (docs/operations.md, "Leads of
# measures"). Links in e-mails start with SITE_URL (the address people open, no slash at
# the end). Reminders go out from LEAD_REMINDER_DAYS_BEFORE days before the reporting date.
SITE_URL = (env_str("SITE_URL") or "http://localhost:8000").rstrip("/")
LEAD_REMINDER_DAYS_BEFORE = env_int("LEAD_REMINDER_DAYS_BEFORE", 14)
# Lead links that open nothing (unknown, replaced, revoked) per 15 minutes, per browser
# session and per address (a city hall's staff share one), and changes per link a minute.
LEAD_LINK_FAILURES_PER_SESSION = env_int("LEAD_LINK_FAILURES_PER_SESSION", 10)
LEAD_LINK_FAILURES_PER_ADDRESS = env_int("LEAD_LINK_FAILURES_PER_ADDRESS", 200)
LEAD_CHANGES_PER_MINUTE = env_int("LEAD_CHANGES_PER_MINUTE", 30)

# E-mail (the leads' reminders): printed to the console unless EMAIL_HOST names an SMTP
# server; EMAIL_BACKEND overrides either (tests use the in-memory one).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)  # STARTTLS on 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS on 465 (then TLS off)
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or PRIVACY_CONTACT_EMAIL
