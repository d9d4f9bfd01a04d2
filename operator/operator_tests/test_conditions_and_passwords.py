"""The Ready condition's bookkeeping and the password hashes (pure, no server)."""

import base64
import hashlib

from mercado_operator import passwords
from mercado_operator.conditions import with_ready


def test_ready_moves_its_transition_time_only_when_its_status_changes():
    other = {"type": "Degraded", "status": "False"}
    first = with_ready([other], ready=False, reason="BrokerUnavailable", message="m", generation=1)
    ready = next(c for c in first if c["type"] == "Ready")
    first[-1]["lastTransitionTime"] = "2020-01-01T00:00:00Z"
    again = with_ready(first, ready=False, reason="SecretMissing", message="n", generation=2)
    assert again[0] == other
    assert again[-1]["lastTransitionTime"] == "2020-01-01T00:00:00Z"
    assert (again[-1]["reason"], again[-1]["observedGeneration"]) == ("SecretMissing", 2)
    flipped = with_ready(again, ready=True, reason="Provisioned", message="ok", generation=2)
    assert flipped[-1]["status"] == "True"
    assert flipped[-1]["lastTransitionTime"] != "2020-01-01T00:00:00Z"
    assert ready["status"] == "False" and len(flipped) == 2


def test_generated_passwords_are_long_random_and_url_safe():
    generated = {passwords.generate() for _ in range(100)}
    assert len(generated) == 100
    assert all(len(p) >= 32 and p.replace("-", "").replace("_", "").isalnum() for p in generated)


def test_scram_verifiers_are_salted_and_never_contain_the_password():
    one, two = passwords.scram_sha256("s3cret"), passwords.scram_sha256("s3cret")
    assert one.startswith("SCRAM-SHA-256$4096:") and one != two
    assert "s3cret" not in one


def test_rabbit_hashes_are_checked_against_the_password():
    salt = b"\x01\x02\x03\x04"
    stored = base64.b64encode(salt + hashlib.sha256(salt + b"s3cret").digest()).decode()
    assert passwords.rabbit_hash_matches("s3cret", stored)
    assert not passwords.rabbit_hash_matches("other", stored)
    assert not passwords.rabbit_hash_matches("s3cret", "not base64!")
