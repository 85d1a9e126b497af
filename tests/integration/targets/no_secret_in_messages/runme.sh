#!/usr/bin/env bash
# No secret in any message: the play runs at -vvv while the emulator echoes requests back in error
# messages (fault error_echo: credentials, query and body raw, as JSON text and URL-encoded). The
# API token, a given tunnel secret and two generated ones must appear in no form in any output or
# registered result.
set -euo pipefail
cd "$(dirname "$0")"

LEAK_DIR="$(mktemp -d)"
chmod 700 "$LEAK_DIR"
# A token with the characters JSON and URLs escape, so every form of it differs from the raw one.
IT_API_TOKEN="$(printf '%s%s%s' 'it-token/with' '"' 'quote+plus=&amp')"
export IT_API_TOKEN
EMULATOR_CONFIG="$LEAK_DIR/emulator.json"
python3 -c 'import json, os, sys; json.dump({"tokens": {os.environ["IT_API_TOKEN"]: "write"}}, open(sys.argv[1], "w"))' \
    "$EMULATOR_CONFIG"
export EMULATOR_CONFIG
source ../setup_emulator/emulator.sh
trap 'rm -rf "$LEAK_DIR"; stop_emulator' EXIT
unset CLOUDFLARE_API_TOKEN  # the play passes IT_API_TOKEN explicitly

# A tunnel secret holding both "/" and "+" (base64 of 32 random bytes; drawn until it does).
IT_TUNNEL_SECRET="$("$EMULATOR_PYTHON" -c '
import base64, os
while True:
    secret = base64.b64encode(os.urandom(32)).decode()
    if "/" in secret and "+" in secret:
        print(secret)
        break')"
export IT_TUNNEL_SECRET LEAK_DIR

run_playbook_vvv no_secret.yml "$@"

"$EMULATOR_PYTHON" - "$LEAK_DIR" <<'PY'
import base64, json, os, sys, urllib.request
from urllib.parse import quote, quote_plus

out_dir = sys.argv[1]
base = os.environ["CLOUDFLARE_BASE_URL"]
account = os.environ["CLOUDFLARE_ACCOUNT_ID"]
api_token = os.environ["IT_API_TOKEN"]


def get(path):
    request = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + api_token})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["result"]


def secret_of(name):
    """The secret a tunnel runs with, from its token (the only place the API shows it)."""
    tunnels = get("/accounts/%s/cfd_tunnel?name=%s" % (account, name))
    assert len(tunnels) == 1, "expected one tunnel named %s" % name
    token = get("/accounts/%s/cfd_tunnel/%s/token" % (account, tunnels[0]["id"]))
    return json.loads(base64.b64decode(token))["s"]


given = os.environ["IT_TUNNEL_SECRET"]
generated_ok, generated_failed = secret_of("it-secret-a"), secret_of("it-secret-b")
assert len(set((given, generated_ok, generated_failed))) == 3, "the play should have rotated both secrets"

# The emulator must really have echoed each secret back, or this test proves nothing.
log = json.load(urllib.request.urlopen(os.environ["EMULATOR_ROOT"] + "/_emulator/requests"))["requests"]
echoed = [entry for entry in log if entry.get("fault") == "error_echo"]
assert len(echoed) == 7 and all(entry["status"] == 400 for entry in echoed), echoed


def forms(secret):
    """Every form a secret may take in a message, and each as a JSON printer shows it again."""
    escaped = json.dumps(secret)[1:-1]
    found = set((secret, escaped, escaped.replace("/", "\\/"), quote(secret, safe=""), quote_plus(secret, safe=""),
                 quote(secret)))
    return found | set(json.dumps(form)[1:-1] for form in found)


secrets = {"the API token": api_token, "the given tunnel secret": given,
           "the generated secret (rotation that worked)": generated_ok,
           "the generated secret (rotation answered with an echo)": generated_failed}
outputs = dict((name, open(os.path.join(out_dir, name), encoding="utf-8", errors="replace").read())
               for name in ("stdout", "stderr", "ansible.log", "results.json"))
assert "ESTABLISH LOCAL CONNECTION" in outputs["stdout"], "the play did not run at -vvv"
assert outputs["results.json"].count("Invalid request") >= 7, "the registered results lack the echoed errors"
leaks = sorted(set("%s in %s" % (what, where) for what, secret in secrets.items() for form in forms(secret)
                   for where, text in outputs.items() if form in text))
if leaks:
    sys.exit("SECRET LEAKED: " + "; ".join(leaks))
print("no leak: %d secrets in %d forms each, %d outputs (%d bytes)"
      % (len(secrets), len(forms(api_token)), len(outputs), sum(len(t) for t in outputs.values())))
PY
