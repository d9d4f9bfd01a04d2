"""Access tokens the users service issues, and the platform verifier refusing every kind of
forged or stale token; refresh-token rotation, reuse detection and logout."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import text

from mercado_platform.testing.tokens import SigningKey


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def me(client, token: str):
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})


def test_access_token_claims_and_header(api, client):
    account = api.account()
    header = jwt.get_unverified_header(account.access_token)
    claims = claims_of(account.access_token)
    assert header["alg"] == "RS256"
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert (claims["iss"], claims["aud"], claims["sub"]) == ("mercado-users", "mercado", account.id)
    assert claims["roles"] == ["customer"]
    assert "profile" in claims["scope"].split() and "users:admin" not in claims["scope"]
    assert claims["exp"] - claims["iat"] == 900


def test_jwks_publishes_public_keys_only_and_may_be_cached(client):
    response = client.get("/.well-known/jwks.json")
    (key,) = response.get_json()["keys"]
    assert {"kty", "n", "e", "kid", "use", "alg"} <= key.keys()
    assert not {"d", "p", "q", "dp", "dq", "qi"} & key.keys()
    assert response.headers["Cache-Control"] == "public, max-age=300"


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"], claims["scope"] = ["admin"], "users:admin profile"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _alg_none(token: str) -> str:
    header = jwt.get_unverified_header(token) | {"alg": "none"}
    encoded = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()
    _, payload, _ = token.split(".")
    return f"{encoded}.{payload}."


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        ("tampered", "invalid_token"),
        ("alg_none", "invalid_token"),
        ("expired", "token_expired"),
        ("wrong_issuer", "invalid_token"),
        ("wrong_audience", "invalid_token"),
        ("wrong_key_same_kid", "invalid_token"),
        ("unknown_kid", "unknown_key"),
        ("hs256_with_public_key", "invalid_token"),
        ("garbage", "invalid_token"),
    ],
)
def test_forged_and_stale_tokens_are_refused(api, client, forge, code):
    account = api.account()
    kid = jwt.get_unverified_header(account.access_token)["kid"]
    claims = claims_of(account.access_token)
    stranger = SigningKey()
    public_jwk = client.get("/.well-known/jwks.json").get_json()["keys"][0]
    public_pem = jwt.algorithms.RSAAlgorithm.from_jwk(public_jwk).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    tokens = {
        "tampered": lambda: _tamper(account.access_token),
        "alg_none": lambda: _alg_none(account.access_token),
        "expired": lambda: resign(claims | {"iat": now - 600, "exp": now - 300}),
        "wrong_issuer": lambda: resign(claims | {"iss": "someone-else"}),
        "wrong_audience": lambda: resign(claims | {"aud": "elsewhere"}),
        "wrong_key_same_kid": lambda: jwt.encode(
            claims, stranger.private, "RS256", headers={"kid": kid}
        ),
        "unknown_kid": lambda: stranger.token(**claims),
        "hs256_with_public_key": lambda: _hmac_with(public_pem, claims, kid),
        "garbage": lambda: "not.a.token",
    }

    def resign(payload: dict) -> str:
        """Re-sign with the service's own key, so only the claim under test is wrong."""
        keys = client.application.extensions[
            "mercado.service"
        ].dependencies.authenticator.access_tokens.keys.current()
        return jwt.encode(payload, keys.private, "RS256", headers={"kid": keys.kid})

    response = me(client, tokens[forge]())
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["code"] == code


def _hmac_with(public_pem: bytes, claims: dict, kid: str) -> str:
    """The classic key-confusion forgery: HS256 keyed with the published RSA public key."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in (header, claims)
    ]
    signing_input = b".".join(segments)
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


def test_refresh_rotates_and_the_new_pair_works(api, client):
    account = api.account()
    response = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 200
    pair = response.get_json()
    assert pair["refresh_token"] != account.refresh_token
    assert me(client, pair["access_token"]).status_code == 200
    again = client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 200


def test_a_refresh_token_used_twice_revokes_its_whole_family(api, client):
    account = api.account()
    first = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    successor = first.get_json()["refresh_token"]
    replay = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert replay.status_code == 401 and replay.get_json()["code"] == "invalid_refresh_token"
    stolen_chain = client.post("/api/auth/refresh", json={"refresh_token": successor})
    assert stolen_chain.status_code == 401, "the thief's or the owner's successor is dead too"


def test_logout_revokes_the_refresh_token_and_is_idempotent(api, client):
    account = api.account()
    other_session = api.login(account.login).get_json()["refresh_token"]
    assert (
        client.post("/api/auth/logout", json={"refresh_token": account.refresh_token}).status_code
        == 204
    )
    assert (
        client.post("/api/auth/logout", json={"refresh_token": account.refresh_token}).status_code
        == 204
    )
    assert (
        client.post("/api/auth/logout", json={"refresh_token": "never-issued"}).status_code == 204
    )
    dead = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert dead.status_code == 401
    alive = client.post("/api/auth/refresh", json={"refresh_token": other_session})
    assert alive.status_code == 200, "logging out one session leaves the others"


def test_refresh_tokens_are_stored_only_as_digests(api, database):
    account = api.account()
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM refresh_tokens")).scalars().all()
    assert account.refresh_token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_expired_refresh_token_is_refused(api, client, database):
    account = api.account()
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE refresh_tokens SET expires_at = now() - interval '1 s'"))
    response = client.post("/api/auth/refresh", json={"refresh_token": account.refresh_token})
    assert response.status_code == 401 and response.get_json()["code"] == "invalid_refresh_token"


def test_a_new_token_carries_roles_granted_since(api, client):
    admin = api.admin()
    account = api.account()
    granted = client.post(f"/api/users/{account.id}/roles/staff", headers=admin.headers)
    assert granted.status_code == 200 and granted.get_json()["roles"] == ["customer", "staff"]
    assert "inventory:write" not in claims_of(account.access_token)["scope"]
    pair = client.post(
        "/api/auth/refresh", json={"refresh_token": account.refresh_token}
    ).get_json()
    assert claims_of(pair["access_token"])["roles"] == ["customer", "staff"]
    assert "inventory:write" in pair["scope"].split()
