"""Signatures of ingest requests (the scheme of docs/integration.md)."""

from __future__ import annotations

import pytest

from services.registry.application.signing import SignatureError, new_secret, sign, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
# The worked example of docs/integration.md (a UTF-8 body with Chinese text).
DOC_BODY = (
    '{"events":[{"event_id":"6f1c2b9e-3d4a-4c5b-9e8f-0a1b2c3d4e5f",'
    '"national_code":"2403-330000-04-01-000001","type":"ApprovalGranted",'
    '"occurred_at":"2024-03-03T10:00:00+08:00","payload":{"approval_id":"EIA-2024-017",'
    '"kind":"eia","document_no":"县环审〔2024〕17号"}}]}'
).encode()


def test_the_documented_test_vector_holds():
    signature = sign(SECRET, "req_2024-03-03_0001", 1709431200, DOC_BODY)
    assert signature == "v1,QvSeLVnTWDKlXktJf/GahN/eO7TAGYW+sfMIegtdSrY="


def test_the_standard_webhooks_reference_vector_holds():
    # From the Standard Webhooks specification: libraries written for it interoperate.
    signature = sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_good_signature_passes():
    secret = new_secret()
    signature = sign(secret, "r1", 1000, b"{}")
    verify([secret], "r1", "1000", signature, b"{}", now=1000)


def test_a_signature_by_another_secret_is_refused():
    signature = sign(new_secret(), "r1", 1000, b"{}")
    with pytest.raises(SignatureError, match="都不匹配"):
        verify([new_secret()], "r1", "1000", signature, b"{}", now=1000)


def test_a_changed_body_is_refused():
    secret = new_secret()
    signature = sign(secret, "r1", 1000, b"{}")
    with pytest.raises(SignatureError):
        verify([secret], "r1", "1000", signature, b'{"events":[]}', now=1000)


@pytest.mark.parametrize("skew", [301, -301])
def test_a_timestamp_outside_five_minutes_is_refused(skew):
    secret = new_secret()
    signature = sign(secret, "r1", 1000, b"{}")
    with pytest.raises(SignatureError, match="webhook-timestamp"):
        verify([secret], "r1", "1000", signature, b"{}", now=1000 + skew)


def test_either_of_two_secrets_passes_during_a_rotation():
    old, new = new_secret(), new_secret()
    for secret in (old, new):
        verify([old, new], "r1", "1000", sign(secret, "r1", 1000, b"{}"), b"{}", now=1000)


def test_a_sender_may_send_signatures_by_both_secrets():
    old, new = new_secret(), new_secret()
    both = f"{sign(old, 'r1', 1000, b'{}')} {sign(new, 'r1', 1000, b'{}')}"
    verify([new], "r1", "1000", both, b"{}", now=1000)


def test_a_malformed_timestamp_is_refused():
    with pytest.raises(SignatureError, match="整秒数"):
        verify([new_secret()], "r1", "soon", "v1,x", b"{}", now=1000)
