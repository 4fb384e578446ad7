"""API rate limits (DRF throttles), counted in the shared cache (CACHE_URL).

Two limits, set in config/settings.py (`API_RATE_AUTH_TOKEN`, `API_RATE_WRITES`):
- asking for a token: strict, per client address, whoever asks, so that guessing passwords
  through the API is slow (django-axes also locks a username after repeated failures);
- writes (POST, PUT, PATCH, DELETE): moderate, per user, so that one runaway script cannot
  flood a co-operative's records. Reads are not limited.

Over a limit the answer is 429 with `Retry-After` (seconds). The counters live in Django's
default cache: with CACHE_URL pointing at the stack's Redis, every web process shares them.
The OpenAPI schema documents 429 exactly where `applies_to` says a throttle applies.
"""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _LiveRateThrottle(SimpleRateThrottle):
    """DRF binds the rates when it is imported; read them per request instead, so that a
    changed setting (a test's, or a reload) is what counts."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    @classmethod
    def applies_to(cls, method: str) -> bool:
        return True


class TokenRequestThrottle(_LiveRateThrottle):
    """Per client address, authenticated or not (DRF's AnonRateThrottle skips logged-in users)."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteThrottle(_LiveRateThrottle):
    """Per user; reads pass. Anonymous writes are refused (401) before throttles are asked."""

    scope = "writes"

    @classmethod
    def applies_to(cls, method: str) -> bool:
        return method.upper() not in SAFE_METHODS

    def allow_request(self, request, view):
        if not self.applies_to(request.method):
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
