"""Benchmark: edgeops.cloudflare modules against the same work done with ansible.builtin.uri.

Not a test. Against the bundled emulator, for N tunnels it measures three jobs, each with
both implementations, and prints requests sent and wall time side by side with the ratios:

  ensure    make N tunnels exist (an empty account: look up, then create)
  rerun     the same playbook again (everything exists: look up only)
  list      read all N tunnels back

Run from the repo root after ``make bootstrap``:

    .venv/bin/python scripts/benchmark.py [--tunnels 200]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
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

PLAYBOOKS = {
    ("collection", "ensure"): """\
    - name: Ensure each tunnel
      edgeops.cloudflare.cfd_tunnel:
        name: "{{ item }}"
      loop: "{{ names }}"
""",
    ("collection", "list"): """\
    - name: List the tunnels
      edgeops.cloudflare.cfd_tunnel_info:
        include_prefix: bench-
      register: listed
    - name: Check the count
      ansible.builtin.assert:
        that: listed.tunnels | length == names | length
""",
    ("uri", "ensure"): """\
    - name: Look each tunnel up by name
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel?is_deleted=false&name={{ item }}"
        headers: "{{ auth }}"
      loop: "{{ names }}"
      register: found
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
    ("uri", "list"): """\
    - name: List the tunnels
      ansible.builtin.uri:
        url: "{{ api }}/cfd_tunnel?is_deleted=false&include_prefix=bench-&per_page=1000&page=1"
        headers: "{{ auth }}"
      register: listed
    - name: Check the count
      ansible.builtin.assert:
        that: listed.json.result | length == names | length
""",
}


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


def measure(control, workdir, env, count, implementation):
    """Run ensure, rerun and list for one implementation; returns {job: (requests, seconds)}."""
    control.reset()
    numbers = {}
    for job, playbook in (("ensure", "ensure"), ("rerun", "ensure"), ("list", "list")):
        path = os.path.join(workdir, "%s-%s.yml" % (implementation, playbook))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(HEADER % {"count": count} + PLAYBOOKS[(implementation, playbook)])
        control.clear_requests()
        seconds = run_playbook(path, env)
        numbers[job] = (len(control.requests()), seconds)
    return numbers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tunnels", type=int, default=200, help="how many tunnels (default 200)")
    args = parser.parse_args()

    server = EmulatorServer().start()
    control = EmulatorControl(server.root_url)
    workdir = tempfile.mkdtemp(prefix="edgeops-bench-")
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=collection_tree(workdir),
               CLOUDFLARE_BASE_URL=server.base_url,
               CLOUDFLARE_ACCOUNT_ID=server.account_id,
               CLOUDFLARE_API_TOKEN=server.config["write_token"],
               ANSIBLE_NOCOLOR="1")
    try:
        ours = measure(control, workdir, env, args.tunnels, "collection")
        theirs = measure(control, workdir, env, args.tunnels, "uri")
    finally:
        server.stop()

    print(textwrap.dedent("""
        Benchmark: %d tunnels against the emulator (requests counted by the emulator)

        job      edgeops.cloudflare          ansible.builtin.uri         uri/ours
                 requests   seconds          requests   seconds          requests  time""" % args.tunnels))
    for job in ("ensure", "rerun", "list"):
        (req_a, sec_a), (req_b, sec_b) = ours[job], theirs[job]
        print("%-8s %8d %9.1f          %8d %9.1f          %8.2f %5.2f"
              % (job, req_a, sec_a, req_b, sec_b, req_b / float(req_a or 1), sec_b / sec_a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
