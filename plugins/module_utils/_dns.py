# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS records that point hostnames at a tunnel: ``<tunnel id>.cfargotunnel.com`` CNAMEs.

Finds the zone that holds a hostname (longest suffix over the account's zones), plans what a
hostname needs (nothing, create, update, replace a conflicting record) before anything is
written, applies the plan, and removes only records that point at the given tunnel.
"""

from __future__ import annotations

from ._api import RETRYABLE_STATUS, CloudflareError, CloudflareTransportError
from ._common import ModuleError

TUNNEL_DOMAIN = "cfargotunnel.com"
ZONES_PER_PAGE = 50          # the zones list endpoint allows at most 50 per page
CONFLICT_TYPES = ("A", "AAAA", "CNAME")  # what a CNAME cannot share a name with, and we may replace
RECORD_COMMENT = "Cloudflare Tunnel %s (managed by edgeops.cloudflare)"


def tunnel_target(tunnel_id):
    return "%s.%s" % (tunnel_id, TUNNEL_DOMAIN)


def _points_at(record, target):
    return record.get("type") == "CNAME" and (record.get("content") or "").rstrip(".").lower() == target.lower()


def record_view(record):
    return dict((key, record.get(key)) for key in ("id", "zone_id", "zone_name", "name", "type", "content", "proxied"))


class TunnelDns(object):
    """The DNS side of publishing hostnames through one tunnel."""

    def __init__(self, client, account_id, tunnel_id, check_mode=False):
        self.client = client
        self.account_id = account_id
        self.tunnel_id = tunnel_id
        self.target = tunnel_target(tunnel_id)
        self.check_mode = check_mode
        self.warnings = []
        self._zones = None

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
            name = (zone.get("name") or "").lower()
            if bare == name or bare.endswith("." + name):
                if best is None or len(name) > len(best["name"]):
                    best = zone
        if best is None:
            names = ", ".join(sorted(z.get("name", "?") for z in self.zones())) or "none"
            raise ModuleError("No zone of account %s holds hostname %s (zones: %s); add the zone to the account "
                              "or set dns: false." % (self.account_id, hostname, names))
        return best

    def records(self, zone, hostname):
        return [r for r in self.client.paginate("/zones/%s/dns_records" % zone["id"], {"name": hostname})
                if (r.get("name") or "").lower() == hostname]

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
        if others and not overwrite:
            found = "; ".join("%s %s -> %s" % (r.get("type"), r.get("name"), r.get("content")) for r in others)
            raise ModuleError("DNS name %s in zone %s already has a record that does not point at this tunnel (%s); "
                              "set dns_overwrite: true to replace it, or publish another hostname."
                              % (hostname, zone["name"], found))
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

    @staticmethod
    def line(record):
        if not record:
            return None
        return "%s %s -> %s%s" % (record.get("type"), record.get("name"), record.get("content"),
                                  " (proxied)" if record.get("proxied") else "")

    def wanted_line(self, hostname):
        return "CNAME %s -> %s (proxied)" % (hostname, self.target)

    def apply_publish(self, step):
        """Carry out a planned step; returns the record as it is afterwards (predicted in check mode)."""
        zone = step["zone"]
        wanted = {"type": "CNAME", "name": step["hostname"], "content": self.target, "proxied": True}
        if step["action"] == "unchanged" or self.check_mode:
            kept = step["before"] if not step["create"] else None
            record = dict(record_view(kept or {"id": None}), zone_id=zone["id"], zone_name=zone["name"])
            record.update(wanted)
            return record
        for other in step["remove"]:
            self.delete(zone, other)
        if step["patch"] is not None:
            record = self.client.patch(self.record_path(zone, step["patch"]["id"]),
                                       {"content": self.target, "proxied": True, "ttl": 1})
        elif step["create"]:
            record = self.create(zone, dict(wanted, ttl=1))
        else:
            record = step["before"]
        return dict(record_view(record), zone_name=zone["name"])

    def create(self, zone, body):
        """POST a record, never twice blindly: after a lost response or a gateway error, look first."""
        body = dict(body, comment=RECORD_COMMENT % self.tunnel_id)
        path = "/zones/%s/dns_records" % zone["id"]
        attempts = self.client.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self.client.post(path, body)
            except CloudflareError as exc:
                ambiguous = (isinstance(exc, CloudflareTransportError) and exc.sent) or exc.status in RETRYABLE_STATUS
                exists = exc.status == 400 and exc.has_code(81057, 81058)
                if not (ambiguous or exists):
                    raise
                found = [r for r in self.records(zone, body["name"]) if _points_at(r, self.target)]
                if found:
                    if not found[0].get("proxied"):
                        return self.client.patch(self.record_path(zone, found[0]["id"]), {"proxied": True, "ttl": 1})
                    return found[0]
                if exists or attempt == attempts:
                    raise
                self.client.sleep(self.client.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # ---- removing ----------------------------------------------------------------------
    def record_path(self, zone, record_id):
        return "/zones/%s/dns_records/%s" % (zone["id"], record_id)

    def delete(self, zone, record):
        try:
            self.client.delete(self.record_path(zone, record["id"]))
        except CloudflareError as exc:
            if exc.status != 404:  # already gone (a lost response of an earlier try): fine
                raise

    def plan_unpublish(self, hostname):
        """The records of ``hostname`` that point at this tunnel (others are left, with a warning)."""
        zone = self.zone_for(hostname)
        records = self.records(zone, hostname)
        ours = [r for r in records if _points_at(r, self.target)]
        for other in records:
            if other.get("type") == "CNAME" and not _points_at(other, self.target):
                self.warnings.append("Left DNS record %s alone: it points at %s, not at this tunnel."
                                     % (other.get("name"), other.get("content")))
        return {"hostname": hostname, "zone": zone, "records": ours}

    def apply_unpublish(self, step):
        if not self.check_mode:
            for record in step["records"]:
                self.delete(step["zone"], record)
        return [dict(record_view(r), zone_name=step["zone"]["name"]) for r in step["records"]]

    def tunnel_records(self):
        """Every CNAME in the account's zones that points at this tunnel."""
        found = []
        for zone in self.zones():
            query = {"type": "CNAME", "content": self.target}
            for record in self.client.paginate("/zones/%s/dns_records" % zone["id"], query):
                if _points_at(record, self.target):
                    found.append((zone, record))
        return found

    def remove_tunnel_records(self):
        """Delete (unless check mode) every CNAME pointing at this tunnel; returns what was removed."""
        removed = []
        for zone, record in self.tunnel_records():
            if not self.check_mode:
                self.delete(zone, record)
            removed.append(dict(record_view(record), zone_name=zone.get("name")))
        return removed
