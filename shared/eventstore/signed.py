"""Signed checkpoints: {position, head hash, count, time} signed with an Ed25519 key that
lives outside the database, so someone who can rewrite the database cannot sign a new
head. Each checkpoint names its key (``key_id``); a `Keyring` of public keys, old ones
kept after a rotation, checks them."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .envelope import canonical_json, format_instant, parse_instant


class CheckpointError(ValueError):
    """A signed checkpoint or key that cannot be read (bad shape, bad key text)."""


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """The head of the log at ``signed_at``, signed: what an auditor keeps."""

    position: int
    head_hash: str
    count: int
    signed_at: datetime
    key_id: str
    signature: str = ""

    def signed_text(self) -> str:
        """The canonical JSON that is signed (everything but the signature)."""
        return canonical_json(
            {
                "count": self.count,
                "head_hash": self.head_hash,
                "key_id": self.key_id,
                "position": self.position,
                "signed_at": format_instant(self.signed_at),
            }
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "head_hash": self.head_hash,
            "count": self.count,
            "signed_at": format_instant(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignedCheckpoint:
        try:
            checkpoint = cls(
                position=_whole(data["position"]),
                head_hash=str(data["head_hash"]),
                count=_whole(data["count"]),
                signed_at=parse_instant(str(data["signed_at"])),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except KeyError as exc:
            raise CheckpointError(f"签名检查点格式不对：缺少字段 {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise CheckpointError(
                "签名检查点格式不对：position 与 count 须为非负整数，signed_at 须为 RFC 3339 时刻"
            ) from exc
        return checkpoint


def _whole(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{value!r} 不是非负整数")
    return value


def key_id_of(public: Ed25519PublicKey) -> str:
    """Sixteen hex digits of the SHA-256 of the raw public key."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_line(public: Ed25519PublicKey) -> str:
    """``ed25519 <base64 raw key> <key id>``: one line of a public-key file."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"ed25519 {base64.b64encode(raw).decode()} {key_id_of(public)}"


class SigningKey:
    """The private key that signs checkpoints (never stored in the database)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self.private = private
        self.public = private.public_key()
        self.key_id = key_id_of(self.public)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_text(cls, text: str) -> SigningKey:
        """A PEM private key (PKCS#8), or the base64 of the 32 raw bytes."""
        text = text.strip()
        try:
            if text.startswith("-----BEGIN"):
                private = serialization.load_pem_private_key(text.encode(), password=None)
            else:
                private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))
        except ValueError as exc:
            raise CheckpointError(
                "签名私钥无法读取：不是 PEM 或 base64 格式的 Ed25519 私钥"
            ) from exc
        if not isinstance(private, Ed25519PrivateKey):
            raise CheckpointError("签名私钥不是 Ed25519 私钥")
        return cls(private)

    def pem(self) -> str:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def sign(self, position: int, head_hash: str, count: int, at: datetime) -> SignedCheckpoint:
        unsigned = SignedCheckpoint(position, head_hash, count, at, self.key_id)
        signature = self.private.sign(unsigned.signed_text().encode())
        return SignedCheckpoint(
            position, head_hash, count, at, self.key_id, base64.b64encode(signature).decode()
        )


def _why(exc: Exception) -> str:
    """Why a public key line could not be read, for people."""
    if isinstance(exc, IndexError):
        return "类型后缺少公钥"
    if "未知" in str(exc):
        return str(exc)
    return "不是 base64 编码的 Ed25519 公钥"


class Keyring:
    """Trusted public keys by key id: the current one and those rotated out."""

    def __init__(
        self,
        keys: Iterable[Ed25519PublicKey] = (),
        reload: Callable[[], Keyring] | None = None,
    ) -> None:
        self.keys = {key_id_of(key): key for key in keys}
        self._reload = reload
        """Where the keys are read again when a checkpoint names one not among them: a
        ring made before the signing key was first created (a verification started on a
        fresh install while the first checkpoint was being signed) took the checkpoint
        for one signed by an untrusted key."""

    @classmethod
    def from_text(cls, text: str) -> Keyring:
        """Lines ``ed25519 <base64 raw key> [key id]``; ``#`` starts a comment."""
        keys = []
        for number, line in enumerate(text.splitlines(), 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            try:
                if words[0] != "ed25519":
                    raise ValueError(f"未知的密钥类型 {words[0]!r}")
                keys.append(Ed25519PublicKey.from_public_bytes(base64.b64decode(words[1])))
            except (IndexError, ValueError) as exc:
                raise CheckpointError(f"公钥文件第 {number} 行无法读取：{_why(exc)}") from exc
        return cls(keys)

    def with_key(self, key: Ed25519PublicKey) -> Keyring:
        return Keyring([*self.keys.values(), key], self._reload)

    def problem(self, checkpoint: SignedCheckpoint) -> str | None:
        """None when the signature is good; else why not (a reason of `Verification`)."""
        public = self.keys.get(checkpoint.key_id)
        if public is None and self._reload is not None:
            with contextlib.suppress(CheckpointError, OSError):  # a key file half written
                self.keys.update(self._reload().keys)
            public = self.keys.get(checkpoint.key_id)
        if public is None:
            return f"signature: 密钥 {checkpoint.key_id} 不是受信任的公钥"
        try:
            public.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_text().encode())
        except (InvalidSignature, ValueError):
            return (
                f"signature: 位置 {checkpoint.position} 的签名检查点"
                f"没有密钥 {checkpoint.key_id} 的有效签名"
            )
        return None
