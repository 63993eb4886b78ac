"""The one settings file. Every difference between a laptop, CI and a server comes from the
environment:

XIEZUO_SECRET_KEY   Django's secret; without it a demo secret is generated into the data dir
DATABASE_URL        e.g. postgres://postgres@127.0.0.1:5432/xiezuo; default SQLite in the data dir
XIEZUO_DATA_DIR     writable directory (database, fetched divisions, demo secrets); default ./var
XIEZUO_DEBUG        1 to turn on Django's debug pages (never on a server)
XIEZUO_HTTPS        1 when served behind HTTPS: secure cookies and HSTS
XIEZUO_ALLOWED_HOSTS comma-separated extra host names
XIEZUO_NOTIFY_EMAIL 1 to e-mail each notification to users with an address (off by default),
                    through EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
                    EMAIL_USE_TLS and DEFAULT_FROM_EMAIL (Django's mail settings)
XIEZUO_SITE_URL     e.g. https://xiezuo.example.gov.cn: links in e-mails become absolute
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from xiezuo.paths import PACKAGE_DIR, data_dir, read_or_create_secret


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = data_dir()
SECRET_KEY = os.environ.get("XIEZUO_SECRET_KEY") or read_or_create_secret("secret_key")
DEBUG = _flag("XIEZUO_DEBUG")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    h.strip() for h in os.environ.get("XIEZUO_ALLOWED_HOSTS", "").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "xiezuo.core",
    "xiezuo.accounts",
    "xiezuo.audit",
    "xiezuo.regions",
    "xiezuo.imports",
    "xiezuo.registry",
    "xiezuo.pairing",
    "xiezuo.cooperation",
    "xiezuo.analytics",
    "xiezuo.labour",
    "xiezuo.assessment",
    "xiezuo.notifications",
    "xiezuo.web",
    "xiezuo.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xiezuo.web.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xiezuo.web.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xiezuo.audit.middleware.RequestContextMiddleware",
    "xiezuo.web.middleware.ScopeCacheMiddleware",
    "xiezuo.web.middleware.ErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authenticate() into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xiezuo.urls"
WSGI_APPLICATION = "xiezuo.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xiezuo.web.todo.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'xiezuo.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web app read while an import writes; IMMEDIATE avoids lock upgrades
        # failing half way through a write transaction. 16 KB pages for a new database (an
        # existing one keeps its own; the size must be set before WAL writes the header):
        # a 1,000,000-member first load commits in 11.1 s against 12.4 s with 4 KB pages.
        "init_command": "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
        "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Lockout (accounts/lockout.py): five failed logins for one user name from one address lock
# that pair for 15 minutes; the name alone locks after 50 failures from anywhere. Axes' own
# admin is off: it would list every region's user names and addresses (ours is scoped).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "xiezuo.accounts.lockout.LockoutHandler"
AXES_ENABLE_ADMIN = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Sessions and CSRF: HttpOnly, SameSite, short-lived; Secure and HSTS once behind HTTPS.
HTTPS = _flag("XIEZUO_HTTPS")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only the app's own assets (no CDN, no inline script: pages keep their behaviour in static
# files and their chart data in <script type="application/json">, which never runs). ECharts and
# Swagger UI set styles through the DOM, which CSP allows; Swagger UI shows data: icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Bodies without files: forms and JSON stay small; files go through the upload limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The app serves its own assets (no CDN): from the app directories in development and tests,
# from STATIC_ROOT after `xiezuo collectstatic` under gunicorn.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("XIEZUO_LOG_LEVEL", "WARNING")},
}

# Notifications by e-mail: off unless asked for; no outside service, only the mail server the
# office already has (Django's SMTP backend and settings).
XIEZUO_NOTIFY_EMAIL = _flag("XIEZUO_NOTIFY_EMAIL")
XIEZUO_SITE_URL = os.environ.get("XIEZUO_SITE_URL", "").strip()
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xiezuo@localhost")

XIEZUO_DIVISIONS_DIR: Path = DATA_DIR / "divisions"
XIEZUO_UPLOADS_DIR: Path = DATA_DIR / "uploads"

# Long imports run in the background: a database-backed queue (no broker to install), worked by
# `xiezuo db_worker`, which `xiezuo serve` starts beside the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
