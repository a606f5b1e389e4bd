"""Tokens and scopes.

Roster issues RS256 JWTs; every service verifies them with roster's public key. A token
carries a role and a scope id:

==========  =====================================================
role        scope id
==========  =====================================================
city        none: the whole city
unit        the unit's id
town        the town's id
mentor      the person's id
trainee     the trainee's id
==========  =====================================================

Every object endpoint calls :func:`check_scope` with what the object belongs to; a miss is a
404, so that guessing ids reveals nothing. Lists filter by :meth:`Principal` fields.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, wraps

import jwt
from flask import current_app, g, request

from shared.auth_keys import generate_keypair
from shared.clock import utcnow
from shared.db import session
from shared.http import NOT_IN_SCOPE, app_today, field_problem, problem
from shared.normalize import message
from shared.revocation import RevocationCache, revoked
from shared.vocabulary import ACCOUNT_ROLES

__all__ = [
    "Principal",
    "RevocationCache",
    "act",
    "check_scope",
    "current_principal",
    "generate_keypair",
    "in_scope",
    "issue_token",
    "protect",
    "require",
    "verify_token",
    "verify_token_cached",
]

ROLES = ("city", "unit", "town", "mentor", "trainee")
#: The offices' roles: the city's Organization Department, a town and a unit, each managing
#: the trainees in its scope (the mentors and the trainees are the others).
STAFF = ("city", "town", "unit")
#: Seconds of clock difference allowed when checking ``exp``, ``nbf`` and ``iat``: none,
#: every process reads the one clock (``shared.clock``).
LEEWAY_SECONDS = 0


@dataclass(frozen=True)
class Principal:
    """Who is calling: account, role and scope."""

    subject: str
    role: str
    scope_id: int | None
    name: str = ""
    #: When the token was issued (seconds since the epoch, to the millisecond): a token
    #: issued before its account's revocation (``account.revoked``) is refused.
    issued_at: float = field(default=0.0, compare=False)

    @property
    def is_city(self) -> bool:
        return self.role == "city"


def issue_token(
    private_key: str,
    *,
    subject: str,
    role: str,
    scope_id: int | None,
    name: str = "",
    issuer: str,
    audience: str,
    ttl_seconds: int,
) -> str:
    """Sign a token (roster only)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    now = utcnow()
    claims = {
        "sub": subject,
        "role": role,
        "scope": scope_id,
        "name": name,
        "iss": issuer,
        "aud": audience,
        # to the millisecond (a NumericDate may have a fraction, RFC 7519): a revocation
        # in the same second as a new login must not refuse the new token
        "iat": math.floor(now.timestamp() * 1000) / 1000,
        "nbf": now,
        "exp": now + dt.timedelta(seconds=ttl_seconds),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def verify_token(token: str, public_key: str, *, issuer: str, audience: str) -> Principal:
    """Check signature (RS256 only), expiry, issuer and audience; raise ``jwt.PyJWTError``."""
    return _verify(token, public_key, issuer, audience)[0]


def _verify(
    token: str, public_key: str, issuer: str, audience: str
) -> tuple[Principal, tuple[float, int]]:
    """:func:`verify_token`, and the time the token is valid in (seconds since the epoch:
    from its ``nbf`` or ``iat``, up to its ``exp``)."""
    # PyJWT would check the times against the real clock: they are checked here against
    # shared.clock's, which issued them (a clock moved ahead issues tokens valid under it).
    claims = jwt.decode(
        token,
        public_key,
        algorithms=["RS256"],
        issuer=issuer,
        audience=audience,
        options={
            "require": ["exp", "iat", "iss", "aud", "sub"],
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
        },
    )
    valid = _check_times(claims, utcnow().timestamp())
    role = claims.get("role")
    scope = claims.get("scope")
    if role not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    if role == "city":
        scope = None
    elif not isinstance(scope, int) or isinstance(scope, bool) or scope < 1:
        raise jwt.InvalidTokenError("role needs a scope")
    principal = Principal(
        subject=str(claims["sub"]),
        role=role,
        scope_id=scope,
        name=str(claims.get("name") or ""),
        issued_at=float(claims["iat"]),
    )
    return principal, valid


def _int_claim(claims: dict, name: str, error: type[Exception], claim: str) -> int:
    """The claim as an integer, or PyJWT's ``error`` saying "<claim> must be an integer."."""
    try:
        return int(claims[name])
    except (ValueError, TypeError, OverflowError):
        raise error(f"{claim} must be an integer.") from None


def _check_times(claims: dict, now: float) -> tuple[float, int]:
    """PyJWT's checks of ``iat``, ``nbf`` and ``exp`` (same errors, same messages, same
    leeway), against ``now``; the window ``(valid from, exp)`` they allow."""
    leeway = LEEWAY_SECONDS
    iat = _int_claim(claims, "iat", jwt.InvalidIssuedAtError, "Issued At claim (iat)")
    if iat > now + leeway:
        raise jwt.ImmatureSignatureError("The token is not yet valid (iat)")
    starts = iat - leeway
    if "nbf" in claims:
        nbf = _int_claim(claims, "nbf", jwt.DecodeError, "Not Before claim (nbf)")
        if nbf > now + leeway:
            raise jwt.ImmatureSignatureError("The token is not yet valid (nbf)")
        starts = max(starts, nbf - leeway)
    exp = _int_claim(claims, "exp", jwt.DecodeError, "Expiration Time claim (exp)")
    if exp <= now - leeway:
        raise jwt.ExpiredSignatureError("Signature has expired")
    return starts, exp + leeway


#: Tokens this process has verified, by (token, key, issuer, audience): (principal, the
#: time they are valid in).
#: An RS256 check costs more CPU than the rest of authenticating a request, and a client
#: sends the same token with every request until it expires. Bounded (oldest out first).
_VERIFIED: dict[tuple[str, str, str, str], tuple[Principal, tuple[float, int]]] = {}
VERIFIED_MAX = 4096
_verified_lock = threading.Lock()


def verify_token_cached(token: str, public_key: str, *, issuer: str, audience: str) -> Principal:
    """:func:`verify_token`, remembering the tokens that passed until they expire.

    A remembered token is refused from the second its ``exp`` is reached (``exp <= now``
    on ``shared.clock``), or while the clock reads a time before its ``nbf``/``iat`` (a
    clock moved back): then it is verified afresh, which raises. A token that fails is
    never kept. Revocation is not decided here but at every request
    (:func:`current_principal`, against the process's revocation list). The key, issuer
    and audience are part of the key, so a changed key verifies again."""
    key = (token, public_key, issuer, audience)
    hit = _VERIFIED.get(key)
    if hit is not None:
        starts, exp = hit[1]
        if starts <= utcnow().timestamp() < exp:
            return hit[0]
        with _verified_lock:
            _VERIFIED.pop(key, None)
    principal, valid = _verify(token, public_key, issuer, audience)
    with _verified_lock:
        while len(_VERIFIED) >= VERIFIED_MAX:
            del _VERIFIED[next(iter(_VERIFIED))]
        _VERIFIED[key] = (principal, valid)
    return principal


def current_principal() -> Principal:
    """The verified caller of this request (401 if none)."""
    principal = g.get("principal")
    if principal is None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise problem(
                401,
                "Authentication required",
                message(
                    "请先登录（请求须带 Authorization: Bearer <token>）",
                    "send Authorization: Bearer <token>",
                ),
            )
        config = current_app.config
        try:
            principal = verify_token_cached(
                header[7:].strip(),
                config["JWT_PUBLIC_KEY"],
                issuer=config["JWT_ISSUER"],
                audience=config["JWT_AUDIENCE"],
            )
        except jwt.PyJWTError as exc:
            raise problem(401, "Invalid token", str(exc)) from None
        if revoked(
            current_app.extensions.get("token_revocations"),
            principal.subject,
            principal.role,
            principal.issued_at,
        ):
            raise problem(
                401,
                "Token revoked",
                message(
                    "登录已失效，请重新登录（账号已停用、密码已修改或选调生已离岗）",
                    "the account was deactivated, its password changed or its trainee left "
                    "training after this token was issued: sign in again",
                ),
            )
        g.principal = principal
    return principal


#: What a domain function may ask of the request it runs in, by declaring a keyword-only
#: parameter of that name: the caller's account, role and scope, the city's today, the
#: app's settings.
CALLER_FACTS = {
    "by": lambda: current_principal().subject,
    "role": lambda: current_principal().role,
    "scope_id": lambda: current_principal().scope_id,
    "today": app_today,
    "config": lambda: current_app.config,
}


@cache
def _asks(fn) -> tuple[str, ...]:
    """The caller's facts ``fn`` declares as keyword-only parameters."""
    return tuple(
        name
        for name, parameter in inspect.signature(fn).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and name in CALLER_FACTS
    )


def act(fn, *args, **given):
    """Run the domain's ``fn`` for this request and commit: ``fn(session, *args)`` with the
    caller's facts it declares (``CALLER_FACTS``: ``by``, ``role``, ``scope_id``, ``today``,
    ``config``) filled in unless ``given``. Its result is the answer's. The dependencies
    are found from the function's signature, as a bootstrap injects a handler's
    (cosmicpython's ``bootstrap.py``), so that no endpoint spells out who is acting."""
    for name in _asks(fn):
        if name not in given:
            given[name] = CALLER_FACTS[name]()
    result = fn(session(), *args, **given)
    session().commit()
    return result


def require(*roles: str):
    """Decorator: the caller must hold one of ``roles`` (403 otherwise)."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            principal = current_principal()
            if roles and principal.role not in roles:
                role = principal.role
                raise problem(
                    403,
                    "Forbidden",
                    message(
                        f"{ACCOUNT_ROLES.get(role, role)}账号无权进行此操作",
                        f"role {role} may not do this",
                    ),
                )
            return fn(*args, **kwargs)

        return wrapper

    return decorator


def in_scope(
    principal: Principal,
    *,
    unit_id: int | None = None,
    town_ids: Iterable[int | None] = (),
    trainee_id: int | None = None,
    mentor_ids: Iterable[int] = (),
) -> bool:
    """Whether an object belonging to these parties is within the caller's scope."""
    role, scope = principal.role, principal.scope_id
    if role == "city":
        return True
    if role == "unit":
        return unit_id is not None and unit_id == scope
    if role == "town":
        return scope in {t for t in town_ids if t is not None}
    if role == "trainee":
        return trainee_id is not None and trainee_id == scope
    if role == "mentor":
        return scope in set(mentor_ids)
    return False


def check_scope(obj, **parties) -> None:
    """The one check every object endpoint makes: 404 unless ``obj`` exists and the
    caller's scope covers it (the same answer for both, so ids cannot be probed)."""
    if obj is None or not in_scope(current_principal(), **parties):
        raise problem(404, "Not found", NOT_IN_SCOPE)


def check_trainee_scope(obj, trainee, mentor_ids=()) -> None:
    """:func:`check_scope` for a trainee's record (or the trainee itself): the trainee's
    unit, town and id, and the mentors who may read it (a mentor's scope)."""
    check_scope(
        obj,
        unit_id=trainee and trainee.unit_id,
        town_ids=[trainee and trainee.town_id],
        trainee_id=trainee and trainee.id,
        mentor_ids=mentor_ids,
    )


def protect(blueprint) -> None:
    """Require a valid token for every route of ``blueprint``."""

    @blueprint.before_request
    def _authenticate():
        current_principal()


def own_slice(
    town_id: int | None,
    unit_id: int | None,
    what: str,
    *,
    doing: tuple[str, str] = ("查看{own}的数据", "sees only its own {what}"),
) -> tuple:
    """(town_id, unit_id) a figure may be computed for, or an action taken on: the city
    any; a town or a unit only itself (naming another is a 403 saying what it may be
    ``doing``; naming none means itself)."""
    principal = current_principal()
    for role, key, value in (("town", "town_id", town_id), ("unit", "unit_id", unit_id)):
        if principal.role == role and value not in (None, principal.scope_id):
            name = ACCOUNT_ROLES[role]
            zh, en = doing
            raise field_problem(
                403,
                key,
                (f"{name}只能" + zh.format(own=f"本{name}"), f"a {role} " + en.format(what=what)),
                (f"不是本{name}", f"not your {role}"),
            )
    if principal.role == "town":
        town_id = principal.scope_id
    elif principal.role == "unit":
        unit_id = principal.scope_id
    return town_id, unit_id
