# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One read serves a whole loop: the listings the items of one looped task share (in-process path).

ansible-core runs every item of a looped task for one host in one worker process, with a new action
plugin instance per item. The collection's action plugin keeps one :class:`LoopReads` per task and
host there and hands it to ``execute()`` for each item, which puts it on the item's client
(``client.loop_reads``). The module path runs each item in a process of its own and has none: it
reads as it always did.

The first lookup in a collection lists its live objects (one page of 1,000); later lookups of the
task in that collection are answered from that snapshot, which the task's own writes keep current
and which is read again once it is ``max_age`` seconds old. When the collection has more objects
than one page holds, the snapshot is authoritative only for what it has: a lookup it cannot answer
goes to the API's filtered query. Correctness never rests on it: a create that meets an object the
snapshot missed is refused by the API and adopted (``create_once``), and lookups that must see the
API as it is now (after such a conflict, or before cleaning up connections) bypass it.

The items also share what the API last said about the request budget (``budget()``): an item that
sends one request (a create whose lookup the snapshot answered) is paced like the rest.
"""

from __future__ import annotations

import copy
import time

from ._api import MAX_PER_PAGE

MAX_AGE = 60.0  # seconds a snapshot serves lookups before it is read again


class Snapshot(object):
    """The live objects of one collection as listed at ``taken``, by id; ``complete`` when the listing had them all."""

    def __init__(self, items, complete, taken):
        self.items = dict((obj.get("id"), obj) for obj in items)
        self.complete = complete
        self.taken = taken


class LoopReads(object):
    """Snapshots of collections, by who read them (API and credentials) and collection path; and what the
    API's last answer said about the request budget, so that an item's first request is paced too (an
    item that needs one request would otherwise always send it blind)."""

    def __init__(self, max_age=MAX_AGE, clock=time.monotonic, per_page=MAX_PER_PAGE):
        self.max_age = max_age
        self.clock = clock
        self.per_page = per_page
        self.snapshots = {}
        self.budgets = {}

    def budget(self, client):
        """The request budget (``_api.RequestBudget``) the loop's items share with this client's API and
        credentials, kept with this item's ``rate_limit_reserve``."""
        shared = self.budgets.setdefault(client.reader, client.budget)
        shared.reserve_percent = client.budget.reserve_percent
        return shared

    def find(self, client, path, query, keep, unique=True, per_page=None):
        """Copies of the objects of ``path`` for which ``keep(obj)`` holds, from the snapshot (listed with
        ``query``, the live filter, in a first page of ``per_page`` or ours, when there is none or it is too
        old); None when the snapshot cannot tell: it holds only the first page and, for a ``unique`` key,
        none of its objects matched."""
        key = (client.reader, path)
        snapshot = self.snapshots.get(key)
        if snapshot is None or self.clock() - snapshot.taken >= self.max_age:
            taken = self.clock()
            items, complete = client.first_page(path, query, min(per_page or self.per_page, self.per_page))
            snapshot = self.snapshots[key] = Snapshot(items, complete, taken)
        found = [copy.deepcopy(obj) for obj in snapshot.items.values() if keep(obj)]
        if snapshot.complete or (unique and found):
            return found
        return None

    def wrote(self, client, path, obj_id, answer):
        """The task created or changed object ``obj_id`` of ``path``; ``answer`` is the API's answer. An
        answer that is not the live object leaves the snapshot unknown: it is dropped, and read again when needed."""
        snapshot = self.snapshots.get((client.reader, path))
        if snapshot is None:
            return
        if isinstance(answer, dict) and answer.get("id") == obj_id and not answer.get("deleted_at"):
            snapshot.items[obj_id] = copy.deepcopy(answer)
        else:
            self.forget(client, path)

    def deleted(self, client, path, obj_id):
        """The task deleted object ``obj_id`` of ``path``."""
        snapshot = self.snapshots.get((client.reader, path))
        if snapshot is not None:
            snapshot.items.pop(obj_id, None)

    def forget(self, client=None, path=None):
        """Drop the snapshot of ``path`` (every snapshot without arguments): the next lookup reads again."""
        if client is None:
            self.snapshots.clear()
        else:
            self.snapshots.pop((client.reader, path), None)
