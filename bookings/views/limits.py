"""Rate limits for the pages' writes, counted per caller address in the
cache (Redis when configured, so every web process counts together)."""

from __future__ import annotations

from django.core.cache import cache

from clinic.signin import client_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/hour"`` -> (10, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


def over_limit(request, scope: str, rate: str) -> bool:
    """Count one more ``scope`` action by the caller; True once past the rate."""
    limit, seconds = parse_rate(rate)
    key = f"pages-limit:{scope}:{client_address(request)}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count > limit
