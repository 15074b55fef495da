"""Who is calling the gateway (and the MCP server): tokens, scopes, IP allow-lists, short-lived
JWTs and the per-token rate limit. No web framework here, so every mouth that takes gateway
tokens (bot/api/, the MCP server) checks them the same way.

- A token lives only in the environment variable its `[[api.tokens]]` entry names. An entry
  whose variable is empty is disabled with a warning at start: a blank token would let an
  empty `Authorization: Bearer` header in.
- Presented tokens are compared by their SHA-256 with `hmac.compare_digest`, against every
  configured token (no early exit on the first match), so neither the length nor the content
  of a token leaks through timing.
- A JWT (HS256, PyJWT) is issued against a long-lived token by `POST /api/v1/auth/token`; it
  names its token (`sub`), carries a subset of its scopes and expires after at most
  `[api] jwt_max_ttl_s`. It is accepted only while its token is still configured and enabled,
  so removing a token also ends its JWTs.
- The rate limit is a token bucket per token name: `burst` requests at once, refilled at
  `requests_per_minute`; a refusal says how long until the next request would pass
  (`Retry-After`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import jwt

from bot.settings import (
    ApiSettings,
    ApiToken,
    ConfigError,
    api_problems,
    effective_confirm,
)
from handlers.trading_service import Actor

log = logging.getLogger(__name__)

Scope = Literal["read", "trade", "admin"]
ConfirmMode = Literal["none", "chat"]
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
JWT_ALGORITHM = "HS256"
JWT_ISSUER = "tradechat"
# PyJWT warns (and RFC 7518 requires) that an HS256 key be at least as long as the hash
MIN_JWT_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the token's configured name and rights (never the token)."""

    name: str
    scopes: frozenset[Scope]
    confirm: ConfirmMode
    owner: tuple[str, str] | None  # (platform, user id) who confirms in chat
    networks: tuple[IpNetwork, ...] = ()
    via_jwt: bool = False

    def has(self, scope: Scope) -> bool:
        # admin implies the others: an admin token can do what a read or trade token can
        return scope in self.scopes or "admin" in self.scopes

    @property
    def may_order(self) -> bool:
        """Orders execute for a trade-scoped token with confirm = "none"; any token with an
        owner and confirm = "chat" may propose them (the owner's ✅ executes)."""
        if self.confirm == "chat":
            return self.owner is not None
        return self.has("trade")

    def allows_ip(self, address: str | None) -> bool:
        if not self.networks:
            return True
        if address is None:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a dual-stack listener shows IPv4 peers as ::ffff:a.b.c.d
        return any(ip.version == n.version and ip in n for n in self.networks)

    def actor(self, source: str = "api") -> Actor:
        return Actor(source=source, name=self.name)


class AuthError(Exception):
    """Why a request is refused: `status` 401 (who are you?) or 403 (not allowed), `code` for
    programs, the message for people (English: the caller's language is not known)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimit:
    """A token bucket per key: `burst` at once, `per_minute` on average."""

    def __init__(
        self, per_minute: int, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """0.0 when the request may go; otherwise the seconds until one would."""
        now = self.clock()
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(self.burst, now)
        b.tokens = min(self.burst, b.tokens + (now - b.at) * self.rate)
        b.at = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return 0.0
        return (1.0 - b.tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """Retry-After is whole seconds; never 0 for a refused request."""
    return str(max(1, math.ceil(seconds)))


@dataclass
class TokenRegistry:
    """The configured tokens that are enabled (their variable holds a value), by digest."""

    principals: list[tuple[bytes, Principal]] = field(default_factory=list)
    jwt_secret: str | None = None
    jwt_max_ttl_s: int = 900
    clock: Callable[[], float] = time.time

    @classmethod
    def from_settings(
        cls,
        settings: ApiSettings,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> TokenRegistry:
        """Raises `ConfigError` for tokens that cannot work as configured (`api_problems`)
        and for a JWT secret too short to sign with. Disabled tokens are logged, by name."""
        problems = api_problems(settings)
        if problems:
            raise ConfigError("\n".join(problems))
        principals: list[tuple[bytes, Principal]] = []
        for entry in settings.tokens:
            value = environ.get(entry.token_env, "")
            if not value.strip():
                log.warning(
                    "gateway token %r is disabled: the environment variable %s is empty",
                    entry.name,
                    entry.token_env,
                )
                continue
            principals.append((_digest(value), principal_of(entry)))
        secret = environ.get(settings.jwt_secret_env, "") if settings.jwt_secret_env else ""
        if secret and len(secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ConfigError(
                f"the JWT secret in {settings.jwt_secret_env} (named by [api] jwt_secret_env) "
                f"is shorter than {MIN_JWT_SECRET_BYTES} bytes; use a longer random value"
            )
        return cls(principals, secret or None, settings.jwt_max_ttl_s, clock)

    @property
    def names(self) -> list[str]:
        return [p.name for _, p in self.principals]

    def by_name(self, name: str) -> Principal | None:
        return next((p for _, p in self.principals if p.name == name), None)

    def _by_token(self, token: str) -> Principal | None:
        presented = _digest(token)
        found: Principal | None = None
        for digest, principal in self.principals:  # every entry, match or not: constant time
            if hmac.compare_digest(presented, digest):
                found = principal
        return found

    def authenticate(self, token: str | None, address: str | None) -> Principal:
        """The caller of a request that presented `token` from `address`; `AuthError` 401 for
        no or an unknown token, 403 for an address outside the token's allow-list."""
        if not token:
            raise AuthError(401, "no_token", "This needs a token: Authorization: Bearer <token>.")
        principal = self._by_token(token)
        if principal is None and token.count(".") == 2 and self.jwt_secret:
            principal = self._by_jwt(token)
        if principal is None:
            raise AuthError(401, "bad_token", "The token is not valid (unknown or expired).")
        if not principal.allows_ip(address):
            raise AuthError(
                403, "ip_not_allowed", f"Token {principal.name!r} may not be used from {address}."
            )
        return principal

    # ---- JWTs ----------------------------------------------------------------------------

    def issue_jwt(
        self, principal: Principal, ttl_s: int | None, scopes: Iterable[str] | None
    ) -> tuple[str, int, list[str]]:
        """A JWT for `principal` (never from a JWT: only a long-lived token issues them), for
        at most `jwt_max_ttl_s` and the scopes asked for that the token has. Returns the JWT,
        its expiry (unix seconds) and its scopes; `AuthError` when it cannot be issued."""
        if self.jwt_secret is None:
            raise AuthError(
                403, "jwt_disabled", "JWTs are off: [api] jwt_secret_env names no secret."
            )
        if principal.via_jwt:
            raise AuthError(403, "jwt_from_jwt", "A JWT cannot issue another JWT.")
        wanted = set(principal.scopes if scopes is None else scopes)
        extra = wanted - set(principal.scopes)
        if extra:
            raise AuthError(
                403, "scope_not_held", f"Token {principal.name!r} has no scope {sorted(extra)}."
            )
        life = self.jwt_max_ttl_s if ttl_s is None else min(ttl_s, self.jwt_max_ttl_s)
        now = int(self.clock())
        exp = now + max(1, life)
        claims: dict[str, object] = {"sub": principal.name, "iss": JWT_ISSUER, "iat": now}
        claims.update(exp=exp, scopes=sorted(wanted))
        return jwt.encode(claims, self.jwt_secret, algorithm=JWT_ALGORITHM), exp, sorted(wanted)

    def _by_jwt(self, token: str) -> Principal | None:
        assert self.jwt_secret is not None  # noqa: S101 - checked by the caller
        try:
            claims = jwt.decode(
                token,
                self.jwt_secret,
                algorithms=[JWT_ALGORITHM],  # never "none", never a key the token names
                issuer=JWT_ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
                leeway=0,
            )
        except jwt.InvalidTokenError:
            return None
        base = self.by_name(str(claims.get("sub", "")))
        raw = claims.get("scopes")
        if base is None or not isinstance(raw, list):
            return None
        scopes = frozenset(s for s in base.scopes if s in raw)
        return Principal(
            name=base.name,
            scopes=scopes,
            confirm=base.confirm,
            owner=base.owner,
            networks=base.networks,
            via_jwt=True,
        )


def principal_of(entry: ApiToken) -> Principal:
    return Principal(
        name=entry.name,
        scopes=frozenset(entry.scopes),
        confirm=effective_confirm(entry),
        owner=None if entry.owner is None else (entry.owner.platform, entry.owner.id),
        networks=tuple(ipaddress.ip_network(c, strict=False) for c in entry.allow_ips),
    )
