"""Shared pytest fixtures: one emulator per test session, state reset before every test."""

import socket

import pytest

try:
    from ansible_collections.edgeops.cloudflare.tests.emulator.control import EmulatorControl
    from ansible_collections.edgeops.cloudflare.tests.emulator.server import EmulatorServer
except ImportError:  # running from a plain checkout: python -m pytest tests/unit from the repo root
    from tests.emulator.control import EmulatorControl
    from tests.emulator.server import EmulatorServer


class EmulatorHandle:
    """What a test needs to talk to the emulator."""

    def __init__(self, server):
        config = server.config
        self.server = server
        self.base_url = server.base_url
        self.root_url = server.root_url
        self.account_id = server.account_id
        self.write_token = config["write_token"]
        self.read_token = config["read_token"]
        self.email = config["email"]
        self.api_key = config["api_key"]
        self.control = EmulatorControl(server.root_url)

    def headers(self, token=None):
        """Bearer headers for the write token (or the given token)."""
        return {"Authorization": "Bearer %s" % (token or self.write_token)}

    def url(self, path):
        """API URL for a path; '{account}' is replaced by the account id."""
        return self.base_url + path.replace("{account}", self.account_id)


@pytest.fixture(scope="session")
def emulator_server():
    server = EmulatorServer().start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_server):
    handle = EmulatorHandle(emulator_server)
    handle.control.reset()
    return handle


@pytest.fixture
def refused_url():
    """An API base URL on a loopback port nothing listens on: connections to it are refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return "http://127.0.0.1:%d/client/v4" % port
