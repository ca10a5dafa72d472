"""Signed checkpoints in a running deployment: where the keys come from, and signing the
head (on demand, daily, after each published assessment); and the verifier's checkpoint
kept close to the head (`TailVerification`, every few minutes in the scheduler), so that
``GET /v1/chain`` only ever hashes the last minutes' events.

Keys live outside the database:
- the private key: ``GONGJIAN_CHECKPOINT_KEY`` (PEM or the base64 of its 32 raw bytes) or
  the file ``GONGJIAN_CHECKPOINT_KEY_FILE``; by default ``<data dir>/checkpoint-signing.key``,
  created on first use where the directory is writable (the embedded default);
- trusted public keys: the current key's, and the lines of ``GONGJIAN_CHECKPOINT_PUBLIC_KEYS``
  (a file; rotated-out keys stay there so old checkpoints keep verifying);
- the latest signed checkpoint is also written to ``GONGJIAN_CHECKPOINT_FILE`` when set (a
  copy outside the database and its backups: a restored database must reach it).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .config import Settings
from .eventstore import EventStore, now_utc
from .eventstore.audit import (
    check_all_signed,
    check_signed,
    check_verified_head,
    latest_signed,
    save_signed,
    stored_signed,
    verified_head,
    verify_since,
)
from .eventstore.signed import CheckpointError, Keyring, SignedCheckpoint, SigningKey
from .eventstore.status import chain_status

log = logging.getLogger(__name__)

DAILY = timedelta(days=1)
TAIL_EVERY = timedelta(minutes=5)
"""How often the scheduler verifies what was appended since the last verified position
(``GONGJIAN_CHAIN_VERIFY_SECONDS``)."""


def key_file(settings: Settings) -> Path:
    configured = os.environ.get("GONGJIAN_CHECKPOINT_KEY_FILE")
    return Path(configured) if configured else settings.data_dir / "checkpoint-signing.key"


def signing_key(settings: Settings, *, create: bool = False) -> SigningKey | None:
    """The private key, or None when none is configured (and ``create`` is off)."""
    text = os.environ.get("GONGJIAN_CHECKPOINT_KEY")
    if text:
        return SigningKey.from_text(text)
    path = key_file(settings)
    if path.exists():
        return SigningKey.from_text(path.read_text(encoding="utf-8"))
    if not create or os.environ.get("GONGJIAN_CHECKPOINT_KEY_FILE"):
        return None
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(key.pem())
    log.info("checkpoint signing key created", extra={"path": str(path), "key_id": key.key_id})
    return key


def keyring(settings: Settings, extra_file: Path | None = None) -> Keyring:
    """Trusted public keys: the configured file, ``extra_file``, the current key; read
    again when a checkpoint names a key not among them (`Keyring`: the key may have been
    created since, by another process)."""
    keys = _trusted_keys(settings, extra_file)
    return Keyring(keys.keys.values(), lambda: _trusted_keys(settings, extra_file))


def _trusted_keys(settings: Settings, extra_file: Path | None) -> Keyring:
    ring = Keyring()
    for path in (os.environ.get("GONGJIAN_CHECKPOINT_PUBLIC_KEYS"), extra_file):
        if path:
            ring = Keyring(
                [*ring.keys.values(), *Keyring.from_text(Path(path).read_text()).keys.values()]
            )
    key = signing_key(settings)
    return ring.with_key(key.public) if key is not None else ring


def sign_head(
    store: EventStore, key: SigningKey, *, at: datetime | None = None
) -> SignedCheckpoint:
    """Verify what was appended since the last signed (or verified) head, then sign the
    head and keep the checkpoint in the store. A broken chain is never signed."""
    last = latest_signed(store)
    position, hash_ = verified_head(store)
    start = (last.position, last.head_hash) if last is not None else (0, "0" * 64)
    if hash_ is not None and position > start[0]:
        start = (position, hash_)
    result = verify_since(store, start)
    if not result.ok:
        raise CheckpointError(f"拒绝签名：{result.describe()}")
    checkpoint = key.sign(result.head_position, result.head_hash, result.count, at or now_utc())
    save_signed(store, checkpoint)
    _keep_outside(checkpoint)
    return checkpoint


def _keep_outside(checkpoint: SignedCheckpoint) -> None:
    target = os.environ.get("GONGJIAN_CHECKPOINT_FILE")
    if not target:
        return
    path = Path(target)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(checkpoint.to_dict(), ensure_ascii=False) + "\n")
    temporary.replace(path)


def held_checkpoint() -> SignedCheckpoint | None:
    """The copy in ``GONGJIAN_CHECKPOINT_FILE`` (None when unset or not written yet)."""
    target = os.environ.get("GONGJIAN_CHECKPOINT_FILE")
    if not target or not Path(target).exists():
        return None
    return SignedCheckpoint.from_dict(json.loads(Path(target).read_text(encoding="utf-8")))


def serving_problem(store: EventStore, settings: Settings) -> str | None:
    """Why this database must not be served (None: it may): the log below or beside the
    latest signed checkpoint (in the store or kept outside it), or rolled back from what
    was verified. Cheap: a few lookups, for the readiness probe. Signatures are checked
    when a public key is configured here."""
    # What the head is checked against is read before the head: the log only grows, so
    # a checkpoint signed or a verification recorded meanwhile (a worker's, as requests
    # append) is never above a head read after it. The other way round, a probe between
    # its two reads saw the log "rolled back" and answered 503.
    signed = [c for c in (latest_signed(store), held_checkpoint()) if c is not None]
    verified = verified_head(store)
    head = store.head()
    current = (head.position, head.hash)
    ring = keyring(settings)
    for checkpoint in signed:
        problem = check_signed(store, checkpoint, ring if ring.keys else None, current)
        if problem is not None:
            return problem.describe()
    problem = check_verified_head(store, current, verified)
    return None if problem is None else problem.describe()


def sign_if_due(
    store: EventStore, settings: Settings, *, every: timedelta = DAILY, force: bool = False
) -> SignedCheckpoint | None:
    """Sign the head when the last checkpoint is older than ``every`` and the head moved
    (or ``force``, after a published assessment). Never raises: a missing key or a
    broken chain is logged (the verification job and the metrics report the latter)."""
    try:
        if not force and not _due(store, every):
            return None
        key = signing_key(settings, create=True)
        if key is None:
            log.warning("no checkpoint signing key configured: checkpoint skipped")
            return None
        return sign_head(store, key)
    except (CheckpointError, OSError) as exc:
        log.warning("signed checkpoint skipped: %s", exc)
        return None
    except Exception:  # noqa: BLE001 - a checkpoint must not stop the scheduler or scoring
        log.exception("signed checkpoint failed")
        return None


def _due(store: EventStore, every: timedelta) -> bool:
    """A day (``every``) since the last checkpoint, and events since it."""
    last, head = latest_signed(store), store.head().position
    if last is None:
        return head > 0
    return now_utc() - last.signed_at >= every and head != last.position


def export_signer(
    store: EventStore, settings: Settings
) -> Callable[[int, tuple[int, str]], SignedCheckpoint | None]:
    """What signs an export's trailer: a fresh checkpoint of the exported head when the
    key is here and the log still passes the verifier's and the signed checkpoints;
    without a key, the last stored checkpoint within the export."""

    def sign(count: int, head: tuple[int, str]) -> SignedCheckpoint | None:
        key = signing_key(settings, create=True)
        if key is None:
            return latest_signed(store, up_to=head[0])
        verified, signed = verified_head(store), stored_signed(store)  # before the head
        now = store.head()
        current = (now.position, now.hash)
        if check_verified_head(store, current, verified) or check_all_signed(
            store, keyring(settings), current, stored=signed
        ):
            return None
        return key.sign(head[0], head[1], count, now_utc())

    return sign


@dataclass
class TailVerification:
    """Verify the events appended since the verifier's checkpoint and move it to the head
    (position and hash; never backwards), at most once every ``every``. The chain status
    (`/v1/chain`) then has only these minutes' events to hash: at 10⁶ events it answers in
    tens of milliseconds instead of growing with the appends of a whole day."""

    store: EventStore
    settings: Settings
    every: timedelta = TAIL_EVERY
    last_run: datetime | None = None

    @classmethod
    def configured(cls, store: EventStore, settings: Settings) -> TailVerification:
        seconds = os.environ.get("GONGJIAN_CHAIN_VERIFY_SECONDS")
        every = timedelta(seconds=int(seconds)) if seconds else TAIL_EVERY
        return cls(store, settings, every)

    def __call__(self, now: datetime | None = None) -> dict[str, Any] | None:
        """The chain status when it was due (None otherwise); never raises."""
        now = now or now_utc()
        if self.last_run is not None and now - self.last_run < self.every:
            return None
        self.last_run = now
        try:
            status = chain_status(self.store, keyring(self.settings))
        except Exception:  # noqa: BLE001 - verification must not stop the scheduler
            log.exception("chain tail verification failed")
            return None
        if not status["ok"]:
            log.error(
                "事件链核验失败 (chain verification failed at %s: %s)",
                status["bad_position"],
                status["reason"],
            )
        return status
