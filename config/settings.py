"""Mutirão settings: one module, every value read from the environment here.

`.env.example` lists every key. With DEBUG off (production), a missing or weak
SECRET_KEY fails loudly and the deploy checklist (`check --deploy`) passes.
"""

import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.logs import logging_config
from config.storage import default_storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    # The deploy checklist's rule (security.W009), enforced at start-up rather than only warned.
    raise ImproperlyConfigured("SECRET_KEY is too weak: use 50 or more random characters.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "django_celery_beat",
    "coop",
    "chain",
    "upgrading",
]

MIDDLEWARE = [
    # First: every response and every log line of a request carry its id, a refused host's too.
    "config.request_id.RequestIdMiddleware",
    # /healthz is answered first: probes call it by IP address, over plain HTTP.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Pages go out compressed: above every middleware that reads or writes the body, so it
    # compresses the final page. Static files WhiteNoise serves pre-compressed (production)
    # already carry Content-Encoding and are left alone; in development it compresses them
    # too. BREACH: Django masks the CSRF token per response and, since 4.2, this middleware
    # adds random padding to every compressed response.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coop.context_processors.tenancy",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections with health checks: measured 60 -> 297 requests/s.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, the closest SQLite has to row locks;
    # WAL lets readers go on while one writer works.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker and jobs ---------------------------------------------------

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: run tasks in-process so the app works with zero setup.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "America/Fortaleza"
# Workers report "started", so a report's page can tell queued from running.
CELERY_TASK_TRACK_STARTED = True
# No task runs forever: the longest (an evidence pack) has its own limits, at most these.
CELERY_TASK_SOFT_TIME_LIMIT = 50 * 60
CELERY_TASK_TIME_LIMIT = 55 * 60
# Redis gives an unacknowledged task to another worker after the visibility timeout: it
# must exceed the longest task (and the longest retry countdown), or a task still running
# would be started twice. Two hours against a 55-minute hard limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)
}
# A lost broker connection cancels running tasks, which are acknowledged late and so
# delivered again, instead of finishing them twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# Attempts of one report (deliveries and retries) before it is marked failed.
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=4)
# The schedule lives in the database, where the admin shows it and an operator may change it;
# its defaults are defined in config/celery.py and installed after each `migrate`.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication and security ----------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The service worker (/sw.js) and the web manifest, both from this origin.
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Internationalisation -----------------------------------------------------

LANGUAGE_CODE = "pt-br"
LANGUAGES = [("pt-br", _("Português (Brasil)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Fortaleza")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------

STATIC_URL = "/static/"
# Overridable so that a test (or an image) can collect into a folder of its own.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# In development WhiteNoise serves straight from the apps' static folders.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# Source maps are fetched only by developer tools; brotli at its best quality takes about a
# minute over the API docs' 7 MB of maps, so they are served as they are.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
# Uploads, reports and evidence packs: MEDIA_ROOT by default, an S3-compatible bucket with
# STORAGE_BACKEND=s3 (config/storage.py). Never served from MEDIA_URL: views stream them.
STORAGES = {
    "default": default_storage_config(env),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Mutirão <noreply@localhost>")
# Where the app is reached, for links in emails sent by background jobs (no request there).
SITE_URL = env.str("SITE_URL", default="")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -------------------------------------------------------------------


def _api_rate(name: str, default: str) -> str:
    """A DRF throttle rate ("10/minute") from the environment, refused at start-up when it
    is not one: DRF itself would only fail at the first request, with a 500."""
    value = env.str(name, default=default)
    match = re.fullmatch(r"\s*([1-9]\d*)\s*/\s*(second|minute|hour|day|sec|min|s|m|h|d)s?\s*", value)
    if not match:
        raise ImproperlyConfigured(
            f"{name} must look like 10/minute (per second, minute, hour or day), not {value!r}."
        )
    return f"{match[1]}/{match[2]}"


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call gets 401 with `WWW-Authenticate: Token`.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.rest.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.rest.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Rate limits (config/throttling.py), counted in the shared cache: 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": _api_rate("API_RATE_AUTH_TOKEN", "10/minute"),
        "writes": _api_rate("API_RATE_WRITES", "300/minute"),
    },
    # Behind the proxy, the client is the address it appends to X-Forwarded-For; without
    # one, the connection's own address (a client's X-Forwarded-For would be a free pass).
    "NUM_PROXIES": 1 if SECURE_PROXY_SSL_HEADER else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mutirão API",
    "DESCRIPTION": "Co-operatives, production, value chain and social upgrading.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_error_responses",
    ],
    # Several models have a `kind` or a `status` with their own choices: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "AssociationKindEnum": "coop.models.Association.Kind",
        "LotKindEnum": "coop.models.Lot.Kind",
        "FamilyStatusEnum": "coop.models.Family.Status",
        "LotStatusEnum": "coop.models.Lot.Status",
        "CertificationStatusEnum": "coop.models.Certification.Status",
        "CurrencyEnum": "coop.units.CURRENCY_CHOICES",
        "ContractStatusEnum": "chain.models.Contract.Status",
        "ShipmentStatusEnum": "chain.models.Shipment.Status",
        "AdvanceStatusEnum": "upgrading.models.Advance.Status",
        "AdvanceMethodEnum": "upgrading.models.Advance.Method",
        "AssemblyKindEnum": "upgrading.models.Assembly.Kind",
        "PremiumCategoryEnum": "upgrading.models.PremiumAllocation.Category",
        "SettlementStatusEnum": "upgrading.models.Settlement.Status",
        "SettlementPoolSourceEnum": "upgrading.models.Settlement.PoolSource",
        "SettlementLevelsEnum": "upgrading.models.Settlement.Levels",
        "SettlementLineLevelEnum": "upgrading.models.SettlementLine.Level",
        "IndicatorCategoryEnum": "upgrading.models.Indicator.Category",
        "IndicatorScopeEnum": "upgrading.models.Indicator.Scope",
        "IndicatorSourceEnum": "upgrading.models.Indicator.Source",
        "ReportKindEnum": "upgrading.models.Report.Kind",
        "ReportStatusEnum": "upgrading.models.Report.Status",
    },
}

# --- Logs and error reports -------------------------------------------------------

# One line per record with the request id; LOG_FORMAT=json for a log collector. gunicorn's
# lines use the same configuration (gunicorn.conf.py).
try:
    LOGGING = logging_config(
        level=env.str("LOG_LEVEL", default="INFO"), log_format=env.str("LOG_FORMAT", default="text")
    )
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from error

SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
