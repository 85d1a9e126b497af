# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one framework: a module declares what its API object is, this layer does the work.

- :class:`Collection`: objects found by id or natural key; present (create / update) and absent.
- :class:`Listing`: what every ``*_info`` module does: filters to a query, paging, a view,
  enrichment, and optionally waiting until the listed objects reach a state.
- :class:`Document`: one document below a parent object, read and replaced with a version.
- :class:`WriteOnly`: an option the API takes but never returns (a secret).
- :class:`Step`: a side effect (DNS records, connections) planned before anything is written,
  reported the same way in check mode and real mode, applied unless check mode.

Input is canonical from the start: ``check()`` applies the declared ``forms`` (``_common``) to the
task's parameters once, before any request, and every later step compares and sends that form.
This is the only code that reads check mode and diff mode.

Check mode is a plan across tasks: an object it would create gets a stand-in id
(``_common.stand_in``), and a later task of the same check run given that id (or naming by key an
object that does not exist yet) takes the object as created: ``assumed_created: true`` and a
warning. Nothing about such an object is asked of the API; a run outside check mode refuses a
stand-in before any request.
"""

from __future__ import annotations

import math
import time

from ._api import CloudflareError
from ._common import UUID_RE, ModuleError, has_stand_in, known, name, names_an_id, refuse_stand_ins, stand_in, stand_in_for, uuid

HIDDEN = "(hidden)"
SET = "(hidden, set)"
ROTATED = "(hidden, rotated)"


def not_found(exc):
    return isinstance(exc, CloudflareError) and exc.status == 404


def live_objects(client, reads, path, query, keep, live_filter, unique=True, per_page=None):
    """The live objects of ``path`` for which ``keep(obj)`` holds. The items of a looped task share one
    listing of each collection (``reads``: ``client.loop_reads``, in-process only, see ``_loop``); without
    it, or when it cannot tell, the API is asked with ``query``, its filter. ``unique``: at most one can
    match. ``per_page`` None leaves the page size to the client."""
    found = reads.find(client, path, dict(live_filter), keep, unique, per_page) if reads is not None else None
    if found is None:
        found = [obj for obj in client.paginate(path, query, per_page=per_page) if keep(obj)]
    return found


class Step(object):
    """A planned side effect: what it will do (``items``, reported under ``report``) and how.

    ``apply()`` carries it out and may return the items as they turned out (real ids instead of
    predicted ones). ``diff`` is a ``(before, after)`` pair merged into the task's diff.
    """

    def __init__(self, report, items, apply, diff=None, changes=None):
        self.report = report
        self.items = list(items)
        self.apply = apply
        self.diff = diff
        # Whether the step writes anything; by default, whether it has items.
        self.changes = bool(self.items) if changes is None else changes


class WriteOnly(object):
    """An option the API accepts but never returns, such as a tunnel secret.

    It is validated before any request, sent on create (or PATCHed right after a create that
    cannot take it), sent again when ``rotate_option`` is ``always`` (given, or generated),
    masked in the diff, and every value given or generated is registered as a secret.
    """

    def __init__(self, option, form=None, generate=None, rotate_option=None, on_create=True):
        self.option = option
        self.form = form
        self.generate = generate
        self.rotate_option = rotate_option
        self.on_create = on_create

    def rotates(self, params):
        return bool(self.rotate_option) and params.get(self.rotate_option) == "always"


class Reference(object):
    """An option that names another object by name or id (``tunnel: web``), resolved to the id
    the API takes (``tunnel_id``) before any write.

    ``target(params)`` is the Collection class of the object named; ``default(work)`` gives the
    object to use when the option is omitted (the default virtual network). With
    ``present_only``, ``state: absent`` does not resolve it (the object may be gone already).
    """

    def __init__(self, option, field, target, default=None, present_only=False, copies=()):
        self.option = option
        self.field = field
        self.target = target
        self.default = default
        self.present_only = present_only
        # (view field, field of the referenced object): filled in where the API's answer leaves them out
        self.copies = copies


class Issued(object):
    """A secret the API makes and returns only in the answer that makes it (a service token's client
    secret): on create, and on a rotation, a POST to ``rotate_path`` below the object that runs when the
    ``rotate_option`` is true (its body from ``rotate_body(params)``).

    The layer takes the secret out of the object, marks it hidden in the diff, and hands it to
    ``hand_over(work, secret, issued)`` (issued False: no new secret this run), which puts it into
    the result (where the module's SecretAction hides it from output) or registers it as a secret of
    the run and returns Steps (a file to write).
    """

    def __init__(self, field, rotate_option=None, rotate_path=None, rotate_body=None, hand_over=None):
        self.field = field
        self.rotate_option = rotate_option
        self.rotate_path = rotate_path
        self.rotate_body = rotate_body or (lambda params: None)
        self.hand_over = hand_over or (lambda work, secret, issued: work.extra.update({field: secret}) or [])

    def rotates(self, params):
        return bool(self.rotate_option and params.get(self.rotate_option))


class Params(dict):
    """A task's parameters in canonical form, with ``notes``: warnings about the input itself."""

    def __init__(self, params):
        super(Params, self).__init__(params)
        self.notes = list(getattr(params, "notes", ()))


def declared(cls, attribute):
    """A dict attribute merged over the class hierarchy: what a class declares adds to its bases'."""
    merged = {}
    for klass in reversed(cls.__mro__):
        merged.update(klass.__dict__.get(attribute) or {})
    return merged


class Work(object):
    """What every declaration shares: the client, the task's parameters and the result parts."""

    references = ()  # Reference options, resolved to ids before anything is written
    forms = {}       # option -> form(value, option) giving the canonical form (merged with the bases')
    reports = ()     # list-valued result keys, always in the result ([] when there is nothing to report)

    def __init__(self, client, params, check_mode=False, diff=False):
        refusal = None if check_mode else refuse_stand_ins(params)
        if refusal is not None:  # a stand-in outside check mode: refused before any request
            raise refusal
        self.client = client
        self.params = params
        self.check_mode = check_mode
        self.want_diff = diff
        self.state = params.get("state") or "present"
        self.resolved = {}       # Reference field -> id (None: assumed in check mode)
        self.referenced = {}     # Reference field -> the object it names
        self.unresolved = False  # a reference names nothing, so nothing can match
        self.changed = False
        self.warnings = list(getattr(params, "notes", ()))
        self.secrets = set()
        self.before = {}
        self.after = {}
        self.extra = {}
        self.indexes = {}        # Collection class -> its objects, listed once per task (object_of)

    @classmethod
    def check(cls, params):
        """The task's parameters in canonical form (a new dict; the input is left as it is), or a
        ModuleError naming the option: every form declared in ``forms``, then :meth:`validate`."""
        params = Params(params)
        for option, form in declared(cls, "forms").items():
            outer, _dot, inner = option.rpartition(".")  # "wait_for.connector_id": an option of a dict option
            holder = params
            if outer:
                if not isinstance(params.get(outer), dict):
                    continue
                holder = params[outer] = dict(params[outer])
            if holder.get(inner) is not None:
                holder[inner] = form(holder[inner], option)
        cls.validate(params)
        return params

    @classmethod
    def validate(cls, params):
        """Hook: checks across options, on the canonical parameters (raise ModuleError naming the option)."""

    # ---- references --------------------------------------------------------------------
    def resolve_references(self, must_exist):
        """Resolve every Reference option to an id. ``must_exist``: a missing object is an error
        naming the option (a placeholder in check mode); otherwise it marks the task unresolved."""
        for reference in self.references:
            if (reference.present_only and not must_exist) or (
                    self.params.get(reference.option) is None and reference.default is None):
                continue
            obj = self.resolve(reference, must_exist)
            if obj is None:
                self.unresolved = True
            else:
                self.resolved[reference.field] = obj.get("id")
                self.referenced[reference.field] = obj

    def resolve(self, reference, must_exist):
        value = self.params.get(reference.option)
        if value is None:
            return reference.default(self) if reference.default else None
        return self.named(reference.target(self.params), value, reference.option, must_exist)

    def named(self, target, value, option, must_exist=True):
        """The live object of ``target`` (a Collection class) that ``value`` names by name, UUID or stand-in,
        found by its own declaration; a missing one fails naming ``option`` (in check mode it is assumed)."""
        by_id = names_an_id(value)
        params = dict(account_id=self.params["account_id"], id=value if by_id else None, name=None if by_id else value,
                      state="present")
        other = target(self.client, params, self.check_mode)
        try:
            obj = other.require() if must_exist else other.find()
        except ModuleError as exc:
            raise ModuleError("%s: %s" % (option, exc.msg))
        self.adopt(other)
        return obj if obj is not None and not obj.get("deleted_at") else None

    def note_assumed(self, what):
        """Check mode took an object that does not exist yet as created by an earlier task: say so."""
        warning = "Check mode: %s; assumed an earlier task creates it." % what
        if warning not in self.warnings:  # a value may be asked for more than once
            self.warnings.append(warning)
        self.extra["assumed_created"] = True

    def adopt(self, other):
        """Take on what another object's lookup told the user (assumed in check mode, say)."""
        self.warnings.extend(warning for warning in other.warnings if warning not in self.warnings)
        self.extra.update(other.extra)

    def object_of(self, target, value, option):
        """The object of ``target`` (a Collection class) that ``value`` names by UUID or by name.

        Every object of the kind is listed once per task, however many values an option names. A
        name that matches nothing fails naming the option; in check mode it is taken as an object an
        earlier task would create (its id a stand-in, with a warning), as is a stand-in id (without a
        request). Several matches fail, asking for the id.
        """
        if stand_in_for(value) is not None:
            return self.named(target, value, option)
        by_id = bool(UUID_RE.match(value))
        found = [obj for obj in self.objects(target) if (obj.get("id") if by_id else obj.get("name")) == value and not obj.get("deleted_at")]
        if len(found) > 1:
            raise ModuleError("%s: more than one %s is named %r (ids: %s); give the id instead."
                              % (option, target.noun, value, ", ".join(o.get("id", "?") for o in found)))
        if found:
            return found[0]
        if self.check_mode and not by_id:
            self.note_assumed("%s: no %s named %r exists yet" % (option, target.noun, value))
            return {"id": stand_in(target.noun, value), "name": value}
        raise ModuleError("%s: no %s %s %r exists in account %s." % (option, target.noun, "with id" if by_id else "named",
                                                                     value, self.params["account_id"]), not_found=True)

    def objects(self, target):
        """Every object of ``target`` (a Collection class), listed once per task (in-process, once per loop)."""
        if target not in self.indexes:
            other = target(self.client, dict(account_id=self.params["account_id"]), self.check_mode)
            self.indexes[target] = live_objects(self.client, other.shared_reads(), other.collection, dict(other.live_filter),
                                                lambda obj: True, other.live_filter, unique=False, per_page=other.per_page)
        return self.indexes[target]

    def id_of(self, target, value, option):
        """The id that ``value`` (a UUID or a name of a ``target`` object, or a stand-in) stands for; a UUID costs
        no request."""
        if UUID_RE.match(value):
            return value
        return self.object_of(target, value, option).get("id")

    def record(self, before, after):
        """Add to the diff; dict values (such as ``dns``) are merged key by key."""
        for side, part in ((self.before, before), (self.after, after)):
            for key, value in part.items():
                if isinstance(value, dict) and isinstance(side.get(key), dict):
                    side[key].update(value)
                else:
                    side[key] = value

    def apply_steps(self, steps):
        """Report each planned step and, unless in check mode, carry it out."""
        for step in steps:
            if step.diff:
                self.record(*step.diff)
            if step.changes:
                self.changed = True
            items = step.items
            if step.changes and not self.check_mode:
                done = step.apply()
                if isinstance(done, list):  # the items as they turned out (real ids)
                    items = done
            if step.report:
                self.extra.setdefault(step.report, []).extend(items)

    def finish(self, **result):
        out = dict(changed=self.changed)
        out.update((key, []) for key in self.reports)
        out.update(result)
        out.update(self.extra)
        if self.want_diff:
            out["diff"] = dict(before=self.before, after=self.after)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    def failed(self, msg, **extra):
        """A ModuleError that keeps what the task already did (a partial run's changes)."""
        extra.setdefault("changed", self.changed)
        extra.update((key, value) for key, value in self.extra.items() if key not in extra)
        return ModuleError(msg, **extra)


def _path(template, params, **more):
    values = dict(params)
    values.update(more)
    return template.format(**values)


class Collection(Work):
    """Lookup, present and absent for one kind of account-scoped API object.

    A declaration sets the collection ``path``, the ``key`` options that find an object when
    no ``id`` is given, the ``fields`` users see, ``create_only`` and ``updatable`` options,
    ``write_only`` options, and optionally ``steps`` for side effects.
    """

    noun = "object"          # how messages name it: "tunnel", "WARP connector"
    path = None              # collection path template, e.g. "/accounts/{account_id}/cfd_tunnel"
    result_key = None        # key of the object in the module result
    key = ("name",)          # options that identify an object without id (its natural key)
    live_filter = {"is_deleted": "false"}
    fields = ("id", "name")  # returned to the user; nothing else ever is
    create_only = ()         # options that only creation can set; a mismatch later fails
    updatable = ()           # options PATCHed when they differ
    write_only = ()          # WriteOnly options
    fresh_options = ()       # options that need the object as the API has it now, not a loop's snapshot of it
    unique_key = True        # the API refuses a second live object with the same key (a partial listing can find it)
    issued = None            # Issued: a secret the API makes (on create and rotation) and returns once
    per_page = None          # page size of the list calls (None: the client's largest)
    # How an update is sent: ``update_method`` with the changed fields, or (``replaces``) a PUT of the
    # stored object with the changes applied, for an API that replaces objects whole on update;
    # ``read_only`` fields are never sent back.
    update_method = "patch"
    replaces = False
    read_only = ()
    # The stored form of a field is its form in ``forms``: applied to the task's option at the edge
    # and to the API's answers. ``readers`` read a field the API may send under an older name.
    forms = {"id": uuid, "name": name}
    readers = {}             # field -> function(api object) giving its value

    def __init__(self, client, params, check_mode=False, diff=False):
        super(Collection, self).__init__(client, params, check_mode, diff)
        self.collection = _path(self.path, params)
        self.found = None  # the object the task names, once found (None: not looked up, or none)
        self.issued_secret = None  # the secret the API issued in this run (Issued)
        self.issued_now = False    # whether this run made one (or would, in check mode)
        # What each write-only option sends, decided once: on a create the value given; on an
        # update only a rotation, with the value given or a generated one. All are secrets.
        given = dict((w.option, params.get(w.option)) for w in self.write_only)
        self.secret_on_create = dict((option, value) for option, value in given.items() if value is not None)
        self.secret_on_update = {}
        for write_only in self.write_only:
            if write_only.rotates(params):
                value = given[write_only.option] or (write_only.generate() if write_only.generate else None)
                if value is not None:
                    self.secret_on_update[write_only.option] = value
        self.secrets.update(self.secret_on_create.values())
        self.secrets.update(self.secret_on_update.values())

    # ---- input -------------------------------------------------------------------------
    @classmethod
    def check(cls, params):
        params = dict(params)
        for option in ("id", "name"):  # the options that name the object (object_spec)
            if params.get(option) == "":  # a templated null on ansible-core 2.16 names nothing
                params[option] = None
        params = super(Collection, cls).check(params)
        for write_only in cls.write_only:
            if write_only.form is not None and params.get(write_only.option) is not None:
                params[write_only.option] = write_only.form(params[write_only.option], write_only.option)
        return params

    @classmethod
    def validate(cls, params):
        cls.check_identity(params)

    @classmethod
    def check_identity(cls, params):
        """Something names the object: ``id``, or the natural key's options (``id: null`` is not); a key
        field that a Reference fills in (a route's virtual network) is resolved later."""
        given = [option for option in cls.key if option not in [reference.field for reference in cls.references]]
        missing = [option for option in given if params.get(option) in (None, "")]
        if not params.get("id") and missing:
            raise ModuleError("Give id or %s to name the %s (%s is not set)." % (" and ".join(given), cls.noun, " and ".join(missing)))

    # ---- declaration hooks -------------------------------------------------------------
    def title(self):
        """The noun at the start of a sentence (keeps acronyms such as WARP intact)."""
        return self.noun[:1].upper() + self.noun[1:]

    @classmethod
    def stored_value(cls, obj, field):
        """The API object's value of a field, in the field's stored form."""
        value = cls.readers[field](obj) if field in cls.readers else obj.get(field)
        form = declared(cls, "forms").get(field)
        if value is None or form is None:
            return value
        try:
            return form(value, field)
        except ModuleError:  # the API may hold what the task cannot ask for; show it as it is
            return value

    @classmethod
    def stored_view(cls, obj):
        """The secret-free part of an API object that users see, each field in its stored form."""
        return dict((field, cls.stored_value(obj, field)) for field in cls.fields)

    def current_value(self, obj, option):
        return self.stored_value(obj, option)

    def wanted_value(self, option):
        """The task's value for an option (canonical since ``check``); a reference's resolved id."""
        if option in self.resolved:
            return self.resolved[option]
        return self.params.get(option)

    def view(self, obj):
        """The stored view, with what a reference says of the object it names (``tunnel_name``): the API
        leaves it out of some answers, and it is stale in an object predicted to point elsewhere."""
        view = self.stored_view(obj)
        for reference in self.references:
            other = self.referenced.get(reference.field)
            if other is not None and other.get("id") == view.get(reference.field):
                for mine, theirs in reference.copies:
                    view[mine] = other.get(theirs)
        return view

    def describe(self):
        """How messages name the object the task means."""
        if self.params.get("id"):
            return "id %s" % self.params["id"]
        return ", ".join("%s %r" % (option, self.wanted_value(option)) for option in self.key)

    def declared_body(self):
        """What the task declares of the object (key, create-only and updatable options that are set)."""
        options = tuple(self.key) + tuple(self.create_only) + tuple(self.updatable)
        return dict((opt, self.wanted_value(opt)) for opt in options if self.wanted_value(opt) is not None)

    def create_body(self):
        body = self.declared_body()
        body.update((w.option, self.secret_on_create[w.option]) for w in self.write_only
                    if w.on_create and w.option in self.secret_on_create)
        return body

    def sendable(self, body):
        """Hook: a create or update body in the form the API takes (the layer compares stored forms)."""
        return body

    def replacement(self, current, changes):
        """What a PUT of an object that the API replaces whole sends: the stored object without its
        read-only fields, with the changes applied."""
        body = dict((key, value) for key, value in current.items() if key not in self.read_only)
        body.update(changes)
        return body

    def predict_created(self, body):
        """What check mode reports for an object it would create: its id is a stand-in."""
        obj = dict((field, None) for field in self.fields)
        obj.update((k, v) for k, v in body.items() if k in self.fields)
        obj["id"] = stand_in(self.noun, body.get(self.key[0]))
        return obj

    def assumed(self, stand_in_id):
        """In check mode, the object a stand-in id stands for: one an earlier task of this run would
        create (as this task describes it), named by the stand-in."""
        what = stand_in_for(stand_in_id)
        if what is None or not what.startswith(self.noun + " "):
            raise ModuleError("id %s stands for %s that an earlier task would create, not for a %s."
                              % (stand_in_id, "a " + what if what else "something", self.noun))
        label = what[len(self.noun) + 1:]
        self.note_assumed("%s %s does not exist yet (its id is known after apply)" % (self.noun, label))
        body = self.declared_body()  # not create_body(): what a create requires is the earlier task's business
        body[self.key[0]] = label
        obj = self.predict_created(body)
        obj["id"] = stand_in_id
        return obj

    def steps(self, current):
        """Side effects of this task on ``current`` (the object before the main write), planned
        before anything is written: a list of Steps, applied after a create/update, or before
        a delete."""
        return []

    def still_used(self, error):
        """A delete that other objects still block: the error, raised; in check mode a warning instead,
        since an earlier task of the same check run may remove them first (a plan cannot see that)."""
        if not self.check_mode:
            raise error
        self.warnings.append("Check mode: %s A real run fails here unless an earlier task does that first." % error.msg)

    def planned_steps(self, current):
        """:meth:`steps`, but none for an object assumed in check mode: what it would have by then
        (records, routes, connections made for it earlier in this check run) does not exist yet."""
        if current is not None and not known(current.get("id")):
            if self.state == "absent":
                self.warnings.append("Check mode: what earlier tasks of this run would add to %s %s does not exist yet, so "
                                     "what a real run removes with it is not listed here." % (self.noun, current.get(self.key[0])))
            return []
        return self.steps(current)

    # ---- lookup ------------------------------------------------------------------------
    def item_path(self, obj_id, *more):
        return "/".join((self.collection, obj_id) + more)

    def get_by_id(self, obj_id):
        # In a loop, a live object is in the shared listing; one that is not (deleted ones stay readable by id) is asked for.
        reads = self.shared_reads()
        found = reads.find(self.client, self.collection, dict(self.live_filter), lambda obj: obj.get("id") == obj_id) if reads else None
        if found:
            return found[0]
        try:
            return self.client.get(self.item_path(obj_id))
        except CloudflareError as exc:
            if not_found(exc):
                return None
            raise

    def lookup_query(self):
        """The list query that finds candidates for the natural key."""
        query = dict(self.live_filter)
        query.update((option, self.wanted_value(option)) for option in self.key)
        return query

    def matches(self, obj):
        """Whether a listed object has the task's natural key (the API filter may be looser)."""
        return all(self.current_value(obj, option) == self.wanted_value(option) for option in self.key)

    def shared_reads(self):
        """The listings a loop's items share (None without a loop, or when a ``fresh_options`` option is set)."""
        if any(self.params.get(option) for option in self.fresh_options):
            return None
        return self.client.loop_reads

    def live(self, query, keep, unique=True, shared=True):
        """The live objects of the collection for which ``keep(obj)`` holds (see :func:`live_objects`);
        ``shared=False`` asks the API even in a loop."""
        return live_objects(self.client, self.shared_reads() if shared else None, self.collection, query, keep,
                            self.live_filter, unique, self.per_page)

    def wrote(self, obj_id, answer=None, deleted=False):
        """Keep a loop's shared listing current with this task's own write (the API's answer, or a delete)."""
        reads = self.client.loop_reads
        if reads is not None:
            if deleted:
                reads.deleted(self.client, self.collection, obj_id)
            else:
                reads.wrote(self.client, self.collection, obj_id, answer)
        return answer

    def find_by_key(self, shared=True):
        """The one live object with the task's natural key, or None; several is an error. ``shared=False``
        asks the API even in a loop (after a create conflict, which says the loop's listing missed it)."""
        matches = self.live(self.lookup_query(), lambda obj: self.matches(obj) and not obj.get("deleted_at"), self.unique_key, shared)
        if len(matches) > 1:
            raise ModuleError("%d live %ss have %s (ids: %s); pass id to choose one."
                              % (len(matches), self.noun, self.describe(), ", ".join(o.get("id", "?") for o in matches)))
        return matches[0] if matches else None

    def find(self):
        """The object the task names (None when there is none); in check mode, an assumed one for a stand-in id."""
        if self.params.get("id"):
            if not known(self.params["id"]):
                return self.assumed(self.params["id"])
            return self.get_by_id(self.params["id"])
        if self.unresolved or not all(known(self.wanted_value(option)) for option in self.key):
            return None  # the key names an object that does not exist (yet): nothing can match
        return self.find_by_key()

    def require(self):
        """The live object the task names, or a clear error naming what was looked for.

        In check mode, an object named by a stand-in id, or by its key when it does not exist yet,
        is taken as one an earlier task of the play would create: a placeholder comes back (its id
        the stand-in) and the result says so, so a whole first-run play can be checked.
        """
        obj = self.find()
        if obj is None and self.check_mode and not self.params.get("id"):
            self.note_assumed("no live %s with %s exists yet" % (self.noun, self.describe()))
            return self.predict_created(self.declared_body())
        if obj is None:
            raise ModuleError("No live %s with %s in account %s." % (self.noun, self.describe(), self.params["account_id"]),
                              not_found=True)
        if obj.get("deleted_at"):
            raise ModuleError("%s with %s was deleted at %s." % (self.title(), self.describe(), obj["deleted_at"]))
        return obj

    # ---- present -----------------------------------------------------------------------
    def present(self):
        """Make sure the object exists as declared; returns it (as predicted in check mode)."""
        current = self.find()
        if current is None:
            if self.params.get("id"):
                raise ModuleError("No %s with id %s exists in account %s; to create one, give %s without id."
                                  % (self.noun, self.params["id"], self.params["account_id"], " and ".join(self.key)))
            return self.create()
        if current.get("deleted_at"):
            raise ModuleError("%s %s (%r) was deleted at %s and cannot be changed or restored; create a new one."
                              % (self.title(), current.get("id"), current.get("name"), current.get("deleted_at")))
        self.found = current
        steps = self.planned_steps(current)
        obj = self.update(current)
        if self.issued is not None and self.issued.rotates(self.params):
            obj = self.rotate(obj)
        self.apply_steps(steps)
        return obj

    def check_create_only(self, current):
        for option in self.create_only:
            wanted = self.wanted_value(option)
            have = self.current_value(current, option)
            if wanted is not None and have is not None and wanted != have:
                raise ModuleError(
                    "%s %r has %s=%s but the task asks for %s=%s; %s can only be set when the %s is created. "
                    "Delete and recreate the %s to change it (this module never replaces it silently)."
                    % (self.title(), current.get("name", current.get("id")), option, have, option, wanted, option,
                       self.noun, self.noun))

    def changes(self, current):
        """The PATCH body that brings ``current`` to the declared state (empty when it matches)."""
        body = {}
        for option in self.updatable:
            wanted = self.wanted_value(option)
            if wanted is not None and wanted != self.current_value(current, option):
                body[option] = wanted
        for option, value in self.secret_on_update.items():
            body[option] = value
            self.record({option: HIDDEN}, {option: ROTATED})
            self.extra["secret_rotated"] = True
        return body

    def update(self, current):
        self.check_create_only(current)
        body = self.changes(current)
        predicted = dict(current)
        predicted.update((k, v) for k, v in body.items() if k in self.fields)
        self.record(self.view(current), self.view(predicted))
        if not body:
            return current
        self.changed = True
        if self.check_mode:
            return predicted
        if self.replaces:
            answer = self.client.put(self.item_path(current["id"]), self.sendable(self.replacement(current, body)))
        else:
            answer = getattr(self.client, self.update_method)(self.item_path(current["id"]), self.sendable(body))
        return self.wrote(current["id"], answer) or current

    # ---- issued secrets ----------------------------------------------------------------
    def take_issued(self, obj):
        """The object without the secret the API issued with it; the secret is kept for the hand-over."""
        obj = dict(obj or {})
        secret = obj.pop(self.issued.field, None)
        if secret:
            self.issued_secret = secret
        return obj

    def rotate(self, obj):
        """A new secret for an existing object (none in check mode), hidden in the diff."""
        self.changed = True
        self.extra["secret_rotated"] = True
        self.issued_now = True
        self.record({self.issued.field: HIDDEN}, {self.issued.field: ROTATED})
        if self.check_mode or obj.get("id") is None:
            return obj
        # Repeating a rotation whose answer was lost only makes another secret, the one we then see.
        answer = self.client.post(self.item_path(obj["id"], self.issued.rotate_path), self.issued.rotate_body(self.params),
                                  idempotent=True)
        return self.take_issued(answer) or obj

    def create(self):
        """Create the object safely (a POST is never sent twice blindly)."""
        body = self.create_body()
        steps = self.steps(None)
        if self.check_mode:
            obj = self.predict_created(body)
            self.changed = True
        else:
            obj, outcome = self.client.create_once(self.collection, self.sendable(body), lambda: self.find_by_key(shared=False))
            if self.issued is not None:
                self.issued_now = True
                obj = self.take_issued(obj)
                if self.issued_secret is None:  # found after a lost answer: the secret it held is gone
                    self.warnings.append("The %s of %s %s was lost with the create response; rotated it to get one."
                                         % (self.issued.field.replace("_", " "), self.noun, self.describe()))
                    obj = self.rotate(obj)
            self.wrote(obj.get("id"), obj)  # without the issued secret
            if outcome == "adopted":
                self.warnings.append("A live %s with %s already existed when this task tried to create it "
                                     "(created concurrently?); adopted %s." % (self.noun, self.describe(), obj.get("id")))
                self.record(self.view(obj), self.view(obj))
                obj = self.update(obj)
                self.apply_steps(steps)
                return obj
            if outcome == "recovered":
                self.warnings.append("The create response for %s %s was lost; found it and used it."
                                     % (self.noun, self.describe()))
            self.changed = True
            obj = self.after_create(obj)
        self.record({}, self.view(obj))
        self.record({}, dict((option, SET) for option in self.secret_on_create))
        if self.issued is not None:
            self.issued_now = True
            self.record({}, {self.issued.field: SET})
        self.apply_steps(steps)
        return obj

    def after_create(self, obj):
        """PATCH the write-only options a create call cannot take (never in check mode).

        If this fails, the object exists without the wanted value and a rerun would not notice:
        the error says so and how to recover.
        """
        body = dict((w.option, self.secret_on_create[w.option]) for w in self.write_only
                    if not w.on_create and w.option in self.secret_on_create)
        if not body:
            return obj
        try:
            return self.wrote(obj["id"], self.client.patch(self.item_path(obj["id"]), body)) or obj
        except CloudflareError as exc:
            extra = {"failure": exc.to_dict(), self.result_key: self.view(obj)}
            raise self.failed("%s %r was created (id %s) but setting its %s failed: %s. It runs with a value Cloudflare "
                              "generated; rerun with %s: always to set yours."
                              % (self.title(), obj.get("name"), obj.get("id"), ", ".join(sorted(body)), exc,
                                 " / ".join(sorted(set(w.rotate_option for w in self.write_only if w.rotate_option)))),
                              **extra)

    # ---- absent ------------------------------------------------------------------------
    def absent(self):
        """Make sure the object is gone; returns the deleted object, or None when there was none."""
        current = self.find()
        if current is None or current.get("deleted_at"):
            self.apply_steps(self.planned_steps(current))
            return current
        steps = self.planned_steps(current)
        self.changed = True
        self.record(self.view(current), {})
        self.apply_steps(steps)
        if self.check_mode:
            return current
        try:
            # Gone in the meantime (deleted with its parent, or by someone else) is what we wanted.
            answer = self.client.delete(self.item_path(current["id"]), params=self.delete_query(), missing_ok=True)
            self.wrote(current["id"], deleted=True)
            # Some APIs answer a delete with the object, others with its id only ({id}).
            return dict(current, **answer) if isinstance(answer, dict) else current
        except CloudflareError as exc:
            raise self.explain_delete_failure(exc, current)

    def delete_query(self):
        """Hook: the query string of the DELETE (``force=true``, say)."""
        return None

    def explain_delete_failure(self, exc, current):
        return exc

    # ---- result ------------------------------------------------------------------------
    def run(self):
        self.resolve_references(must_exist=self.state == "present")
        obj = self.present() if self.state == "present" else self.absent()
        if self.issued is not None and self.state == "present":
            self.apply_steps(self.issued.hand_over(self, self.issued_secret, self.issued_now))
        return self.finish(**{self.result_key: self.view(obj) if obj else {}})


def wait_until(client, fetch, done, timeout, interval, first=None):
    """Poll ``fetch()`` until ``done(value)`` is true; returns (value, reached). ``first`` is the
    value of a first fetch made already.

    Stops after ``timeout`` seconds of real time or of the client's sleep function, whichever
    comes first, so tests that replace the sleep function still end.
    """
    polls = max(1, int(math.ceil(float(timeout) / interval))) if interval > 0 else 1
    deadline = time.monotonic() + timeout
    value = fetch() if first is None else first
    for _poll in range(polls):
        if done(value) or time.monotonic() >= deadline:
            break
        client.sleep(interval)
        value = fetch()
    return value, done(value)


class Listing(Work):
    """A read-only list: the task's filter options become the query; the layer pages, views and
    enriches the items and, with ``wait_option`` set, waits until ``reached(items)``."""

    path = None              # list path template
    result_key = None        # key of the list in the result
    collection = None        # the Collection of the listed objects: their view and stored forms
    filters = ()             # (option, query key) pairs sent when the option is set; a list as repeated keys
    wait_option = None       # dict option that asks to wait (timeout, interval and conditions)
    per_page = None          # page size of the list calls (None: the collection's, else the client's largest)

    def __init__(self, client, params, check_mode=False, diff=False):
        super(Listing, self).__init__(client, params, check_mode, diff=False)

    def list_path(self):
        return _path(self.path, self.params)

    def query(self):
        query = {}
        for option, query_key in self.filters:
            value = self.params.get(option)
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            query[query_key] = list(value) if isinstance(value, (list, tuple)) else value
        query.update(self.resolved)
        return query

    def view(self, obj):
        return self.collection.stored_view(obj) if self.collection else obj

    def enrich(self, items):
        """Hook: add what the list endpoint does not return (one request per item, say)."""
        return items

    def fetch(self):
        if self.unresolved:  # a filter names a tunnel or network that does not exist: nothing matches
            return []
        if self.names_planned():
            return self.assumed_items()
        per_page = self.per_page or (self.collection.per_page if self.collection else None)
        items = [self.view(obj) for obj in self.client.paginate(self.list_path(), self.query(), per_page)]
        return self.enrich(items)

    def names_planned(self):
        """Whether the task names an object that an earlier task of this check run would create (a stand-in)."""
        return has_stand_in(self.query()) or stand_in_for(self.params.get("id")) is not None

    def assumed_items(self):
        """What the API would list for a filter that names an object created earlier in this check run:
        that object when its own id is the filter, else nothing (nothing else can refer to it yet)."""
        if self.collection is None or stand_in_for(self.params.get("id")) is None:
            return []
        other = self.collection(self.client, dict(self.params, state="present"), self.check_mode)
        obj = other.find()
        self.adopt(other)
        return self.enrich([self.view(obj)])

    def reached(self, items):
        return True

    def wait_target(self):
        """How messages name what is waited for."""
        return "the listed objects"

    def wanted_state(self):
        """The state waited for, as words."""
        return "the wanted state"

    def seen_state(self, items):
        """What the last look found, as words."""
        return "%d listed" % len(items)

    def describe_wait(self, items):
        return "for %s: wanted %s; last seen %s." % (self.wait_target(), self.wanted_state(), self.seen_state(items))

    def present(self, items):
        """Hook: the result keys (the list, and anything derived from it)."""
        return {self.result_key: items}

    def run(self):
        self.resolve_references(must_exist=False)
        wait = self.params.get(self.wait_option) if self.wait_option else None
        if not wait:
            return self.finish(**self.present(self.fetch()))
        started = time.monotonic()
        items = self.fetch()
        if self.check_mode and (self.names_planned() or not items):
            # Nothing to wait for yet: the object is one an earlier task of this check run would create.
            if not self.extra.get("assumed_created"):
                self.note_assumed("%s does not exist yet" % self.wait_target())
            self.warnings.append("Check mode: a real run waits here up to %ss for %s: %s."
                                 % (wait["timeout"], self.wait_target(), self.wanted_state()))
            return self.finish(waited=0, **self.present(items))
        items, reached = wait_until(self.client, self.fetch, self.reached, wait["timeout"], wait["interval"], first=items)
        waited = round(time.monotonic() - started, 3)
        if not reached:
            raise ModuleError("Timed out after %ss waiting %s" % (wait["timeout"], self.describe_wait(items)),
                              **self.present(items))
        return self.finish(waited=waited, **self.present(items))


class Document(Work):
    """One document below a parent object (a tunnel's configuration), read and replaced whole.

    A declaration names the ``parent`` Collection, the document's ``subpath``, and pure hooks:
    ``wanted(stored)``, ``same(stored, wanted)``, ``body(wanted)``, ``view(doc)`` and
    ``steps(parent, stored, wanted)`` for side effects before and after the write.
    """

    noun = "document"
    parent = None            # Collection class of the object the document belongs to
    subpath = None           # path below the parent object, e.g. "configurations"
    absent_parent_ok = True  # state=absent on a parent that does not exist: nothing to do

    def __init__(self, client, params, check_mode=False, diff=False):
        super(Document, self).__init__(client, params, check_mode, diff)
        self.owner = self.parent(client, params, check_mode, diff)
        self.state = params.get("state") or "present"

    @classmethod
    def check(cls, params):
        """The parent's identity in its canonical form, then this document's own forms."""
        identity = ("id",) + tuple(cls.parent.key)
        parent = cls.parent.check(dict((option, params.get(option)) for option in identity))
        params = dict(params)
        params.update((option, parent[option]) for option in identity)
        return super(Document, cls).check(params)

    def read(self, owner):
        """(stored document, version); an object assumed in check mode has none yet."""
        if not known(owner.get("id")):
            return self.unwrap({})
        result = self.client.get(self.owner.item_path(owner["id"], self.subpath)) or {}
        return self.unwrap(result)

    def unwrap(self, result):
        return result, None

    def accept_parent(self, owner):
        """Hook: refuse a parent the document cannot live on (raise ModuleError)."""

    def wanted(self, stored):
        raise NotImplementedError

    def same(self, stored, wanted):
        return stored == wanted

    def body(self, wanted):
        return wanted

    def view(self, doc):
        return doc

    def steps(self, owner, stored, wanted):
        """(steps before the write, steps after it)."""
        return [], []

    def describe_result(self, owner, stored, wanted, written, version):
        return dict(document=written, version=version)

    def find_owner(self):
        if self.state == "absent" and self.absent_parent_ok:
            owner = self.owner.find()
            self.adopt(self.owner)
            if owner is None or owner.get("deleted_at"):
                return None
            return owner
        owner = self.owner.require()
        self.adopt(self.owner)
        return owner

    def run(self):
        owner = self.find_owner()
        if owner is None:
            return self.finish(**self.describe_result(None, None, None, None, None))
        self.accept_parent(owner)
        stored, version = self.read(owner)
        wanted = self.wanted(stored)
        write = not self.same(stored, wanted)
        before_steps, after_steps = self.steps(owner, stored, wanted)
        self.record(self.view(stored), self.view(wanted))
        self.apply_steps(before_steps)
        written = stored
        if write:
            self.changed = True
            written = wanted
            if not self.check_mode:
                written, version = self.write(owner, wanted, version)
        self.apply_steps(after_steps)
        return self.finish(**self.describe_result(owner, stored, wanted, written, version))

    def write(self, owner, wanted, version):
        result = self.unwrap(self.client.put(self.owner.item_path(owner["id"], self.subpath), self.body(wanted)) or {})
        doc, new_version = result
        # One version per PUT; a bigger jump is someone else's write, unless we sent ours twice.
        expected = 2 if self.client.repeated else 1
        if version is not None and new_version is not None and new_version > version + expected:
            self.warnings.append("The %s of %s %s changed while this task ran (version %s -> %s); a concurrent change "
                                 "may have been overwritten: rerun the other task."
                                 % (self.noun, self.owner.noun, owner.get("name") or owner.get("id"), version, new_version))
        return doc, new_version
