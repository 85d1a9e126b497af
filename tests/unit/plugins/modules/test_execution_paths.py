"""The in-process runner (plugin_utils/_inprocess.run_task) against the module path, over real HTTP.

Each case runs a module's TASK both ways in this process: through its real main() (AnsibleModule,
exit_json/fail_json, the printed JSON) and through run_task, and the two results must be equal
(ids and times come from the same emulator state, so no normalising is needed). No controller code is imported here: it
would make module_utils send every module's warnings to the display (see _inprocess). The action plugin
itself, with a real ansible-playbook, is covered by the execution_paths integration target.
"""

from __future__ import annotations

import base64
import os

import pytest

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _module
from ansible_collections.edgeops.cloudflare.plugins.modules import cfd_tunnel, cfd_tunnel_info, tunnel_token, warp_connector
from ansible_collections.edgeops.cloudflare.plugins.plugin_utils import _inprocess as _action

SECRET = base64.b64encode(b"p" * 32).decode()


class Echo(object):
    """A work class no module declares: one request, its options back, a warning naming one."""

    secrets = ()

    def __init__(self, client, params, check_mode, diff):
        self.client, self.params = client, params

    @classmethod
    def check(cls, params):
        return dict(params)

    def run(self):
        self.client.get("/accounts/%s/cfd_tunnel" % self.params["account_id"])
        return dict(changed=False, label=self.params["label"], login=self.params["login"],
                    warnings=["label is %s" % self.params["label"]])


ECHO = _module.Task(Echo, dict(
    label=dict(type="str", aliases=["tag", "legacy"],
               deprecated_aliases=[dict(name="legacy", version="9.0.0", collection_name="edgeops.cloudflare")]),
    login=dict(type="dict", options=dict(user=dict(type="str"), password=dict(type="str", no_log=True))),
))


class EchoModule(object):
    """What run_module needs: a main()."""

    @staticmethod
    def main():
        ECHO.main()


def in_process(run_module, module_name, task, args, check_mode=False, diff=False, environ=None):
    full = dict(run_module.auth())
    full.update(args)
    result = _action.run_task(task, module_name, _action.plain(full), check_mode, diff, environ or {}, True)
    result["warnings"] = result.get("warnings", [])
    return result


def as_module(run_module, module, args, check_mode=False, diff=False):
    if tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2]) >= (2, 21):
        args = dict(args, _ansible_inject_invocation=True)  # INJECT_INVOCATION, as the action plugin asks for it
    result = run_module(module, args, check_mode=check_mode, diff=diff)
    del result["_stdout"]
    # AnsibleModule names itself after _ansible_module_name, which run_module does not pass.
    if result.get("msg", "").startswith("Unsupported parameters for ("):
        result["msg"] = result["msg"].replace("(%s)" % result["msg"].split("(")[1].split(")")[0], "(MODULE)", 1)
    return result


def same(run_module, module, args, check_mode=False, diff=False, name="MODULE"):
    """Run args on a fresh account both ways: results and requests must be equal; returns the in-process one."""
    run_module.emulator.control.reset()
    expected = as_module(run_module, module, args, check_mode, diff)
    requests_module = [(r["method"], r["path"], r["status"]) for r in run_module.requests()]
    run_module.emulator.control.reset()
    got = in_process(run_module, name, module.TASK if module is not EchoModule else ECHO, args, check_mode, diff)
    # Inside a pytest process ansible-core 2.19+ sends a module's warnings and deprecations to its
    # display, not into the printed result; the execution_paths integration target compares them.
    expected, got_compared = (normalise(dict((k, v) for k, v in value.items() if k not in ("warnings", "deprecations")), {})
                              for value in (expected, got))
    assert got_compared == expected
    assert [(r["method"], r["path"], r["status"]) for r in run_module.requests()] == requests_module
    return got


def normalise(value, ids):
    """Ids and times the emulator generates, as placeholders by order of appearance."""
    if isinstance(value, dict):
        return dict((key, "<time>" if key.endswith("_at") and value[key] else normalise(item, ids)) for key, item in value.items())
    if isinstance(value, list):
        return [normalise(item, ids) for item in value]
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return ids.setdefault(value, "<id-%d>" % len(ids))
    return value


@pytest.mark.parametrize("args, check_mode, diff", [
    (dict(name="unit-web", tunnel_secret=SECRET), True, True),
    (dict(name="unit-web", tunnel_secret=SECRET, config_src="cloudflare"), False, True),
    (dict(name="unit-web", state="absent"), False, False),
    (dict(name="unit-web", colour="blue"), False, False),
    (dict(name="unit-web", state="gone"), False, False),
    (dict(id="not-a-uuid"), False, False),
    (dict(name="unit-web", tunnel_secret="short"), False, False),
    (dict(name="unit-web", api_key="k"), False, False),
    (dict(name="unit-web", api_email="ops@example.com"), False, False),
    (dict(name="unit-web", api_token="not-a-valid-token"), False, False),
])
def test_cfd_tunnel_same_on_both_paths(run_module, args, check_mode, diff):
    result = same(run_module, cfd_tunnel, args, check_mode, diff)
    assert "invocation" in result


def test_a_no_log_value_is_masked_in_result_and_invocation(run_module):
    token = run_module.emulator.write_token
    result = same(run_module, cfd_tunnel, dict(name="unit-%s" % token, api_token=token))
    assert result["tunnel"]["name"] == "unit-********"
    assert result["invocation"]["module_args"]["api_token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_info_and_token_modules(run_module):
    same(run_module, cfd_tunnel_info, dict(include_prefix="unit-"))
    same(run_module, warp_connector, dict(ha=True))  # required_one_of
    result = same(run_module, tunnel_token, dict(name="unit-missing"))
    assert result["failed"] is True


def test_aliases_deprecations_and_nested_no_log(run_module):
    result = same(run_module, EchoModule, dict(legacy="hunter2-password", login=dict(user="ops", password="hunter2-password")))
    assert result["label"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["warnings"] == ["label is ********"]
    assert result["deprecations"] == [dict(msg="Alias 'legacy' is deprecated. See the module docs for more information",
                                           version="9.0.0", collection_name="edgeops.cloudflare")]
    assert result["invocation"]["module_args"]["login"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    result = same(run_module, EchoModule, dict(label="one", tag="two"))
    assert "Both option label and its alias tag are set." in result["warnings"]


def test_unsupported_parameters_name_the_module(run_module):
    result = in_process(run_module, "edgeops.cloudflare.cfd_tunnel", cfd_tunnel.TASK, dict(name="x", colour="blue"))
    assert result["msg"].startswith("Unsupported parameters for (edgeops.cloudflare.cfd_tunnel) module: colour.")
    assert run_module.requests() == []


def test_the_environment_given_is_used_and_os_environ_untouched(run_module, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", run_module.emulator.write_token)
    before = dict(os.environ)
    args = dict(name="unit-env")
    environ = dict(CLOUDFLARE_API_TOKEN=run_module.emulator.read_token, CLOUDFLARE_ACCOUNT_ID=run_module.emulator.account_id,
                   CLOUDFLARE_BASE_URL=run_module.emulator.base_url)
    result = _action.run_task(cfd_tunnel.TASK, "cfd_tunnel", args, False, False, environ, False)
    assert result["failure"]["status"] == 403
    assert "invocation" not in result
    assert dict(os.environ) == before
    assert run_module.writes()[0]["status"] == 403


def test_each_run_has_its_own_session(run_module, monkeypatch):
    sessions = []
    real = _module.new_client

    def recording(params, credentials):
        client = real(params, credentials)
        sessions.append(client.session)
        return client

    monkeypatch.setattr(_module, "new_client", recording)
    for _run in range(2):
        in_process(run_module, "cfd_tunnel_info", cfd_tunnel_info.TASK, dict(name="unit-web"))
    assert len(sessions) == 2 and sessions[0] is not sessions[1]
    assert all(not session.adapters["http://"].poolmanager.pools for session in sessions), "sessions are closed after each run"


def test_plain_copies_through_json():
    args = dict(names=("a", "b"), nested=dict(x=1))
    copied = _action.plain(args)
    assert copied == dict(names=["a", "b"], nested=dict(x=1))
    assert copied["nested"] is not args["nested"]
