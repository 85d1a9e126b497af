# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ingress configuration of a remotely managed tunnel, declared as a Document with DNS steps."""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ._access import origin_access
from ._common import ModuleError
from ._dns import TunnelDns
from ._ingress import (
    TaskIngress,
    build,
    check_ingress,
    check_origin_request,
    check_service,
    describe_rule,
    normalise_origin_request,
    owned_hostnames,
    removed_hostnames,
    same,
    shadowed,
    stored_configuration,
    wired_access,
)
from ._resource import Document
from ._tunnels import CfdTunnel, config_src_of


def overwrite_mode(value, option):
    """``dns_overwrite`` as one of never, orphaned, always (it takes booleans and ``orphaned``)."""
    if isinstance(value, str) and value.strip().lower() == "orphaned":
        return "orphaned"
    try:
        return "always" if boolean(value, strict=True) else "never"
    except TypeError:
        raise ModuleError("%s must be false, true or orphaned, got %r." % (option, value))


class TunnelConfig(Document):
    """Publish hostnames through one tunnel: its configuration document and, with ``dns``, CNAMEs.

    Every read and check comes first (tunnel, configuration, zones, records: a DNS conflict
    fails before any write); then the records of hostnames no longer served are removed, the
    configuration is written, and the records of served hostnames are published.
    """

    noun = "configuration"
    parent = CfdTunnel
    subpath = "configurations"

    forms = {"dns_overwrite": overwrite_mode}

    @classmethod
    def validate(cls, params):
        params["ingress"] = check_ingress(params["ingress"], params["state"], params["mode"])
        if params["state"] == "present":
            check_origin_request(params["origin_request"], "origin_request")
            if params["catch_all_service"] is not None:
                params["catch_all_service"] = check_service(params["catch_all_service"], "catch_all_service")
        if params["dns_overwrite"] != "never" and not params["dns"]:
            raise ModuleError("dns_overwrite only makes sense with dns: true.")

    def __init__(self, client, params, check_mode=False, diff=False):
        super(TunnelConfig, self).__init__(client, params, check_mode, diff)
        self.task = TaskIngress(params)
        if params["dns"]:
            self.extra["dns_records"] = []

    def accept_parent(self, tunnel):
        if tunnel.get("id") is not None and config_src_of(tunnel) != "cloudflare":
            raise ModuleError(
                "Tunnel %r (%s) is locally configured (config_src=%s): its ingress rules live in the config file of the "
                "host running cloudflared, not in Cloudflare. Create the tunnel with config_src: cloudflare to manage "
                "them with this module." % (tunnel.get("name"), tunnel["id"], config_src_of(tunnel)))

    def unwrap(self, result):
        return stored_configuration(result)

    def wanted(self, stored):
        for index, access in origin_access(self, wired_access(self.params)).items():
            rule = self.task.rules[index]
            rule["originRequest"] = normalise_origin_request(dict(rule.get("originRequest") or {}, access=access))
        wanted = build(stored, self.task)
        problems = ["ingress rule %d (%s) comes before rule %d (%s) and takes all of its requests"
                    % (i + 1, describe_rule(wanted.rules[i]), j + 1, describe_rule(wanted.rules[j]))
                    for i, j in shadowed(wanted.rules)]
        if problems and self.params["strict_order"] and self.state == "present":
            raise ModuleError("cloudflared uses the first rule that matches, so some rules can never be reached: %s. "
                              "List the more specific rule (with a path, or the exact hostname) first."
                              % "; ".join(problems))
        self.warnings.extend("cloudflared uses the first matching rule: %s; list the more specific one first." % p
                             for p in problems)
        return wanted

    def same(self, stored, wanted):
        return same(stored, wanted)

    def body(self, wanted):
        return {"config": wanted.to_api()}

    def view(self, doc):
        return doc.view()

    def steps(self, tunnel, stored, wanted):
        if not self.params["dns"]:
            return [], []
        dns = TunnelDns(self.client, self.params["account_id"], tunnel["id"], tunnel_of=self.owner.get_by_id)
        before = dns.unpublish(removed_hostnames(stored, wanted, self.task))
        after = dns.publish(owned_hostnames(wanted, self.task), self.params["dns_overwrite"])
        self.warnings.extend(dns.warnings)
        return [before], [after]

    def describe_result(self, tunnel, stored, wanted, written, version):
        if tunnel is None:  # state=absent on a tunnel that no longer exists
            return dict(tunnel={}, config={}, version=None, hostnames=[])
        return dict(tunnel={"id": tunnel["id"], "name": tunnel.get("name")}, config=written.to_api(),
                    version=version, hostnames=sorted(wanted.hostnames()))
