"""Signing keys: configured with a rollover, or one development key shared by every worker
and replica; other services verify our tokens through the JWKS with the platform verifier."""

import os
import signal
import subprocess
import threading

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import text
from werkzeug.serving import make_server

from mercado_platform.auth import JwksKeys, TokenVerifier
from mercado_platform.config import ConfigError, load_settings
from mercado_platform.testing.processes import free_port, wait_until
from mercado_users.adapters.keys import key_id
from mercado_users.config import Settings


def private_pem(bits: int = 2048) -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return pem, key


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def me(client, token: str):
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})


def test_replicas_without_a_configured_key_share_one_development_key(make_api, database):
    replicas = [make_api() for _ in range(4)]
    kids: list[str] = []
    threads = [
        threading.Thread(
            target=lambda r=r: kids.append(
                r.client.get("/.well-known/jwks.json").get_json()["keys"][0]["kid"]
            )
        )
        for r in replicas
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(kids) == 4 and len(set(kids)) == 1, "concurrent first starts agree on one key"
    account = replicas[0].account()
    assert all(me(r.client, account.access_token).status_code == 200 for r in replicas)
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM dev_signing_key")).scalar_one() == 1


def test_configured_key_signs_and_no_development_key_is_made(make_api, database):
    pem, key = private_pem()
    api = make_api(jwt_signing_key=pem)
    account = api.account()
    assert kid_of(account.access_token) == key_id(key.public_key())
    jwt.decode(account.access_token, key.public_key(), ["RS256"], audience="mercado")
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM dev_signing_key")).scalar_one() == 0


def test_rollover_keeps_old_tokens_valid_while_new_ones_use_the_new_key(make_api):
    old_pem, old_key = private_pem()
    new_pem, new_key = private_pem()
    before = make_api(jwt_signing_key=old_pem)
    old_token = before.account().access_token
    after = make_api(jwt_signing_key=new_pem, jwt_previous_public_keys=public_pem(old_key))
    keys = after.client.get("/.well-known/jwks.json").get_json()["keys"]
    assert [k["kid"] for k in keys] == [key_id(new_key.public_key()), key_id(old_key.public_key())]
    assert me(after.client, old_token).status_code == 200, "tokens from before the rollover"
    new_token = after.login(after.register()["login"]).get_json()["access_token"]
    assert kid_of(new_token) == key_id(new_key.public_key())
    finished = make_api(jwt_signing_key=new_pem)
    response = me(finished.client, old_token)
    assert response.status_code == 401 and response.get_json()["code"] == "unknown_key"


def test_other_services_verify_our_tokens_through_the_jwks_url(client, api):
    server = make_server("127.0.0.1", 0, client.application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
        verifier = TokenVerifier(JwksKeys(url), issuer="mercado-users", audience="mercado")
        account = api.account()
        principal = verifier.verify(account.access_token)
    finally:
        server.shutdown()
    assert principal.subject == account.id
    assert principal.roles == {"customer"} and "orders:write" in principal.scopes


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("JWT_SIGNING_KEY", "not a key", "not an unencrypted PEM private key"),
        ("JWT_SIGNING_KEY", private_pem(1024)[0], "at least 2048 bits"),
        ("JWT_PREVIOUS_PUBLIC_KEYS", "nothing here", "holds no PEM public key"),
        ("ACCESS_TOKEN_TTL_SECONDS", "5", "greater than or equal to 60"),
    ],
)
def test_bad_key_configuration_fails_fast_naming_the_variable(monkeypatch, variable, value, reason):
    monkeypatch.setenv("DATABASE_URL", "postgresql://x@127.0.0.1:9/x")
    monkeypatch.setenv("AMQP_URL", "amqp://x/")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as failure:
        load_settings(Settings)
    assert variable in str(failure.value) and reason in str(failure.value)
    assert "PRIVATE KEY" not in str(failure.value), "the key itself is never echoed"


def test_gunicorn_workers_sign_with_one_key_and_verify_each_others_tokens(users_db, amqp_url):
    port = free_port()
    server = subprocess.Popen(
        ["mercado-users", "serve"],
        env={
            **os.environ,
            "DATABASE_URL": users_db,
            "AMQP_URL": amqp_url,
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "WEB_CONCURRENCY": "3",
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: requests.get(f"{base}/healthz", timeout=1).ok,
            timeout=30,
            what="users",
            process=server,
        )
        body = {
            "login": "worker.test",
            "email": "w@example.com",
            "password": "correct horse 42",
            "full_name": "W",
        }
        assert requests.post(f"{base}/api/users", json=body, timeout=10).status_code == 201
        credentials = {"login": "worker.test", "password": body["password"]}
        tokens, kids = [], set()
        for _ in range(24):
            with requests.Session() as fresh:  # a new connection, so any worker may answer
                login = fresh.post(f"{base}/api/auth/token", json=credentials, timeout=10)
                assert login.status_code == 200, login.text
                tokens.append(login.json()["access_token"])
                kids.add(kid_of(tokens[-1]))
        for token in tokens:
            with requests.Session() as fresh:
                answer = fresh.get(
                    f"{base}/api/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
                )
                assert answer.status_code == 200, answer.text
        assert len(kids) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    assert server.returncode == 0
    assert "DEVELOPMENT key" in log
