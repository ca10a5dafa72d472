"""The readiness probe, ``GET /v1/chain`` and a full verification check the log's head against the latest
signed checkpoint and the verifier's position. Seen in the threaded server's stress test
(a worker verifying the chain while clients appended): ``/readyz`` answered 503, "rolled
back", on a log that only grew. The probe had read the head, then the verifier's
position, which a verification had meanwhile moved past that head; a checkpoint signed
in between read as "truncated" the same way. The export signer checks the log the same
way before it signs an export's trailer: the wrong way round, the export went unsigned."""

from __future__ import annotations

import threading

import pytest

from shared.checkpointing import export_signer, serving_problem, sign_head, signing_key
from shared.eventstore import EventStore, status
from shared.eventstore.audit import verify_log
from shared.eventstore.signed import Keyring, SigningKey
from shared.metrics import record_verification
from tests.shared.helpers import note

KEY = SigningKey.generate()


class _Pausing:
    """A function that stops after its first call returns until told to go on (a thread
    switch at that point, made certain)."""

    def __init__(self, function) -> None:  # type: ignore[no-untyped-def]
        self.function = function
        self.returned = threading.Event()
        self.go_on = threading.Event()

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        answer = self.function(*args, **kwargs)
        if not self.returned.is_set():
            self.returned.set()
            self.go_on.wait(5)
        return answer


def meanwhile(store: EventStore, pausing: _Pausing, ask, then) -> list:  # type: ignore[no-untyped-def]
    """What ``ask()`` answers when, once ``pausing`` has returned, another request appends
    and ``then()`` runs (a worker's verification or signature)."""
    said: list = []
    asking = threading.Thread(target=lambda: said.append(ask()))
    asking.start()
    assert pausing.returned.wait(5)
    store.append([note(text="meanwhile")])
    then()
    pausing.go_on.set()
    asking.join(10)
    return said


@pytest.mark.parametrize("worker", ["verifies", "signs"])
def test_a_probe_while_the_log_grows_and_a_worker_verifies_or_signs_finds_it_ready(
    store, settings, monkeypatch, worker
):
    store.append([note(text=str(i)) for i in range(3)])
    record_verification(store, store.verify())
    pausing = _Pausing(store.head)
    monkeypatch.setattr(store, "head", pausing)
    then = {
        "verifies": lambda: record_verification(store, store.verify()),
        "signs": lambda: sign_head(store, KEY),
    }[worker]

    said = meanwhile(store, pausing, lambda: serving_problem(store, settings), then)

    assert said == [None]
    assert serving_problem(store, settings) is None


def test_the_chains_status_while_the_log_grows_and_a_worker_signs_is_ok(store, monkeypatch):
    store.append([note(text=str(i)) for i in range(3)])
    pausing = _Pausing(status.verify_since)
    monkeypatch.setattr(status, "verify_since", pausing)
    trusted = Keyring([KEY.public])

    said = meanwhile(
        store, pausing, lambda: status.chain_status(store, trusted), lambda: sign_head(store, KEY)
    )

    assert [answer["ok"] for answer in said] == [True], said
    assert status.chain_status(store, trusted)["ok"]


@pytest.mark.parametrize("worker", ["verifies", "signs"])
def test_a_full_verification_while_the_log_grows_and_a_worker_verifies_or_signs_holds(
    store, monkeypatch, worker
):
    store.append([note(text=str(i)) for i in range(3)])
    pausing = _Pausing(store.verify)
    monkeypatch.setattr(store, "verify", pausing)
    trusted = Keyring([KEY.public])
    then = {
        "verifies": lambda: record_verification(store, pausing.function()),
        "signs": lambda: sign_head(store, KEY),
    }[worker]

    said = meanwhile(store, pausing, lambda: verify_log(store, trusted), then)

    assert [answer.ok for answer in said] == [True], said


@pytest.mark.parametrize("worker", ["verifies", "signs"])
def test_an_export_finished_while_the_log_grows_and_a_worker_verifies_or_signs_is_signed(
    store, settings, monkeypatch, worker
):
    """The export's trailer is signed over the head it exported, after a check of the log
    as it now is against the verifier's and the signed checkpoints, read before it."""
    monkeypatch.delenv("GONGJIAN_CHECKPOINT_KEY", raising=False)
    monkeypatch.delenv("GONGJIAN_CHECKPOINT_KEY_FILE", raising=False)
    monkeypatch.delenv("GONGJIAN_CHECKPOINT_PUBLIC_KEYS", raising=False)
    key = signing_key(settings, create=True)
    store.append([note(text=str(i)) for i in range(3)])
    record_verification(store, store.verify())
    exported = store.head()
    sign = export_signer(store, settings)
    pausing = _Pausing(store.head)
    monkeypatch.setattr(store, "head", pausing)
    then = {
        "verifies": lambda: record_verification(store, store.verify()),
        "signs": lambda: sign_head(store, key),
    }[worker]

    said = meanwhile(store, pausing, lambda: sign(3, (exported.position, exported.hash)), then)

    assert [(c.position, c.head_hash) for c in said if c is not None] == [
        (exported.position, exported.hash)
    ], said
    assert Keyring([key.public]).problem(said[0]) is None
