"""The WSGI application: Flask routing plus a thin wrapper for the request log, the request budget and faults."""

import io
import json
import socket
import time
from email.utils import formatdate
from urllib.parse import parse_qs

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from . import errors, faults, routes_access, routes_controls, routes_dns, routes_hostname, routes_teamnet, routes_tunnels

API_PREFIX = "/client/v4"
REDACTED = "<redacted>"
SECRET_FIELDS = ("tunnel_secret", "token", "TunnelSecret")


class DroppedConnection(ConnectionAbortedError):
    """Raised to make Werkzeug abandon the connection without writing a response."""


def authenticate(st):
    """Set g.permission ('read'|'write') and g.auth_kind ('token'|'key') or raise."""
    header = request.headers.get("Authorization")
    email = request.headers.get("X-Auth-Email")
    key = request.headers.get("X-Auth-Key")
    if header is not None:
        scheme, dummy, token = header.partition(" ")
        permission = st.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if permission is None:
            raise errors.invalid_token()
        g.permission = permission
        g.auth_kind = "token"
        g.token = token.strip()
        return
    if email is None and key is None:
        raise errors.missing_auth()
    if email is None or key is None:
        raise errors.missing_auth()
    if email.strip().lower() != st.config["email"].lower() or key.strip() != st.config["api_key"]:
        raise errors.bad_email_key()
    g.permission = "write"
    g.auth_kind = "key"


def create_flask(st):
    app = Flask("edgeops_cloudflare_emulator")
    app.config["EMULATOR_STATE"] = st
    app.json.sort_keys = False
    app.url_map.strict_slashes = False

    @app.before_request
    def _auth():
        if not request.path.startswith(API_PREFIX + "/") or request.url_rule is None:
            return
        authenticate(st)
        account_id = (request.view_args or {}).get("account_id")
        if account_id is not None and account_id != st.account_id:
            raise errors.forbidden()

    @app.errorhandler(errors.ApiError)
    def _api_error(exc):
        return jsonify(exc.body()), exc.status, exc.headers

    @app.errorhandler(HTTPException)
    def _http_error(exc):
        if exc.code in (404, 405):
            err = errors.no_route()
        elif exc.code == 400:
            err = errors.bad_request(exc.description or "bad request")
        else:
            err = errors.ApiError(exc.code or 500, 10002, exc.description or "error")
        return jsonify(err.body()), err.status

    @app.errorhandler(Exception)
    def _crash(exc):  # pragma: no cover - a bug in the emulator, made visible to the client
        app.logger.exception("emulator error")
        return jsonify(errors.failure_body([(10002, "Internal emulator error: %s" % type(exc).__name__)])), 500

    app.register_blueprint(routes_tunnels.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_teamnet.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_hostname.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_dns.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_access.bp, url_prefix=API_PREFIX)
    app.register_blueprint(routes_controls.bp)
    app.register_blueprint(routes_access.controls)
    return app


def redact(value):
    if isinstance(value, dict):
        return {k: (REDACTED if k in SECRET_FIELDS and isinstance(v, str) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _read_body(environ):
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return stream.read(length) if length > 0 else b""


def _log_body(raw):
    if not raw.strip():
        return None
    try:
        return redact(json.loads(raw))
    except ValueError:
        return raw.decode("utf-8", "replace")


def _drop(environ):
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise DroppedConnection("fault injection: connection dropped")


def _echo(environ, start_response, entry, method, api_path, raw):
    """Answer with the error_echo fault: the request quoted back in an error message."""
    credentials = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[2] or environ.get("HTTP_X_AUTH_KEY", "")
    err = faults.echo(method, api_path, environ.get("QUERY_STRING", ""), credentials, raw.decode("utf-8", "replace"))
    return _answer(environ, start_response, entry, err)


def _answer(environ, start_response, entry, err, extra_headers=None):
    """Answer with an error envelope without reaching the routes (faults, the request budget)."""
    entry["status"] = err.status
    headers = dict(err.headers, **(extra_headers or {}))
    resp = Response(json.dumps(err.body()), status=err.status, headers=headers, content_type="application/json")
    return resp(environ, start_response)


class EmulatorApp:
    """WSGI callable: logs API calls, spends the request budget, applies faults, serialises access to the state."""

    def __init__(self, st):
        self.state = st
        self.flask = create_flask(st)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not (path == API_PREFIX or path.startswith(API_PREFIX + "/")):
            with self.state.lock:
                return [b"".join(self.flask(environ, start_response))]
        raw = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        environ.pop("wsgi.input_terminated", None)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        api_path = path[len(API_PREFIX):] or "/"
        query = {k: (v[0] if len(v) == 1 else v)
                 for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        entry = {"method": method, "path": api_path, "query": query, "body": _log_body(raw), "status": None}
        with self.state.lock:
            allowed, budget = self.state.limiter.take() if self.state.limiter else (True, {})
            fault = faults.pick(self.state, method, api_path) if allowed else None
            self.state.request_log.append(entry)
        if not allowed:
            return _answer(environ, start_response, entry, errors.rate_limit_exceeded(), budget)
        action = fault["action"] if fault else None
        if fault:
            entry["fault"] = action
        if action == "latency":
            time.sleep(fault["delay"])
        elif action == "drop_before":
            _drop(environ)
        elif action in ("429", "5xx"):
            if action == "429":
                retry_after = fault["retry_after"]
                if fault.get("retry_after_date"):
                    retry_after = formatdate(time.time() + float(retry_after), usegmt=True)
                err = errors.rate_limited(retry_after)
            else:
                err = errors.unavailable(fault["status"])
            return _answer(environ, start_response, entry, err)

        if action == "error_echo" and not fault.get("applied"):
            return _echo(environ, start_response, entry, method, api_path, raw)

        captured = {}

        def _start(status, headers, exc_info=None):
            captured["status"] = int(status.split(None, 1)[0])
            if action == "error_echo":  # the echo answers instead
                return lambda data: None
            return start_response(status, list(headers) + list(budget.items()), exc_info)

        with self.state.lock:
            result = self.flask(environ, _start)
            try:
                payload = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        entry["status"] = captured.get("status")
        if action == "drop_after":
            _drop(environ)
        if action == "error_echo":  # applied: the request took effect, the answer is the echo
            return _echo(environ, start_response, entry, method, api_path, raw)
        return [payload]
