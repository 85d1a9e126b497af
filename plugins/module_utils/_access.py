# -*- coding: utf-8 -*-
# Copyright: edgeops.cloudflare contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare Access: reusable policies, self-hosted applications and service tokens, declared for the layer.

Facts and sources: ../shared/reference/cloudflare-access-api.md. The API replaces applications and
policies whole on PUT, returns an application's policies expanded, treats policy rule lists as
sets, and returns a service token's client secret only when it creates or rotates one.
"""

from __future__ import annotations

import datetime
import json
import os
import re

from ._api import CloudflareError
from ._common import ModuleError, ip_network, name, name_or_uuid, text, timestamp, uuid
from ._files import check_dest, dest_spec, secret_file
from ._module import object_spec
from ._resource import Collection, Issued, Listing
from ._routes import VirtualNetwork

ACCESS_PATH = "/accounts/{account_id}/access"
PER_PAGE = 100  # the API documents no maximum; 100 is what live clients use
DECISIONS = ("allow", "deny", "non_identity", "bypass")


# ---- forms -----------------------------------------------------------------------------------
DURATION_PART_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)")
DURATION_UNITS = (("h", 3600 * 10 ** 9), ("m", 60 * 10 ** 9), ("s", 10 ** 9), ("ms", 10 ** 6), ("us", 10 ** 3), ("ns", 1))
UNIT_NS = dict(DURATION_UNITS, **{"\u00b5s": 10 ** 3})
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
PUBLIC_LABEL_RE = re.compile(r"^[a-z0-9*_](?:[a-z0-9*_-]{0,61}[a-z0-9*_])?$")
PRIVATE_LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
PORT_RANGE_RE = re.compile(r"^(\d{1,5})(?:-(\d{1,5}))?$")


def duration(value, option):
    """A Go duration (``300ms``, ``2h45m``) as the API takes it, written the shortest way (``90m`` is ``1h30m``)."""
    given = str(value).strip()
    parts = DURATION_PART_RE.findall(given)
    if given != "0" and (not given or "".join(number + unit for number, unit in parts) != given):
        raise ModuleError("%s must be a duration like 30m, 24h or 2h45m (units h, m, s, ms, us, ns), got %r."
                          % (option, value))
    total = sum(int(round(float(number) * UNIT_NS[unit])) for number, unit in parts)
    out = ""
    for unit, size in DURATION_UNITS:
        count, total = divmod(total, size)
        out += "%d%s" % (count, unit) if count else ""
    return out or "0s"


def token_duration(value, option):
    """A service token's lifetime: a duration, or ``forever``."""
    return "forever" if str(value).strip() == "forever" else duration(value, option)


def email(value, option):
    given = str(value).strip()
    if not EMAIL_RE.match(given):
        raise ModuleError("%s must be an email address like alice@example.com, got %r." % (option, value))
    return given


def email_domain(value, option):
    given = str(value).strip().lower()
    if not DOMAIN_RE.match(given):
        raise ModuleError("%s must be an email domain like example.com (without @), got %r." % (option, value))
    return given


def country(value, option):
    given = str(value).strip()
    if not re.match(r"^[A-Za-z]{2}$", given):
        raise ModuleError("%s must be a two-letter country code like US or DE, got %r." % (option, value))
    return given.upper()


def name_set(value, option):
    """A list the API treats as a set (tags, identity providers): sorted, without repeats."""
    return sorted(set(name_or_uuid(item, "%s[%d]" % (option, index)) for index, item in enumerate(value)))


# ---- policy rules: one task item per API rule kind -------------------------------------------
# kind -> (field, form) of the rules that hold one value
SCALAR_RULES = {
    "email": ("email", email),
    "email_domain": ("domain", email_domain),
    "email_list": ("id", uuid),
    "ip": ("ip", ip_network),
    "ip_list": ("id", uuid),
    "geo": ("country_code", country),
    "group": ("id", uuid),
    "service_token": ("token_id", name_or_uuid),  # a name is resolved to the token's id
    "login_method": ("id", name_or_uuid),         # a name is resolved to the identity provider's id
    "auth_method": ("auth_method", text),
    "common_name": ("common_name", text),
    "device_posture": ("integration_uid", text),
}
FLAG_RULES = ("everyone", "any_valid_service_token", "certificate")
# kind -> its fields (required ones first) of the rules given as the API's dictionary
DICT_RULES = {
    "azureAD": (("id", "identity_provider_id"), ()),
    "github-organization": (("name", "identity_provider_id"), ("team",)),
    "gsuite": (("email", "identity_provider_id"), ()),
    "okta": (("name", "identity_provider_id"), ()),
    "saml": (("attribute_name", "attribute_value", "identity_provider_id"), ()),
    "oidc": (("claim_name", "claim_value", "identity_provider_id"), ()),
    "external_evaluation": (("evaluate_url", "keys_url"), ()),
    "auth_context": (("id", "ac_id", "identity_provider_id"), ()),
}
RULE_KINDS = sorted(list(SCALAR_RULES) + list(FLAG_RULES) + list(DICT_RULES), key=str.lower)
# What Bypass takes (no identity): Access's non-identity selectors.
BYPASS_KINDS = ("everyone", "ip", "ip_list", "geo", "certificate", "common_name", "device_posture")


def rule_items(item, where):
    """The API rules one task item stands for (``{email: [a@x, b@x]}`` is two rules)."""
    if not isinstance(item, dict) or len(item) != 1:
        raise ModuleError("%s must be one rule: a dictionary with one key, the rule kind (%s)." % (where, ", ".join(RULE_KINDS)))
    kind, value = next(iter(item.items()))
    if kind not in SCALAR_RULES and kind not in FLAG_RULES and kind not in DICT_RULES:
        raise ModuleError("%s: unknown rule kind %r; the kinds are %s." % (where, kind, ", ".join(RULE_KINDS)))
    where = "%s.%s" % (where, kind)
    if kind in FLAG_RULES:
        if value is not True and value != {}:
            raise ModuleError("%s takes no value: write %s: true." % (where, kind))
        return [{kind: {}}]
    if kind in DICT_RULES:
        required, optional = DICT_RULES[kind]
        unknown = sorted(set(value) - set(required + optional)) if isinstance(value, dict) else None
        if unknown is None or unknown or any(value.get(field) is None for field in required):
            raise ModuleError("%s must be a dictionary with %s%s." % (where, ", ".join(required),
                                                                      " and optionally " + ", ".join(optional) if optional else ""))
        return [{kind: dict((field, text(value[field], "%s.%s" % (where, field)))
                            for field in required + optional if value.get(field) is not None)}]
    field, form = SCALAR_RULES[kind]
    if isinstance(value, dict) and set(value) == {field}:  # the API's own form, {email: {email: a@x}}
        value = value[field]
    values = value if isinstance(value, list) else [value]
    if not values or any(v is None or isinstance(v, (dict, list, bool)) for v in values):
        raise ModuleError("%s takes a %s, or a list of them." % (where, field.replace("_", " ")))
    return [{kind: {field: form(v, where)}} for v in values]


def rule_set(items):
    """Rules in a stable order without repeats: the API treats include, exclude and require as sets."""
    unique = dict((json.dumps(rule, sort_keys=True), rule) for rule in items)
    return [unique[key] for key in sorted(unique)]


def rules(value, option):
    """A rule list as the API stores it (also read from the API's answers)."""
    if not isinstance(value, list):
        raise ModuleError("%s must be a list of rules." % option)
    return rule_set([rule for index, item in enumerate(value) for rule in rule_items(item, "%s[%d]" % (option, index))])


# ---- application destinations ------------------------------------------------------------------
def public_domain(value, option):
    """A public hostname with an optional path (``app.example.com/admin``) and wildcards; no scheme or port."""
    given = str(value).strip()
    host, slash, path = given.partition("/")
    host = host.rstrip(".").lower()
    labels = host.split(".")
    if "://" in given:
        raise ModuleError("%s %r must not carry a scheme: give the hostname and an optional path, like "
                          "app.example.com/admin." % (option, value))
    if ":" in host or len(labels) < 2 or not all(PUBLIC_LABEL_RE.match(label) for label in labels) or " " in path:
        raise ModuleError("%s %r is not a public hostname with an optional path, like app.example.com or "
                          "app.example.com/admin (no port)." % (option, value))
    return host + slash + path


def port_range(value, option):
    given = str(value).strip()
    match = PORT_RANGE_RE.match(given)
    low, high = (int(match.group(1)), int(match.group(2) or match.group(1))) if match else (0, 0)
    if not match or not 1 <= low <= high <= 65535:
        raise ModuleError("%s must be a port (22) or a range (8000-8099) of ports 1 to 65535, got %r." % (option, value))
    return str(low) if low == high else "%d-%d" % (low, high)


def private_hostname(value, option):
    given = str(value).strip().rstrip(".").lower()
    if not given or not all(PRIVATE_LABEL_RE.match(label) for label in given.split(".")):
        raise ModuleError("%s must be a hostname like wiki.corp.internal, got %r." % (option, value))
    return given


def private_destination(item, option):
    """A private destination in the API's form; its ``vnet_id`` may still be a virtual network's name."""
    if (item.get("cidr") is None) == (item.get("hostname") is None):
        raise ModuleError("%s needs exactly one of cidr and hostname." % option)
    dest = {"type": "private"}
    if item.get("cidr") is not None:
        dest["cidr"] = ip_network(item["cidr"], option + ".cidr")
    else:
        dest["hostname"] = private_hostname(item["hostname"], option + ".hostname")
    if item.get("port_range") is not None:
        dest["port_range"] = port_range(item["port_range"], option + ".port_range")
    if item.get("protocol") is not None:
        dest["l4_protocol"] = item["protocol"]
    if item.get("virtual_network") is not None:
        dest["vnet_id"] = name_or_uuid(item["virtual_network"], option + ".virtual_network")
    return dest


def destinations(value, option):
    """The API's destinations as compared with the task's: public ones by ``uri``, private ones with a
    single address as /32 and only the keys that are set."""
    out = []
    for index, dest in enumerate(value):
        where = "%s[%d]" % (option, index)
        dest = dict((k, v) for k, v in dest.items() if v not in (None, ""))
        if dest.get("type", "public") == "public":
            out.append({"type": "public", "uri": public_domain(dest.get("uri"), where)})
        else:
            out.append(private_destination(dict(dest, protocol=dest.get("l4_protocol"), virtual_network=dest.get("vnet_id")),
                                           where))
    return out


def linked_policies(value, option):
    """An application's policies: by name or UUID in the task, expanded objects in the API's answers
    (as ``{id, name, decision, precedence}``, in precedence order)."""
    if all(isinstance(item, dict) for item in value):
        links = [dict((key, item.get(key)) for key in ("id", "name", "decision", "precedence")) for item in value]
        return sorted(links, key=lambda link: link["precedence"] or 0)
    return [name_or_uuid(item, "%s[%d]" % (option, index)) for index, item in enumerate(value)]


def lower(value, option):
    return text(value, option).lower()


# ---- declarations ------------------------------------------------------------------------------
class AccessCollection(Collection):
    """What Access objects share: no soft delete (nothing to filter out), lists paged by PER_PAGE, names the
    API is not known to keep unique."""

    live_filter = {}
    per_page = PER_PAGE
    unique_key = False


class IdentityProvider(AccessCollection):
    """An identity provider, for the names tasks give (users log in with them)."""

    noun = "identity provider"
    path = ACCESS_PATH + "/identity_providers"
    fields = ("id", "name", "type")


def hand_over_secret(work, secret, issued):
    """The client secret goes into the result, or with ``dest`` into that file (0600) only.

    A run that made no secret writes no file; a ``dest`` that does not exist then fails, since
    the API never shows the secret again."""
    dest = work.params.get("dest")
    if not dest:
        work.extra["client_secret"] = secret
        return []
    work.extra["dest"] = dest
    if secret is not None:
        work.secrets.add(secret)  # written, never returned nor shown
    if issued:
        return [secret_file(dest, secret, work.params.get("owner"), work.params.get("group"), "the client secret")]
    if not os.path.exists(dest):
        raise work.failed("dest %s does not exist, and the API shows the client secret of %s %r only when it creates or "
                          "rotates it: set rotate_secret: true to write a new one." % (dest, work.noun, work.params.get("name")))
    return []


class AccessServiceToken(AccessCollection):
    """A service token: the client secret is issued by the API on create and on rotation only."""

    noun = "service token"
    path = ACCESS_PATH + "/service_tokens"
    result_key = "service_token"
    fields = ("id", "name", "client_id", "duration", "expires_at", "created_at", "updated_at", "last_seen_at")
    updatable = ("name", "duration")
    update_method = "put"  # every field is optional: what the PUT leaves out stays
    forms = {"duration": token_duration, "previous_secret_expires_at": timestamp}
    issued = Issued("client_secret", rotate_option="rotate_secret", rotate_path="rotate",
                    rotate_body=lambda params: ({"previous_client_secret_expires_at": params["previous_secret_expires_at"]}
                                                if params.get("previous_secret_expires_at") else None),
                    hand_over=hand_over_secret)

    @classmethod
    def validate(cls, params):
        super(AccessServiceToken, cls).validate(params)
        check_dest(params)
        if params.get("previous_secret_expires_at") and not params.get("rotate_secret"):
            raise ModuleError("previous_secret_expires_at only applies with rotate_secret: true.")

    def explain_delete_failure(self, exc, current):
        if exc.status == 400 and (exc.has_code(12139) or "service_token_in_use" in str(exc)):
            users = [p.get("name") for p in self.client.paginate(AccessPolicy.path.format(**self.params), {}, PER_PAGE)
                     if token_named(p, current["id"])]
            return exc.with_hint("Policies still name service token %r: %s. Take it out of them first "
                                 "(edgeops.cloudflare.access_policy), then delete it"
                                 % (current.get("name"), ", ".join(repr(n) for n in users) or "(none found now: retry)"))
        return exc


def token_named(policy, token_id):
    return any(rule.get("service_token", {}).get("token_id") == token_id
               for key in ("include", "require", "exclude") for rule in policy.get(key) or [])


class AccessPolicy(AccessCollection):
    """A reusable policy: the API replaces it whole on update and treats its rule lists as sets."""

    noun = "Access policy"
    path = ACCESS_PATH + "/policies"
    result_key = "policy"
    fields = ("id", "name", "decision", "include", "require", "exclude", "session_duration", "approval_required",
              "purpose_justification_required", "purpose_justification_prompt", "isolation_required", "app_count",
              "created_at", "updated_at")
    updatable = ("name", "decision", "include", "require", "exclude", "session_duration", "approval_required",
                 "purpose_justification_required", "purpose_justification_prompt", "isolation_required")
    replaces = True
    read_only = ("id", "created_at", "updated_at", "app_count", "reusable", "account_id")
    forms = {"include": rules, "require": rules, "exclude": rules, "session_duration": duration,
             "purpose_justification_prompt": text}
    # rule kinds whose value names another object: kind -> (field, Collection)
    named_rules = {"service_token": ("token_id", AccessServiceToken), "login_method": ("id", IdentityProvider)}

    @classmethod
    def validate(cls, params):
        super(AccessPolicy, cls).validate(params)
        if params["state"] == "absent":
            return
        if params.get("include") == []:
            raise ModuleError("include needs at least one rule: a policy matches no one without one.")
        if params.get("decision") == "bypass":
            identity = sorted(set(next(iter(rule)) for key in ("include", "require") for rule in params.get(key) or []
                                  if next(iter(rule)) not in BYPASS_KINDS))
            if identity:
                raise ModuleError("decision bypass takes no identity rules (it lets requests in without a login), "
                                  "but the rules use %s." % ", ".join(identity))

    def lookup_query(self):
        return {}  # the list has no name filter; matches() picks the exact name

    def wanted_value(self, option):
        value = super(AccessPolicy, self).wanted_value(option)
        if option not in ("include", "require", "exclude") or value is None:
            return value
        resolved = []
        for rule in value:
            kind, body = next(iter(rule.items()))
            if kind in self.named_rules:
                field, target = self.named_rules[kind]
                body = {field: self.id_of(target, body[field], "%s: %s" % (option, kind))}
            resolved.append({kind: body})
        return rule_set(resolved)

    def create_body(self):
        body = super(AccessPolicy, self).create_body()
        missing = [option for option in ("decision", "include") if body.get(option) is None]
        if missing:
            raise ModuleError("%s is required to create %s %r." % (" and ".join(missing), self.noun, self.params.get("name")))
        if body["decision"] != "non_identity" and any(next(iter(rule)) in ("service_token", "any_valid_service_token")
                                                      for rule in body["include"]):
            self.warnings.append("Service tokens pass only a non_identity (Service Auth) policy; with decision %s the "
                                 "login page appears instead." % body["decision"])
        return body

    def steps(self, current):
        """Deleting a policy that applications use fails before the DELETE, naming them (check mode warns)."""
        if self.state == "absent" and current is not None and current.get("app_count"):
            self.still_used(self.in_use(current))
        return []

    def in_use(self, current):
        apps = [a for a in self.client.paginate(AccessApplication.path.format(**self.params), {}, PER_PAGE)
                if any(p.get("id") == current["id"] for p in a.get("policies") or [])]
        return ModuleError("%s %r is used by %d application(s): %s. Remove it from their policies first "
                           "(edgeops.cloudflare.access_application), or delete them; then delete the policy."
                           % (self.title(), current.get("name"), len(apps) or current.get("app_count"),
                              ", ".join(repr(a.get("name")) for a in apps) or "(none found now: retry)"),
                           applications=[{"id": a.get("id"), "name": a.get("name")} for a in apps])

    def explain_delete_failure(self, exc, current):
        if exc.status == 409 or "in_use" in str(exc):
            error = self.in_use(current)
            return self.failed(error.msg, failure=exc.to_dict(), **error.extra)
        return exc


APP_FLAGS = ("app_launcher_visible", "auto_redirect_to_identity", "http_only_cookie_attribute", "enable_binding_cookie",
             "path_cookie_attribute", "skip_interstitial", "service_auth_401_redirect", "options_preflight_bypass")
APP_TEXTS = ("logo_url", "custom_deny_message", "custom_deny_url", "custom_non_identity_deny_url")


class AccessApplication(AccessCollection):
    """A self-hosted application: the API replaces it whole on update, keeps ``domain`` and
    ``destinations`` in step, and answers with its policies expanded."""

    noun = "Access application"
    path = ACCESS_PATH + "/apps"
    result_key = "application"
    fields = (("id", "aud", "name", "type", "domain", "destinations", "policies", "allowed_idps", "session_duration",
               "same_site_cookie_attribute", "tags") + APP_FLAGS + APP_TEXTS + ("created_at", "updated_at"))
    create_only = ("type",)
    updatable = (("name", "domain", "destinations", "policies", "allowed_idps", "session_duration",
                  "same_site_cookie_attribute", "tags") + APP_FLAGS + APP_TEXTS)
    replaces = True
    # Never sent back: read-only, or derived from destinations (self_hosted_domains is deprecated).
    read_only = ("id", "aud", "created_at", "updated_at", "self_hosted_domains")
    forms = {"domains": lambda value, option: [public_domain(v, "%s[%d]" % (option, i)) for i, v in enumerate(value)],
             "destinations": destinations, "policies": linked_policies, "identity_providers": name_set,
             "allowed_idps": name_set, "tags": name_set, "session_duration": duration,
             "same_site_cookie_attribute": lower, "logo_url": text, "custom_deny_message": text,
             "custom_deny_url": text, "custom_non_identity_deny_url": text}

    @classmethod
    def validate(cls, params):
        super(AccessApplication, cls).validate(params)
        params["type"] = "self_hosted"
        public = params.get("domains")
        private = [private_destination(item, "private_destinations[%d]" % index)
                   for index, item in enumerate(params.get("private_destinations") or [])]
        if public is not None or params.get("private_destinations") is not None:
            if len(public or []) > 5:
                raise ModuleError("domains lists %d hostnames; an application protects at most 5." % len(public))
            if len(set(public or [])) != len(public or []):
                raise ModuleError("domains repeats a hostname.")
            params["destinations"] = [{"type": "public", "uri": uri} for uri in public or []] + private
            params["domain"] = public[0] if public else None
            if params["state"] == "present" and not params["destinations"]:
                raise ModuleError("domains and private_destinations are both empty: an application protects at least "
                                  "one destination.")
        if params.get("identity_providers") is not None:
            params["allowed_idps"] = params["identity_providers"]
        if params.get("auto_redirect_to_identity") and params.get("identity_providers") is not None \
                and len(params["identity_providers"]) != 1:
            raise ModuleError("auto_redirect_to_identity needs exactly one entry in identity_providers.")

    def lookup_query(self):
        return {"name": self.params.get("name"), "exact": "true"}

    def wanted_value(self, option):
        value = super(AccessApplication, self).wanted_value(option)
        if value is None:
            return None
        if option == "allowed_idps":
            return sorted(self.id_of(IdentityProvider, ref, "identity_providers") for ref in value)
        if option == "destinations":
            return [dict(dest, vnet_id=self.id_of(VirtualNetwork, dest["vnet_id"], "private_destinations: virtual_network"))
                    if dest.get("vnet_id") else dest for dest in value]
        if option == "policies":
            return self.wanted_policies(value)
        return value

    def wanted_policies(self, refs):
        """The policies as stored: the found application's own when they are the ones named, in order
        (no request); otherwise each looked up by name or id."""
        have = self.current_value(self.found, "policies") if self.found else None
        if have is not None and len(have) == len(refs) and all(
                ref in (link["id"], link["name"]) and link["precedence"] == index + 1 for index, (ref, link) in enumerate(zip(refs, have))):
            return have
        links = []
        for index, ref in enumerate(refs):
            policy = self.object_of(AccessPolicy, ref, "policies")
            links.append({"id": policy.get("id"), "name": policy.get("name"), "decision": policy.get("decision"),
                          "precedence": index + 1})
        return links

    def sendable(self, body):
        """Policies go to the API as links (``{id, precedence}``): expanded objects would be inline, legacy
        policies. The domain is the first public destination; without one, the API derives it."""
        if body.get("policies") is not None:
            body = dict(body, policies=[{"id": link["id"], "precedence": link["precedence"]} for link in body["policies"]])
        if body.get("destinations") is not None and not any(d.get("type", "public") == "public" for d in body["destinations"]):
            body = dict((key, value) for key, value in body.items() if key != "domain")
        return body

    def steps(self, current):
        if self.state == "absent" and current is not None:
            hosts = [d.get("uri") for d in current.get("destinations") or [] if d.get("type", "public") == "public"]
            if hosts:
                self.warnings.append("Deleting Access application %r does not unpublish %s: a tunnel that still serves "
                                     "them does so without Access from now on. Remove their ingress rules first "
                                     "(edgeops.cloudflare.cfd_tunnel_config with state: absent) unless that is what you want."
                                     % (current.get("name"), ", ".join(hosts)))
        return []


# ---- reading ----------------------------------------------------------------------------------
class AccessApplicationListing(Listing):
    path = AccessApplication.path
    result_key = "applications"
    collection = AccessApplication
    filters = (("name", "name"), ("domain", "domain"), ("aud", "aud"), ("exact", "exact"), ("search", "search"))
    forms = {"id": uuid, "name": name, "search": text, "aud": text, "domain": public_domain}

    def fetch(self):
        if self.params.get("id"):
            other = AccessApplication(self.client, self.params, self.check_mode)
            found = other.find()  # one read by id; assumed in check mode for a stand-in
            self.adopt(other)
            return [self.view(found)] if found else []
        return super(AccessApplicationListing, self).fetch()


class AccessPolicyListing(Listing):
    path = AccessPolicy.path
    result_key = "policies"
    collection = AccessPolicy
    forms = {"id": uuid, "name": name}

    def fetch(self):
        return [p for p in super(AccessPolicyListing, self).fetch()
                if self.params.get("id") in (None, p["id"]) and self.params.get("name") in (None, p["name"])]


class AccessServiceTokenListing(Listing):
    path = AccessServiceToken.path
    result_key = "service_tokens"
    collection = AccessServiceToken
    filters = (("name", "name"), ("search", "search"))
    forms = {"id": uuid, "name": name, "search": text, "expiring_within": duration}

    def fetch(self):
        tokens = [t for t in super(AccessServiceTokenListing, self).fetch() if self.params.get("id") in (None, t["id"])]
        if self.params.get("expiring_within"):
            tokens = [t for t in tokens if t.get("expires_at") and expires_within(t["expires_at"], self.params["expiring_within"])]
        return tokens


def expires_within(expires_at, window):
    """Whether an RFC 3339 time is at most ``window`` (a canonical duration) from now."""
    seconds = sum(int(number) * dict(DURATION_UNITS)[unit] for number, unit in re.findall(r"(\d+)([a-z]+)", window)) / 1e9
    when = datetime.datetime.fromisoformat(re.sub(r"\.\d+", "", expires_at).replace("Z", "+00:00"))
    return when <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


# ---- the team name, for cloudflared's check of the Access token -------------------------------
def team_name(client, account_id):
    """The bare team name (``myteam`` of ``myteam.cloudflareaccess.com``): cloudflared builds the domain itself."""
    try:
        org = client.get(ACCESS_PATH.format(account_id=account_id) + "/organizations") or {}
    except CloudflareError as exc:
        if exc.status == 404:
            raise ModuleError("Account %s has no Zero Trust organization (the API answered %s); set one up in the "
                              "Zero Trust dashboard before putting Access in front of a hostname." % (account_id, exc))
        raise
    domain = org.get("auth_domain") or ""
    if not domain.endswith(".cloudflareaccess.com"):
        raise ModuleError("The Zero Trust organization's team domain %r is not <team>.cloudflareaccess.com." % domain)
    return domain[:-len(".cloudflareaccess.com")]


def origin_access(work, wired):
    """cloudflared's ``originRequest.access`` for each ingress rule that asks for Access (``wired``:
    (index, hostname, access) of each), by rule index: the team name (one read of the organization)
    and the aud tags of the application it names, or of those protecting its hostname (all
    applications listed once). A missing application fails naming the rule; in check mode it is
    taken as one an earlier task creates."""
    if not wired:
        return {}
    team = team_name(work.client, work.params["account_id"])
    out = {}
    for index, host, access in wired:
        where = "ingress[%d].access" % index
        if access["application"]:
            apps = [work.object_of(AccessApplication, access["application"], where + ".application")]
            named = "Access application %r" % access["application"]
        else:
            apps = [app for app in work.objects(AccessApplication) if host in protected_hosts(app)]
            named = "the Access application for %s" % host
            if not apps and work.check_mode:
                work.warnings.append("Check mode: %s: no Access application protects %s yet; assumed an earlier task "
                                     "creates it." % (where, host))
                apps = [{}]
            elif not apps:
                raise ModuleError("%s: no Access application protects %s in account %s; create it first "
                                  "(edgeops.cloudflare.access_application), or name one with access.application."
                                  % (where, host, work.params["account_id"]))
        auds = sorted(app.get("aud") or "(aud of %s, assumed created by an earlier task)" % named for app in apps)
        out[index] = {"required": access["required"], "teamName": team, "audTag": auds}
    return out


def protected_hosts(app):
    """The hostnames (without paths) an application's public destinations protect."""
    uris = [d.get("uri") for d in app.get("destinations") or [] if d.get("type", "public") == "public"]
    uris = uris or app.get("self_hosted_domains") or [app.get("domain")]
    return set((uri or "").split("/", 1)[0].rstrip(".").lower() for uri in uris)


# ---- options ----------------------------------------------------------------------------------
def policy_spec():
    return object_spec(
        decision=dict(type="str", choices=list(DECISIONS)),
        include=dict(type="list", elements="dict"),
        require=dict(type="list", elements="dict"),
        exclude=dict(type="list", elements="dict"),
        session_duration=dict(type="str"),
        approval_required=dict(type="bool"),
        purpose_justification_required=dict(type="bool"),
        purpose_justification_prompt=dict(type="str"),
        isolation_required=dict(type="bool"),
    )


def application_spec():
    flags = dict((flag, dict(type="bool")) for flag in APP_FLAGS)
    texts = dict((option, dict(type="str")) for option in APP_TEXTS)
    return object_spec(
        domains=dict(type="list", elements="str"),
        private_destinations=dict(type="list", elements="dict", options=dict(
            cidr=dict(type="str"),
            hostname=dict(type="str"),
            port_range=dict(type="str"),
            protocol=dict(type="str", choices=["tcp", "udp"]),
            virtual_network=dict(type="str"),
        )),
        policies=dict(type="list", elements="str"),
        identity_providers=dict(type="list", elements="str"),
        session_duration=dict(type="str"),
        same_site_cookie_attribute=dict(type="str", choices=["none", "lax", "strict"]),
        tags=dict(type="list", elements="str"),
        **dict(flags, **texts)
    )


def service_token_spec():
    return object_spec(
        duration=dict(type="str"),
        rotate_secret=dict(type="bool", default=False, no_log=False),
        previous_secret_expires_at=dict(type="str", no_log=False),
        **dest_spec()
    )
