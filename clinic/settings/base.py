"""Settings shared by every environment; everything variable comes from the
environment (see README and ``.env.example``)."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from clinic.env import env, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

environ_file = BASE_DIR / ".env"
if environ_file.exists():
    env.read_env(str(environ_file))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for a local development run."
        )
    # DEBUG on: a random key made on this install's first start and kept
    # under var/ (mode 0600), so sessions and tokens survive restarts and no
    # published string ever signs them.
    SECRET_KEY = local_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "simple_history",
    "django_celery_beat",
    "clinic",
    "treatments",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clinic.middleware.RefuseNulCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.middleware.StaffSessionIdle",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the login is known: a signed-in client's pages speak their language.
    "clinic.middleware.ClientLanguage",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a sign-in refused for too many failures into its own page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"
ASGI_APPLICATION = "clinic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clinic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bookings.views.site.public_site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # Writers take the lock when the transaction begins, so a
            # re-check inside a transaction sees what it will write over.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "clinic.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# django-axes first: it refuses a locked-out sign-in before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Sign-in protection -----------------------------------------------------
# How many proxies you run in front of the app (a load balancer, nginx). The
# caller's address is the one the outermost of them saw; with 0, forwarded
# headers are ignored, since any caller can write them.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# After LOCKOUT_FAILURES failed sign-ins for one account, or from one
# address, sign-in is refused for LOCKOUT_MINUTES, in the panel and the API.
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_MINUTES = env.int("LOCKOUT_MINUTES", default=15)
AXES_FAILURE_LIMIT = LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "clinic.signin.client_address"
AXES_USERNAME_CALLABLE = "clinic.signin.account"
AXES_LOCKOUT_CALLABLE = "clinic.views.locked_out"
AXES_SENSITIVE_PARAMETERS = ["password", "old_password", "new_password"]
# Reset links are mailed at most this often to one address.
PASSWORD_RESET_MAILS_PER_HOUR = env.int("PASSWORD_RESET_MAILS_PER_HOUR", default=3)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a reset link works for two hours
# Signing in on the client pages with a code sent by SMS: how long a code
# works, how many tries it allows, and how many codes one phone number or
# one network address may ask for in an hour.
SIGN_IN_CODE_MINUTES = env.int("SIGN_IN_CODE_MINUTES", default=10)
SIGN_IN_CODE_TRIES = env.int("SIGN_IN_CODE_TRIES", default=5)
SIGN_IN_CODES_PER_PHONE_PER_HOUR = env.int("SIGN_IN_CODES_PER_PHONE_PER_HOUR", default=3)
SIGN_IN_CODES_PER_ADDRESS_PER_HOUR = env.int("SIGN_IN_CODES_PER_ADDRESS_PER_HOUR", default=10)

# --- Time and language ------------------------------------------------------
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Kolkata")
USE_TZ = True
LANGUAGE_CODE = "en"
# The languages the site answers in: those with a catalogue in locale/ (a client
# may still record Hindi as their preference; the site answers them in English).
LANGUAGES = [("en", "English"), ("ta", "Tamil")]
USE_I18N = True
# One catalogue for the whole project (README, "Languages"); `make messages`
# writes it, and the compiled .mo is committed.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where Django's formats for a language are not the clinic's (clinic/formats/).
FORMAT_MODULE_PATH = ["clinic.formats"]

PHONENUMBER_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="IN")
PHONENUMBER_DB_FORMAT = "E164"
CLINIC_CURRENCY = "INR"

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <bookings@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
# With REDIS_URL set, Redis carries the tasks; without it a folder under var/
# does, so the embedded default needs no server at all.
REDIS_URL = env.str("REDIS_URL", default="")
# The embedded broker's folder; a test or a second install on one machine
# gives its own so that their tasks never meet.
BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Two queues, so that a backlog of one kind of work never holds up the
# other; every worker command (Procfile.run, Procfile.dev, compose) listens
# to both.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = {"default": {}, "notifications": {}}
CELERY_TASK_ROUTES = {"bookings.dispatch": {"queue": "notifications"}}
# The schedule is written here; beat's DatabaseScheduler copies it into the
# database at start-up, where managers see and edit it in the staff panel
# ("Periodic tasks"). A restart of beat puts back what this says.
NOTIFICATION_DISPATCH_SECONDS = env.float("NOTIFICATION_DISPATCH_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE = {
    "dispatch-notifications": {
        "task": "bookings.dispatch",
        "schedule": NOTIFICATION_DISPATCH_SECONDS,
        # A tick that waited longer than the next one in the queue (a worker
        # was down) is dropped: the next does the same work.
        "options": {"queue": "notifications", "expires": NOTIFICATION_DISPATCH_SECONDS},
    },
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "clinic.rest.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["clinic.rest.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["clinic.rest.JSONParser"],
    "EXCEPTION_HANDLER": "clinic.rest.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "auth": env.str("API_THROTTLE_AUTH", default="10/minute"),
        "signup": env.str("API_THROTTLE_SIGNUP", default="20/hour"),
        "password_reset": env.str("API_THROTTLE_PASSWORD_RESET", default="10/hour"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    # The sign-in view sends Django's user_logged_in, which records it.
    "UPDATE_LAST_LOGIN": False,
    # A refresh token is used once: refreshing returns a new one and the old
    # one is refused from then on (as it is after signing out).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Each token carries a digest of the password it was issued under, so a
    # password change or reset ends every earlier session.
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic booking API",
    "DESCRIPTION": "Book treatments, manage appointments and read home-care plans. "
    "Times are ISO 8601 with the location's UTC offset.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A session note's status shares the name "status" with an appointment's.
    "ENUM_NAME_OVERRIDES": {
        "NoteStatusEnum": "treatments.models.records.NoteStatus",
        "PressureEnum": "treatments.models.records.Pressure",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.rest.every_operation_may_refuse",
    ],
}
# Browsers running a web build of the app need CORS; native apps do not.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# Throttle counters (and any other cache) live in Redis when there is one,
# so that every web process counts together.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_client_errors": {"()": "clinic.logs.QuietClientErrors"}},
    "formatters": {"plain": {"format": "[{asctime}] {levelname} {name}: {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["quiet_client_errors"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Without handlers of its own (Django's default prints with DEBUG on),
    # so each record is printed once, by the root's handler.
    # django-axes: repeated failures and lockouts (warnings) are kept; every
    # successful sign-in (info) is not.
    "loggers": {"django": {"handlers": []}, "axes": {"level": "WARNING"}},
}

# --- Staff sessions -----------------------------------------------------------
# A staff login left idle this long is signed out (the desk's screen faces
# the waiting room); every request a staff member makes starts the count
# again (clinic.middleware.StaffSessionIdle).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
if STAFF_SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("STAFF_SESSION_IDLE_MINUTES must be a whole number of minutes, at least 1.")

# --- Booking rules ----------------------------------------------------------
BOOKING_GRID_MINUTES = env.int("BOOKING_GRID_MINUTES", default=15)
BOOKING_MIN_NOTICE_MINUTES = env.int("BOOKING_MIN_NOTICE_MINUTES", default=120)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=60)
# How many upcoming appointments a client may hold when booking for
# themselves (0: no limit); the front desk may book more.
BOOKING_MAX_UPCOMING_PER_CLIENT = env.int("BOOKING_MAX_UPCOMING_PER_CLIENT", default=6)
CANCELLATION_WINDOW_HOURS = env.int("CANCELLATION_WINDOW_HOURS", default=24)
# How long before the start the front desk may check a client in.
CHECK_IN_OPENS_MINUTES = env.int("CHECK_IN_OPENS_MINUTES", default=120)
# How long a booking waits for another booking's lock before answering "busy".
LOCK_TIMEOUT_SECONDS = env.float("LOCK_TIMEOUT_SECONDS", default=5.0)

# --- Notifications (bookings.outbox, bookings.dispatch) ------------------------
# Reminders go out this many hours before the start (the ones already past
# when the booking is made are not planned).
REMINDER_HOURS = sorted({float(hours) for hours in env.list("REMINDER_HOURS", default=["24", "2"])}, reverse=True)
# Which consented channel carries a message, best first; a confirmation
# prefers email when the client agreed to it, for its calendar file.
NOTIFICATION_CHANNELS = env.list("NOTIFICATION_CHANNELS", default=["whatsapp", "sms", "email"])
# A reminder that falls in quiet hours goes out this long before they begin.
QUIET_HOURS_MARGIN_MINUTES = env.int("QUIET_HOURS_MARGIN_MINUTES", default=15)
# Follow-ups after a completed session.
HOME_CARE_FOLLOW_UP_HOURS = env.int("HOME_CARE_FOLLOW_UP_HOURS", default=24)
CHECK_IN_AFTER_HOURS = env.int("CHECK_IN_AFTER_HOURS", default=48)
# The address clients reach the site at, for the links in their messages.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A reply link (confirm, cancel, check-in) works for at most this many days.
REPLY_LINK_DAYS = env.int("REPLY_LINK_DAYS", default=14)
# The booking pages' rate limits per caller address: bookings confirmed, and
# changes made through manage links ("count/second|minute|hour|day").
BOOKING_PAGE_RATE = env.str("BOOKING_PAGE_RATE", default="10/hour")
MANAGE_PAGE_RATE = env.str("MANAGE_PAGE_RATE", default="20/hour")
SIGN_UP_PAGE_RATE = env.str("SIGN_UP_PAGE_RATE", default="5/hour")
# /healthz reports the outbox as not ok (still 200) when a due message has
# waited longer than this for the dispatcher (which runs every minute).
OUTBOX_LAG_ALERT_SECONDS = env.int("OUTBOX_LAG_ALERT_SECONDS", default=600)

# --- Sending them (bookings.dispatch, bookings.channels) ----------------------
# Rows one dispatcher run claims at most; a run that takes a full batch
# queues the next at once, so a backlog drains without waiting for beat.
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=200)
# A row claimed longer ago than this and still "sending" belonged to a
# worker that died mid-batch: it is claimed again and sent with the same
# idempotency key. The dispatch task's time limit is kept well inside it.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=300)
if NOTIFICATION_LEASE_SECONDS < 2:
    raise ImproperlyConfigured("NOTIFICATION_LEASE_SECONDS must be at least 2.")
NOTIFICATION_TASK_TIME_LIMIT = max(1, min(CELERY_TASK_TIME_LIMIT, NOTIFICATION_LEASE_SECONDS // 2))
# A transient failure is tried again after RETRY_BASE_SECONDS, then twice
# that, four times that...; after MAX_ATTEMPTS tries the row has failed (and
# another channel the client agreed to takes over).
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
# How each channel leaves the building: dotted paths of classes with
# ``send(message, *, key) -> provider id`` (bookings.channels). Email goes
# through Django's mail (EMAIL_URL); SMS and WhatsApp only log until a
# provider's backend is named. bookings.channels.FileOutbox writes each
# message once into NOTIFICATION_OUTBOX_DIR, for any channel.
EMAIL_CHANNEL_BACKEND = env.str("EMAIL_CHANNEL_BACKEND", default="bookings.channels.DjangoEmail")
SMS_BACKEND = env.str("SMS_BACKEND", default="bookings.channels.LoggingBackend")
WHATSAPP_BACKEND = env.str("WHATSAPP_BACKEND", default="bookings.channels.LoggingBackend")
NOTIFICATION_OUTBOX_DIR = Path(env.str("NOTIFICATION_OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
