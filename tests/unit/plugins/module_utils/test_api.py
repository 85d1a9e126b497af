"""The API client over real HTTP against the emulator: envelope, paging, retries, auth, secrets."""

from __future__ import annotations

import os
import re


import pytest

from ansible_collections.edgeops.cloudflare.plugins.module_utils._api import (
    COLLECTION_VERSION,
    USER_AGENT,
    CloudflareClient,
    CloudflareError,
    CloudflareTransportError,
    more_pages,
    parse_retry_after,
)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(emulator, sleeps):
    return CloudflareClient(emulator.base_url, api_token=emulator.write_token, retries=3, sleep=sleeps.append)


def tunnels_path(emulator):
    return "/accounts/%s/cfd_tunnel" % emulator.account_id


def create(client, emulator, name):
    return client.post(tunnels_path(emulator), {"name": name})


def test_request_returns_result_and_sends_user_agent(client, emulator):
    tunnel = create(client, emulator, "ua")
    assert tunnel["name"] == "ua" and tunnel["id"]
    assert client.request_count == 1
    log = emulator.control.requests()
    assert log[-1]["method"] == "POST" and log[-1]["path"] == tunnels_path(emulator)


def test_user_agent_names_collection_and_the_galaxy_version():
    galaxy = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "galaxy.yml")
    with open(galaxy, encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)\s*$", handle.read(), re.M).group(1).strip("'\"")
    assert COLLECTION_VERSION == version
    assert USER_AGENT.startswith("edgeops.cloudflare/%s " % version)


def test_envelope_error_carries_codes_status_method_and_path(client, emulator):
    create(client, emulator, "twice")
    with pytest.raises(CloudflareError) as info:
        create(client, emulator, "twice")
    err = info.value
    assert err.status == 409
    assert err.codes == [1013]
    assert err.method == "POST" and err.path == tunnels_path(emulator)
    assert str(err) == ("Cloudflare API error 1013 (HTTP 409) on POST %s: You already have a tunnel with this name"
                        % tunnels_path(emulator))
    assert err.to_dict()["errors"] == [{"code": 1013, "message": "You already have a tunnel with this name"}]


def test_unknown_path_is_a_7003_error(client):
    with pytest.raises(CloudflareError) as info:
        client.get("/no/such/thing")
    assert info.value.status == 404 and info.value.has_code(7003)


def test_paginate_fetches_every_page_without_an_extra_empty_one(client, emulator):
    for i in range(7):
        create(client, emulator, "page-%d" % i)
    before = client.request_count
    names = [t["name"] for t in client.paginate(tunnels_path(emulator), {"is_deleted": "false"}, per_page=3)]
    assert names == ["page-%d" % i for i in range(7)]
    assert client.request_count - before == 3  # 3 + 3 + 1: the short page ends it


def test_paginate_stops_at_total_count_on_an_exact_multiple(client, emulator):
    for i in range(6):
        create(client, emulator, "exact-%d" % i)
    emulator.control.clear_requests()
    items = list(client.paginate(tunnels_path(emulator), per_page=3))
    assert len(items) == 6
    pages = [r["query"].get("page") for r in emulator.control.requests()]
    assert pages == ["1", "2"]  # no third, empty page


def test_first_page_says_whether_it_holds_everything(client, emulator):
    for i in range(3):
        create(client, emulator, "first-%d" % i)
    items, complete = client.first_page(tunnels_path(emulator), {"is_deleted": "false"}, per_page=2)
    assert [t["name"] for t in items] == ["first-0", "first-1"] and complete is False
    items, complete = client.first_page(tunnels_path(emulator), {"is_deleted": "false"}, per_page=3)
    assert len(items) == 3 and complete is True


@pytest.mark.parametrize("result_info, seen, count, more", [
    ({"per_page": 3, "total_count": 7}, 3, 3, True),
    ({"per_page": 3, "total_count": 6}, 6, 3, False),      # total reached on a full page
    ({"per_page": 3, "total_count": 7}, 7, 1, False),      # short page
    ({"per_page": 100, "total_count": 250}, 100, 100, True),  # the API paged by fewer than asked for (1000)
    ({}, 1000, 1000, True),                                 # nothing said: a full page asks for more
    ({}, 999, 999, False),
])
def test_more_pages(result_info, seen, count, more):
    assert more_pages(result_info, seen, 1000, count) is more


def test_429_waits_for_retry_after_then_succeeds(client, emulator, sleeps):
    emulator.control.fault(action="429", method="GET", count=2, retry_after="7")
    assert client.get(tunnels_path(emulator)) == []
    assert sleeps == [7.0, 7.0]
    assert client.request_count == 3


def test_429_retry_after_beyond_the_cap_fails_at_once(emulator, sleeps):
    client = CloudflareClient(emulator.base_url, api_token=emulator.write_token, retry_max_wait=60, sleep=sleeps.append)
    emulator.control.fault(action="429", method="GET", count=1, retry_after="300")
    with pytest.raises(CloudflareError) as info:
        client.get(tunnels_path(emulator))
    assert info.value.status == 429
    assert "exceeds retry_max_wait (60s)" in str(info.value)
    assert sleeps == []


def test_429_on_post_is_retried_because_nothing_was_processed(client, emulator, sleeps):
    emulator.control.fault(action="429", method="POST", count=1, retry_after="1")
    create(client, emulator, "after-429")
    assert len([r for r in emulator.control.requests() if r["method"] == "POST"]) == 2
    names = [t["name"] for t in client.paginate(tunnels_path(emulator))]
    assert names == ["after-429"]


def test_5xx_on_get_is_retried_with_backoff(client, emulator, sleeps):
    emulator.control.fault(action="5xx", method="GET", count=2, status=503)
    assert client.get(tunnels_path(emulator)) == []
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


def test_5xx_retries_give_up_with_the_error(client, emulator, sleeps):
    emulator.control.fault(action="5xx", method="GET", count=10, status=502)
    with pytest.raises(CloudflareError) as info:
        client.get(tunnels_path(emulator))
    assert info.value.status == 502
    assert client.request_count == 4 and len(sleeps) == 3


def test_5xx_on_post_is_not_retried(client, emulator, sleeps):
    emulator.control.fault(action="5xx", method="POST", count=1, status=503)
    with pytest.raises(CloudflareError) as info:
        create(client, emulator, "maybe")
    assert info.value.status == 503
    assert len([r for r in emulator.control.requests() if r["method"] == "POST"]) == 1
    assert sleeps == []


def test_lost_post_response_is_not_retried_blindly(client, emulator, sleeps):
    emulator.control.fault(action="drop_after", method="POST", count=1)
    with pytest.raises(CloudflareTransportError) as info:
        create(client, emulator, "lost")
    assert info.value.sent is True
    assert sleeps == []
    # The create did happen: the caller must look it up, not repeat it.
    assert [t["name"] for t in client.paginate(tunnels_path(emulator))] == ["lost"]


def test_dropped_get_is_retried(client, emulator, sleeps):
    emulator.control.fault(action="drop_before", method="GET", count=1)
    assert client.get(tunnels_path(emulator)) == []
    assert len(sleeps) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_connection_fails_at_once_naming_the_url(sleeps, method, refused_url):
    url = refused_url
    client = CloudflareClient(url, api_token="t", sleep=sleeps.append)  # the default retries
    with pytest.raises(CloudflareTransportError) as info:
        client.request(method, "/accounts/x/cfd_tunnel", json={"name": "n"} if method == "POST" else None)
    assert info.value.sent is False and client.request_count == 1 and sleeps == []
    assert str(info.value) == ("Cloudflare API request failed (no HTTP response) on %s /accounts/x/cfd_tunnel: connection "
                               "refused: nothing listens there (check api_base_url or CLOUDFLARE_BASE_URL), at %s" % (method, url))


def test_a_failure_to_connect_for_another_reason_is_retried_and_names_the_url_without_credentials(sleeps):
    # .invalid never resolves (RFC 6761): the request never left, so even a POST may be tried again.
    client = CloudflareClient("http://user:pass@api.example.invalid/client/v4", api_token="t", retries=2, sleep=sleeps.append)
    with pytest.raises(CloudflareTransportError) as info:
        client.post("/accounts/x/cfd_tunnel", {"name": "n"})
    assert info.value.sent is False and client.request_count == 3 and len(sleeps) == 2
    assert str(info.value).endswith("could not connect to the API, at http://api.example.invalid/client/v4")


def test_read_timeout_on_get_is_retried_then_reported(emulator, sleeps):
    client = CloudflareClient(emulator.base_url, api_token=emulator.write_token, retries=1, timeout=0.2, sleep=sleeps.append)
    emulator.control.fault(action="latency", method="GET", count=2, delay=0.6)
    with pytest.raises(CloudflareTransportError) as info:
        client.get(tunnels_path(emulator))
    assert "timed out" in str(info.value)
    assert client.request_count == 2 and len(sleeps) == 1


def test_email_and_key_auth(emulator):
    client = CloudflareClient(emulator.base_url, api_email=emulator.email, api_key=emulator.api_key)
    assert client.post(tunnels_path(emulator), {"name": "by-key"})["name"] == "by-key"


def test_bad_token_is_an_auth_error_without_the_token(emulator):
    secret = "not-a-valid-token-4f9a8b7c6d5e"
    client = CloudflareClient(emulator.base_url, api_token=secret)
    with pytest.raises(CloudflareError) as info:
        client.get(tunnels_path(emulator))
    assert info.value.status in (401, 403)
    assert secret not in str(info.value) and secret not in repr(info.value.to_dict())


def test_read_token_cannot_write(emulator):
    client = CloudflareClient(emulator.base_url, api_token=emulator.read_token)
    with pytest.raises(CloudflareError) as info:
        client.post(tunnels_path(emulator), {"name": "nope"})
    assert info.value.status == 403
    assert emulator.read_token not in str(info.value)


def test_no_secret_in_any_error_message(emulator, sleeps):
    secret_key = "global-key-that-must-not-leak-123"
    client = CloudflareClient(emulator.base_url, api_email=emulator.email, api_key=secret_key, sleep=sleeps.append)
    with pytest.raises(CloudflareError) as info:
        client.get(tunnels_path(emulator))
    assert secret_key not in str(info.value)
    tunnel_secret = "c2VjcmV0LXRoYXQtaXMtdG9vLXNob3J0"  # base64 of 24 bytes: rejected by the API
    good = CloudflareClient(emulator.base_url, api_token=emulator.write_token, sleep=sleeps.append)
    with pytest.raises(CloudflareError) as info:
        good.post(tunnels_path(emulator), {"name": "s", "tunnel_secret": tunnel_secret})
    assert info.value.status == 400
    assert tunnel_secret not in str(info.value)


def test_parse_retry_after_seconds_and_http_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_429_with_http_date_retry_after(client, emulator, sleeps):
    emulator.control.fault(action="429", method="GET", count=1, retry_after_date=True, retry_after="2")
    client.get(tunnels_path(emulator))
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 3.0
