"""POST a JSON payload to a webhook with the standard library, retrying what is worth retrying.

A 2xx is delivered. A 429 or a 5xx (or no answer: refused connection, timeout) is retried with
exponential backoff, or after ``Retry-After`` seconds when the receiver says how long to wait.
Any other 4xx is permanent: the payload or the URL is wrong, and sending it again will not help.
Every attempt carries the same ``Idempotency-Key`` header.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

USER_AGENT = "customer-health-notify/1"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one payload. The defaults keep a run short: 4 attempts, waits of 1, 2
    and 4 seconds, and at most ``max_wait`` seconds for any one wait (a longer Retry-After is
    cut to it)."""

    max_attempts: int = 4
    base_delay: float = 1.0
    max_wait: float = 30.0
    timeout: float = 10.0

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.base_delay * 2 ** (attempt - 1), self.max_wait)


@dataclass
class SendResult:
    delivered: bool
    attempts: int
    http_status: int | None = None
    error: str | None = None
    waits: list[float] = field(default_factory=list)

    @property
    def permanent(self) -> bool:
        """Refused for good (a 4xx other than 429), not just out of attempts."""
        return self.http_status is not None and _is_permanent(self.http_status)


def _is_permanent(status: int) -> bool:
    return 400 <= status < 500 and status != 429


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds (the HTTP-date form is not used by webhook receivers we know;
    it falls back to the backoff)."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


def post_once(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int, str, str | None]:
    """One POST: (status, the start of the response body, Retry-After). A status of 0 means
    no answer (connection refused, timeout)."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(500).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as exc:
        text = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, text, exc.headers.get("Retry-After") if exc.headers else None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        return 0, f"no answer: {reason}", None


def send(
    url: str,
    payload: dict[str, Any],
    idempotency_key: str,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """POST ``payload`` until it is accepted, refused for good, or the attempts run out."""
    policy = policy or RetryPolicy()
    body = json.dumps(payload).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": idempotency_key,
        "User-Agent": USER_AGENT,
    }
    result = SendResult(delivered=False, attempts=0)
    for attempt in range(1, max(1, policy.max_attempts) + 1):
        status, text, retry_after = post_once(url, body, headers, policy.timeout)
        result.attempts = attempt
        result.http_status = status or None
        if 200 <= status < 300:
            result.delivered, result.error = True, None
            return result
        result.error = f"HTTP {status}: {text.strip()[:200]}" if status else text
        if status and _is_permanent(status):
            return result
        if attempt == policy.max_attempts:
            break
        asked = _retry_after(retry_after)
        wait = min(asked if asked is not None else policy.backoff(attempt), policy.max_wait)
        result.waits.append(wait)
        sleep(wait)
    result.error = f"{result.error} (gave up after {result.attempts} attempts)"
    return result
