"""Signed requests from approval systems, in the Standard Webhooks style.

The signed content is ``"{webhook-id}.{webhook-timestamp}.{raw body}"``; the signature is
``base64(HMAC-SHA256(key, signed content))``, sent as ``v1,<signature>`` in the
``webhook-signature`` header (several, space-separated, during a key rotation). A
secret is ``whsec_`` followed by the base64 of the key. docs/integration.md has the
whole scheme and a test vector.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from shared.eventstore import text_problem

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
TOLERANCE_SECONDS = 300
MAX_REQUEST_ID = 100
"""Characters of a ``webhook-id``: it becomes the events' ``causation_id`` (100 characters
on every backend)."""


class SignatureError(Exception):
    """A request whose signature, timestamp or id is refused."""


class RequestIdRefused(SignatureError):
    """A ``webhook-id`` that cannot be stored as it was sent."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"webhook-id {message}")
        self.code = code


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def key_of(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as exc:
        raise ValueError("密钥应为 whsec_ 加 base64 编码") from exc


def sign(secret: str, request_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one request."""
    content = f"{request_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def check_request_id(request_id: str) -> None:
    """At most `MAX_REQUEST_ID` characters, no NUL, no lone surrogate."""
    problem = text_problem(request_id)
    if problem is not None:
        raise RequestIdRefused(*problem)
    if len(request_id) > MAX_REQUEST_ID:
        raise RequestIdRefused(
            "too_long", f"至多 {MAX_REQUEST_ID} 个字符（收到 {len(request_id)} 个）"
        )


def verify(
    secrets_: Iterable[str],
    request_id: str,
    timestamp: str,
    signature_header: str,
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Pass if any of the sent signatures matches any active secret; else raise."""
    matching(secrets_, request_id, timestamp, signature_header, body, now=now, tolerance=tolerance)


def matching(
    secrets_: Iterable[str],
    request_id: str,
    timestamp: str,
    signature_header: str,
    body: bytes,
    *,
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> int:
    """`verify`, answering which secret (its index in ``secrets_``) signed the request."""
    if not request_id:
        raise SignatureError("缺少 webhook-id 请求头")
    check_request_id(request_id)
    try:
        stamp = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp 须为 1970 年以来的整秒数") from None
    if abs(now - stamp) > tolerance:
        raise SignatureError(
            f"webhook-timestamp 与服务器时钟相差 {int(now - stamp)} 秒（至多允许 {tolerance} 秒）"
        )
    sent = [
        s.partition(",")[2]
        for s in signature_header.split()
        if s.startswith(f"{SIGNATURE_VERSION},")
    ]
    if not sent:
        raise SignatureError("webhook-signature 请求头中没有 v1 签名")
    for index, secret in enumerate(secrets_):
        expected = sign(secret, request_id, stamp, body).partition(",")[2]
        if any(hmac.compare_digest(expected, candidate) for candidate in sent):
            return index
    raise SignatureError("签名与该接入系统的任何有效密钥都不匹配")
