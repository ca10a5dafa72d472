"""Secrets the system must read back (integrations' HMAC keys), encrypted at rest with
Fernet under a key from the environment.

``GONGJIAN_SECRETS_KEY`` holds one Fernet key, or several separated by commas while a
key is rotated: the first encrypts, every one decrypts (`SecretBox.reseal` then moves
the stored secrets to the first). Without it, the embedded default keeps a key file
``<GONGJIAN_DATA_DIR>/secrets.key`` (mode 0600), created on first use, like the
checkpoint signing key. A stored value is ``fernet:<token>``; a value without the prefix
was stored in clear by a release before encryption, and is still read (the migration
``registry_0002`` encrypts such rows)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .config import Settings

log = logging.getLogger(__name__)

KEY_VARIABLE = "GONGJIAN_SECRETS_KEY"
KEY_FILE = "secrets.key"
SEALED = "fernet:"


class SecretsKeyError(RuntimeError):
    """No usable key: the configured one is malformed, or cannot decrypt a stored secret."""


class SecretBox:
    def __init__(self, keys: list[str]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])
        except (ValueError, TypeError) as exc:
            raise SecretsKeyError(
                f"{KEY_VARIABLE} 应为 Fernet 密钥（32 字节，URL 安全的 base64），多个以逗号分隔"
            ) from exc

    @staticmethod
    def is_sealed(stored: str) -> bool:
        return stored.startswith(SEALED)

    def seal(self, clear: str) -> str:
        return SEALED + self._fernet.encrypt(clear.encode()).decode()

    def open(self, stored: str) -> str:
        if not self.is_sealed(stored):
            return stored  # stored in clear before encryption; the migration seals it
        try:
            return self._fernet.decrypt(stored[len(SEALED) :].encode()).decode()
        except InvalidToken as exc:
            raise SecretsKeyError(
                f"已存的密钥无法用 {KEY_VARIABLE} 解开：在 `gongjian integration reseal` "
                "运行完之前，请把旧密钥留在列表中（见 docs/operations.md）"
            ) from exc

    def reseal(self, stored: str) -> str:
        """The secret under the first key (a clear one sealed)."""
        if not self.is_sealed(stored):
            return self.seal(stored)
        return SEALED + self._fernet.rotate(stored[len(SEALED) :].encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


def secrets_box(settings: Settings) -> SecretBox:
    """The box of the configured keys, or of the data directory's key file (made now if
    missing: the embedded default)."""
    configured = os.environ.get(KEY_VARIABLE, "")
    keys = [key for key in configured.split(",") if key.strip()]
    if keys:
        return SecretBox(keys)
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(new_key() + "\n")
        level = logging.WARNING if settings.database_url.startswith("postgresql") else logging.INFO
        log.log(
            level,
            f"secrets key created in the data directory; set {KEY_VARIABLE} in production",
            extra={"path": str(path)},
        )
    return SecretBox([path.read_text(encoding="utf-8").strip()])


def lazy_secrets_box(settings: Settings) -> Callable[[], SecretBox]:
    """`secrets_box` made on first use and kept (no key file is made at start-up)."""
    made: list[SecretBox] = []

    def box() -> SecretBox:
        if not made:
            made.append(secrets_box(settings))
        return made[0]

    return box
