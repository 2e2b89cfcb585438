"""Runs moto (STS, IAM, S3) on 127.0.0.1 for the end-to-end tests, with one workaround.

Prints {"port": N} on one line once it listens on a free port, and exits when its stdin closes (the Node
process that started it went away), so it never outlives the tests.

Environment: INITIAL_NO_AUTH_ACTION_COUNT (moto's own: that many requests pass unchecked, the seed's),
OIDC_JWKS (the public keys the test OIDC server signs its tokens with, as a JWKS document).

Why the workaround: with authentication on, moto 5.2 builds an IAMRequest for every action, and that reads
the Authorization header. AssumeRoleWithWebIdentity is unsigned on AWS (the token is the credential), so
moto answers it with HTTP 500 (KeyError: 'Authorization'). Here an unsigned AssumeRoleWithWebIdentity skips
moto's signature check and gets the checks STS makes instead: the token's RS256 signature (against
OIDC_JWKS), its expiry, an IAM OIDC provider for its issuer whose client ids include its aud, and a
statement in the role's trust policy that allows sts:AssumeRoleWithWebIdentity for that provider with
StringEquals/StringLike conditions on <issuer host>:aud and :sub that the token meets. What passes then goes
on to moto's own AssumeRoleWithWebIdentity; every other request keeps moto's signature and policy checks.
"""

import base64
import fnmatch
import json
import os
import sys
import threading
import time
from xml.sax.saxutils import escape

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.models import iam_backends
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.exceptions import HTTPException
    from werkzeug.serving import make_server
except ImportError as error:
    sys.stderr.write(
        f"moto_launcher: {error}. This Python ({sys.executable}) has no moto server; "
        'install it with: pipx install "moto[server]" awscli\n'
    )
    sys.exit(3)


class StsError(HTTPException):
    """An STS error response in the Query protocol's XML, as moto's own auth errors are sent."""

    def __init__(self, code, message, status=400):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            "</Error><RequestId>e2e-web-identity</RequestId></ErrorResponse>"
        )
        super().__init__(description=body)
        self.code = status


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verified_claims(token):
    """The token's claims once its signature matches a key in OIDC_JWKS; InvalidIdentityToken otherwise."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(b64url(header_part))
        claims = json.loads(b64url(payload_part))
    except ValueError:
        raise StsError("InvalidIdentityToken", "The web identity token is not a JWT")
    keys = json.loads(os.environ.get("OIDC_JWKS", '{"keys": []}'))["keys"]
    jwk = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if header.get("alg") != "RS256" or jwk is None:
        raise StsError("InvalidIdentityToken", "No OpenIDConnect provider key found for this token's kid")
    public_key = RSAPublicNumbers(
        int.from_bytes(b64url(jwk["e"]), "big"), int.from_bytes(b64url(jwk["n"]), "big")
    ).public_key()
    try:
        public_key.verify(
            b64url(signature_part),
            f"{header_part}.{payload_part}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        raise StsError("InvalidIdentityToken", "The web identity token's signature is invalid")
    return claims


def matches(operator, expected, actual):
    values = expected if isinstance(expected, list) else [expected]
    if operator == "StringEquals":
        return actual in values
    if operator == "StringLike":
        return actual is not None and any(fnmatch.fnmatchcase(actual, v) for v in values)
    return False  # an operator this check does not know never grants access


def trusts(statement, provider, claims):
    """True when one trust policy statement lets this token assume the role."""
    actions = statement.get("Action", [])
    actions = actions if isinstance(actions, list) else [actions]
    federated = statement.get("Principal", {}).get("Federated", [])
    federated = federated if isinstance(federated, list) else [federated]
    if statement.get("Effect") != "Allow" or provider.arn not in federated:
        return False
    if not any(fnmatch.fnmatchcase("sts:AssumeRoleWithWebIdentity", a) for a in actions):
        return False
    for operator, conditions in statement.get("Condition", {}).items():
        for key, expected in conditions.items():
            host, _, claim = key.partition(":")
            if host != provider.url or not matches(operator, expected, claims.get(claim)):
                return False
    return True


def check_web_identity(response):
    """What STS checks before AssumeRoleWithWebIdentity; raises the error STS would answer with."""
    params = response.querystring
    token = params.get("WebIdentityToken", [""])[0]
    role_arn = params.get("RoleArn", [""])[0]
    claims = verified_claims(token)
    if claims.get("exp", 0) <= time.time():
        raise StsError("ExpiredTokenException", "Token expired: the web identity token's exp has passed")
    arn_parts = role_arn.split(":")
    backend = iam_backends[response.current_account][arn_parts[1] if len(arn_parts) > 1 else "aws"]
    issuer = str(claims.get("iss", "")).removeprefix("https://")
    provider = next((p for p in backend.open_id_providers.values() if p.url == issuer), None)
    if provider is None:
        raise StsError("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for https://{issuer}")
    if claims.get("aud") not in provider.client_id_list:
        raise StsError("InvalidIdentityToken", "Incorrect token audience")
    role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
    trust = json.loads(role.assume_role_policy_document) if role else {"Statement": []}
    statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
    if not any(trusts(s, provider, claims) for s in statements):
        raise StsError(
            "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", status=403
        )


original_check = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action


def authenticate(self, resource="*"):
    if "Authorization" not in self.headers and self._get_action() == "AssumeRoleWithWebIdentity":
        check_web_identity(self)
        return
    original_check(self, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = authenticate


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=True)
    os.environ["MOTO_PORT"] = str(server.port)
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    print(json.dumps({"port": server.port}), flush=True)
    server.serve_forever()
