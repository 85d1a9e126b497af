#!/usr/bin/env bash
# Access (access_policy, access_application, access_service_token, their _info modules and
# cfd_tunnel_config's ingress access) through real ansible-playbook runs against the emulator: the
# whole life of a protected app, bad input refused before any request, then the documented usage
# at -vvv: neither the API token nor any client secret may appear in any output.
set -euo pipefail
cd "$(dirname "$0")"
# Starts the emulator on a free port, exports CLOUDFLARE_* and EMULATOR_ROOT, stops it on exit.
source ../setup_emulator/emulator.sh

IT_SECRET_DIR="$(mktemp -d)"
chmod 700 "$IT_SECRET_DIR"
export IT_SECRET_DIR
trap 'rm -rf "$IT_SECRET_DIR"; stop_emulator' EXIT

run_playbook play.yml "$@"
run_playbook bad_input.yml "$@"

# ---- the -vvv no-leak run --------------------------------------------------------------
LEAK_DIR="$(mktemp -d)"
chmod 700 "$LEAK_DIR"
trap 'rm -rf "$IT_SECRET_DIR" "$LEAK_DIR"; stop_emulator' EXIT
rm -f "$IT_SECRET_DIR"/*
IT_API_TOKEN="$CLOUDFLARE_API_TOKEN"
export IT_API_TOKEN
unset CLOUDFLARE_API_TOKEN  # the play passes the API token explicitly (module_defaults)

run_playbook_vvv no_leak.yml

# Every secret the play made is a valid one (checked as Access would), and none is in any output.
"$EMULATOR_PYTHON" - "$LEAK_DIR" "$IT_SECRET_DIR" <<'PY'
import json, os, sys, urllib.request

out_dir, secret_dir = sys.argv[1], sys.argv[2]
secrets = dict((name, open(os.path.join(secret_dir, name + ".secret"), encoding="utf-8").read())
               for name in ("created", "rotated", "file"))
assert all(len(s) == 64 for s in secrets.values()), "every secret file holds a client secret"
state = json.load(urllib.request.urlopen(os.environ["EMULATOR_ROOT"] + "/_emulator/state"))
tokens = dict((t["name"], t) for t in state["access"]["service_tokens"].values())


def valid(token, secret):
    request = urllib.request.Request(os.environ["EMULATOR_ROOT"] + "/_emulator/access/verify", method="POST",
                                     data=json.dumps({"client_id": token["client_id"], "client_secret": secret}).encode(),
                                     headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["valid"]


assert not valid(tokens["it-leak"], secrets["created"]), "rotating without a grace period ends the old secret"
assert valid(tokens["it-leak"], secrets["rotated"]) and valid(tokens["it-leak-file"], secrets["file"])
needles = dict(("the %s client secret" % name, secret) for name, secret in secrets.items())
needles.update(("the start of the %s client secret" % name, secret[:24]) for name, secret in secrets.items())
needles["the API token"] = os.environ["IT_API_TOKEN"]
outputs = dict((name, open(os.path.join(out_dir, name), encoding="utf-8", errors="replace").read())
               for name in ("stdout", "stderr", "ansible.log"))
assert "TASK [A token whose task forgets no_log, in diff mode]" in outputs["stdout"], "the play output is missing"
assert "ESTABLISH LOCAL CONNECTION" in outputs["stdout"], "the play did not run at -vvv"
assert "service_token_in_use" in outputs["stdout"], "the failure message is shown"
leaks = ["%s in %s" % (what, where) for what, needle in needles.items() for where, text in outputs.items() if needle in text]
if leaks:
    sys.exit("SECRET LEAKED: " + "; ".join(leaks))
print("no leak: checked %d secrets in %d outputs (%d bytes of -vvv output)"
      % (len(needles), len(outputs), sum(len(t) for t in outputs.values())))
PY
