"""What a newcomer tripped over (issue 17, points 4 and 5), through each module's real main()."""

from __future__ import annotations

import time

from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, cfd_tunnel_info


# ---- 4. a wrong CLOUDFLARE_BASE_URL: named at once ------------------------------------------

def test_a_wrong_base_url_in_the_environment_fails_at_once_naming_it(run_module, emulator, sleeps, monkeypatch, refused_url):
    url = refused_url
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", url)
    started = time.monotonic()
    result = run_module(cfd_tunnel, dict(name="web", api_token=emulator.write_token, account_id=emulator.account_id), auth=False)
    assert time.monotonic() - started < 5 and sleeps == []  # the default retries, and no backoff
    assert result["failed"] is True and result["failure"]["status"] is None
    assert result["msg"].endswith("connection refused: nothing listens there (check api_base_url or CLOUDFLARE_BASE_URL), "
                                  "at %s" % url), result["msg"]


# ---- 5. waiting for a tunnel that no connector runs: the timeout says why ---------------------

def test_a_wait_that_times_out_without_any_connector_says_what_is_missing(run_module, api, emulator, sleeps):
    tunnel = api.post("/accounts/%s/cfd_tunnel" % emulator.account_id, {"name": "web"})
    result = run_module(cfd_tunnel_info, dict(id=tunnel["id"], wait_for=dict(status=["healthy"], connectors=1, timeout=4,
                                                                             interval=2)))
    assert result["failed"] is True
    assert result["msg"] == ("Timed out after 4s waiting for tunnel %s: wanted status in healthy and at least 1 serving "
                             "connectors; last seen status inactive, 0 serving connectors (none). No connector serves this "
                             "tunnel: start cloudflared with its token (the edgeops.cloudflare.cloudflared role does), or "
                             "wait_for only after that." % tunnel["id"])
    assert sleeps == [2, 2]
