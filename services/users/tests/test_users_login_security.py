"""Failed-login throttling per account and per client address, shared by every replica
through PostgreSQL; unknown accounts indistinguishable from wrong passwords."""

import statistics
import threading
import time

from sqlalchemy import text

THROTTLE = {
    "login_max_failures_per_account": 3,
    "login_max_failures_per_address": 5,
    "login_lockout_seconds": 120,
}


def test_unknown_account_and_wrong_password_answer_alike(api):
    user = api.register()
    wrong = api.login(user["login"], "not the password 1")
    unknown = api.login("nobody-here", "not the password 1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["code"] == unknown.get_json()["code"] == "invalid_credentials"
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_login_takes_as_long_whether_the_account_exists_or_not(make_api):
    """Both paths verify an Argon2 hash; the medians must be within a factor of 1.5."""
    api = make_api(login_max_failures_per_account=1000, login_max_failures_per_address=1000)
    user = api.register()
    api.login("warm-up", "x")

    def timed_ms(login: str) -> float:
        started = time.perf_counter()
        assert api.login(login, "wrong password 1").status_code == 401
        return (time.perf_counter() - started) * 1000

    # Interleaved, so a burst of load from elsewhere on the machine falls on both paths alike.
    samples: dict[str, list[float]] = {user["login"]: [], "no-such-account": []}
    for _ in range(9):
        for login, times in samples.items():
            times.append(timed_ms(login))
    existing, missing = (statistics.median(times) for times in samples.values())
    assert 1 / 1.5 < existing / missing < 1.5, (existing, missing)
    assert min(existing, missing) > 20, "an Argon2 verification happens on both paths"


def test_account_is_locked_after_its_failures_with_retry_after(make_api):
    api = make_api(**THROTTLE)
    user = api.register()
    for _ in range(3):
        assert api.login(user["login"], "wrong password 1").status_code == 401
    locked = api.login(user["login"])
    assert locked.status_code == 429, "even the right password waits out the lock"
    assert locked.get_json()["code"] == "too_many_failed_logins"
    assert 110 <= int(locked.headers["Retry-After"]) <= 120
    assert locked.mimetype == "application/problem+json"


def test_the_lock_is_shared_by_replicas_and_counts_failures_from_all(make_api):
    replicas = [make_api(**THROTTLE) for _ in range(3)]
    user = replicas[0].register()
    for replica in replicas:
        assert replica.login(user["login"], "wrong password 1").status_code == 401
    assert all(replica.login(user["login"]).status_code == 429 for replica in replicas)


def test_unknown_accounts_are_throttled_like_real_ones(make_api):
    api = make_api(**THROTTLE)
    for _ in range(3):
        assert api.login("ghost", "wrong password 1").status_code == 401
    assert api.login("ghost", "wrong password 1").status_code == 429


def test_one_client_address_guessing_many_accounts_is_throttled(make_api):
    api = make_api(**THROTTLE)
    victims = [api.register()["login"] for _ in range(3)]
    attacker = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    for attempt in range(5):
        response = api.login(victims[attempt % 3], "wrong password 1", **attacker)
        assert response.status_code == 401
    assert api.login(victims[0], "any guess 1", **attacker).status_code == 429
    elsewhere = api.login(victims[2], environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 200, "the victims themselves can still log in"


def test_forwarded_address_is_used_only_behind_trusted_proxies(make_api):
    api = make_api(**THROTTLE, trusted_proxy_hops=1)
    gateway = {"environ_base": {"REMOTE_ADDR": "10.0.0.2"}}
    for n in range(5):
        headers = {"X-Forwarded-For": f"198.51.100.{n}, 203.0.113.9"}
        api.login(f"nobody{n}", "wrong password 1", headers=headers, **gateway)
    spoofed = {"X-Forwarded-For": "192.0.2.1, 203.0.113.9"}
    assert api.login("nobody9", "x", headers=spoofed, **gateway).status_code == 429
    other = {"X-Forwarded-For": "203.0.113.10"}
    assert api.login("nobody9", "x", headers=other, **gateway).status_code == 401


def test_success_clears_the_account_count(make_api):
    api = make_api(**THROTTLE)
    user = api.register()
    for _ in range(2):
        api.login(user["login"], "wrong password 1")
    assert api.login(user["login"]).status_code == 200
    for _ in range(2):
        assert api.login(user["login"], "wrong password 1").status_code == 401
    assert api.login(user["login"]).status_code == 200


def test_concurrent_failures_are_all_counted(make_api, database):
    api = make_api(login_max_failures_per_account=1000, login_max_failures_per_address=1000)
    user = api.register()
    threads = [
        threading.Thread(target=api.login, args=(user["login"], "wrong password 1"))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.engine.connect() as connection:
        failures = connection.execute(
            text("SELECT failures FROM login_throttle WHERE key = :key"),
            {"key": f"account:{user['id']}"},
        ).scalar_one()
    assert failures == 8


def test_lock_ends_after_its_time(make_api, database):
    api = make_api(**THROTTLE)
    user = api.register()
    for _ in range(3):
        api.login(user["login"], "wrong password 1")
    assert api.login(user["login"]).status_code == 429
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE login_throttle SET locked_until = now() - interval '1 s'"))
    assert api.login(user["login"]).status_code == 200
