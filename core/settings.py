"""Settings, read from the environment.

Nothing set gives a working development setup on the embedded PostgreSQL. In production set
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``PERSONAL_DATA_KEYS`` and
``ALLOWED_HOSTS``; ``DEBUG`` is off unless asked for.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NETWORK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
EMBEDDED_DATABASE = not DATABASE_URL


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or EMBEDDED_DATABASE):
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL points at a server.")
    # Development: a random key kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# --- Applications -------------------------------------------------------------------------
# The public schema holds the registry of centres, identity, the common item dictionary, the
# working-day calendar and the read-side projections. Every centre's schema holds only its own
# cases: keep TENANT_APPS lean, each table there is multiplied by ~1,700 centres.
SHARED_APPS = [
    # tenants first: its migrate / migrate_schemas commands replace django-tenants' own.
    "tenants",
    "django_tenants",
    "workdays",
    "catalog",
    "messaging",
    "network",
    "accounts",
    "assessment",
    "supervision",
    "ratings",
    "notifications",
    "custody.records",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "graphene_django",
    "graphql_api",
    "core",
    "django_htmx",
    "web",
]
TENANT_APPS = [
    "django.contrib.postgres",
    "delegation",
    "supervision.centre",  # 督办 as the handling centre received it (one small table)
    # The applicant's papers are held at a centre: custody's records live beside its cases.
    "custody",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.ServiceCentre"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# core.replica first (reads inside network_reads() to the replica, if configured; writes and
# migrations never), then django-tenants' router for which app migrates into which schema.
DATABASE_ROUTERS = ["core.replica.ReplicaRouter", "django_tenants.routers.TenantSyncRouter"]
# Issue `SET search_path` once per schema switch instead of before every query (it doubled the
# statements of every service call). Safe because services switch schema with
# tenants.tenancy.in_centre, which re-selects the schema on entry and exit.
TENANT_LIMIT_SET_CALLS = True
# Centres are reached by path (/c/<division_code>/...) or header, see core.routing.
CENTRE_URL_PREFIX = "c"
CENTRE_HEADER = "HTTP_X_CENTRE"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from STATIC_ROOT (bin/run runs collectstatic), also when DEBUG is off.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.routing.CentreRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "core.urls"
CENTRE_URLCONF = "core.urls_centre"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context_processors.web",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
if EMBEDDED_DATABASE:
    from core.embedded import embedded_database_settings

    _db = embedded_database_settings(
        VAR_DIR,
        os.environ.get("EMBEDDED_DB_NAME", "network"),
        # manage.py embedded_db status|stop sets it to 0: report on the server, never start it.
        start=env_bool("EMBEDDED_DB_AUTOSTART", True),
    )
else:
    import dj_database_url

    _db = dj_database_url.parse(DATABASE_URL)

_db["ENGINE"] = "django_tenants.postgresql_backend"
# Persistent connections: a Celery worker applying a message per task would otherwise open a
# new PostgreSQL connection (a new backend process) for every message.
# Set, not defaulted: dj_database_url.parse() fills in CONN_MAX_AGE=0 and no health checks, which
# made every request and every task open a new connection on the DATABASE_URL path.
_db["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "300"))
_db["CONN_HEALTH_CHECKS"] = True
# Server-side binding and prepared statements (on by default): a statement run
# DB_PREPARE_THRESHOLD (2) times on a connection is prepared once, then only executed: PostgreSQL
# stops planning the hot statements (write path −10 % CPU per case, docs/benchmarks.md).
# DB_PREPARE_THRESHOLD=off turns both off (e.g. behind a PgBouncer in transaction pooling mode
# older than 1.21, which cannot keep a connection's prepared statements).
_prepare = os.environ.get("DB_PREPARE_THRESHOLD", "2").strip().lower()
if _prepare not in ("off", "none", "no", "false", ""):
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"]["server_side_binding"] = True
    _db["OPTIONS"]["prepare_threshold"] = int(_prepare)
# Parallel test runs (several people or agents on one server) each name their own database.
_db["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or f"test_{_db['NAME']}"}
DATABASES = {"default": _db}
#: A PostgreSQL streaming replica (hot standby) for network-wide reads (core/replica.py):
#: reads inside ``core.replica.network_reads()`` go there; writes and migrations never.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    import dj_database_url

    _replica = dj_database_url.parse(REPLICA_DATABASE_URL)
    _replica["ENGINE"] = _db["ENGINE"]
    _replica["CONN_MAX_AGE"] = _db["CONN_MAX_AGE"]
    _replica["CONN_HEALTH_CHECKS"] = True
    # Tests read the test database itself through the alias (no second test database).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Identity -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- API (graphql_api; tokens from accounts) ------------------------------------------------
#: How long a token from the login mutation stays valid (logout revokes it sooner).
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", str(24 * 14)))
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "10"))
GRAPHQL_MAX_COMPLEXITY = int(os.environ.get("GRAPHQL_MAX_COMPLEXITY", "5000"))
#: Per document, before validation (graphql_api/validation.py): text, tokens, fields, aliases.
GRAPHQL_MAX_QUERY_BYTES = int(os.environ.get("GRAPHQL_MAX_QUERY_BYTES", str(64 * 1024)))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "10000"))
GRAPHQL_MAX_FIELDS = int(os.environ.get("GRAPHQL_MAX_FIELDS", "1000"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "50"))
#: Parsed and validated documents kept per process (graphql_api/documents.py); 0: none kept.
GRAPHQL_DOCUMENT_CACHE_SIZE = int(os.environ.get("GRAPHQL_DOCUMENT_CACHE_SIZE", "256"))
GRAPHQL_DOCUMENT_CACHE_MAX_BYTES = int(
    os.environ.get("GRAPHQL_DOCUMENT_CACHE_MAX_BYTES", str(16 * 1024))
)
GRAPHENE = {"SCHEMA": "core.schema.network_schema", "RELAY_CONNECTION_MAX_LIMIT": 100}

# --- Language and time --------------------------------------------------------------------
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
#: The default language: of the API when a request names none (Accept-Language), and of what
#: management commands print and write (``LANGUAGE_CODE=en manage.py run_assessment …``).
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE={LANGUAGE_CODE!r}: choose one of {', '.join(dict(LANGUAGES))}"
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The web app's session login (web.session); the admin keeps its own.
LOGIN_URL = "/login/"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
STATIC_ROOT = VAR_DIR / "static"
# Hashed, compressed names (cacheable for ever) unless DEBUG; tests/conftest.py uses the plain
# storage, so a test needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production defaults; DEBUG relaxes nothing but error pages) -----------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if env_bool("HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Login throttling (accounts.services.login) -------------------------------------------------
#: Per (username, client): free failures within the window, then a delay after each failure that
#: starts at LOGIN_DELAY_SECONDS and doubles, up to LOGIN_MAX_DELAY_SECONDS. No hard lock-out of
#: a username: another client's failures never lock its owner out.
LOGIN_FAILURES_BEFORE_DELAY = int(os.environ.get("LOGIN_FAILURES_BEFORE_DELAY", "5"))
LOGIN_DELAY_SECONDS = int(os.environ.get("LOGIN_DELAY_SECONDS", "2"))
LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "900"))
#: Per client, all usernames together: past this many failures in the window, refused.
LOGIN_FAILURES_PER_CLIENT = int(os.environ.get("LOGIN_FAILURES_PER_CLIENT", "30"))
LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))

# --- Anonymous tracking (delegation.tracking.track_public) ----------------------------------------
#: Failed lookups (wrong number or wrong query code) allowed per client address in the window.
TRACKING_FAILURES_PER_CLIENT = int(os.environ.get("TRACKING_FAILURES_PER_CLIENT", "10"))
TRACKING_FAILURE_WINDOW_MINUTES = int(os.environ.get("TRACKING_FAILURE_WINDOW_MINUTES", "15"))

# --- The citizen's rating (ratings) -------------------------------------------------------------
#: How long a rating invitation link (/rate/<token>/) stays valid.
RATING_LINK_MAX_AGE_DAYS = int(os.environ.get("RATING_LINK_MAX_AGE_DAYS", "30"))


# --- Keys (personal data, message signatures) ------------------------------------------------
def _keys(variable: str, filename: str, why: str = "") -> str:
    """``kid:base64key,…`` from ``variable``; on the embedded default (or with DEBUG) one 32-byte
    key generated once under var/ and shared by every process of this checkout (the relay, the
    workers, the tests' subprocesses). With a server database the variable is required."""
    keys = os.environ.get(variable, "").strip()
    if keys:
        return keys
    if not (DEBUG or EMBEDDED_DATABASE):
        raise ImproperlyConfigured(
            f"{variable} must be set when DATABASE_URL points at a server{why}."
        )
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(f"local1:{base64.b64encode(secrets.token_bytes(32)).decode()}\n")
        path.chmod(0o600)
    return path.read_text().strip()


#: "kid1:<base64 32-byte key>,kid2:…": the first seals, all open (rotation: docs/architecture.md).
PERSONAL_DATA_KEYS = _keys("PERSONAL_DATA_KEYS", "data_keys")

# --- Messaging ----------------------------------------------------------------------------
# Production and CI: RabbitMQ. The embedded default has no broker: see docs/architecture.md
# ("Messaging without a broker") for the fallback.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
#: The queue cross-centre messages travel on (tests use a private one per run).
MESSAGES_QUEUE = os.environ.get("MESSAGES_QUEUE", "messages")
#: "quorum" (the default with a broker): the messages queue is a RabbitMQ quorum queue,
#: replicated over the cluster's nodes (Raft), durable, with publisher confirms (below).
#: "classic": a single-node classic queue. RabbitMQ cannot change an existing queue's type:
#: moving to quorum means a new queue name (docs/scaling.md, "Quorum queues").
MESSAGES_QUEUE_TYPE = os.environ.get(
    "MESSAGES_QUEUE_TYPE", "quorum" if os.environ.get("CELERY_BROKER_URL") else "classic"
)
if MESSAGES_QUEUE_TYPE not in ("quorum", "classic"):
    raise ImproperlyConfigured(f"MESSAGES_QUEUE_TYPE={MESSAGES_QUEUE_TYPE!r}: quorum or classic")
#: Who applies the messages queue under bin/run: "celery" (the default: the Celery worker, a
#: task per batch) or "kombu" (two ``manage.py consume`` processes, messaging.stream: ~12 %
#: less worker CPU, docs/benchmarks.md); Celery keeps the periodic work either way.
MESSAGES_CONSUMER = os.environ.get("MESSAGES_CONSUMER", "celery")
if MESSAGES_CONSUMER not in ("celery", "kombu"):
    raise ImproperlyConfigured(f"MESSAGES_CONSUMER={MESSAGES_CONSUMER!r}: celery or kombu")
# Celery declares the messages queue on first use (publisher and ``worker -Q``) as a "missing"
# queue, of this type; the default task queue (CELERY_TASK_DEFAULT_QUEUE) keeps its own type.
CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = MESSAGES_QUEUE_TYPE
#: Messages to one centre the relay hands over together (one broker message, one receiving
#: transaction); see messaging/relay.py.
MESSAGES_RELAY_GROUP = int(os.environ.get("MESSAGES_RELAY_GROUP", "100"))
#: Seconds the relay waits after a partial pass so that messages under load leave in batches.
MESSAGES_RELAY_LINGER = float(os.environ.get("MESSAGES_RELAY_LINGER", "0.05"))
#: Days to keep published outbox rows and applied inbox rows (``manage.py purge_messages``,
#: daily under ``celery -A core beat``). Unpublished and parked messages are never purged.
MESSAGES_RETENTION_DAYS = int(os.environ.get("MESSAGES_RETENTION_DAYS", "30"))


#: "kid1:<base64 key>,kid2:…": HMAC-SHA256 keys of the network's messages. The first signs,
#: all verify (rotation: add the new key second, deploy everywhere, then move it first, then
#: drop the old one; docs/operations.md).
MESSAGES_SIGNING_KEYS = _keys(
    "MESSAGES_SIGNING_KEYS",
    "message_keys",
    " (every database of the network needs the same keys)",
)
#: Retries of an unsent outbox row back off exponentially from 1 s up to this many seconds.
MESSAGES_RETRY_CAP_SECONDS = int(os.environ.get("MESSAGES_RETRY_CAP_SECONDS", "60"))
#: The relay counts as dead when its heartbeat is older than this (health answers 503).
MESSAGES_RELAY_DEAD_AFTER_SECONDS = int(os.environ.get("MESSAGES_RELAY_DEAD_AFTER_SECONDS", "30"))
#: An unsent message older than this is a backlog: ERROR in the relay's log, 503 from health.
MESSAGES_BACKLOG_ALERT_SECONDS = int(os.environ.get("MESSAGES_BACKLOG_ALERT_SECONDS", "300"))
#: A message parked (ahead of its sequence, or for an unknown delegation) longer than this is
#: reported (ERROR in the relay's log, counted as stale by health and ``dead_letters``).
MESSAGES_PARKED_ALERT_SECONDS = int(os.environ.get("MESSAGES_PARKED_ALERT_SECONDS", "3600"))
# Publisher confirms: a message counts as sent only once RabbitMQ has taken it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
#: The queue of periodic and other tasks; two deployments sharing a broker give each its own
#: (and their own MESSAGES_QUEUE), or a worker of one would run the other's tasks.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
# Messages the worker cannot decode, or that name an unknown task, become dead letters.
CELERY_WORKER_CONSUMER = "messaging.consumer:Consumer"
# Celery's Django fixup closes the database connection before and after every task unless told
# otherwise: one new PostgreSQL backend per message (the benchmark saw 5,506 sessions for 400
# cases, most of PostgreSQL's CPU). Keep connections like web requests do: core.celery calls
# close_old_connections() before each task, which honours CONN_MAX_AGE and drops broken ones.
CELERY_DB_REUSE_MAX = 100_000
# The centre a task runs in is looked up by schema name; schema names never change.
CELERY_TASK_TENANT_CACHE_SECONDS = 300
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4  # acks late: a crash requeues the unacked ones
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-delivered-messages": {
        "task": "delegation.purge_messages",
        "schedule": 24 * 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    # 超时默认 (行政许可法 art. 32): hourly, so a lapsed window is acted on the day after.
    "accept-lapsed-intakes": {
        "task": "delegation.accept_lapsed_intakes",
        "schedule": 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    # 电子监察: every open case's step against its time limit, set-based over the projection.
    "evaluate-supervision": {
        "task": "supervision.evaluate",
        "schedule": 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    # 差评整改: a rectification turning yellow or red tells the rated centre's desk, once.
    "warn-rectifications": {
        "task": "ratings.warn_rectifications",
        "schedule": 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    # Notifications (docs/notifications.md): send the SMS that are due; invite ratings.
    "send-notifications": {
        "task": "notifications.send_due",
        "schedule": 10,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE, "expires": 10},
    },
    "redact-old-sms": {
        "task": "notifications.redact_old_sms",
        "schedule": 24 * 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    "invite-ratings": {
        "task": "notifications.invite_ratings",
        "schedule": 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
    # 督办: an order past its deadline without an outcome becomes a red card (红牌).
    "issue-red-cards": {
        "task": "supervision.red_cards",
        "schedule": 3600,
        "options": {"queue": CELERY_TASK_DEFAULT_QUEUE},
    },
}

# --- Notifications (docs/notifications.md) --------------------------------------------------
#: "console" (the default: the log and var/sms/outbox.log) or "http" (SMS_GATEWAY_URL).
SMS_GATEWAY = os.environ.get("SMS_GATEWAY", "console")
if SMS_GATEWAY not in ("console", "http"):
    raise ImproperlyConfigured(f"SMS_GATEWAY={SMS_GATEWAY!r}: console or http")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
#: The HMAC-SHA256 key the http gateway's requests are signed with (X-Signature header).
SMS_GATEWAY_SECRET = os.environ.get("SMS_GATEWAY_SECRET", "")
if SMS_GATEWAY == "http" and not (SMS_GATEWAY_URL and SMS_GATEWAY_SECRET):
    raise ImproperlyConfigured("SMS_GATEWAY=http needs SMS_GATEWAY_URL and SMS_GATEWAY_SECRET")
#: Seconds to connect to and to hear back from the gateway.
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "5"))
#: Where the console gateway writes what it would have sent (phones masked).
SMS_OUTBOX_FILE = Path(os.environ.get("SMS_OUTBOX_FILE", VAR_DIR / "sms" / "outbox.log"))
#: At most this many messages to one phone number within SMS_RATE_WINDOW_SECONDS; more wait.
SMS_PER_PHONE_LIMIT = int(os.environ.get("SMS_PER_PHONE_LIMIT", "5"))
SMS_RATE_WINDOW_SECONDS = int(os.environ.get("SMS_RATE_WINDOW_SECONDS", "3600"))
#: A failed send is retried after 30 s, 60 s, 120 s … up to the cap, at most SMS_MAX_ATTEMPTS
#: times in all; then it is recorded as failed.
SMS_RETRY_BASE_SECONDS = int(os.environ.get("SMS_RETRY_BASE_SECONDS", "30"))
SMS_RETRY_CAP_SECONDS = int(os.environ.get("SMS_RETRY_CAP_SECONDS", "3600"))
SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "10"))
#: A message's phone number and text are erased this many days after it was written, once it
#: is no longer pending (daily task ``notifications.redact_old_sms``); the row and its status stay.
SMS_RETENTION_DAYS = int(os.environ.get("SMS_RETENTION_DAYS", "180"))
#: A finished case still unrated this many days after its decision gets a rating invitation.
NOTIFY_RATING_AFTER_DAYS = int(os.environ.get("NOTIFY_RATING_AFTER_DAYS", "3"))
#: A centre that gets more than this many new warnings of one level in one supervision
#: evaluation hears of them in one digest (the worklist's warning filter lists them) instead of
#: one notification each: the first evaluation of a prefecture finds ~224,000 at once.
NOTIFY_WARNINGS_EACH_UP_TO = int(os.environ.get("NOTIFY_WARNINGS_EACH_UP_TO", "5"))
#: The address citizens reach the site at, for links in text messages.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


# --- Broker over TLS -------------------------------------------------------------------------
def broker_use_ssl(url: str, environ=os.environ) -> dict | None:
    """kombu's ``ssl`` options for an ``amqps://`` broker URL (None for plain ``amqp://``): the
    server's certificate is always verified, against ``BROKER_CA_FILE`` (else the system's CAs);
    ``BROKER_CERT_FILE``/``BROKER_KEY_FILE`` add a client certificate."""
    if not url.lower().startswith("amqps://"):
        return None
    import ssl

    options: dict = {"cert_reqs": ssl.CERT_REQUIRED}
    for option, name in (
        ("ca_certs", "BROKER_CA_FILE"),
        ("certfile", "BROKER_CERT_FILE"),
        ("keyfile", "BROKER_KEY_FILE"),
    ):
        if environ.get(name):
            options[option] = environ[name]
    return options


CELERY_BROKER_USE_SSL = broker_use_ssl(CELERY_BROKER_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
