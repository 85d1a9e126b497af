"""Every guide of the docs site, the README's playbooks and the demo, verbatim, against the API emulator.

    python guides.py COLLECTION_ROOT [ansible-playbook options]    (runme.sh runs it)

What is extracted: the YAML blocks of README.md (```yaml) and of every guide that
docs/docsite/extra-docs.yml lists (``.. code:: yaml``), in order. A block is
- plays (items with ``hosts``): a play with ``tasks`` runs as written; a play with ``roles`` applies the
  cloudflared role to real hosts, which tests/role/run.sh covers, so here it only passes
  ``ansible-playbook --syntax-check``; a play with neither (``module_defaults`` and the like) is the
  header of the task blocks after it;
- tasks: added, as written, to a play of the last header (``hosts: localhost``, no facts, without one);
  task blocks and plays where every task has ``state: absent`` are the document's teardown;
- anything else (role variables, a ``roles:`` excerpt) must be valid YAML.

What runs, for each document, on an account the emulator has just reset: the setup with ``--check
--diff`` (nothing may be written or asked with a stand-in id, every change must show a diff), then
for real (every task of the collection must change exactly when check mode said it would), then
again (nothing may change, and nothing be written); then the teardown the same way, after which the
account must be empty again. A task with ``update_secret: always`` rotates on every run by design and
may change again. playbooks/demo.yml runs with ``--check --diff``, then for real, compared the same way.

What the harness adds, as the user's world would: a connector that registers for every new cloudflared
tunnel with its token (cloudflared on the user's hosts; the README waits for one), an inventory
that puts one local host in every group a play names, the folders secrets are written into
(``dest``; created for the run and removed after it when they did not exist), and the variables
the plays take from the user's vault and inventory (``vault_cloudflare_api_token``,
``cloudflare_account_id``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

import requests
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
STAND_IN_MARK = "(known after apply: "
DEFAULT_HEADER = "- hosts: localhost\n  gather_facts: false\n"


class Failure(Exception):
    pass


# ---- extraction ---------------------------------------------------------------------------

def yaml_blocks(path):
    """(line number, text) of each YAML code block of a reStructuredText guide or of a Markdown file."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".md"):
        pattern = re.compile(r"^```yaml\n(.*?)^```", re.M | re.S)
        return [(text[:m.start()].count("\n") + 2, m.group(1)) for m in pattern.finditer(text)]
    pattern = re.compile(r"^\.\. code(?:-block)?:: yaml\n\n((?:(?:   .*)?\n)+)", re.M)
    return [(text[:m.start()].count("\n") + 3, "\n".join(line[3:] for line in m.group(1).splitlines()) + "\n")
            for m in pattern.finditer(text)]


def documents(root):
    """(name, path) of the README and of every guide of the docs site, in the site's order."""
    with open(os.path.join(root, "docs", "docsite", "extra-docs.yml"), encoding="utf-8") as handle:
        sections = yaml.safe_load(handle)["sections"]
    guides = [entry for section in sections for entry in section["toctree"]]
    found = [("README", os.path.join(root, "README.md"))]
    found += [(guide, os.path.join(root, "docs", "docsite", "rst", guide + ".rst")) for guide in guides]
    return found


def split_plays(text):
    """The text of each play of a block of plays (each starts with '- ' in the first column)."""
    starts = [m.start() for m in re.finditer(r"^- ", text, re.M)]
    return [text[start:end] for start, end in zip(starts, starts[1:] + [len(text)])]


def indent(text, spaces):
    return "".join((" " * spaces + line if line.strip() else line) + "\n" for line in text.splitlines())


class Document(object):
    """One document's blocks, sorted into the playbooks that run and the parts that are only checked."""

    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.setup = []      # play texts, in order
        self.teardown = []
        self.role_plays = []
        self.every_run = set()  # names of tasks that change on every run by design
        self.hosts = set()
        self.folders = set()    # folders the tasks write secrets into (dest)
        self.fragments = 0
        header = DEFAULT_HEADER
        for line, text in yaml_blocks(path):
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise Failure("%s, line %d: a YAML block does not parse: %s" % (path, line, exc))
            if isinstance(data, list) and data and all(isinstance(item, dict) and "hosts" in item for item in data):
                for play, play_text in zip(data, split_plays(text)):
                    if play.get("roles"):
                        self.role_plays.append(play_text)
                        self.hosts.add(play["hosts"])
                    elif play.get("tasks"):
                        self.add_play(play, play_text, self.teardown if removes_only(play["tasks"]) else self.setup)
                    else:
                        header = play_text
            elif isinstance(data, list) and data and all(isinstance(item, dict) and "role" not in item for item in data):
                play_text = header.rstrip("\n") + "\n  tasks:\n" + indent(text, 4)
                self.add_play(yaml.safe_load(play_text)[0], play_text, self.teardown if removes_only(data) else self.setup)
            else:
                self.fragments += 1  # role variables or a roles: excerpt; it parsed, which is all it can do

    def add_play(self, play, text, part):
        part.append(text)
        self.hosts.add(play["hosts"])
        for task in play.get("tasks") or []:
            options = task.get(module_of(task))
            options = options if isinstance(options, dict) else {}  # a free-form action (k=v) sets neither
            if options.get("update_secret") == "always":
                self.every_run.add(task.get("name"))
            if options.get("dest"):
                self.folders.add(os.path.dirname(options["dest"]))


def module_of(task):
    """The module key of a task: the first key with a dot (a fully qualified name)."""
    return next((key for key in task if "." in key), None)


def removes_only(tasks):
    """Whether every task of a block has ``state: absent``: the document's teardown."""
    return all(isinstance(task.get(module_of(task)), dict) and task[module_of(task)].get("state") == "absent" for task in tasks)


# ---- the user's world ---------------------------------------------------------------------

class Connector(threading.Thread):
    """cloudflared on the user's hosts: registers once for every live cloudflared tunnel, with its token."""

    def __init__(self, control, api):
        super(Connector, self).__init__(daemon=True)
        self.control = control
        self.api = api
        self.seen = set()
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(0.2):
            for tunnel in self.control.state()["tunnels"]:
                if tunnel["tun_type"] != "cfd_tunnel" or tunnel["deleted_at"] or tunnel["id"] in self.seen:
                    continue
                self.seen.add(tunnel["id"])
                token = self.api("GET", "/cfd_tunnel/%s/token" % tunnel["id"])
                self.control.register_connector(token)

    def stop(self):
        self.stopped.set()
        self.join(10)


class World(object):
    def __init__(self, root, options):
        sys.path.insert(0, root)
        from tests.emulator.control import EmulatorControl  # the collection's own test helper

        self.root = root
        self.options = options
        self.control = EmulatorControl(os.environ["EMULATOR_ROOT"])
        self.base = os.environ["CLOUDFLARE_BASE_URL"]
        self.account = os.environ["CLOUDFLARE_ACCOUNT_ID"]
        self.token = os.environ["CLOUDFLARE_API_TOKEN"]
        self.work = tempfile.mkdtemp(prefix="guides-")
        self.extra_vars = os.path.join(self.work, "vars.json")
        with open(self.extra_vars, "w", encoding="utf-8") as handle:
            json.dump({"vault_cloudflare_api_token": self.token, "cloudflare_account_id": self.account,
                       "ansible_python_interpreter": os.environ.get("EMULATOR_PYTHON", sys.executable)}, handle)

    def api(self, method, path):
        response = requests.request(method, "%s/accounts/%s%s" % (self.base, self.account, path),
                                    headers={"Authorization": "Bearer %s" % self.token}, timeout=30)
        response.raise_for_status()
        return response.json()["result"]

    def inventory(self, hosts):
        path = os.path.join(self.work, "inventory")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("localhost ansible_connection=local\n")
            for group in sorted(set(hosts) - {"localhost"}):
                handle.write("[%s]\n%s-1 ansible_connection=local\n" % (group, group))
        return path

    def playbook(self, name, texts):
        path = os.path.join(self.work, name + ".yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("---\n" + "\n".join(text.rstrip("\n") + "\n" for text in texts))
        return path

    def run(self, label, playbook, inventory, *flags):
        """One ansible-playbook run; returns the task records. Fails on a failed task or exit status."""
        record = os.path.join(self.work, "record.jsonl")
        if os.path.exists(record):
            os.remove(record)
        env = dict(os.environ, PLAN_RECORD=record, ANSIBLE_CALLBACKS_ENABLED="plan_record",
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"), ANSIBLE_NOCOLOR="1")
        command = ["ansible-playbook", "-i", inventory, "-e", "@" + self.extra_vars, playbook] + list(flags) + self.options
        print("\n==== %s: %s" % (label, " ".join(command[1:])), flush=True)
        self.control.clear_requests()
        rc = subprocess.call(command, env=env)
        records = []
        if os.path.exists(record):
            with open(record, encoding="utf-8") as handle:
                records = [json.loads(line) for line in handle]
        failed = [r for r in records if r["status"] == "failed"]
        if rc != 0 or failed:
            raise Failure("%s: ansible-playbook exited %d%s" % (label, rc, "; %s failed: %s" % (failed[0]["task"], failed[0]["msg"])
                                                                if failed else ""))
        return records

    def requests(self):
        return self.control.requests()

    def live(self):
        """What the account holds beyond an empty one (its default virtual network)."""
        state = self.control.state()
        found = ["tunnel %s" % t["name"] for t in state["tunnels"] if not t["deleted_at"]]
        found += ["connector of %s" % t["name"] for t in state["tunnels"] if t["connectors"]]
        found += ["DNS record %s" % r["name"] for r in state["dns_records"]]
        found += ["route %s" % r["network"] for r in state["routes"] if not r["deleted_at"]]
        found += ["hostname route %s" % r["hostname"] for r in state["hostname_routes"] if not r["deleted_at"]]
        found += ["virtual network %s" % v["name"] for v in state["virtual_networks"]
                  if not v["deleted_at"] and not v["is_default_network"]]
        return found


# ---- the checks ---------------------------------------------------------------------------

def ours(records):
    return [r for r in records if r["action"].startswith("edgeops.cloudflare.")]


def check_plan(label, records, log, empty_before):
    """A check run wrote nothing, never sent a stand-in, and showed a diff for every change it predicts
    (unless no_log hides the whole result: a module whose result may hold a secret)."""
    writes = ["%s %s" % (r["method"], r["path"]) for r in log if r["method"] != "GET"]
    if writes:
        raise Failure("%s: check mode wrote to the API: %s" % (label, ", ".join(writes)))
    leaked = [r for r in log if STAND_IN_MARK in json.dumps(r)]
    if leaked:
        raise Failure("%s: a stand-in id reached the API: %s %s" % (label, leaked[0]["method"], leaked[0]["path"]))
    blind = [r["task"] for r in ours(records) if r["changed"] and not r["diff"] and not r["hidden"]]
    if blind:
        raise Failure("%s: these tasks predict a change but show no diff: %s" % (label, ", ".join(blind)))
    if empty_before and not any(r["changed"] for r in ours(records)):
        raise Failure("%s: check mode predicted no change on an empty account" % label)


def check_same(label, planned, done):
    """The real run changed exactly the tasks check mode said it would change."""
    expected = [(r["play"], r["task"], r["changed"]) for r in ours(planned)]
    actual = [(r["play"], r["task"], r["changed"]) for r in ours(done)]
    if expected != actual:
        differ = [(e, a) for e, a in zip(expected, actual) if e != a] or [(expected[len(actual):], actual[len(expected):])]
        raise Failure("%s: check mode planned %s, the real run did %s" % (label, differ[0][0], differ[0][1]))


def check_nothing_changes(label, records, log, every_run):
    changed = [r["task"] for r in records if r["changed"] and r["task"] not in every_run]
    if changed:
        raise Failure("%s: a second run changed %s" % (label, ", ".join(changed)))
    writes = ["%s %s" % (r["method"], r["path"]) for r in log if r["method"] != "GET"]
    if writes and not every_run:
        raise Failure("%s: a second run wrote %s" % (label, ", ".join(writes)))


def run_part(world, label, playbook, inventory, every_run, empty_before):
    planned = world.run(label + " --check --diff", playbook, inventory, "--check", "--diff")
    check_plan(label + " --check", planned, world.requests(), empty_before)
    if empty_before and world.live():
        raise Failure("%s: check mode left %s" % (label, ", ".join(world.live())))
    done = world.run(label, playbook, inventory)
    check_same(label, planned, done)
    again = world.run(label + ", again", playbook, inventory)
    check_nothing_changes(label + ", again", again, world.requests(), every_run)
    return ("%d tasks, %d changed as planned; a second run changed %s" % (
        len(ours(done)), sum(1 for r in ours(done) if r["changed"]),
        ", ".join(sorted(set(r["task"] for r in again if r["changed"]))) or "nothing"))


def run_document(world, document):
    if not (document.setup or document.teardown or document.role_plays):
        raise Failure("%s: no playbook found in %s" % (document.name, document.path))
    world.control.reset()
    inventory = world.inventory(document.hosts)
    summary = []
    if document.role_plays:
        roles = world.playbook(document.name + "-roles", document.role_plays)
        if subprocess.call(["ansible-playbook", "-i", inventory, "--syntax-check", roles]) != 0:
            raise Failure("%s: a play that applies the role fails ansible-playbook --syntax-check" % document.name)
        summary.append("%d play(s) with the role: syntax only (tests/role/run.sh runs the role)" % len(document.role_plays))
    made = []
    for folder in sorted(document.folders):
        if not os.path.isdir(folder):
            try:
                os.makedirs(folder)
            except OSError as exc:
                raise Failure("%s: cannot create %s, where a task writes a secret (dest): %s" % (document.name, folder, exc))
            made.append(folder)
    connector = Connector(world.control, world.api)
    connector.start()
    try:
        for part, texts in (("setup", document.setup), ("teardown", document.teardown)):
            if texts:
                playbook = world.playbook("%s-%s" % (document.name, part), texts)
                outcome = run_part(world, "%s %s" % (document.name, part), playbook, inventory, document.every_run,
                                   empty_before=part == "setup")
                summary.append("%s: %s" % (part, outcome))
        if document.teardown and world.live():
            raise Failure("%s: the teardown left %s" % (document.name, ", ".join(world.live())))
    finally:
        connector.stop()
        for folder in reversed(made):
            shutil.rmtree(folder)
    if document.fragments:
        summary.append("%d excerpt(s) parsed" % document.fragments)
    return summary


def run_demo(world):
    world.control.reset()
    playbook = os.path.join(world.root, "playbooks", "demo.yml")
    inventory = world.inventory(())
    planned = world.run("demo --check --diff", playbook, inventory, "--check", "--diff")
    check_plan("demo --check", planned, world.requests(), True)
    done = world.run("demo", playbook, inventory)
    check_same("demo", planned, done)
    return ["%d tasks of the collection, %d changed as planned" % (len(ours(done)), sum(1 for r in ours(done) if r["changed"]))]


def main(argv):
    root, options = argv[0], argv[1:]
    world = World(root, options)
    results = []
    failures = []
    work = [(name, lambda name=name, path=path: run_document(world, Document(name, path))) for name, path in documents(root)]
    work.append(("playbooks/demo.yml", lambda: run_demo(world)))
    try:
        for name, job in work:
            try:
                results.append((name, job()))
            except Failure as exc:
                failures.append(str(exc))
                results.append((name, ["FAILED: %s" % exc]))
    finally:
        shutil.rmtree(world.work)
    print("\n==== guides, README and demo, verbatim")
    for name, lines in results:
        print("%s: %s" % (name, "; ".join(lines)))
    if failures:
        print("\n%d failed" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
