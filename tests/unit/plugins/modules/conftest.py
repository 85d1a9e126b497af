"""Run modules in-process, over real HTTP against the emulator, through their real exit path."""

from __future__ import annotations

import io
import json
from contextlib import contextmanager, redirect_stdout

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _api

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 has no helper: modules read basic._ANSIBLE_ARGS

    @contextmanager
    def patch_module_args(args):
        """Hand args to the next AnsibleModule the way ansible-core before 2.19 reads them."""
        from ansible.module_utils import basic

        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class ModuleRun(object):
    """Runs one module's main() with args and returns the JSON it printed (exit_json or fail_json)."""

    def __init__(self, emulator, sleeps):
        self.emulator = emulator
        self.sleeps = sleeps

    def auth(self, token=None):
        return dict(api_token=token or self.emulator.write_token, account_id=self.emulator.account_id,
                    api_base_url=self.emulator.base_url)

    def requests(self, method=None):
        return [r for r in self.emulator.control.requests() if method in (None, r["method"])]

    def calls(self):
        """(method, path below the account, query without paging) of each request since the last clear."""
        out = []
        for r in self.requests():
            query = dict((k, v) for k, v in (r["query"] or {}).items() if k not in ("page", "per_page"))
            out.append((r["method"], r["path"].split("/", 3)[3], query))
        return out

    def writes(self):
        return [r for r in self.emulator.control.requests() if r["method"] != "GET"]

    def clear(self):
        self.emulator.control.clear_requests()

    def __call__(self, module, args, check_mode=False, diff=False, auth=True):
        full = dict(self.auth()) if auth else {}
        full.update(args)
        full["_ansible_check_mode"] = check_mode
        full["_ansible_diff"] = diff
        # A real module run is a process of its own: start each run without the warnings of the last.
        ansible_warnings._global_warnings.clear()
        ansible_warnings._global_deprecations.clear()
        out = io.StringIO()
        with patch_module_args(full), redirect_stdout(out):
            with pytest.raises(SystemExit):
                module.main()
        text = out.getvalue()
        result = json.loads(text)
        result["_stdout"] = text
        # ansible-core 2.19+ sends structured warnings; keep just their text.
        result["warnings"] = [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]
        return result


@pytest.fixture
def sleeps(monkeypatch, emulator):
    """Every wait the client or a poll asks for, without waiting; with the emulator's request budget on,
    each passes that much time on its clock."""
    waited = []

    def sleep(seconds):
        waited.append(seconds)
        if emulator.control.settings()["rate_limit"]:
            emulator.control.advance_ratelimit(seconds)
    monkeypatch.setattr(_api, "default_sleep", sleep)
    return waited


@pytest.fixture
def run_module(emulator, sleeps, monkeypatch):
    for var in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return ModuleRun(emulator, sleeps)


@pytest.fixture
def api(emulator):
    """A client with the write token, for arranging and checking the emulator's state around a module run."""
    return _api.CloudflareClient(emulator.base_url, api_token=emulator.write_token)
