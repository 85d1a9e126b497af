# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS records that point hostnames at a tunnel: ``<tunnel id>.cfargotunnel.com`` CNAMEs.

Finds the zone that holds a hostname (longest suffix over the account's zones), plans what a
hostname needs (nothing, create, update, replace a conflicting record) before anything is
written, applies the plan, and removes only records that point at the given tunnel. Many
hostnames of one zone are read with the zone's listing, not one query each, when that takes
fewer requests.
"""

from __future__ import annotations

import math

from ._api import more_pages, page_size
from ._common import UUID_RE, ModuleError, normalise_hostname, stand_in
from ._resource import Step

TUNNEL_DOMAIN = "cfargotunnel.com"
ZONES_PER_PAGE = 50          # the zones list endpoint allows at most 50 per page
# Records per page when a whole zone is read. The list allows 1 to 5,000,000 (API schema); 5,000 holds a
# zone at the plans' default limit of 3,500 records in one page while keeping an answer to a few MB.
ZONE_PAGE = 5000
CONFLICT_TYPES = ("A", "AAAA", "CNAME")  # what a CNAME cannot share a name with, and we may replace
RECORD_COMMENT = "Cloudflare Tunnel %s (managed by edgeops.cloudflare)"


def tunnel_target(tunnel_id):
    """The CNAME target of a tunnel; a tunnel assumed in check mode has no id yet."""
    return "%s.%s" % (tunnel_id or "<new tunnel id>", TUNNEL_DOMAIN)


def _points_at(record, target):
    return record.get("type") == "CNAME" and normalise_hostname(record.get("content")) == normalise_hostname(target)


def record_view(record):
    return dict((key, record.get(key)) for key in ("id", "zone_id", "zone_name", "name", "type", "content", "proxied"))


class TunnelDns(object):
    """The DNS side of publishing hostnames through one tunnel."""

    def __init__(self, client, account_id, tunnel_id, tunnel_of=None):
        self.client = client
        self.account_id = account_id
        self.tunnel_id = tunnel_id
        self.target = tunnel_target(tunnel_id)
        self.tunnel_of = tunnel_of  # tunnel id -> the account's tunnel (deleted ones too) or None
        self.warnings = []
        self._zones = None
        self._zone_records = {}  # zone id -> {hostname: records}, for zones read whole

    # ---- zones -------------------------------------------------------------------------
    def zones(self):
        if self._zones is None:
            self._zones = list(self.client.paginate("/zones", {"account.id": self.account_id}, per_page=ZONES_PER_PAGE))
        return self._zones

    def zone_for(self, hostname):
        """The account's zone whose name is the longest suffix of ``hostname``."""
        bare = hostname[2:] if hostname.startswith("*.") else hostname
        best = None
        for zone in self.zones():
            name = normalise_hostname(zone.get("name"))
            if bare == name or bare.endswith("." + name):
                if best is None or len(name) > len(best["name"]):
                    best = zone
        if best is None:
            names = ", ".join(sorted(z.get("name", "?") for z in self.zones())) or "none"
            raise ModuleError("No zone of account %s holds hostname %s (zones: %s); add the zone to the account "
                              "or set dns: false." % (self.account_id, hostname, names))
        return best

    def records(self, zone, hostname, fresh=False):
        """The records named ``hostname``: from the zone's listing when it was read whole (unless ``fresh``)."""
        known = None if fresh else self._zone_records.get(zone["id"])
        if known is not None:
            return list(known.get(hostname, []))
        return [r for r in self.client.paginate("/zones/%s/dns_records" % zone["id"], {"name": hostname})
                if normalise_hostname(r.get("name")) == hostname]

    def read_zones(self, hostnames):
        """Read each zone that holds several of these hostnames whole, when that takes fewer requests than
        one query per hostname: its first page tells (``total_count``), and a zone of one page is one read.
        At worst (a zone of more pages than it holds hostnames) the first page is the one read more."""
        wanted = {}
        for hostname in hostnames:
            zone = self.zone_for(hostname)
            wanted.setdefault(zone["id"], (zone, set()))[1].add(hostname)
        for zone, names in wanted.values():
            if len(names) > 1 and zone["id"] not in self._zone_records:
                records = self.zone_listing(zone, len(names))
                if records is not None:
                    index = self._zone_records[zone["id"]] = {}
                    for record in records:
                        index.setdefault(normalise_hostname(record.get("name")), []).append(record)

    def zone_listing(self, zone, queries):
        """Every record of ``zone``, or None when reading the rest of it would cost ``queries`` requests or more."""
        path = "/zones/%s/dns_records" % zone["id"]
        records, info = self.client.list_page(path, None, 1, ZONE_PAGE)
        if not more_pages(info, len(records), ZONE_PAGE, len(records)):
            return records
        total = info.get("total_count")
        if total is None or math.ceil(float(total) / page_size(info, ZONE_PAGE)) - 1 >= queries:
            return None
        return records + list(self.client.paginate(path, None, ZONE_PAGE, page=2, seen=len(records)))

    # ---- publishing --------------------------------------------------------------------
    def plan_publish(self, hostname, overwrite):
        """What ``hostname`` needs; raises before any write when a record points elsewhere.

        A step says which records to delete (conflicting ones, only with ``overwrite``), which
        record to patch into a proxied CNAME to the tunnel, or that one must be created.
        """
        zone = self.zone_for(hostname)
        records = self.records(zone, hostname)
        ours = [r for r in records if _points_at(r, self.target)]
        others = [r for r in records if r.get("type") in CONFLICT_TYPES and not _points_at(r, self.target)]
        blocking = [r for r in records if r.get("type") not in CONFLICT_TYPES]
        if blocking:
            raise ModuleError("DNS name %s in zone %s has %s record(s); a CNAME cannot share its name with other records, "
                              "and this module never removes them: remove them or publish another hostname."
                              % (hostname, zone["name"], ", ".join(sorted(set(r.get("type", "?") for r in blocking)))))
        orphans = dict((r.get("id"), self.deleted_tunnel(r)) for r in others)
        if others and not (overwrite == "always" or (overwrite == "orphaned" and all(orphans.values()))):
            found = "; ".join("%s %s -> %s%s" % (r.get("type"), r.get("name"), r.get("content"),
                                                 self.orphan_note(orphans[r.get("id")])) for r in others)
            advice = ("set dns_overwrite: orphaned to replace records of deleted tunnels of this account, or true to "
                      "replace any record" if any(orphans.values()) else "set dns_overwrite: true to replace it")
            raise ModuleError("DNS name %s in zone %s already has a record that does not point at this tunnel (%s); "
                              "%s, or publish another hostname." % (hostname, zone["name"], found, advice))
        step = {"hostname": hostname, "zone": zone, "before": ours[0] if ours else (others[0] if others else None),
                "remove": [], "patch": None, "create": False}
        if ours:
            step["remove"] = others + ours[1:]
            if not ours[0].get("proxied"):
                step["patch"] = ours[0]
        elif len(others) == 1 and others[0].get("type") == "CNAME":
            step["patch"] = others[0]
        else:
            step["remove"] = others
            step["create"] = True
        if step["create"]:
            step["action"] = "replaced" if step["remove"] else "created"
        elif step["patch"] is not None or step["remove"]:
            step["action"] = "updated"
        else:
            step["action"] = "unchanged"
        return step

    def deleted_tunnel(self, record):
        """The deleted tunnel of this account that a CNAME points at (an orphaned record), or None."""
        content = normalise_hostname(record.get("content"))
        if record.get("type") != "CNAME" or not content.endswith("." + TUNNEL_DOMAIN) or self.tunnel_of is None:
            return None
        tunnel_id = content[:-len(TUNNEL_DOMAIN) - 1]
        if not UUID_RE.match(tunnel_id):
            return None
        tunnel = self.tunnel_of(tunnel_id)
        return tunnel if tunnel and tunnel.get("deleted_at") else None

    @staticmethod
    def orphan_note(tunnel):
        if not tunnel:
            return ""
        return ", the deleted tunnel %r (%s) of this account, deleted at %s" % (
            tunnel.get("name"), tunnel.get("id"), tunnel.get("deleted_at"))

    @staticmethod
    def line(record):
        if not record:
            return None
        return "%s %s -> %s%s" % (record.get("type"), record.get("name"), record.get("content"),
                                  " (proxied)" if record.get("proxied") else "")

    def wanted_line(self, hostname):
        return "CNAME %s -> %s (proxied)" % (hostname, self.target)

    def predicted(self, plan):
        """The record a publish plan leads to, as check mode reports it."""
        zone = plan["zone"]
        kept = plan["before"] if not plan["create"] else None
        record = dict(record_view(kept or {"id": stand_in("DNS record", plan["hostname"])}), zone_id=zone["id"],
                      zone_name=zone["name"])
        record.update(type="CNAME", name=plan["hostname"], content=self.target, proxied=True)
        return dict(record, hostname=plan["hostname"], action=plan["action"])

    def publish(self, hostnames, overwrite):
        """A Step that points each hostname at the tunnel; every conflict fails here, before any write."""
        self.read_zones(hostnames)
        plans = [self.plan_publish(hostname, overwrite) for hostname in hostnames]
        before = dict((p["hostname"], self.line(p["before"])) for p in plans if p["action"] != "created")
        after = dict((p["hostname"], self.wanted_line(p["hostname"])) for p in plans)
        return Step("dns_records", [self.predicted(p) for p in plans],
                    lambda: [self.apply_publish(p) for p in plans],
                    diff=({"dns": before}, {"dns": after}),
                    changes=any(p["action"] != "unchanged" for p in plans))

    def apply_publish(self, plan):
        """Carry out one planned hostname; returns the record as it is afterwards."""
        zone = plan["zone"]
        if plan["action"] == "unchanged":
            return self.predicted(plan)
        for other in plan["remove"]:
            self.delete(zone, other)
        if plan["patch"] is not None:
            record = self.client.patch(self.record_path(zone, plan["patch"]["id"]),
                                       {"content": self.target, "proxied": True, "ttl": 1})
        elif plan["create"]:
            record = self.create(zone, plan["hostname"])
        else:
            record = plan["before"]
        return dict(record_view(record), zone_name=zone["name"], hostname=plan["hostname"], action=plan["action"])

    def create(self, zone, hostname):
        """POST the record through the client's create_once: never twice blindly."""
        body = {"type": "CNAME", "name": hostname, "content": self.target, "proxied": True, "ttl": 1,
                "comment": RECORD_COMMENT % self.tunnel_id}
        record, _outcome = self.client.create_once(
            "/zones/%s/dns_records" % zone["id"], body,
            find=lambda: next(iter(r for r in self.records(zone, hostname, fresh=True) if _points_at(r, self.target)), None),
            conflict=lambda exc: exc.status == 400 and exc.has_code(81057, 81058))
        if not record.get("proxied"):
            record = self.client.patch(self.record_path(zone, record["id"]), {"proxied": True, "ttl": 1})
        return record

    # ---- removing ----------------------------------------------------------------------
    def record_path(self, zone, record_id):
        return "/zones/%s/dns_records/%s" % (zone["id"], record_id)

    def delete(self, zone, record):
        self.client.delete(self.record_path(zone, record["id"]), missing_ok=True)

    def delete_all(self, pairs):
        for zone, record in pairs:
            self.delete(zone, record)

    def unpublish(self, hostnames):
        """A Step that removes the records of hostnames no longer served, if they point at this tunnel.

        Records of those names that point elsewhere are left alone, with a warning.
        """
        found = []
        self.read_zones(hostnames)
        for hostname in hostnames:
            zone = self.zone_for(hostname)
            for record in self.records(zone, hostname):
                if _points_at(record, self.target):
                    found.append((zone, record, hostname))
                elif record.get("type") == "CNAME":
                    self.warnings.append("Left DNS record %s alone: it points at %s, not at this tunnel."
                                         % (record.get("name"), record.get("content")))
        items = [dict(record_view(r), zone_name=z["name"], hostname=h, action="deleted") for z, r, h in found]
        return Step("dns_records", items, lambda: self.delete_all((z, r) for z, r, _h in found),
                    diff=({"dns": dict((h, self.line(r)) for _z, r, h in found)}, {"dns": {}}))

    def tunnel_records(self):
        """Every CNAME in the account's zones that points at this tunnel."""
        found = []
        for zone in self.zones():
            query = {"type": "CNAME", "content": self.target}
            for record in self.client.paginate("/zones/%s/dns_records" % zone["id"], query):
                if _points_at(record, self.target):
                    found.append((zone, record))
        return found

    def removal(self):
        """A Step that removes every CNAME pointing at this tunnel (before the tunnel is deleted)."""
        found = self.tunnel_records()
        items = [dict(record_view(r), zone_name=z.get("name")) for z, r in found]
        lines = sorted(self.line(r) for _z, r in found)
        return Step("dns_records_removed", items, lambda: self.delete_all(found),
                    diff=({"dns_records": lines}, {"dns_records": []}) if found else None)
