"""Runs moto (STS, IAM, S3) on 127.0.0.1 for the end-to-end tests, with one workaround and one added check.

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
StringEquals/StringLike conditions on <provider>:<claim> that the token meets. What passes then goes on to moto's own
AssumeRoleWithWebIdentity; every other request keeps moto's signature and policy checks.

The conditions: each key is <provider URL as IAM stores it, without https://>:<claim>, for any claim (aud,
sub, repository_id, job_workflow_ref, enterprise_id ...); the provider URL may have a path (an enterprise's
issuer, token.actions.githubusercontent.com/<slug>: the key is split at its first colon). A key of another
provider, an operator other than StringEquals/StringLike, or a claim the token lacks never matches. A
list-valued claim (aud can be one) matches when one of its values does; numbers and booleans compare as the
JSON text of their value.

The added checks, on a signed AssumeRole once moto's own checks have passed it:
- Session tags and source identity: AWS refuses an AssumeRole that carries session tags (Tags.member.N.Key or
  TransitiveTagKeys.member.N) unless the trust policy also allows sts:TagSession for the caller, and one that
  carries SourceIdentity unless it allows sts:SetSourceIdentity; moto checks only sts:AssumeRole. So the role's
  trust policy must have an Allow statement whose Action matches that action (wildcards as IAM's) and whose
  Principal.AWS names the caller: its ARN (an IAM user, or an assumed-role session), for a session also its
  role's ARN, the caller's account (its id or arn:...:iam::ACCOUNT:root), or "*". That statement's conditions
  are not evaluated. Otherwise the answer is HTTP 403 AccessDenied, "User: <caller ARN> is not authorized to
  perform: sts:TagSession on resource: <role ARN>" (or sts:SetSourceIdentity), as AWS's.
- Another account's role: moto evaluates the trust policy only of a role in the caller's own account (it looks
  the role up there, and without finding it checks the caller's permissions alone), so hub-and-spoke across
  accounts would let any caller with sts:AssumeRole in. For a role ARN of another account, the role must exist
  there and its trust policy must allow sts:AssumeRole for the caller, evaluated by moto's own policy code as
  for a role of the caller's account (principals compared literally, sts:ExternalId conditions); otherwise the
  answer is HTTP 403 AccessDenied, "User: <caller ARN> is not authorized to perform: sts:AssumeRole on
  resource: <role ARN>". AssumeRoleWithWebIdentity is checked against the role's own account (its IAM OIDC
  providers and trust policy) wherever the role is.
- An external id not sent: moto lets a trust policy condition on sts:ExternalId pass when the request has no
  ExternalId (a condition on a key the request lacks); AWS never matches it. Without ExternalId, the statements
  with such a condition are left out and the rest must allow sts:AssumeRole for the caller, as above.
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
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import CreateAccessKeyFailure, IAMPolicy, PermissionResult, create_access_key
    from moto.iam.utils import format_incoming_conditional_values
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition
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


def claim_values(actual):
    """A claim's values as the strings conditions compare: none for a missing claim, each of a list's."""
    if actual is None:
        return []
    values = actual if isinstance(actual, list) else [actual]
    return [v if isinstance(v, str) else json.dumps(v) for v in values if v is not None]


def matches(operator, expected, actual):
    patterns = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
    values = claim_values(actual)  # a missing claim has none, so it never matches
    if operator == "StringEquals":
        return any(value in patterns for value in values)
    if operator == "StringLike":
        return any(fnmatch.fnmatchcase(value, p) for value in values for p in patterns)
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
            # <provider URL>:<claim>; the URL has no colon (no scheme, no port) but may have a path.
            host, _, claim = key.partition(":")
            if host.rstrip("/") != provider.url.rstrip("/") or not matches(operator, expected, claims.get(claim)):
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
    backend = role_backend(role_arn, response.current_account)
    # IAM stores a provider's URL without https:// (host and path: moto keeps netloc + path).
    issuer = str(claims.get("iss", "")).removeprefix("https://").rstrip("/")
    provider = next((p for p in backend.open_id_providers.values() if p.url.rstrip("/") == issuer), None)
    if provider is None:
        raise StsError("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for https://{issuer}")
    if not any(aud in provider.client_id_list for aud in claim_values(claims.get("aud"))):
        raise StsError("InvalidIdentityToken", "Incorrect token audience")
    role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
    trust = json.loads(role.assume_role_policy_document) if role else {"Statement": []}
    statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
    if not any(trusts(s, provider, claims) for s in statements):
        raise StsError(
            "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", status=403
        )


def role_backend(role_arn, default_account):
    """The IAM backend of the account and partition a role ARN names (arn:PARTITION:iam::ACCOUNT:role/NAME)."""
    parts = role_arn.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
    account = parts[4] if len(parts) > 4 and parts[4] else default_account
    return iam_backends[account][partition]


def find_role(role_arn, default_account):
    return next((r for r in role_backend(role_arn, default_account).roles.values() if r.arn == role_arn), None)


def has_session_tags(params):
    return any(
        (key.startswith("Tags.member.") and key.endswith(".Key")) or key.startswith("TransitiveTagKeys.member.")
        for key in params
    )


def as_list(value):
    return value if isinstance(value, list) else [value]


def caller_arn(response):
    """The ARN of the signed request's caller (an IAM user, or an assumed-role session), as moto resolves it."""
    authorization = response.headers["Authorization"]
    scope = authorization.partition("Credential=")[2].partition(",")[0].split("/")
    access_key_id, region = scope[0], scope[2] if len(scope) > 2 else "us-east-1"
    try:
        return create_access_key(
            account_id=response.current_account,
            partition=get_partition(region),
            access_key_id=access_key_id,
            headers=response.headers,
        ).arn
    except CreateAccessKeyFailure:
        return None  # moto's own check has refused these keys already


def names_caller(principal, caller, account_id, role_arns):
    aws = principal.get("AWS", []) if isinstance(principal, dict) else [principal]
    names = {caller, account_id, f"arn:{caller.split(':')[1]}:iam::{account_id}:root", "*", *role_arns}
    return any(p in names for p in as_list(aws))


def access_denied(caller, action, role_arn):
    return StsError(
        "AccessDenied", f"User: {caller} is not authorized to perform: {action} on resource: {role_arn}", status=403
    )


def names_key(statement, key):
    return any(key in conditions for conditions in statement.get("Condition", {}).values())


def check_trust(response, caller, role_arn):
    """The trust checks moto skips: another account's role, and a condition on an external id not sent."""
    other_account = role_arn.split(":")[4:5] != [response.current_account]
    role = find_role(role_arn, response.current_account)
    if role is None:
        if other_account:
            raise access_denied(caller, "sts:AssumeRole", role_arn)
        return  # moto answers for a role of the caller's account that does not exist
    trust = json.loads(role.assume_role_policy_document)
    statements = as_list(trust.get("Statement", []))
    if "ExternalId" not in response.querystring:
        # moto passes a condition whose key the request lacks; AWS never matches it.
        kept = [statement for statement in statements if not names_key(statement, "sts:ExternalId")]
    else:
        kept = statements
    if not other_account and len(kept) == len(statements):
        return  # moto has checked it
    result = IAMPolicy(json.dumps({**trust, "Statement": kept})).is_action_permitted(
        "sts:AssumeRole", role_arn, caller, format_incoming_conditional_values(response.data)
    )
    if result != PermissionResult.PERMITTED:
        raise access_denied(caller, "sts:AssumeRole", role_arn)


def check_trust_extras(response, caller, role_arn):
    """AWS's sts:TagSession and sts:SetSourceIdentity checks of an AssumeRole; raises AccessDenied as AWS answers."""
    params = response.querystring
    needed = [
        action
        for action, wanted in (
            ("sts:TagSession", has_session_tags(params)),
            ("sts:SetSourceIdentity", bool(params.get("SourceIdentity", [""])[0])),
        )
        if wanted
    ]
    role = find_role(role_arn, response.current_account)
    if not needed or role is None:
        return  # moto answers for a role of the caller's account that does not exist
    # AWS matches a role's ARN against all of its sessions (of the caller's account).
    session = caller.split(":assumed-role/")
    caller_roles = iam_backends[response.current_account][caller.split(":")[1]].roles.values()
    role_arns = [r.arn for r in caller_roles if len(session) > 1 and r.name == session[1].split("/")[0]]
    statements = as_list(json.loads(role.assume_role_policy_document).get("Statement", []))
    for action in needed:
        allowed = any(
            statement.get("Effect") == "Allow"
            and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement.get("Action", [])))
            and names_caller(statement.get("Principal", {}), caller, response.current_account, role_arns)
            for statement in statements
        )
        if not allowed:
            raise access_denied(caller, action, role_arn)


def check_assume_role(response):
    role_arn = response.querystring.get("RoleArn", [""])[0]
    caller = caller_arn(response)
    if caller is None:
        return  # moto's own check has refused these keys already
    check_trust(response, caller, role_arn)
    check_trust_extras(response, caller, role_arn)


original_check = ActionAuthenticatorMixin._authenticate_and_authorize_normal_action


def authenticate(self, resource="*"):
    signed = "Authorization" in self.headers
    action = self._get_action()
    if not signed and action == "AssumeRoleWithWebIdentity":
        check_web_identity(self)
        return
    enforced = ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    original_check(self, resource)
    if enforced and signed and action == "AssumeRole":
        check_assume_role(self)


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
