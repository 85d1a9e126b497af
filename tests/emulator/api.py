"""Helpers shared by the route modules: envelope, body and query parsing, permissions, paging."""

import json
import uuid

from flask import current_app, g, jsonify, request

from . import errors
from .state import parse_time


def state():
    return current_app.config["EMULATOR_STATE"]


def ok(result, result_info=None):
    body = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return jsonify(body)


def require_write():
    if g.get("permission") != "write":
        raise errors.forbidden()


def json_body(required=True):
    """The request body as a JSON object; an absent body is {} unless required."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise errors.bad_request("a JSON request body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise errors.bad_request("malformed JSON body") from None
    if not isinstance(body, dict):
        raise errors.bad_request("the JSON body must be an object")
    return body


def field(body, key, types, required=False, default=None, type_name=None):
    """A typed body field; wrong type or missing required field -> 400."""
    if key not in body or (body[key] is None and not required):
        if required:
            raise errors.bad_request("field '%s' is required" % key)
        return default
    value = body[key]
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise errors.bad_request("field '%s' must be %s" % (key, type_name or _names(types)))
    if not isinstance(value, types):
        raise errors.bad_request("field '%s' must be %s" % (key, type_name or _names(types)))
    return value


def _names(types):
    types = types if isinstance(types, tuple) else (types,)
    return " or ".join({str: "a string", bool: "a boolean", int: "an integer", dict: "an object",
                        list: "an array"}.get(t, t.__name__) for t in types)


def bool_arg(name):
    """Tri-state boolean query parameter: None when absent."""
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise errors.bad_request("query parameter '%s' must be true or false" % name)


def time_arg(name):
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise errors.bad_request("query parameter '%s' must be an RFC 3339 date-time" % name) from None


def int_arg(name, default, minimum, maximum):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise errors.bad_request("query parameter '%s' must be an integer" % name) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise errors.bad_request("query parameter '%s' must be between %s and %s" % (name, minimum, maximum))
    return number


def paged(items, default_per_page, max_per_page):
    """Slice a list by page/per_page and return (page_items, result_info)."""
    page = int_arg("page", 1, 1, None)
    clamp = state().settings["per_page_over_max"] == "clamp"
    per_page = min(int_arg("per_page", default_per_page, 1, None if clamp else max_per_page), max_per_page)
    total = len(items)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    info = {
        "count": len(chunk),
        "page": page,
        "per_page": per_page,
        "total_count": total,
        "total_pages": (total + per_page - 1) // per_page,
    }
    return chunk, info


def unpaged_info(items):
    return {"count": len(items), "page": 1, "per_page": max(len(items), 1), "total_count": len(items), "total_pages": 1}


def uuid_value(value, what):
    """A UUID in canonical form, or a 400 naming `what`."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise errors.bad_request("%s must be a uuid" % what) from None
