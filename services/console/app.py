"""Mounting the console on a Flask app: session cookie, CSRF, accounts, the pages."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from shared.config import Settings
from shared.runtime import Runtime

from .accounts import Accounts, SigninThrottle
from .web import bp

SESSION_HOURS = 12


@dataclass(frozen=True)
class ConsoleSettings:
    secret_key: str
    cookie_secure: bool

    @classmethod
    def from_env(cls, settings: Settings) -> ConsoleSettings:
        """``GONGJIAN_SECRET_KEY`` signs session cookies (every web process of a deployment
        needs the same one); without it, a key kept in the data directory. Cookies are
        ``Secure`` with ``GONGJIAN_COOKIE_SECURE=1`` (behind TLS)."""
        key = os.environ.get("GONGJIAN_SECRET_KEY") or _key_file(settings.data_dir)
        secure = os.environ.get("GONGJIAN_COOKIE_SECURE", "").lower() in ("1", "true", "yes")
        return cls(key, secure)


def _key_file(data_dir: Path) -> str:
    path = data_dir / "console-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def mount(app: Flask, runtime: Runtime) -> None:
    """Serve the console's pages from ``app`` (``/``, ``/projects`` …; the API stays
    under ``/v1``)."""
    console = ConsoleSettings.from_env(runtime.settings)
    app.secret_key = console.secret_key
    app.config.update(
        SESSION_COOKIE_NAME="gongjian_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=console.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        WTF_CSRF_CHECK_DEFAULT=False,  # the API takes bearer tokens; pages check below
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
    )
    app.extensions["csrf"] = CSRFProtect(app)
    app.extensions["console.accounts"] = Accounts(runtime.engine)
    app.extensions["console.throttle.user"] = SigninThrottle(runtime.engine, limit=5)
    app.extensions["console.throttle.ip"] = SigninThrottle(runtime.engine, limit=20)
    app.register_blueprint(bp)
