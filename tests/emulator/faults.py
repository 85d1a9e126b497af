"""Fault injection rules: explicit rules first, then the seeded random mode."""

import json
import random
import re
from urllib.parse import quote

from . import errors

ACTIONS = ("429", "5xx", "latency", "drop_before", "drop_after", "error_echo")
RANDOM_ACTIONS = ("429", "5xx", "drop_before", "drop_after")


def validate_rule(rule):
    """Return a normalised copy of a rule, or raise a 400."""
    if not isinstance(rule, dict):
        raise errors.bad_request("a fault rule must be an object")
    action = rule.get("action")
    if action not in ACTIONS:
        raise errors.bad_request("fault action must be one of %s" % ", ".join(ACTIONS))
    out = {"action": action, "count": rule.get("count", 1)}
    if not isinstance(out["count"], int) or isinstance(out["count"], bool) or out["count"] < 1:
        raise errors.bad_request("fault count must be a positive integer")
    if rule.get("method") is not None:
        if not isinstance(rule["method"], str):
            raise errors.bad_request("fault method must be a string")
        out["method"] = rule["method"].upper()
    if rule.get("path") is not None:
        try:
            re.compile(rule["path"])
        except (re.error, TypeError):
            raise errors.bad_request("fault path must be a regular expression") from None
        out["path"] = rule["path"]
    if action == "429":
        out["retry_after"] = str(rule.get("retry_after", "1"))
        out["retry_after_date"] = bool(rule.get("retry_after_date", False))
    if action == "5xx":
        out["status"] = rule.get("status", 503)
        if out["status"] not in (500, 502, 503, 504):
            raise errors.bad_request("fault status must be 500, 502, 503 or 504")
    if action == "latency":
        delay = rule.get("delay", 0.5)
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or not 0 <= delay <= 60:
            raise errors.bad_request("fault delay must be a number of seconds 0..60")
        out["delay"] = float(delay)
    if action == "error_echo":
        out["applied"] = bool(rule.get("applied", False))
    return out


def validate_random(spec):
    if not isinstance(spec, dict):
        raise errors.bad_request("random must be an object")
    rate = spec.get("rate")
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
        raise errors.bad_request("random.rate must be a number 0..1")
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise errors.bad_request("random.seed must be an integer")
    actions = spec.get("actions", list(RANDOM_ACTIONS))
    if not isinstance(actions, list) or not actions or any(a not in ACTIONS for a in actions):
        raise errors.bad_request("random.actions must be a non-empty list of %s" % ", ".join(ACTIONS))
    return {"rate": float(rate), "seed": seed, "actions": list(actions),
            "retry_after": str(spec.get("retry_after", "1")), "delay": float(spec.get("delay", 0.2))}


def pick(state, method, path):
    """Consume and return the fault for this API request, or None.  Call with the state lock held."""
    for rule in state.faults:
        if rule.get("method") and rule["method"] != method:
            continue
        if rule.get("path") and not re.search(rule["path"], path):
            continue
        rule["count"] -= 1
        if rule["count"] <= 0:
            state.faults.remove(rule)
        return dict(rule)
    spec = state.random_faults
    if spec is None:
        return None
    if state.rng is None:
        state.rng = random.Random(spec["seed"])
    if state.rng.random() >= spec["rate"]:
        return None
    action = state.rng.choice(spec["actions"])
    fault = {"action": action, "random": True}
    if action == "429":
        fault["retry_after"] = spec["retry_after"]
        fault["retry_after_date"] = False
    elif action == "5xx":
        fault["status"] = state.rng.choice([502, 503, 504])
    elif action == "latency":
        fault["delay"] = spec["delay"]
    return fault


def echo(method, path, query, credentials, body):
    """error_echo: a 400 that quotes the request back, as a careless API would, so tests can check
    that clients scrub secrets from error messages. The credentials, query string and body appear
    raw, as JSON text (with ``\\"`` and ``\\/``) and URL-encoded."""
    text = "%s %s?%s credentials=%s body=%s" % (method, path, query, credentials, body)
    as_json = json.dumps(text).replace("/", "\\/")
    return errors.echoed_request(text, as_json, quote(text, safe=""))
