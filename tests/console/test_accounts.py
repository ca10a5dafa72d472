"""Accounts for people: roles, argon2 hashes, the session epoch, the sign-in throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from services.console.accounts import AccountError, Accounts, SigninThrottle

from .conftest import FAST_HASHER


@pytest.fixture
def accounts(engine) -> Accounts:
    return Accounts(engine, FAST_HASHER)


def test_a_created_account_signs_in_with_its_password_only(accounts):
    accounts.create("zhang", "office", "a-long-password", "张三")
    assert accounts.authenticate("zhang", "a-long-password").role == "office"
    assert accounts.authenticate("zhang", "wrong-password") is None
    assert accounts.authenticate("nobody", "a-long-password") is None


def test_an_unknown_user_is_checked_against_a_hash_of_the_same_cost_made_once(engine):
    """The same time is spent for a name nobody has: the password is checked against a
    hash of the hasher's own parameters, made once per process and not once per app."""
    slower = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    first, second, other = (Accounts(engine, h) for h in (FAST_HASHER, FAST_HASHER, slower))
    assert first._dummy is second._dummy
    assert other._dummy != first._dummy
    for accounts in (first, other):
        assert accounts.hasher.check_needs_rehash(accounts._dummy) is False
        assert accounts.authenticate("nobody", "unknown user: spend the same time") is None


def test_passwords_are_stored_as_argon2_hashes(accounts):
    accounts.create("li", "viewer", "another-password")
    with accounts.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM console_users").scalar_one()
    assert stored.startswith("$argon2id$") and "another-password" not in stored


def test_roles_are_the_apis_and_short_passwords_are_refused(accounts):
    with pytest.raises(AccountError):
        accounts.create("bot", "integration", "a-long-password")
    with pytest.raises(AccountError):
        accounts.create("wang", "office", "short")
    accounts.create("wang", "office", "a-long-password")
    with pytest.raises(AccountError):
        accounts.create("wang", "viewer", "a-long-password")


def test_a_password_change_moves_the_session_epoch_on(accounts):
    before = accounts.create("zhao", "auditor", "first-password")
    after = accounts.change_password("zhao", "first-password", "second-password")
    assert after.session_epoch == before.session_epoch + 1
    assert accounts.authenticate("zhao", "first-password") is None
    with pytest.raises(AccountError):
        accounts.change_password("zhao", "first-password", "third-password")


def test_a_disabled_account_cannot_sign_in(accounts):
    accounts.create("qian", "office", "a-long-password")
    assert accounts.disable("qian") is True
    assert accounts.authenticate("qian", "a-long-password") is None
    assert accounts.disable("qian") is False


def test_the_throttle_blocks_a_key_after_its_limit_and_forgets_after_the_window(engine):
    throttle = SigninThrottle(engine, limit=3, window=timedelta(minutes=15))
    for _ in range(2):
        throttle.failed("user:sun")
    assert not throttle.blocked("user:sun")
    throttle.failed("user:sun")
    assert throttle.blocked("user:sun") and not throttle.blocked("user:other")
    throttle.clear("user:sun")
    assert not throttle.blocked("user:sun")
    short = SigninThrottle(engine, limit=1, window=timedelta(seconds=-1))
    short.failed("ip:x")
    assert not short.blocked("ip:x")
