#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cfd_tunnel_config
short_description: Publish hostnames through a remotely managed Cloudflare Tunnel (ingress rules and DNS)
version_added: 0.1.0
description:
  - Manages the ingress configuration of a remotely managed tunnel (created with O(edgeops.cloudflare.cfd_tunnel#module:config_src=cloudflare)),
    found by its live O(name) or by O(id). The configuration holds the ordered rules that send each public hostname (and path) to a
    service, the global origin request defaults and the final catch-all rule.
  - With O(mode=merge) (the default) the task owns only the hostnames it lists and keeps every other rule, so
    several plays can publish different hostnames on one tunnel without overwriting each other. With
    O(mode=replace) the configuration becomes exactly what the task gives.
  - With O(dns=true), also points each hostname it publishes at the tunnel with a proxied CNAME to
    C(<tunnel id>.cfargotunnel.com), and removes the records of hostnames it stops publishing.
  - Everything is validated before the first request; the stored configuration is compared rule by rule and
    written only when it really differs.
extends_documentation_fragment:
  - edgeops.cloudflare.cloudflare
  - edgeops.cloudflare.cloudflare.action_attributes
options:
  name:
    description:
      - Name of the tunnel, looked up among live tunnels. One of O(name) and O(id) is required.
    type: str
  id:
    description:
      - UUID of the tunnel. Takes precedence over O(name).
    type: str
  state:
    description:
      - V(present) publishes the rules of O(ingress).
      - V(absent) with O(mode=merge) removes the rules of the hostnames listed in O(ingress) (of one path only
        when the rule gives O(ingress[].path)); with O(mode=replace) it removes every rule, leaving only a
        catch-all that answers V(http_status:404).
    type: str
    choices: [present, absent]
    default: present
  mode:
    description:
      - V(merge) owns only the hostnames listed in O(ingress). The rules of a listed hostname are replaced by the
        listed ones (in their place when the hostname was already there; a new hostname goes last, or before
        another owner's wildcard rule that would otherwise shadow it). Every other rule stays as it is.
        The global O(origin_request) and the catch-all change only when the task sets them.
        A hostname dropped from a merge task's list is not removed; remove it with O(state=absent).
      - V(replace) makes the configuration exactly O(ingress), O(origin_request) and the catch-all. Rules of other
        owners are removed.
      - Top-level keys this module does not manage (the deprecated, read-only C(warp-routing)) are kept in both modes.
    type: str
    choices: [merge, replace]
    default: merge
  ingress:
    description:
      - Ordered ingress rules. cloudflared sends a request to the first rule whose hostname and path match.
      - Do not add a catch-all rule; the module adds it last (see O(catch_all_service)).
      - Each hostname and path may appear once.
    type: list
    elements: dict
    default: []
    suboptions:
      hostname:
        description:
          - Public hostname, like V(app.example.com), or a wildcard V(*.example.com) (the V(*) only as the whole
            leftmost label). V(*) alone matches every hostname and needs O(ingress[].path).
          - Compared without case and without a trailing dot.
        type: str
        required: true
      path:
        description:
          - Regular expression matched against the request path, like V(^/api/). Omitted or empty, the rule
            matches every path.
        type: str
      service:
        description:
          - Where matching requests go. Required with O(state=present).
          - A URL with scheme C(http), C(https), C(tcp), C(ssh), C(rdp) or C(smb) and no path (like
            V(http://localhost:8080)), a unix socket (V(unix:/run/app.sock), V(unix+tls:/run/app.sock)),
            V(http_status:NNN), V(hello_world), V(bastion) or V(socks-proxy).
        type: str
      access:
        description:
          - Put the rule behind Cloudflare Access and make cloudflared check the Access token of every request, so
            that nothing reaches the service around Access. The module reads the account's team name and the aud
            tag of the application and writes the rule's C(originRequest.access) itself (C(required), C(teamName),
            C(audTag)); nobody copies an aud tag by hand.
          - The application (M(edgeops.cloudflare.access_application)) must exist before this task writes; a
            missing one fails before any write, naming the rule. In check mode on a first run, one an earlier task
            would create is assumed, with a warning.
          - Not together with O(ingress[].origin_request.access), which takes the same by hand.
          - "Request cost: all applications are listed once and the organization read once per task, however many
            rules ask for Access."
        type: dict
        suboptions:
          application:
            description:
              - Name or UUID of the Access application that protects the rule's hostname.
              - When omitted, the applications whose public domains include the rule's hostname (any path) are used
                (all of their aud tags); at least one must exist. Rules for a wildcard hostname must name it.
            type: str
          required:
            description:
              - V(true) makes cloudflared refuse requests without a valid Access token for the application (HTTP 403).
            type: bool
            default: true
      origin_request:
        description:
          - Settings for the connection from cloudflared to this rule's service; they override O(origin_request).
          - Same options as O(origin_request).
        type: dict
        suboptions: &origin_request_options
          connect_timeout:
            description: Seconds to wait for a TCP connection to the origin (C(connectTimeout); API default 10).
            type: int
          tls_timeout:
            description: Seconds to wait for the TLS handshake with the origin (C(tlsTimeout); API default 10).
            type: int
          tcp_keep_alive:
            description: Seconds between TCP keepalive packets to the origin (C(tcpKeepAlive); API default 30).
            type: int
          keep_alive_timeout:
            description: Seconds after which an idle keepalive connection is closed (C(keepAliveTimeout); API default 90).
            type: int
          keep_alive_connections:
            description: Most idle keepalive connections to the origin (C(keepAliveConnections); API default 100).
            type: int
          no_happy_eyeballs:
            description: Disable the happy eyeballs IPv4/IPv6 fallback (C(noHappyEyeballs)).
            type: bool
          no_tls_verify:
            description: Accept any certificate from the origin (C(noTLSVerify)). Only for testing.
            type: bool
          disable_chunked_encoding:
            description: Disable chunked transfer encoding, for example for WSGI servers (C(disableChunkedEncoding)).
            type: bool
          http2_origin:
            description: Connect to the origin with HTTP/2; the origin must be C(https) (C(http2Origin)).
            type: bool
          http_host_header:
            description: Host header sent to the origin (C(httpHostHeader)).
            type: str
          origin_server_name:
            description: Hostname expected in the origin's certificate (C(originServerName)).
            type: str
          ca_pool:
            description: Path, on the cloudflared host, of the CA certificates for the origin's certificate (C(caPool)).
            type: str
          proxy_type:
            description: V('') for the regular proxy, V(socks) for a SOCKS5 proxy (C(proxyType)).
            type: str
            choices: ['', socks]
          access:
            description:
              - Validate the Cloudflare Access token of each request (C(access)), with the aud tags and team name
                given by hand. On a rule, O(ingress[].access) finds both for you.
            type: dict
            suboptions:
              aud_tag:
                description: Audience tags of the Access applications allowed to reach the origin (C(audTag)).
                type: list
                elements: str
                required: true
              team_name:
                description: The Zero Trust team name (C(teamName)).
                type: str
                required: true
              required:
                description: Deny requests without a valid Access token (C(required)). Omitted means V(false).
                type: bool
  origin_request:
    description:
      - Global defaults for the connection from cloudflared to every service (the API's C(originRequest), in
        snake_case here). Rules override them with O(ingress[].origin_request).
      - When given, it replaces the stored defaults as a whole. When omitted, O(mode=merge) keeps the stored
        defaults and O(mode=replace) removes them.
    type: dict
    suboptions: *origin_request_options
  catch_all_service:
    description:
      - Service of the final rule, which takes every request no other rule matched. The module always keeps it last.
      - When omitted, O(mode=replace) uses V(http_status:404); O(mode=merge) keeps the stored catch-all, or uses
        V(http_status:404) when there is none.
      - Same forms as O(ingress[].service).
    type: str
  dns:
    description:
      - Also manage DNS. Each hostname the task publishes gets a proxied CNAME to C(<tunnel id>.cfargotunnel.com) in
        the account's zone that holds it (the zone with the longest matching name). Hostnames the task stops
        publishing (removed with O(state=absent), or dropped by O(mode=replace)) lose their records, but only
        records that point at this tunnel.
      - A name that already has an C(A), C(AAAA) or C(CNAME) record pointing elsewhere fails the task before any
        change, unless O(dns_overwrite=true).
      - The token needs the C(DNS Write) permission on the zones.
    type: bool
    default: false
  dns_overwrite:
    description:
      - With O(dns=true), what to do with an C(A), C(AAAA) or C(CNAME) record of a published hostname that does not
        point at this tunnel.
      - V(false) fails the task before any change, naming the record (and, for a CNAME to a deleted tunnel of this
        account, that tunnel).
      - V(orphaned) replaces only CNAMEs that point at a deleted tunnel of this account (left behind when a tunnel
        was deleted without O(edgeops.cloudflare.cfd_tunnel#module:delete_dns_records)); any other record still fails.
      - V(true) replaces any such record.
    type: raw
    default: false
  strict_order:
    description:
      - cloudflared sends each request to the first rule that matches, so a rule that comes after a rule covering
        it (the same hostname without a path before one with a path, or a wildcard before a hostname it covers) is
        never reached. The module warns about every such pair in the configuration it writes.
      - V(true) fails the task instead, before any change.
    type: bool
    default: false
notes:
  - "Request cost: a run that changes nothing costs two requests by name (find the tunnel, read the configuration),
    plus one for the zones and one per hostname with O(dns=true); writes add one PUT and one request per DNS change."
  - "O(ingress[].access) adds two reads per task (all Access applications, and the organization for the team name)
    and needs an API token with C(Access: Apps and Policies Read) and C(Access: Organizations, Identity Providers,
    and Groups Read)."
  - The API has no conditional update. Tasks that change one tunnel one after the other never lose each other's
    rules in O(mode=merge); two that write at the very same moment can, and the module warns when it sees the
    version move by more than its own write.
seealso:
  - module: edgeops.cloudflare.cfd_tunnel
  - module: edgeops.cloudflare.tunnel_token
  - module: edgeops.cloudflare.cfd_tunnel_info
  - module: edgeops.cloudflare.access_application
"""

EXAMPLES = r"""
- name: Publish two hostnames with their DNS records, keeping other plays' rules
  edgeops.cloudflare.cfd_tunnel_config:
    name: web-eu-1
    dns: true
    ingress:
      # cloudflared takes the first rule that matches: the /api/ rule goes before the one for all paths.
      - hostname: app.example.com
        path: ^/api/
        service: http://localhost:9000
        origin_request:
          connect_timeout: 5
      - hostname: app.example.com
        service: http://localhost:8080
      - hostname: grafana.example.com
        service: https://localhost:3000
        origin_request:
          no_tls_verify: true

- name: Publish a hostname behind Cloudflare Access; cloudflared checks the Access token of every request
  edgeops.cloudflare.cfd_tunnel_config:
    name: web-eu-1
    dns: true
    ingress:
      - hostname: wiki.example.com
        service: http://localhost:8080
        access:
          application: wiki   # or leave it out: the application that protects wiki.example.com

- name: Stop publishing a hostname and remove its CNAME
  edgeops.cloudflare.cfd_tunnel_config:
    name: web-eu-1
    state: absent
    dns: true
    ingress:
      - hostname: grafana.example.com

- name: Own the whole configuration, with global defaults and a custom catch-all
  edgeops.cloudflare.cfd_tunnel_config:
    id: 2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d
    mode: replace
    origin_request:
      keep_alive_timeout: 60
      access:
        aud_tag: [4714ab1c5f0e7e4b3d2c1a0f9e8d7c6b]
        team_name: example
        required: true
    ingress:
      - hostname: "*.apps.example.com"
        service: http://localhost:8080
    catch_all_service: http_status:503
"""

RETURN = r"""
tunnel:
  description: The tunnel whose configuration the task manages.
  returned: always
  type: dict
  contains:
    id:
      description: UUID of the tunnel.
      type: str
    name:
      description: Tunnel name.
      type: str
config:
  description:
    - The configuration document after the task, as the API stores it (camelCase keys), predicted in check mode.
  returned: always
  type: dict
  sample:
    ingress:
      - hostname: app.example.com
        service: http://localhost:8080
      - service: http_status:404
version:
  description: Version of the stored configuration after the task (the API adds one per write); unchanged in check mode.
  returned: always
  type: int
  sample: 3
hostnames:
  description: Every hostname the configuration serves after the task (of every owner), sorted.
  returned: always
  type: list
  elements: str
dns_records:
  description:
    - The DNS records the task looked at, with what it did to each (V(created), V(updated), V(replaced),
      V(unchanged) or V(deleted)). In check mode, what it would do (C(id) is null for a record it would create).
  returned: when O(dns=true)
  type: list
  elements: dict
  contains:
    hostname:
      description: The published hostname.
      type: str
    action:
      description: V(created), V(updated), V(replaced), V(unchanged) or V(deleted).
      type: str
    id:
      description: DNS record id.
      type: str
    zone_id:
      description: Zone id.
      type: str
    zone_name:
      description: Zone name.
      type: str
    name:
      description: Record name.
      type: str
    type:
      description: Record type, V(CNAME).
      type: str
    content:
      description: Target, C(<tunnel id>.cfargotunnel.com).
      type: str
    proxied:
      description: Whether Cloudflare proxies the record.
      type: bool
"""

from ansible_collections.edgeops.cloudflare.plugins.module_utils._config import TunnelConfig
from ansible_collections.edgeops.cloudflare.plugins.module_utils._ingress import ingress_rule_option_spec, origin_request_option_spec
from ansible_collections.edgeops.cloudflare.plugins.module_utils._module import NAMED, Task, object_spec

TASK = Task(
    TunnelConfig,
    object_spec(
        mode=dict(type="str", default="merge", choices=["merge", "replace"]),
        ingress=dict(type="list", elements="dict", default=[], options=ingress_rule_option_spec()),
        origin_request=dict(type="dict", options=origin_request_option_spec()),
        catch_all_service=dict(type="str"),
        dns=dict(type="bool", default=False),
        dns_overwrite=dict(type="raw", default=False),
        strict_order=dict(type="bool", default=False),
    ),
    **NAMED
)

main = TASK.main

if __name__ == "__main__":
    main()
