import time

import jwt
import pytest
from flask import Blueprint, g, jsonify

from mercado_platform.auth import TokenVerifier, requires
from mercado_platform.errors import Unauthorized
from mercado_platform.testing.polling import eventually
from mercado_platform.testing.tokens import AUDIENCE, ISSUER, SigningKey


@pytest.fixture
def client(make_app, jwks_server):
    blueprint = Blueprint("secure", __name__)

    @blueprint.get("/stock")
    @requires("inventory:write")
    def write_stock():
        return jsonify(subject=g.principal.subject)

    @blueprint.get("/admin")
    @requires(roles=("admin",))
    def admin():
        return jsonify(ok=True)

    return make_app([blueprint], jwks_url=jwks_server.url).test_client()


def call(client, token: str, path: str = "/stock"):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def code_of(response) -> str:
    return response.get_json()["code"]


def test_valid_token_with_scope_is_accepted(client, signing_key):
    response = call(client, signing_key.token(scope="inventory:write orders:read"))
    assert response.status_code == 200
    assert response.get_json() == {"subject": "user-1"}


def test_expired_token_is_refused(client, signing_key):
    response = call(client, signing_key.token(scope="inventory:write", lifetime=-120))
    assert response.status_code == 401 and code_of(response) == "token_expired"


def test_bad_signature_is_refused(client, signing_key):
    forger = SigningKey()
    forged = forger.token(kid=signing_key.kid, scope="inventory:write")
    response = call(client, forged)
    assert response.status_code == 401 and code_of(response) == "invalid_token"


def test_wrong_audience_and_algorithm_are_refused(client, signing_key):
    assert (
        code_of(call(client, signing_key.token(scope="inventory:write", aud="someone-else")))
        == "invalid_token"
    )
    unsigned = jwt.encode(
        {"sub": "x", "exp": time.time() + 60}, "k" * 32, "HS256", headers={"kid": signing_key.kid}
    )
    assert code_of(call(client, unsigned)) == "invalid_token"


def test_unknown_kid_refetches_the_keys_once(client, signing_key, jwks_server):
    assert call(client, signing_key.token(scope="inventory:write")).status_code == 200
    fetched = jwks_server.requests
    rotated = SigningKey()
    jwks_server.keys.append(rotated)
    # the cache refreshes on an unknown kid only after its minimum interval
    client.application.extensions["mercado.verifier"].keys.min_refresh_interval = 0
    assert call(client, rotated.token(scope="inventory:write")).status_code == 200
    assert jwks_server.requests == fetched + 1
    assert call(client, rotated.token(scope="inventory:write")).status_code == 200
    assert jwks_server.requests == fetched + 1


def test_kid_unknown_even_after_refresh_is_refused(client, signing_key):
    stranger = SigningKey()
    response = call(client, stranger.token(scope="inventory:write"))
    assert response.status_code == 401 and code_of(response) == "unknown_key"


def test_missing_scope_or_role_is_forbidden(client, signing_key):
    response = call(client, signing_key.token(scope="orders:read"))
    assert response.status_code == 403 and code_of(response) == "insufficient_scope"
    assert "inventory:write" in response.get_json()["detail"]
    assert call(client, signing_key.token(roles=["customer"]), "/admin").status_code == 403
    assert call(client, signing_key.token(roles=["admin"]), "/admin").status_code == 200


@pytest.mark.parametrize("header", [None, "Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt"])
def test_missing_or_malformed_credentials_are_401(client, signing_key, header):
    response = client.get("/stock", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert code_of(response) in {"unauthorized", "invalid_token"}


def test_unreachable_jwks_is_a_503_not_a_500(make_app, signing_key):
    blueprint = Blueprint("secure", __name__)
    blueprint.add_url_rule("/x", "x", requires()(lambda: "ok"))
    client = make_app([blueprint], jwks_url="http://127.0.0.1:9/jwks.json").test_client()
    response = call(client, signing_key.token(), "/x")
    assert response.status_code == 503 and code_of(response) == "auth_unavailable"


class CountingKeys:
    """The signing key's public half, counting how often a verifier asks for it."""

    def __init__(self, key: SigningKey) -> None:
        self.key, self.asked = key, 0

    def key_for(self, kid: str):
        self.asked += 1
        return self.key.private.public_key()


def verifier(keys: CountingKeys, **options) -> TokenVerifier:
    return TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE, **options)


def test_a_token_that_passed_is_not_checked_again_while_remembered(signing_key):
    keys = CountingKeys(signing_key)
    remembering, checking = verifier(keys), verifier(keys, remember_seconds=0)
    token = signing_key.token(scope="orders:read")

    assert [remembering.verify(token).subject for _ in range(3)] == ["user-1"] * 3
    assert keys.asked == 1
    assert checking.verify(token).scopes == checking.verify(token).scopes == {"orders:read"}
    assert keys.asked == 3


def test_a_remembered_token_is_refused_once_it_expires(signing_key):
    keys = CountingKeys(signing_key)
    tokens = verifier(keys, leeway=0, remember_seconds=60)
    token = signing_key.token(lifetime=1)
    assert tokens.verify(token).subject == "user-1"

    def refusal() -> str | None:
        try:
            tokens.verify(token)
        except Unauthorized as refused:
            return refused.code
        return None

    assert eventually(refusal, timeout=5, what="the token to expire") == "token_expired"


def test_only_the_latest_tokens_are_remembered(signing_key):
    keys = CountingKeys(signing_key)
    tokens = verifier(keys, remembered=2)
    first, second, third = (signing_key.token(sub=f"user-{n}") for n in range(3))
    for token in (first, second, third, third, second):
        tokens.verify(token)
    assert keys.asked == 3
    tokens.verify(first)  # pushed out by the third
    assert keys.asked == 4
    assert verifier(keys, remembered=0).verify(first).subject == "user-0"
