"""Serve the emulator with Werkzeug's threaded WSGI server, in a thread of the calling process."""

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import API_PREFIX, EmulatorApp
from .state import State


class QuietRequestHandler(WSGIRequestHandler):
    """No access log on stderr (it would only be noise in test output)."""

    verbose = False

    def log(self, type, message, *args):  # pylint: disable=redefined-builtin
        if self.verbose:
            super().log(type, message, *args)


class EmulatorServer:
    """`EmulatorServer(config).start()`; `.base_url` is the API base, `.root_url` the server root."""

    def __init__(self, config=None, host="127.0.0.1", port=0, verbose=False):
        self.state = State(config)
        self.app = EmulatorApp(self.state)
        self.host = host
        self.port = port
        self.verbose = verbose
        self._server = None
        self._thread = None

    @property
    def account_id(self):
        return self.state.account_id

    @property
    def config(self):
        return dict(self.state.config)

    @property
    def bound_port(self):
        if self._server is None:
            raise RuntimeError("emulator not started")
        return self._server.server_port

    @property
    def root_url(self):
        if self._server is None:
            raise RuntimeError("emulator not started")
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "http://%s:%d" % (host, self.bound_port)

    @property
    def base_url(self):
        return self.root_url + API_PREFIX

    def start(self):
        if self._server is not None:
            return self
        handler = type("Handler", (QuietRequestHandler,), {"verbose": self.verbose})
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="cloudflare-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
