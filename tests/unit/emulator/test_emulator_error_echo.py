"""The error_echo fault: a 400 quoting the request back (raw, as JSON text, URL-encoded)."""

import json
from urllib.parse import quote

TUNNELS = "/accounts/{account}/cfd_tunnel"
SECRET = "c2VjcmV0/with+slash=="  # a tunnel secret's characters that JSON and URLs escape


def message(resp):
    body = resp.json()
    assert resp.status_code == 400 and body["success"] is False, resp.text
    assert [e["code"] for e in body["errors"]] == [1001]
    return body["errors"][0]["message"]


def test_error_echo_quotes_body_and_credentials_in_three_forms_and_changes_nothing(api, emulator):
    emulator.control.fault(action="error_echo", method="POST", path=r"/cfd_tunnel$")
    raw_body = json.dumps({"name": "echoed", "tunnel_secret": SECRET})
    resp = api.call("POST", TUNNELS, data=raw_body, headers=dict(emulator.headers(), **{"Content-Type": "application/json"}))
    text = message(resp)
    assert SECRET in text                                   # raw
    assert SECRET.replace("/", "\\/") in text               # JSON text, with \/
    assert '\\"tunnel_secret\\"' in text                    # JSON text, with \"
    assert quote(SECRET, safe="") in text                   # URL-encoded
    assert emulator.write_token in text                     # the credentials too
    assert api.listing(TUNNELS, name="echoed")[0] == []     # not applied
    entry = emulator.control.requests(method="POST")[0]
    assert entry["fault"] == "error_echo" and entry["status"] == 400
    assert api.call("POST", TUNNELS, json={"name": "echoed"}).status_code == 200  # count 1 is used up


def test_error_echo_applied_changes_state_then_answers_the_echo(api, emulator):
    tunnel = api.create_tunnel("applied")
    emulator.control.fault(action="error_echo", method="PATCH", applied=True)
    resp = api.call("PATCH", TUNNELS + "/" + tunnel["id"], json={"name": "applied-renamed"})
    assert "applied-renamed" in message(resp)
    assert api.ok("GET", TUNNELS + "/" + tunnel["id"])["name"] == "applied-renamed"


def test_error_echo_quotes_the_query_string(api, emulator):
    emulator.control.fault(action="error_echo", method="GET")
    text = message(api.call("GET", TUNNELS, params={"name": "a/b c"}))
    assert "?name=a%2Fb+c" in text


def test_error_echo_is_a_known_action(emulator):
    rule = emulator.control.fault(action="error_echo")["faults"][0]
    assert rule == {"action": "error_echo", "count": 1, "applied": False}
