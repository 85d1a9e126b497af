"""Compare compare.yml's registered results and request logs between the two execution paths.

Usage: compare.py DIR MODULES_DIR (DIR with module.json, inprocess.json, module-requests.json,
inprocess-requests.json; MODULES_DIR the collection's plugins/modules, every module of which must be
covered: COVERAGE names its results).
Generated values (ids, times, tokens, async job ids) are replaced by placeholders numbered in the
order they first appear, so two runs compare equal only when they have the same shape and the same
values, and the same generated value stands at the same places. Exits 1 naming every difference.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys

# Generated ids: UUIDs, 32 hex digits (ids, Access client ids), 64 (Access aud tags and client secrets).
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b|\b[0-9a-f]{64}\b")
# ansible-core lists the valid booleans from a set: their order changes with each process's hash seed.
BOOLEANS_RE = re.compile(r"(Valid booleans include: )(.*)$")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
GENERATED_KEYS = ("token", "ansible_job_id", "results_file", "started", "finished")
MINIMUM_RESULTS = 60
# Each module's results, compared between the paths: one registered in check mode with diff, one for
# real with diff, and one failed (an error the module or the API reports).
COVERAGE = {
    "access_application": ("r_access_app_check", "r_access_app", "r_access_app_bad"),
    "access_application_info": ("r_access_app_info", "r_access_app_info", "r_access_app_info_bad"),
    "access_policy": ("r_access_policy_check", "r_access_policy", "r_access_policy_in_use"),
    "access_policy_info": ("r_access_policy_info", "r_access_policy_info", "r_access_policy_info_denied"),
    "access_service_token": ("r_access_token_check", "r_access_token", "r_access_token_bad"),
    "access_service_token_info": ("r_access_token_info", "r_access_token_info", "r_access_token_info_bad"),
    "cfd_tunnel": ("r_create_check", "r_create", "r_bad_secret"),
    "cfd_tunnel_config": ("r_config_check", "r_config", "r_config_missing"),
    "cfd_tunnel_info": ("r_info_check", "r_info_async", "r_mutually_exclusive"),
    "hostname_route": ("r_host_check", "r_host", "r_host_bad"),
    "hostname_route_info": ("r_host_info", "r_host_info", "r_host_info_denied"),
    "tunnel_route": ("r_route_check", "r_route", "r_route_missing_tunnel"),
    "tunnel_route_info": ("r_route_info", "r_route_info", "r_route_info_bad"),
    "tunnel_token": ("r_token_check", "r_token", "r_token_warp_management"),
    "virtual_network": ("r_vnet_check", "r_vnet", "r_vnet_in_use"),
    "virtual_network_info": ("r_vnet_info", "r_vnet_info", "r_vnet_info_bad"),
    "warp_connector": ("r_warp_check", "r_warp", "r_denied"),
    "warp_connector_info": ("r_warp_info_check", "r_warp_info", "r_warp_info_bad"),
}
READS_ONLY = ("tunnel_token",)  # like every *_info module: it returns no diff


class Placeholders(object):
    def __init__(self):
        self.seen = {}

    def __call__(self, kind, value):
        return self.seen.setdefault((kind, value), "<%s-%d>" % (kind, len(self.seen) + 1))

    def normalise(self, value, key=None):
        if isinstance(value, dict):
            return dict((k, self.normalise(v, k)) for k, v in sorted(value.items()))
        if isinstance(value, list):
            return [self.normalise(item) for item in value]
        if isinstance(value, str):
            if key in GENERATED_KEYS and value:
                return self(key, value)
            value = UUID_RE.sub(lambda match: self("uuid", match.group(0)), value)
            value = BOOLEANS_RE.sub(lambda m: m.group(1) + ", ".join(sorted(m.group(2).split(", "))), value)
            return TIME_RE.sub("<time>", value)
        if key in ("started", "finished") and isinstance(value, int):
            return "<%s>" % key
        return value


def expectations(results):
    """What the cases must show (on both paths, once they agree), so that agreeing proves something."""
    def get(name, *keys):
        value = results[name]
        for key in keys:
            value = value[key] if isinstance(value, dict) and key in value else None
        return value
    checks = {
        "check mode predicts a create": get("r_create_check", "changed") is True
        and get("r_create_check", "tunnel", "id") == "(known after apply: tunnel paths-web)",
        "diff is returned": get("r_create", "diff", "before") == {},
        "the rerun changes nothing": get("r_rerun", "changed") is False,
        "a no_log value is masked in the result": get("r_masked", "tunnel", "name") == "paths-********",
        "a no_log value is masked in a warning": any("paths-later-********" in w for w in get("r_config_check", "warnings") or []),
        "the token is registered": bool(get("r_token", "token")),
        "a token file is written by the module":
            (get("r_token_dest", "dest") or "").endswith("/paths-web.token") and get("r_token_dest", "token") is None,
        "tunnel_token refuses async": re.search(r"not support(ed)? (async|for this task)", get("r_token_async", "msg") or "") is not None,
        "async ran as a module job": bool(get("r_info_async", "ansible_job_id")),
        "unsupported parameters are named":
            "Unsupported parameters for (edgeops.cloudflare.cfd_tunnel) module: colour" in (get("r_unsupported", "msg") or ""),
        "the task's environment is used": get("r_environment_token", "failure", "status") == 403,
        "options beat the environment": get("r_environment_option", "failed") is False,
        "the action group's defaults are used": get("r_bad_token", "failure", "status") == 401,
        "an alias and its option both set warn": "Both option label and its alias tag are set." in (get("r_options_conflict", "warnings") or []),
        "deprecated alias and option are reported": len(get("r_options_deprecated", "deprecations") or []) == 2,
        "a nested no_log value is masked in a warning": "label is ********" in (get("r_options_masked", "warnings") or []),
        "a loop registers every item": len(get("r_info_loop", "results") or []) == 2,
        "a lost response is a warning": any("was lost" in w for w in get("r_warp", "warnings") or []),
        "a WARP connector in check mode has a stand-in id": get("r_warp_check", "changed") is True
        and (get("r_warp_check", "warp_connector", "id") or "").startswith("(known after apply: WARP connector "),
        "a WARP connector is deleted": get("r_warp_delete", "changed") is True and get("r_warp_delete_check", "changed") is True,
        "check mode predicts a virtual network": get("r_vnet_check", "changed") is True
        and (get("r_vnet_check", "virtual_network", "id") or "").startswith("(known after apply: virtual network "),
        "a virtual network rerun changes nothing": get("r_vnet_rerun", "changed") is False,
        "check mode reports the previous default network": get("r_vnet_default_check", "previous_default", "name") == "default",
        "a CIDR route with host bits set warns": any("host bits set" in w for w in get("r_route", "warnings") or []),
        "a CIDR route rerun changes nothing": get("r_route_rerun", "changed") is False,
        "a hostname route is stored in canonical form": get("r_host", "hostname_route", "hostname") == "paths.internal",
        "the route info finds the route": len(get("r_route_info", "routes") or []) == 1,
        "the hostname route info finds the route": len(get("r_host_info", "hostname_routes") or []) == 1,
        "a virtual network in use is not deleted": bool(get("r_vnet_in_use", "routes")),
        "routes and the network are removed":
            all(get(name, "changed") is True for name in ("r_route_delete", "r_host_delete", "r_vnet_delete", "r_route_delete_check")),
        "a 403 on a route list": get("r_host_info_denied", "failure", "status") == 403,
        "an echoed token and secret are masked (token given as an option)":
            "credentials=********" in (get("r_echo_option", "msg") or "") and '"tunnel_secret": "********"' in (get("r_echo_option", "msg") or ""),
        "an echoed token is masked (token from the environment)": "credentials=********" in (get("r_echo_environment", "msg") or ""),
        "a missing tunnel in cfd_tunnel_config is an error": "No live tunnel with id" in (get("r_config_missing", "msg") or ""),
        "a configuration absent in check mode": get("r_config_absent_check", "changed") is True,
        "a service token's client secret is returned once": bool(get("r_access_token", "client_secret"))
            and get("r_access_token_check", "client_secret") is None,
        "an Access application rerun changes nothing": get("r_access_app_rerun", "changed") is False,
        "the Access infos find what was made": all(len(get(name, key) or []) == 1 for name, key in (
            ("r_access_token_info", "service_tokens"), ("r_access_policy_info", "policies"), ("r_access_app_info", "applications"))),
        "Access objects are deleted": all(get(name, "changed") is True for name in (
            "r_access_app_delete_check", "r_access_app_delete", "r_access_policy_delete", "r_access_token_delete")),
        "refused input fails, saying why": all(get(name, "failed") is True and fragment in (get(name, "msg") or "") for name, fragment in (
            ("r_vnet_delete_default", "is the default network, which the API does not delete"),
            ("r_route_bad", "must be an IPv4 or IPv6 network in CIDR form"),
            ("r_access_policy_bad", "unknown rule kind 'emails'"))),
    }
    if "invocation" in results["r_options_masked"]:  # ansible-core 2.16 does not register it
        checks["invocation masks nested no_log values"] = \
            get("r_options_masked", "invocation", "module_args", "login", "password") == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    return ["expected: %s" % what for what, ok in checks.items() if not ok]


def coverage(modules_dir, results):
    """Every module of the collection has its three results, of the right kind."""
    problems = []
    modules = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith(".py") and not name.startswith("_"))
    for module in modules:
        if module not in COVERAGE:
            problems.append("module %s is not compared: give it a check, a real and a failed case in compare.yml and COVERAGE" % module)
            continue
        check, real, failed = (results.get(name) for name in COVERAGE[module])
        if check is None or real is None or failed is None:
            problems.append("module %s: a result of %s was not registered" % (module, ", ".join(COVERAGE[module])))
            continue
        if not (module.endswith("_info") or module in READS_ONLY) and not ("diff" in check and "diff" in real):
            problems.append("module %s: %s and %s must be registered with diff" % ((module,) + COVERAGE[module][:2]))
        if failed.get("failed") is not True:
            problems.append("module %s: %s did not fail" % (module, COVERAGE[module][2]))
    problems.extend("COVERAGE names %s, which is no module" % name for name in sorted(set(COVERAGE) - set(modules)))
    return problems


def load(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        return json.load(handle)


def main(directory, modules_dir):
    results = dict((path, load(directory, "%s.json" % path)) for path in ("module", "inprocess"))
    problems = coverage(modules_dir, results["module"])
    if len(results["module"]) < MINIMUM_RESULTS:
        problems.append("only %d registered results; compare.yml did not run through" % len(results["module"]))
    if sorted(results["module"]) != sorted(results["inprocess"]):
        problems.append("different registered names: %s" % sorted(set(results["module"]) ^ set(results["inprocess"])))
    problems.extend(expectations(results["module"]))
    module_ids, inprocess_ids = Placeholders(), Placeholders()
    for name in sorted(results["module"]):
        left = json.dumps(module_ids.normalise(results["module"][name]), indent=1, sort_keys=True)
        right = json.dumps(inprocess_ids.normalise(results["inprocess"].get(name)), indent=1, sort_keys=True)
        if left != right:
            diff = difflib.unified_diff(left.splitlines(), right.splitlines(), "module", "inprocess", lineterm="", n=2)
            problems.append("%s differs:\n%s" % (name, "\n".join(diff)))
    logs = []
    for path, ids in (("module", module_ids), ("inprocess", inprocess_ids)):
        requests = load(directory, "%s-requests.json" % path)
        logs.append(json.dumps(ids.normalise([dict((k, r.get(k)) for k in ("method", "path", "query", "body", "status"))
                                              for r in requests]), indent=1))
    if logs[0] != logs[1]:
        diff = difflib.unified_diff(logs[0].splitlines(), logs[1].splitlines(), "module", "inprocess", lineterm="", n=2)
        problems.append("the request logs differ:\n%s" % "\n".join(diff))
    requests = len(load(directory, "module-requests.json"))
    if problems:
        print("\n\n".join(problems))
        print("FAILED: %d difference(s) between the execution paths" % len(problems))
        return 1
    print("execution paths agree: %d registered results, %d requests each" % (len(results["module"]), requests))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
