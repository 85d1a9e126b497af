"""Compare compare.yml's registered results and request logs between the two execution paths.

Usage: compare.py DIR (with module.json, inprocess.json, module-requests.json, inprocess-requests.json).
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

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{32}\b")
# ansible-core lists the valid booleans from a set: their order changes with each process's hash seed.
BOOLEANS_RE = re.compile(r"(Valid booleans include: )(.*)$")
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
GENERATED_KEYS = ("token", "ansible_job_id", "results_file", "started", "finished")
MINIMUM_RESULTS = 30


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
    }
    if "invocation" in results["r_options_masked"]:  # ansible-core 2.16 does not register it
        checks["invocation masks nested no_log values"] = \
            get("r_options_masked", "invocation", "module_args", "login", "password") == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    return ["expected: %s" % what for what, ok in checks.items() if not ok]


def load(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        return json.load(handle)


def main(directory):
    problems = []
    results = dict((path, load(directory, "%s.json" % path)) for path in ("module", "inprocess"))
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
    sys.exit(main(sys.argv[1]))
