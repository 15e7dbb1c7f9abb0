"""A real OpenID Connect provider on 127.0.0.1 for the tests: it stands in for Freja eID and Inera.

Neither Freja eID nor Inera's identity provider can be reached from here, and the test providers
on PyPI (oidc-provider-mock needs Python 3.12 for its current releases) cannot be told to
misbehave. So this one is built here, small, on the JOSE library Authlib itself uses (joserfc):
discovery document, JWKS, an authorization endpoint that signs in whoever ``claims`` names and
an authorization-code token endpoint that checks the client secret, the redirect URI and PKCE
(S256), gives each code out once, and signs an RS256 ID token. It speaks real HTTP in a thread;
the app under test reaches it with ``requests`` exactly as it would reach a provider elsewhere.

Knobs for the refusals the tests need: ``issuer`` (the ``iss`` put in tokens), ``audience``,
``lifetime`` (seconds; negative gives an expired token), ``nonce`` (a wrong one), ``deny``;
``end_session`` (False: the discovery document offers no single logout).

Single logout (OpenID Connect RP-Initiated Logout 1.0): ``/logout`` checks that ``id_token_hint``
is an ID token this provider signed for the client, records the call in ``logouts`` and sends the
browser to ``post_logout_redirect_uri`` with the ``state`` it was given. ``issued`` keeps every
secret the provider handed out or was shown (codes, verifiers, tokens) for the log tests.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "sob-test-client"
CLIENT_SECRET = "sob-test-secret"  # noqa: S105  (a test provider's own)
#: the post-logout redirect URIs "registered" for the client: sob's, on the test hosts
LOGGED_OUT_URI = re.compile(
    r"^http://(localhost|127\.0\.0\.1:\d+)/auth/oidc/[a-z0-9_-]+/logged-out$"
)


@dataclass
class Knobs:
    claims: dict[str, Any] = field(default_factory=dict)
    issuer: str | None = None
    audience: str | None = None
    lifetime: int = 300
    nonce: str | None = None
    deny: bool = False
    foreign_key: bool = False  # sign with a key the JWKS does not publish (same kid)
    end_session: bool = True  # offer single logout in the discovery document


class LocalProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        self.knobs = Knobs()
        self.codes: dict[str, dict[str, Any]] = {}
        self.pkce_checked = 0
        self.logouts: list[dict[str, str]] = []
        self.issued: list[str] = []
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LocalProvider:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def _build(self) -> Flask:
        app = Flask("test_oidc_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            extra = {"end_session_endpoint": f"{self.url}/logout"} if self.knobs.end_session else {}
            return jsonify(
                **extra,
                issuer=self.url,
                authorization_endpoint=f"{self.url}/authorize",
                token_endpoint=f"{self.url}/token",
                jwks_uri=f"{self.url}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=["client_secret_basic"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
                abort(400)
            target = args["redirect_uri"]
            if self.knobs.deny:
                denied = {"error": "access_denied", "state": args["state"]}
                return redirect(f"{target}?{urlencode(denied)}")
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400)  # PKCE is required here, as it is by the real providers
            if not args.get("nonce") or "openid" not in args.get("scope", "").split():
                abort(400)
            code = secrets.token_urlsafe(24)
            self.issued += [code, args["state"], args["nonce"], args["code_challenge"]]
            self.codes[code] = {
                "redirect_uri": target,
                "nonce": args["nonce"],
                "challenge": args["code_challenge"],
                "claims": dict(self.knobs.claims),
            }
            return redirect(f"{target}?{urlencode({'code': code, 'state': args['state']})}")

        @app.post("/token")
        def token():
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify(error="invalid_client"), 401
            form = request.form
            grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
            if form.get("grant_type") != "authorization_code" or grant is None:
                return jsonify(error="invalid_grant"), 400
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != grant["challenge"]:
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            self.pkce_checked += 1
            self.issued.append(verifier.decode())
            now = int(time.time())
            claims = {
                "iss": self.knobs.issuer or self.url,
                "aud": self.knobs.audience or CLIENT_ID,
                "iat": now,
                "exp": now + self.knobs.lifetime,
                "nonce": self.knobs.nonce or grant["nonce"],
                "sub": "subject-1",
                **grant["claims"],
            }
            key = self.other_key if self.knobs.foreign_key else self.key
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)
            access_token = secrets.token_urlsafe(16)
            self.issued += [id_token, access_token]
            return jsonify(
                access_token=access_token,
                token_type="Bearer",
                expires_in=300,
                scope="openid",
                id_token=id_token,
            )

        @app.get("/logout")
        def logout():
            args = request.args
            try:
                hint = jwt.decode(args.get("id_token_hint", ""), self.key)
            except Exception:  # noqa: BLE001  (any bad hint is a refusal)
                abort(400)
            if hint.claims.get("aud") != CLIENT_ID or args.get("client_id") != CLIENT_ID:
                abort(400)
            target = args.get("post_logout_redirect_uri", "")
            if not LOGGED_OUT_URI.match(target):
                abort(400)  # a real provider accepts only the URIs registered for the client
            self.logouts.append(dict(args))
            return redirect(f"{target}?{urlencode({'state': args.get('state', '')})}")

        return app
