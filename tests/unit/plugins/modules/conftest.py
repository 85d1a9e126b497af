"""Run modules in-process, over real HTTP against the emulator, through their real exit path."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from ansible.module_utils.common import warnings as ansible_warnings
from ansible.module_utils.testing import patch_module_args
from ansible_collections.edgeops.cloudflare.plugins.module_utils import _api


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

    def writes(self):
        return [r for r in self.emulator.control.requests() if r["method"] != "GET"]

    def clear(self):
        self.emulator.control.clear_requests()

    def __call__(self, module, args, check_mode=False, diff=False, auth=True):
        full = dict(self.auth()) if auth else {}
        full.update(args)
        full["_ansible_check_mode"] = check_mode
        full["_ansible_diff"] = diff
        # AnsibleModule.warn collects into a process-wide list; each run here is its own task.
        ansible_warnings._global_warnings.clear()
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
def sleeps(monkeypatch):
    """Every wait the client or a poll asks for, without waiting."""
    waited = []
    monkeypatch.setattr(_api, "default_sleep", waited.append)
    return waited


@pytest.fixture
def run_module(emulator, sleeps, monkeypatch):
    for var in ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return ModuleRun(emulator, sleeps)
