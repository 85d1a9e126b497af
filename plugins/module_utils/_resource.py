# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative resources: a module says what its API object is, this layer does the work.

A subclass of :class:`Resource` declares the collection path, how to find an object (``id`` or a
live ``name``), which options are create-only and which are updatable, a write-only secret, and
which returned fields users see. The layer then looks the object up, creates, updates or deletes
it, guards every write with check mode, builds the diff, and returns the result dict.
"""

from __future__ import annotations

import math
import time

from ._api import RETRYABLE_STATUS, CloudflareError, CloudflareTransportError
from ._common import ModuleError, new_tunnel_secret

HIDDEN = "(hidden)"
ROTATED = "(hidden, rotated)"


def not_found(exc):
    return isinstance(exc, CloudflareError) and exc.status == 404


class Resource(object):
    """Lookup, present and absent for one kind of account-scoped API object."""

    noun = "object"          # how messages name it: "tunnel", "WARP connector"
    path = None              # collection path template, e.g. "/accounts/{account_id}/cfd_tunnel"
    result_key = None        # key of the object in the module result
    live_filter = {"is_deleted": "false"}
    fields = ("id", "name")  # returned to the user; nothing else ever is
    create_only = ()         # options that only creation can set; a mismatch later fails
    updatable = ()           # options PATCHed when they differ
    secret = None            # write-only secret option rotated by ``update_secret: always``
    secret_on_create = True  # False: the create call does not take the secret; a PATCH sets it right after

    def __init__(self, client, params, check_mode=False, diff=False):
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.want_diff = diff
        self.collection = self.path.format(account_id=params["account_id"])
        self.changed = False
        self.warnings = []
        self.before = {}
        self.after = {}
        self.extra = {}

    # ---- declaration hooks -------------------------------------------------------------
    def title(self):
        """The noun at the start of a sentence (keeps acronyms such as WARP intact)."""
        return self.noun[:1].upper() + self.noun[1:]

    def current_value(self, obj, option):
        """The object's value for an option (override to read renamed or legacy fields)."""
        return obj.get(option)

    def view(self, obj):
        """The secret-free part of an API object that users see."""
        return dict((field, self.current_value(obj, field)) for field in self.fields)

    def create_body(self):
        options = ("name",) + tuple(self.create_only) + tuple(self.updatable)
        body = dict((opt, self.params[opt]) for opt in options if self.params.get(opt) is not None)
        if self.secret and self.secret_on_create and self.params.get(self.secret):
            body[self.secret] = self.params[self.secret]
        return body

    def predict_created(self, body):
        """What check mode reports for an object it would create."""
        obj = dict((field, None) for field in self.fields)
        obj.update((k, v) for k, v in body.items() if k in self.fields)
        return obj

    # ---- lookup ------------------------------------------------------------------------
    def item_path(self, obj_id, *more):
        return "/".join((self.collection, obj_id) + more)

    def get_by_id(self, obj_id):
        try:
            return self.client.get(self.item_path(obj_id))
        except CloudflareError as exc:
            if not_found(exc):
                return None
            raise

    def find_by_name(self, name):
        """The one live object with exactly this name, or None; several is an error."""
        query = dict(self.live_filter, name=name)
        matches = [obj for obj in self.client.paginate(self.collection, query)
                   if obj.get("name") == name and not obj.get("deleted_at")]
        if len(matches) > 1:
            raise ModuleError("%d live %ss are named %r (ids: %s); pass id to choose one."
                              % (len(matches), self.noun, name, ", ".join(o.get("id", "?") for o in matches)))
        return matches[0] if matches else None

    def find(self):
        if self.params.get("id"):
            return self.get_by_id(self.params["id"])
        return self.find_by_name(self.params["name"])

    # ---- present -----------------------------------------------------------------------
    def present(self):
        """Make sure the object exists as declared; returns it (as predicted in check mode)."""
        current = self.find()
        if current is None:
            if self.params.get("id"):
                raise ModuleError("No %s with id %s exists in account %s; to create one, give name without id."
                                  % (self.noun, self.params["id"], self.params["account_id"]))
            current, created = self.create()
            if created:
                return current
        elif current.get("deleted_at"):
            raise ModuleError("%s %s (%r) was deleted at %s and cannot be changed or restored; create a new one by name."
                              % (self.title(), current.get("id"), current.get("name"), current.get("deleted_at")))
        return self.update(current)

    def check_create_only(self, current):
        for option in self.create_only:
            wanted = self.params.get(option)
            have = self.current_value(current, option)
            if wanted is not None and have is not None and wanted != have:
                raise ModuleError(
                    "%s %r has %s=%s but the task asks for %s=%s; %s can only be set when the %s is created. "
                    "Delete and recreate the %s to change it (this module never replaces it silently)."
                    % (self.title(), current.get("name"), option, have, option, wanted, option,
                       self.noun, self.noun))

    def changes(self, current):
        """The PATCH body that brings ``current`` to the declared state (empty when it matches)."""
        body = {}
        for option in self.updatable:
            wanted = self.params.get(option)
            if wanted is not None and wanted != self.current_value(current, option):
                body[option] = wanted
        if self.secret and self.params.get("update_secret") == "always":
            body[self.secret] = self.params.get(self.secret) or new_tunnel_secret()
        return body

    def update(self, current):
        self.check_create_only(current)
        body = self.changes(current)
        before = self.view(current)
        after = dict(before)
        after.update((k, v) for k, v in body.items() if k in self.fields)
        self.record(before, after)
        if self.secret in body:
            self.before[self.secret] = HIDDEN
            self.after[self.secret] = ROTATED
            self.extra["secret_rotated"] = True
        if not body:
            return current
        self.changed = True
        if self.check_mode:
            predicted = dict(current)
            predicted.update((k, v) for k, v in body.items() if k != self.secret)
            return predicted
        return self.client.patch(self.item_path(current["id"]), body)

    def create(self):
        """Create the object safely; returns (object, created_by_us)."""
        body = self.create_body()
        if self.check_mode:
            predicted = self.predict_created(body)
            self.changed = True
            self.record({}, self.view(predicted))
            return predicted, True
        obj, created = self.safe_create(body)
        if created:
            self.changed = True
            if self.secret and not self.secret_on_create and self.params.get(self.secret):
                obj = self.set_secret_after_create(obj)
            self.record({}, self.view(obj))
        return obj, created

    def set_secret_after_create(self, obj):
        """PATCH the secret onto an object whose create call cannot take it (never in check mode).

        If this fails, the object exists without the wanted secret and a rerun with
        ``update_secret: on_create`` would not notice: the error says so and how to recover.
        """
        try:
            return self.client.patch(self.item_path(obj["id"]), {self.secret: self.params[self.secret]}) or obj
        except CloudflareError as exc:
            extra = {"changed": True, "failure": exc.to_dict()}
            extra[self.result_key] = self.view(obj)
            raise ModuleError("%s %r was created (id %s) but setting its %s failed: %s. It runs with a secret Cloudflare "
                              "generated; rerun with update_secret: always to set yours."
                              % (self.title(), obj.get("name"), obj.get("id"), self.secret, exc), **extra)

    def safe_create(self, body):
        """POST, never twice blindly: after a conflict or a lost response, look the name up first.

        A conflict (HTTP 409) means the name is taken by a live object: adopt it (unchanged).
        A lost response or a gateway error may hide a successful create: if the name now exists,
        that is ours; otherwise try again.
        """
        attempts = self.client.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self.client.post(self.collection, body), True
            except CloudflareError as exc:
                conflict = exc.status == 409
                ambiguous = (isinstance(exc, CloudflareTransportError) and exc.sent) or exc.status in RETRYABLE_STATUS
                if not (conflict or ambiguous):
                    raise
                existing = self.find_by_name(body["name"])
                if existing is not None:
                    if conflict:
                        self.warnings.append("A live %s named %r already existed when this task tried to create it "
                                             "(created concurrently?); adopted %s." % (self.noun, body["name"], existing.get("id")))
                        return existing, False
                    self.warnings.append("The create response for %s %r was lost (%s); found it by name and used it."
                                         % (self.noun, body["name"], exc.reason or exc.status))
                    return existing, True
                if conflict or attempt == attempts:
                    raise
                self.client.sleep(self.client.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- absent ------------------------------------------------------------------------
    def absent(self):
        """Make sure the object is gone; returns the deleted object, or None when there was none."""
        current = self.find()
        if current is None or current.get("deleted_at"):
            return current
        self.changed = True
        self.record(self.view(current), {})
        if self.check_mode:
            return current
        self.before_delete(current)
        try:
            return self.client.delete(self.item_path(current["id"])) or current
        except CloudflareError as exc:
            raise self.explain_delete_failure(exc, current)

    def before_delete(self, current):
        """Hook: work that must happen before the DELETE (not called in check mode)."""

    def explain_delete_failure(self, exc, current):
        return exc

    # ---- result ------------------------------------------------------------------------
    def record(self, before, after):
        self.before.update(before)
        self.after.update(after)

    def result(self, obj):
        result = dict(changed=self.changed)
        result[self.result_key] = self.view(obj) if obj else {}
        result.update(self.extra)
        if self.want_diff:
            result["diff"] = dict(before=self.before, after=self.after)
        if self.warnings:
            result["warnings"] = list(self.warnings)
        return result

    def run(self):
        obj = self.present() if self.params.get("state", "present") == "present" else self.absent()
        return self.result(obj)


def wait_until(client, fetch, done, timeout, interval):
    """Poll ``fetch()`` until ``done(value)`` is true; returns (value, reached).

    Stops after ``timeout`` seconds of real time or of the client's sleep function, whichever
    comes first, so tests that replace the sleep function still end.
    """
    polls = max(1, int(math.ceil(float(timeout) / interval))) if interval > 0 else 1
    deadline = time.monotonic() + timeout
    value = fetch()
    for _poll in range(polls):
        if done(value) or time.monotonic() >= deadline:
            break
        client.sleep(interval)
        value = fetch()
    return value, done(value)
