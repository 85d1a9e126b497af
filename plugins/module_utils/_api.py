# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP client for the Cloudflare v4 API.

Private to this collection. Handles auth, the response envelope, paging, pacing and retries, so
no module ever builds a request, parses an envelope or sleeps by itself.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import math
import random
import re
import time
import traceback
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

from ._common import has_stand_in

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    import urllib3
except ImportError:  # pragma: no cover - reported through missing_required_lib
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = "1.0.0"  # galaxy.yml version; tests/unit/plugins/module_utils/test_api.py keeps them equal
USER_AGENT = "edgeops.cloudflare/%s (Ansible collection)" % COLLECTION_VERSION
DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
MAX_PER_PAGE = 1000
RETRYABLE_STATUS = frozenset((502, 503, 504))
# Methods that may be repeated safely after an ambiguous failure.
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "PATCH", "DELETE"))
BACKOFF_BASE = 1.0
BACKOFF_MAX = 30.0
# Answers to a repeated DELETE that mean the first attempt did the work.
ALREADY_DELETED_CODES = frozenset((1014, 1015))
MASK = "********"
# Percent of the API's request quota the client leaves unused in each window (rate_limit_reserve).
RATE_LIMIT_RESERVE = 10
# A wait for the rate limit longer than this (seconds) is reported to the user.
NOTICE_AFTER = 5.0


def default_sleep(seconds):
    """The one place this collection waits; tests replace it to run retries instantly."""
    time.sleep(seconds)


class CloudflareError(Exception):
    """A request to the Cloudflare API failed.

    Carries the HTTP status (None when no answer came), the method, the path without its query
    string, and Cloudflare's ``errors`` list of ``{code, message}``.
    """

    def __init__(self, method, path, status=None, errors=None, reason=None, hint=None):
        self.method = method
        self.path = path
        self.status = status
        self.errors = [_error_item(e) for e in (errors or [])]
        self.reason = reason
        self.hint = hint
        super(CloudflareError, self).__init__(self._format())

    def with_hint(self, hint):
        """The same error with advice for the user appended to its message."""
        return CloudflareError(self.method, self.path, self.status, self.errors, self.reason, hint)

    @property
    def codes(self):
        return [e["code"] for e in self.errors if e.get("code") is not None]

    def has_code(self, *codes):
        return any(code in self.codes for code in codes)

    def _format(self):
        text = self._describe()
        return "%s. %s" % (text.rstrip("."), self.hint) if self.hint else text

    def _describe(self):
        where = "on %s %s" % (self.method, self.path)
        status = "HTTP %s" % self.status if self.status is not None else "no HTTP response"
        if len(self.errors) == 1:
            err = self.errors[0]
            return "Cloudflare API error %s (%s) %s: %s" % (err["code"], status, where, err["message"])
        if self.errors:
            details = "; ".join("%s: %s" % (e["code"], e["message"]) for e in self.errors)
            return "Cloudflare API error (%s) %s: %s" % (status, where, details)
        return "Cloudflare API request failed (%s) %s: %s" % (status, where, self.reason or "no details")

    def to_dict(self):
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "errors": list(self.errors),
        }


class CloudflareTransportError(CloudflareError):
    """No HTTP response came back. ``sent`` tells whether the request may have reached the API."""

    def __init__(self, method, path, reason, sent):
        self.sent = sent
        super(CloudflareTransportError, self).__init__(method, path, reason=reason)


def _error_item(item):
    if isinstance(item, dict):
        return {"code": item.get("code"), "message": str(item.get("message", ""))}
    return {"code": None, "message": str(item)}


def secret_forms(secret):
    """A secret as it may appear in a message: raw, JSON-escaped (``\\/``, ``\\"``) and URL-encoded."""
    escaped = json.dumps(secret)[1:-1]
    forms = set((secret, escaped, escaped.replace("/", "\\/"), quote(secret, safe=""), quote_plus(secret, safe="")))
    return sorted((form for form in forms if form), key=len, reverse=True)


def scrub(value, secrets):
    """``value`` (a string, or lists and dicts of them) with every form of every secret masked."""
    if isinstance(value, str):
        for secret in secrets:
            for form in secret_forms(secret):
                value = value.replace(form, MASK)
        return value
    if isinstance(value, dict):
        return dict((key, scrub(item, secrets)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [scrub(item, secrets) for item in value]
    return value


# What an API token needs for each kind of path: (path fragment, read permission, write permission).
PERMISSIONS = (
    ("/access/apps", "Access: Apps and Policies Read", "Access: Apps and Policies Write"),
    ("/access/policies", "Access: Apps and Policies Read", "Access: Apps and Policies Write"),
    ("/access/service_tokens", "Access: Service Tokens Read", "Access: Service Tokens Write"),
    ("/access/", "Access: Organizations, Identity Providers, and Groups Read",
     "Access: Organizations, Identity Providers, and Groups Write"),
    ("/dns_records", "DNS Read", "DNS Write"),
    ("/zones", "Zone Read", "Zone Read"),
    ("/warp_connector", "Cloudflare One Connector: WARP Read (or Cloudflare Tunnel Read)",
     "Cloudflare One Connector: WARP Write (or Cloudflare Tunnel Edit)"),
    ("/teamnet/", "Cloudflare One Networks Read (or Cloudflare Tunnel Read)",
     "Cloudflare One Networks Write (or Cloudflare Tunnel Edit)"),
    ("/zerotrust/routes", "Cloudflare One Networks Read (or Cloudflare Tunnel Read)",
     "Cloudflare One Networks Write (or Cloudflare Tunnel Edit)"),
    ("/", "Cloudflare Tunnel Read", "Cloudflare Tunnel Edit"),
)


def permission_needed(method, path):
    """The API token permission that ``method path`` needs."""
    # Reading a tunnel token is a GET that only the write groups allow.
    writes = method != "GET" or path.endswith("/token")
    for fragment, read, write in PERMISSIONS:
        if fragment in path:
            return write if writes else read
    return "Cloudflare Tunnel Edit"  # pragma: no cover - "/" matches every path


def parse_retry_after(value, now=None):
    """Seconds to wait for a ``Retry-After`` header value (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


# One item of a structured-field list: "name" or token, then ;key=value parameters.
_LIMIT_ITEM = re.compile(r'^\s*(?:"([^"\\]*)"|([A-Za-z*][A-Za-z0-9_.:/%*+-]*))\s*((?:;\s*[a-z*][a-z0-9_.*-]*=[^;]*)*)$')


def parse_limit_items(value, keys):
    """``{name: {key: int}}`` from a ``Ratelimit`` or ``Ratelimit-Policy`` header value.

    Items without every key in ``keys`` as a non-negative integer are malformed and left out, so a
    header the client does not understand changes nothing.
    """
    items = {}
    for part in (value or "").split(","):
        match = _LIMIT_ITEM.match(part)
        if not match:
            continue
        params = dict(pair.strip().partition("=")[::2] for pair in match.group(3).split(";")[1:])
        if all(params.get(key, "").strip().isdigit() for key in keys):
            items[match.group(1) if match.group(1) is not None else match.group(2)] = dict(
                (key, int(params[key])) for key in keys)
    return items


class RequestBudget(object):
    """What the API's last answer said about its request budget, and whether to wait before the next request.

    Every response carries ``Ratelimit: "default";r=<remaining>;t=<seconds to reset>`` and
    ``Ratelimit-Policy: "default";q=<quota>;w=<window>``. The count belongs to the user or token on
    the server, so every process, host and tool using it sees the same numbers: keeping a reserve
    of each quota unused keeps them all clear of the 429 that blocks the whole account for a window.
    Without the headers (another proxy, an older API) nothing is known and nothing waits.
    """

    def __init__(self, reserve_percent=RATE_LIMIT_RESERVE, clock=time.monotonic):
        self.reserve_percent = reserve_percent
        self.clock = clock
        self.limits = {}
        self.learned_at = None

    def learn(self, headers):
        remaining = parse_limit_items(headers.get("Ratelimit"), ("r", "t"))
        policies = parse_limit_items(headers.get("Ratelimit-Policy"), ("q", "w"))
        self.limits = dict((name, dict(item, **policies.get(name, {"q": None, "w": None}))) for name, item in remaining.items())
        self.learned_at = self.clock()

    def forget(self):
        """After waiting out a window, what was known of it is stale."""
        self.limits = {}

    def reserve(self, quota):
        return int(math.ceil(quota * self.reserve_percent / 100.0)) if quota else 0

    def wait(self):
        """``(seconds, limit)`` to wait before the next request, or None: the longest wait of every
        limit whose remaining requests have come down to its reserve."""
        elapsed = self.clock() - self.learned_at if self.learned_at is not None else 0.0
        waits = [(limit["t"] - elapsed, limit) for limit in self.limits.values() if limit["r"] <= self.reserve(limit["q"])]
        waits = [(seconds, limit) for seconds, limit in waits if seconds > 0]
        return max(waits, key=lambda item: item[0]) if waits else None


def _transport_failure(exc):
    """Describe a requests exception: (reason, whether the request may have reached the server,
    whether trying again may help).

    A refused connection is the one failure not worth repeating: nothing listens at that address
    and port, which is a wrong base URL far more often than a passing fault (Cloudflare's edge
    answers an overloaded API with 429 or 5xx, it does not refuse connections). Five retries
    would only hide the cause for half a minute.
    """
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timed out", False, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "timed out waiting for the response", True, True
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error (check validate_certs and ca_path)", False, True
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, urllib3.exceptions.NewConnectionError):
            cause = reason.__cause__ or reason.__context__
            if isinstance(cause, ConnectionRefusedError):
                return "connection refused: nothing listens there (check api_base_url or CLOUDFLARE_BASE_URL)", False, False
            return "could not connect to the API", False, True
        return "connection closed before a response arrived", True, True
    return "request failed (%s)" % type(exc).__name__, True, True


def shown_url(url):
    """A URL for messages, without any user name or password in it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def page_size(result_info, per_page):
    """The page size a list used: ``per_page`` as asked, unless the API says it paged by less."""
    reported = result_info.get("per_page")
    return reported if isinstance(reported, int) and 0 < reported < per_page else per_page


def more_pages(result_info, seen, per_page, count):
    """Whether a list has items after the ``seen`` ones: not after a short page (see :func:`page_size`),
    nor once ``total_count`` items came."""
    total = result_info.get("total_count")
    return 0 < count >= page_size(result_info, per_page) and (total is None or seen < total)


class CloudflareClient(object):
    """Talks to the Cloudflare v4 API over one requests.Session.

    ``request`` returns the envelope's ``result``; ``paginate`` yields the items of a list
    endpoint. Every failure raises :class:`CloudflareError`. ``sleep`` is injectable so tests
    can run retries without waiting. Requests are paced by the API's rate-limit headers
    (:class:`RequestBudget`); ``notices`` lists, for the user, every wait for the rate limit
    longer than ``NOTICE_AFTER`` seconds.
    """

    def __init__(self, base_url=DEFAULT_BASE_URL, api_token=None, api_email=None, api_key=None,
                 timeout=30, retries=5, retry_max_wait=300, validate_certs=True, ca_path=None,
                 sleep=None, rate_limit_reserve=RATE_LIMIT_RESERVE):
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.retry_max_wait = retry_max_wait
        self.sleep = sleep or default_sleep
        self.budget = RequestBudget(rate_limit_reserve)
        self.notices = []
        self.request_count = 0
        # True when the last call was sent again after an attempt that may have been applied, so
        # callers can tell their own repeated write from someone else's change.
        self.repeated = False
        # The listings a looped task's items share (_loop.LoopReads), on the in-process path only.
        self.loop_reads = None
        self.session = requests.Session()
        # Retries are ours alone: urllib3 must never repeat a request behind our back.
        adapter = HTTPAdapter(max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        if api_token:
            self.session.headers["Authorization"] = "Bearer %s" % api_token
        elif api_email and api_key:
            self.session.headers["X-Auth-Email"] = api_email
            self.session.headers["X-Auth-Key"] = api_key
        # Who reads what: the API and the credentials (hashed), so that nothing read with one is served to another.
        credentials = "\n".join(self.session.headers.get(h, "") for h in ("Authorization", "X-Auth-Email", "X-Auth-Key"))
        self.reader = hashlib.sha256(("%s\n%s" % (self.base_url, credentials)).encode("utf-8")).hexdigest()

    def backoff(self, attempt):
        """Exponential backoff with jitter for the given 1-based attempt."""
        delay = min(BACKOFF_MAX, BACKOFF_BASE * (2 ** (attempt - 1)))
        return delay * random.uniform(0.5, 1.0)

    def envelope(self, method, path, params=None, json=None, idempotent=None):
        """Send one API call (with retries) and return the whole success envelope."""
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if has_stand_in([path, params, json]):
            # The layer never asks about an object check mode only assumed; if it ever did, nothing is sent.
            raise CloudflareError(method, path, reason="a stand-in id from check mode is never sent to the API (a bug of "
                                                       "edgeops.cloudflare: please report it)")
        url = self.base_url + path
        attempt = 0
        self.repeated = False
        maybe_applied = False
        while True:
            attempt += 1
            can_retry = attempt <= self.retries
            self.pace(method, path)
            self.request_count += 1
            self.repeated = maybe_applied
            try:
                response = self.session.request(method, url, params=params, json=json, timeout=self.timeout)
            except requests.exceptions.RequestException as exc:
                reason, sent, transient = _transport_failure(exc)
                if can_retry and transient and (idempotent or not sent):
                    maybe_applied = maybe_applied or sent
                    self.sleep(self.backoff(attempt))
                    continue
                raise CloudflareTransportError(method, path, "%s, at %s" % (reason, shown_url(self.base_url)), sent)
            self.budget.learn(response.headers)
            status = response.status_code
            if status == 429 and can_retry:
                # A 429 means the request was refused unprocessed: safe to repeat for any method.
                wait = parse_retry_after(response.headers.get("Retry-After"))
                wait = self.backoff(attempt) if wait is None else wait
                if wait > self.retry_max_wait:
                    raise self._error(method, path, response).with_hint(
                        "Rate limited: Retry-After of %ds exceeds retry_max_wait (%ds)" % (wait, self.retry_max_wait))
                self.wait_for_rate_limit(wait, "the API answered 429, its request budget was used up")
                continue
            if status in RETRYABLE_STATUS and idempotent and can_retry:
                maybe_applied = True  # a gateway error may hide a request the API did carry out
                self.sleep(self.backoff(attempt))
                continue
            if method == "DELETE" and self.repeated and self._already_deleted(response):
                return {"success": True, "errors": [], "messages": [], "result": None}
            return self._unwrap(method, path, response)

    def pace(self, method, path):
        """Wait until the window resets when one more request would eat into the reserve."""
        wait = self.budget.wait()
        if wait is None:
            return
        seconds, limit = wait
        if seconds > self.retry_max_wait:
            if limit["r"] > 0:
                return  # spend the reserve rather than wait longer than the user allows
            raise CloudflareError(method, path, reason="the API's request budget is used up for another %ds, longer than "
                                                       "retry_max_wait (%ds)" % (math.ceil(seconds), self.retry_max_wait))
        quota = " of %d per %ds" % (limit["q"], limit["w"]) if limit["q"] is not None else ""
        self.wait_for_rate_limit(seconds, "only %d requests%s were left, the reserve that rate_limit_reserve (%s%%) keeps "
                                          "for other clients and retries" % (limit["r"], quota, self.budget.reserve_percent))

    def wait_for_rate_limit(self, seconds, why):
        """Sleep for the rate limit; a long wait becomes a notice for the user."""
        self.sleep(seconds)
        self.budget.forget()
        if seconds >= NOTICE_AFTER:
            self.notices.append("Waited %ds for Cloudflare's API rate limit: %s. Every client of the same user or token "
                                "(other forks, hosts and tools, the dashboard) spends that budget." % (math.ceil(seconds), why))

    @staticmethod
    def _already_deleted(response):
        """Whether the answer to a repeated DELETE says an earlier attempt already deleted the object."""
        if response.status_code == 404:
            return True
        try:
            errors = response.json().get("errors") or []
        except (ValueError, AttributeError):
            return False
        return response.status_code == 400 and any(
            isinstance(e, dict) and e.get("code") in ALREADY_DELETED_CODES for e in errors)

    def request(self, method, path, params=None, json=None, idempotent=None):
        """Send one API call and return its ``result``."""
        return self.envelope(method, path, params=params, json=json, idempotent=idempotent).get("result")

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def post(self, path, json=None, idempotent=None):
        return self.request("POST", path, json={} if json is None else json, idempotent=idempotent)

    def put(self, path, json=None):
        return self.request("PUT", path, json={} if json is None else json)

    def patch(self, path, json=None):
        return self.request("PATCH", path, json={} if json is None else json)

    def delete(self, path, params=None, json=None, missing_ok=False):
        """DELETE ``path``; with ``missing_ok``, an object that is gone already (404) is no error."""
        try:
            # Cloudflare declares a required (empty) JSON body on most DELETEs.
            return self.request("DELETE", path, params=params, json={} if json is None else json)
        except CloudflareError as exc:
            if missing_ok and exc.status == 404:
                return None
            raise

    def create_once(self, path, body, find, conflict=None):
        """POST ``body`` to create an object, never twice blindly; returns (object, outcome).

        ``find()`` looks for the object the POST would have made (None when there is none).
        After a lost response or a gateway error, the POST may have been carried out: if
        ``find()`` has it, the outcome is ``"recovered"``; otherwise the POST is tried again.
        A conflict (HTTP 409, or what ``conflict(exc)`` recognises) means the object exists:
        it is returned as ``"adopted"``. A clean answer is ``"created"``.
        """
        is_conflict = conflict or (lambda exc: exc.status == 409)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self.post(path, body), "created"
            except CloudflareError as exc:
                clash = is_conflict(exc)
                ambiguous = (isinstance(exc, CloudflareTransportError) and exc.sent) or exc.status in RETRYABLE_STATUS
                if not (clash or ambiguous):
                    raise
                existing = find()
                if existing is not None:
                    return existing, "adopted" if clash else "recovered"
                if clash or attempt == attempts:
                    raise
                self.sleep(self.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def list_page(self, path, params=None, page=1, per_page=MAX_PER_PAGE):
        """One page of a list endpoint: ``(items, result_info)`` (``{}`` when the API sends none)."""
        query = dict(params or {})
        query.update(page=page, per_page=per_page)
        body = self.envelope("GET", path, params=query)
        return body.get("result") or [], body.get("result_info") or {}

    def paginate(self, path, params=None, per_page=None, page=1, seen=0):
        """Yield every item of a paged list, stopping at a short page or total_count (``per_page`` None: the largest);
        from ``page`` on, when the ``seen`` items before it were read already."""
        per_page = per_page or MAX_PER_PAGE
        while True:
            items, info = self.list_page(path, params, page, per_page)
            yield from items
            seen += len(items)
            if not more_pages(info, seen, per_page, len(items)):
                return
            page += 1

    def first_page(self, path, params=None, per_page=MAX_PER_PAGE):
        """The first page of a list: ``(items, complete)``, complete when nothing is left for later pages."""
        items, info = self.list_page(path, params, 1, per_page)
        return items, not more_pages(info, len(items), per_page, len(items))

    def _unwrap(self, method, path, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "success" in body:
            if body.get("success") and response.ok:
                return body
            raise CloudflareError(method, path, response.status_code, body.get("errors"), reason=response.reason)
        if response.ok:
            raise CloudflareError(method, path, response.status_code, reason="the response is not a Cloudflare API envelope")
        raise self._error(method, path, response)

    @staticmethod
    def _error(method, path, response):
        try:
            body = response.json()
        except ValueError:
            body = {}
        errors = body.get("errors") if isinstance(body, dict) else None
        return CloudflareError(method, path, response.status_code, errors, reason=response.reason)
