"""Benchmark: the collection's two execution paths against ansible.builtin.uri doing the same work.

Not a test. Against the bundled emulator, for N tunnels, it runs four jobs (each a playbook that
loops over the tunnels) with every implementation, interleaved (each round runs every
implementation once, jobs in order, on its own fresh account), and prints the requests each job
sent and milliseconds per tunnel, startup excluded (an empty playbook is timed in every round):

  ensure    make N tunnels exist (an empty account: look up, then create)
  rerun     the same playbook again (everything exists: look up only)
  list      read all N tunnels back (one task)
  delete    delete the N tunnels by name

Implementations: ``inprocess`` and ``module`` (the collection forced to each execution path with
EDGEOPS_CLOUDFLARE_EXECUTION), ``uri`` (ansible.builtin.uri playbooks doing the same requests;
two tasks per tunnel for ensure and delete: look up, then write), and as floors ``ping``
(the cheapest module round trip) and ``debug`` (an action without a module).

Run from the repo root after ``make bootstrap``:

    .venv/bin/python scripts/benchmark.py [--tunnels 200] [--rounds 1]

``--scale`` runs the large-account scenario instead, against the emulator with the live request
budget (120 requests per 30 s, Cloudflare's 1,200 per 5 minutes scaled down): 5 local hosts and 5
forks, each host ensuring 30 tunnels in one looped task, the rerun, then 30 routes each and the
rerun, then the teardown with ``delete_routes``; then one task publishing 500 hostnames of one
zone and its rerun. For each phase it prints the tasks failed, the responses 429, the requests
(reads by kind, writes), the wall time and the floor (requests / rate), and checks the goals: no
failure, no 429, a rerun reads each kind of object at most once per host and writes nothing, wall
time <= 1.3 x floor + 10 s, and the 500 hostnames take at most 10 reads. Each phase starts when the
budget is whole again (the script waits for the window to reset), as a play on an idle account would.

    .venv/bin/python scripts/benchmark.py --scale [--scale-path inprocess|module]
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.emulator.control import EmulatorControl  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator.server import EmulatorServer  # noqa: E402  pylint: disable=wrong-import-position

HEADER = """\
- name: Benchmark
  hosts: localhost
  gather_facts: false
  vars:
    api: "{{ lookup('ansible.builtin.env', 'CLOUDFLARE_BASE_URL') }}/accounts/{{ lookup('ansible.builtin.env', 'CLOUDFLARE_ACCOUNT_ID') }}"
    auth:
      Authorization: "Bearer {{ lookup('ansible.builtin.env', 'CLOUDFLARE_API_TOKEN') }}"
    names: "{{ range(%(count)d) | map('regex_replace', '^', 'bench-') | list }}"
  tasks:
"""

COLLECTION = {
    "ensure": """\
    - name: Ensure each tunnel
      edgeops.cloudflare.cfd_tunnel:
        name: "{{ item }}"
      loop: "{{ names }}"
""",
    "list": """\
    - name: List the tunnels
      edgeops.cloudflare.cfd_tunnel_info:
        include_prefix: bench-
      register: listed
    - name: Check the count
      ansible.builtin.assert:
        that: listed.tunnels | length == names | length
""",
    "delete": """\
    - name: Delete each tunnel
      edgeops.cloudflare.cfd_tunnel:
        name: "{{ item }}"
        state: absent
      loop: "{{ names }}"
""",
}

URI_LOOKUP = """\
    - name: Look each tunnel up by name
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel?is_deleted=false&name={{ item }}"
        headers: "{{ auth }}"
      loop: "{{ names }}"
      register: found
"""

URI = {
    "ensure": URI_LOOKUP + """\
    - name: Create the missing ones
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel"
        method: POST
        headers: "{{ auth }}"
        body_format: json
        body:
          name: "{{ item.item }}"
      loop: "{{ found.results }}"
      loop_control:
        label: "{{ item.item }}"
      when: item.json.result | length == 0
""",
    "list": """\
    - name: List the tunnels
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel?is_deleted=false&include_prefix=bench-&per_page=1000&page=1"
        headers: "{{ auth }}"
      register: listed
    - name: Check the count
      ansible.builtin.assert:
        that: listed.json.result | length == names | length
""",
    "delete": URI_LOOKUP + """\
    - name: Delete the ones found
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel/{{ item.json.result[0].id }}"
        method: DELETE
        headers: "{{ auth }}"
      loop: "{{ found.results }}"
      loop_control:
        label: "{{ item.item }}"
      when: item.json.result | length > 0
""",
}

FLOORS = {
    "ping": """\
    - name: Ping once per tunnel
      ansible.builtin.ping:
      loop: "{{ names }}"
""",
    "debug": """\
    - name: Debug once per tunnel
      ansible.builtin.debug:
        msg: "{{ item }}"
      loop: "{{ names }}"
""",
}

JOBS = ("ensure", "rerun", "list", "delete")
IMPLEMENTATIONS = ("inprocess", "module", "uri", "ping", "debug")


def playbooks(implementation):
    """{job: playbook body} for one implementation."""
    if implementation in FLOORS:
        return {"ensure": FLOORS[implementation]}
    body = URI if implementation == "uri" else COLLECTION
    return {"ensure": body["ensure"], "rerun": body["ensure"], "list": body["list"], "delete": body["delete"]}


def collection_tree(workdir):
    """An ansible_collections tree whose edgeops/cloudflare is this checkout."""
    namespace = os.path.join(workdir, "collections", "ansible_collections", "edgeops")
    os.makedirs(namespace)
    os.symlink(ROOT, os.path.join(namespace, "cloudflare"))
    return os.path.join(workdir, "collections")


def run_playbook(path, env):
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, path],
                          env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit("playbook %s failed" % path)
    return elapsed


def write(workdir, name, text):
    path = os.path.join(workdir, name + ".yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def one_round(control, workdir, env, count, numbers):
    """Every implementation once, each on a fresh account; adds (requests, seconds) to numbers."""
    empty = write(workdir, "empty", HEADER % {"count": count} + "    []\n")
    numbers.setdefault("startup", []).append(run_playbook(empty, env))
    for implementation in IMPLEMENTATIONS:
        control.reset()
        implementation_env = dict(env, EDGEOPS_CLOUDFLARE_EXECUTION=implementation) \
            if implementation in ("inprocess", "module") else env
        for job, body in playbooks(implementation).items():
            path = write(workdir, "%s-%s" % (implementation, job), HEADER % {"count": count} + body)
            control.clear_requests()
            seconds = run_playbook(path, implementation_env)
            numbers.setdefault((implementation, job), []).append((len(control.requests()), seconds))
            print("  %-9s %-7s %5d requests %7.1f s" % (implementation, job, len(control.requests()), seconds), flush=True)


# ---- the large-account scenario (--scale) ----------------------------------------------------
SCALE_HOSTS = 5
SCALE_ITEMS = 30
SCALE_HOSTNAMES = 500
QUOTA, WINDOW = 120, 30  # the live 1,200 per 300 s, scaled down as the emulator's tests use it

SCALE_PLAY = """\
- name: %(name)s
  hosts: %(hosts)s
  gather_facts: false
  vars:
    names: "{{ range(%(items)d) | map('string') | map('regex_replace', '^', 'scale-' ~ inventory_hostname ~ '-') | list }}"
    host_number: "{{ groups['scale'].index(inventory_hostname) }}"
    shops: "{{ range(%(hostnames)d) | map('string') | map('regex_replace', '^', 'shop-') | map('regex_replace', '$', '.example.com') | list }}"
  tasks:
%(tasks)s"""

SCALE_TASKS = {
    "tunnels": """\
    - name: Ensure thirty tunnels
      edgeops.cloudflare.cfd_tunnel:
        name: "{{ item }}"
        config_src: cloudflare
      loop: "{{ names }}"
""",
    "routes": """\
    - name: Route a network through each tunnel
      edgeops.cloudflare.tunnel_route:
        network: "10.{{ host_number }}.{{ index }}.0/24"
        tunnel: "{{ item }}"
      loop: "{{ names }}"
      loop_control:
        index_var: index
""",
    "teardown": """\
    - name: Delete the tunnels with their routes
      edgeops.cloudflare.cfd_tunnel:
        name: "{{ item }}"
        state: absent
        delete_routes: true
      loop: "{{ names }}"
""",
    "publish": """\
    - name: The shops' tunnel
      edgeops.cloudflare.cfd_tunnel:
        name: shops
        config_src: cloudflare
    - name: Publish every shop, with its DNS record
      edgeops.cloudflare.cfd_tunnel_config:
        name: shops
        dns: true
        ingress: >-
          {{ shops | map('regex_replace', '^', '{"hostname": "') | map('regex_replace', '$', '", "service": "http://localhost:8080"}')
          | map('from_json') | list }}
""",
}

# (phase, tasks, hosts, goals beyond "no failure, no 429, wall time <= 1.3 x floor + 10 s"): "rerun" is one read
# at most per host of each kind of object listed and no write; "reads" at most that many reads
SCALE_PHASES = (
    ("ensure tunnels", "tunnels", "scale", {}),
    ("rerun tunnels", "tunnels", "scale", {"rerun": ("cfd_tunnel",)}),
    ("ensure routes", "routes", "scale", {}),
    ("rerun routes", "routes", "scale", {"rerun": ("cfd_tunnel", "teamnet/virtual_networks", "teamnet/routes")}),
    ("teardown", "teardown", "scale", {}),
    ("publish %d hostnames" % SCALE_HOSTNAMES, "publish", "localhost", {"reads": 10}),
    ("rerun publish", "publish", "localhost", {"reads": 10, "writes": 0}),
)


def kind(path):
    """The kind of object a request's path reads: cfd_tunnel, teamnet/routes, zones/*/dns_records, ..."""
    path = re.sub(r"^/accounts/[0-9a-f]{32}/", "", path)
    return re.sub(r"[0-9a-f]{32}|[0-9a-f-]{36}", "*", path)


def wait_for_whole_budget(control):
    """Sleep until the request budget's window has reset (an idle account), as real time passes."""
    status = control.ratelimit()
    if status["remaining"] < status["quota"] or status["blocked"]:
        time.sleep(status["reset"] + 0.5)


def scale_phase(control, workdir, env, inventory, phase, number):
    name, tasks, hosts, more_goals = phase
    play = SCALE_PLAY % dict(name=name, hosts=hosts, items=SCALE_ITEMS, hostnames=SCALE_HOSTNAMES, tasks=SCALE_TASKS[tasks])
    path = write(workdir, "scale-%d" % number, play)
    wait_for_whole_budget(control)
    control.clear_requests()
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "--forks", str(SCALE_HOSTS),
                           path], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False)
    seconds = time.monotonic() - started
    failed = sum(int(n) for n in re.findall(r"\sfailed=(\d+)", proc.stdout))
    if proc.returncode != 0 and not failed:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit("phase %r: ansible-playbook failed" % name)
    log = control.requests()
    reads = collections.Counter(kind(r["path"]) for r in log if r["method"] == "GET")
    writes = sum(1 for r in log if r["method"] != "GET")
    limited = sum(1 for r in log if r["status"] == 429)
    floor = len(log) * WINDOW / float(QUOTA)
    goals = [failed == 0, limited == 0, seconds <= 1.3 * floor + 10]
    if "rerun" in more_goals:
        goals += [writes == 0, set(reads) <= set(more_goals["rerun"]), all(count <= SCALE_HOSTS for count in reads.values())]
    if "reads" in more_goals:
        goals.append(sum(reads.values()) <= more_goals["reads"])
    if "writes" in more_goals:
        goals.append(writes <= more_goals["writes"])
    return dict(name=name, failed=failed, limited=limited, requests=len(log), reads=reads, writes=writes, seconds=seconds,
                floor=floor, met=all(goals))


def scale(execution_path):
    """The large-account scenario; returns 0 when every goal is met."""
    server = EmulatorServer().start()
    control = EmulatorControl(server.root_url)
    workdir = tempfile.mkdtemp(prefix="edgeops-scale-")
    inventory = os.path.join(workdir, "inventory")
    with open(inventory, "w", encoding="utf-8") as handle:
        handle.write("[scale]\n%s\n\n[all:vars]\nansible_connection=local\nansible_python_interpreter=%s\n"
                     % ("\n".join("host%d" % n for n in range(1, SCALE_HOSTS + 1)), sys.executable))
        handle.write("\n[local]\nlocalhost\n")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_tree(workdir), CLOUDFLARE_BASE_URL=server.base_url,
               CLOUDFLARE_ACCOUNT_ID=server.account_id, CLOUDFLARE_API_TOKEN=server.config["write_token"], ANSIBLE_NOCOLOR="1",
               EDGEOPS_CLOUDFLARE_EXECUTION=execution_path)
    rows = []
    try:
        control.reset()
        control.rate_limit(QUOTA, WINDOW)
        for number, phase in enumerate(SCALE_PHASES):
            row = scale_phase(control, workdir, env, inventory, phase, number)
            rows.append(row)
            print("  %-22s %4d requests %7.1f s" % (row["name"], row["requests"], row["seconds"]), flush=True)
    finally:
        server.stop()
    print("\nScale: %d hosts, %d forks, %d objects per host per looped task, %d hostnames in one task; the %s path;\n"
          "request budget %d per %d s (floor = requests / %.0f per s); each phase starts with the whole budget.\n"
          % (SCALE_HOSTS, SCALE_HOSTS, SCALE_ITEMS, SCALE_HOSTNAMES, execution_path, QUOTA, WINDOW, QUOTA / float(WINDOW)))
    print("%-22s %6s %5s %8s %6s %6s %8s %8s %5s  %s"
          % ("phase", "failed", "429", "requests", "reads", "writes", "wall s", "floor s", "goals", "reads by kind"))
    for row in rows:
        print("%-22s %6d %5d %8d %6d %6d %8.1f %8.1f %5s  %s" % (
            row["name"], row["failed"], row["limited"], row["requests"], sum(row["reads"].values()), row["writes"],
            row["seconds"], row["floor"], "met" if row["met"] else "MISSED",
            ", ".join("%s %d" % item for item in sorted(row["reads"].items()))))
    return 0 if all(row["met"] for row in rows) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tunnels", type=int, default=200, help="how many tunnels (default 200)")
    parser.add_argument("--rounds", type=int, default=1, help="how many interleaved rounds (default 1)")
    parser.add_argument("--scale", action="store_true", help="run the large-account scenario instead")
    parser.add_argument("--scale-path", choices=("inprocess", "module"), default="inprocess",
                        help="the execution path of the scale scenario (default inprocess)")
    args = parser.parse_args()
    if args.scale:
        return scale(args.scale_path)

    server = EmulatorServer().start()
    control = EmulatorControl(server.root_url)
    workdir = tempfile.mkdtemp(prefix="edgeops-bench-")
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=collection_tree(workdir),
               CLOUDFLARE_BASE_URL=server.base_url,
               CLOUDFLARE_ACCOUNT_ID=server.account_id,
               CLOUDFLARE_API_TOKEN=server.config["write_token"],
               ANSIBLE_NOCOLOR="1")
    numbers = {}
    try:
        for number in range(args.rounds):
            print("round %d of %d" % (number + 1, args.rounds), flush=True)
            one_round(control, workdir, env, args.tunnels, numbers)
    finally:
        server.stop()

    startup = min(numbers["startup"])
    per_item = {}
    for key, runs in numbers.items():
        if key != "startup":
            requests = runs[0][0]
            seconds = min(run[1] for run in runs)
            items = 1 if key[1] == "list" else args.tunnels
            per_item[key] = (requests, max(seconds - startup, 0.0) * 1000.0 / items, seconds)

    print("\nBenchmark: %d tunnels against the emulator, %d round(s), best time of each; playbook startup %.2f s "
          "subtracted.\nms per tunnel (list: per task), requests counted by the emulator.\n" % (args.tunnels, args.rounds, startup))
    print("%-8s %-22s %-22s %-22s %-10s %-10s" % ("job", "inprocess", "module", "uri", "ping", "debug"))
    for job in JOBS:
        cells = []
        for implementation in IMPLEMENTATIONS:
            value = per_item.get((implementation, job if implementation not in FLOORS else "ensure"))
            if implementation in FLOORS:
                cells.append("%8.1f ms" % value[1] if job in ("ensure", "rerun") else "")
            elif value:
                cells.append("%8.1f ms %6d req" % (value[1], value[0]))
        print("%-8s %-22s %-22s %-22s %-10s %-10s" % tuple([job] + cells))
    print("\nratios (time per tunnel)")
    print("%-8s %-16s %-16s %-16s" % ("job", "inprocess/uri", "inprocess/module", "module/uri"))
    for job in JOBS:
        inproc, module, uri = (per_item[(name, job)] for name in ("inprocess", "module", "uri"))
        print("%-8s %-16.3f %-16.3f %-16.3f" % (job, inproc[1] / uri[1], inproc[1] / module[1], module[1] / uri[1]))
    # The items of an in-process loop share their reads (one listing per task), so that path may send fewer.
    frugal = all(per_item[("inprocess", job)][0] <= per_item[("module", job)][0] for job in JOBS)
    print("\nin-process requests per job at most the module path's (loop items share reads): %s" % ("yes" if frugal else "NO"))
    return 0 if frugal else 1


if __name__ == "__main__":
    sys.exit(main())
