"""Signed test tokens and a real HTTP JWKS server, for any service's tests."""

import threading
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify
from werkzeug.serving import make_server

ISSUER, AUDIENCE = "mercado-users", "mercado"


class SigningKey:
    """An RSA key that signs access tokens the way the users service does."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex[:8]
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict:
        """The public half as a JWK."""
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def token(self, *, kid: str | None = None, lifetime: int = 300, **claims: object) -> str:
        """A signed token for subject `user-1` unless `claims` say otherwise."""
        now = int(time.time())
        payload = {"sub": "user-1", "iss": ISSUER, "aud": AUDIENCE}
        payload |= {"iat": now, "exp": now + lifetime}
        return jwt.encode(
            {**payload, **claims}, self.private, "RS256", headers={"kid": kid or self.kid}
        )


class JwksServer:
    """A real HTTP server publishing whichever keys the test puts in `keys`."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = []
        self.requests = 0
        app = Flask("jwks")

        @app.get("/.well-known/jwks.json")
        def jwks():  # noqa: ANN202
            self.requests += 1
            return jsonify(keys=[key.jwk() for key in self.keys])

        self.server = make_server("127.0.0.1", 0, app)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Shut the server down."""
        self.server.shutdown()
