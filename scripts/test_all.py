"""Run every test phase of the collection and print one closing line: ``N passed, N failed``.

Run through ``make test`` (which bootstraps first), or directly with the venv's Python:

    .venv/bin/python scripts/test_all.py [--phases copy,units,...] [--list]

Counting: every pytest test, every integration target, every sanity test (per Python version
for the multi-version ones) and every other check (copy, lint, build, install, each ansible-doc
call, ...) counts as one.  Phases that find nothing to test say so loudly in their own output
and in the summary.  The exit status is non-zero when anything failed.

Environment: BUILD_DIR (default <repo>/build) holds the collection copy, logs and artifacts;
UNIT_WORKERS (default 2) is pytest-xdist's worker count ("0" runs pytest without xdist);
SANITY_PYTHONS (default "3.9 3.10 3.11 3.12 3.13") are the module Pythons for compile/import;
COMMAND_TIMEOUT (default 900) is the most seconds one command may take before it is killed.
"""

import argparse
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, '.venv')
PYBIN = os.path.join(ROOT, '.cache', 'pybin')
BUILD = os.path.abspath(os.environ.get('BUILD_DIR') or os.path.join(ROOT, 'build'))
COLLECTIONS = os.path.join(BUILD, 'collections')
LOGS = os.path.join(BUILD, 'test-logs')
CONTROLLER_PYTHON = '3.12'
SANITY_PYTHONS = os.environ.get('SANITY_PYTHONS', '3.9 3.10 3.11 3.12 3.13').split()
COMMAND_TIMEOUT = int(os.environ.get('COMMAND_TIMEOUT', '900'))
LEFTOVERS = []


def read_oldest_core():
    """X.Y of the oldest ansible-core that meta/runtime.yml's requires_ansible allows."""
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        match = re.search(r'^requires_ansible:\D*(\d+\.\d+)', handle.read(), re.M)
    return match.group(1)


# sanity, units and integration also run on the oldest ansible-core that meta/runtime.yml
# claims, from .venv-X.Y (scripts/bootstrap.sh), with the controller Python.
OLDEST_CORE = read_oldest_core()
OLD_VENV = os.path.join(ROOT, '.venv-' + OLDEST_CORE)
PHASES = ('copy', 'lint', 'sanity', 'units', 'demo', 'integration', 'sanity-' + OLDEST_CORE, 'units-' + OLDEST_CORE,
          'integration-' + OLDEST_CORE, 'matrix', 'role', 'docs', 'docsite', 'release')
SUMMARY_RE = re.compile(r'^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$')


def read_galaxy_key(key):
    """A top-level scalar of galaxy.yml in a checkout (no PyYAML needed)."""
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        return re.search(r'^%s:\s*(\S+)\s*$' % key, handle.read(), re.M).group(1).strip('\'"')


def released_versions(root):
    """The releases in a checkout's changelogs/changelog.yaml, by version."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(os.path.join(root, 'changelogs', 'changelog.yaml'), encoding='utf-8') as handle:
        return (yaml.safe_load(handle) or {}).get('releases') or {}


NAMESPACE, NAME = read_galaxy_key('namespace'), read_galaxy_key('name')
DEST = os.path.join(COLLECTIONS, 'ansible_collections', NAMESPACE, NAME)


class Tally:
    """Counts of one phase, plus the notes shown in the summary."""

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.notes = []
        self.failures = []
        self.seconds = 0.0

    def check(self, ok, what):
        """Record one check."""
        if ok:
            self.passed += 1
            print('  PASS  %s' % what)
        else:
            self.failed += 1
            self.failures.append(what)
            print('  FAIL  %s' % what)
        return ok

    def empty(self, what):
        """Say loudly that a phase found nothing to test."""
        message = 'NOTHING TO TEST: %s' % what
        self.notes.append(message)
        print('\n' + '!' * 78)
        print('!!! %s' % message)
        print('!' * 78 + '\n')


def test_env(venv=VENV, **extra):
    """Environment for the tools: venv and python3.X links first on PATH, our collection path."""
    env = dict(os.environ)
    env['PATH'] = os.pathsep.join([os.path.join(venv, 'bin'), PYBIN, env.get('PATH', os.defpath)])
    env['VIRTUAL_ENV'] = venv
    env['ANSIBLE_COLLECTIONS_PATH'] = COLLECTIONS
    env['ANSIBLE_NOCOLOR'] = '1'
    env['PY_COLORS'] = '0'
    env['NO_COLOR'] = '1'
    env.pop('PYTHONPATH', None)
    # The shared references live beside the checkout (../shared); the copy under BUILD_DIR
    # cannot find them by walking up when BUILD_DIR is elsewhere, so point at the spec here.
    spec = os.path.join(os.path.dirname(ROOT), 'shared', 'reference', 'cloudflare-tunnel-openapi.json')
    if 'CLOUDFLARE_OPENAPI_SPEC' not in env and os.path.isfile(spec):
        env['CLOUDFLARE_OPENAPI_SPEC'] = spec
    env.update(extra)
    return env


def live_group_members(pgid):
    """PIDs (as strings) of the processes, zombies excepted, in process group pgid."""
    members = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid, encoding='utf-8', errors='replace') as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if fields[0] != 'Z' and fields[2] == str(pgid):
            members.append(pid)
    return members


def run(cmd, log_name, cwd=None, env=None, timeout=None, echo=True):
    """Run a command, streaming its output and saving it to a log; return (rc, output lines).

    The command runs in its own process group.  When it is still running after ``timeout``
    seconds (default COMMAND_TIMEOUT) the group is killed and the command counts as failed.
    Processes it leaves behind in its group (a server a test forgot to stop) are killed and
    named in the summary.  With ``echo=False`` (a phase running in the background) the output
    only goes to the log.
    """
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, log_name.replace('/', '_') + '.log')
    timeout = timeout or COMMAND_TIMEOUT
    # Commands of jobs run side by side (threads: the role tests, the release phase's) only log.
    echo = echo and threading.current_thread() is threading.main_thread()
    if echo:
        print('$ %s' % ' '.join(cmd), flush=True)
    lines = []
    with open(log_path, 'w', encoding='utf-8') as log:
        with subprocess.Popen(cmd, cwd=cwd or DEST, env=env or test_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              errors='replace', start_new_session=True) as proc:

            def pump():
                for line in proc.stdout:
                    if echo:
                        sys.stdout.write(line)
                        sys.stdout.flush()
                    log.write(line)
                    lines.append(line.rstrip('\n'))

            def kill_group():
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    pass

            reader = threading.Thread(target=pump, daemon=True)
            reader.start()
            problem = None
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                kill_group()
                rc = proc.wait()
                problem = 'TIMEOUT: killed after %d s' % timeout
            reader.join(5)
            leftover = live_group_members(proc.pid)
            if leftover:
                subprocess.run(['ps', '-o', 'pid,etimes,args', '-p', ','.join(leftover)], check=False)
                kill_group()
                reader.join(5)
                LEFTOVERS.append(log_name)
                print('WARNING: LEFTOVER PROCESSES: %s exited but left processes running; killed them' % log_name)
        if problem:
            message = '%s: %s' % (problem, ' '.join(cmd))
            print(message)
            log.write(message + '\n')
            lines.append(message)
            rc = rc or 1
    sys.stdout.flush()
    return rc, lines


def tool(name, venv=VENV):
    """Absolute path of a tool in a venv (by default .venv, the newest ansible-core)."""
    return os.path.join(venv, 'bin', name)


def core_label(venv):
    """'' for .venv, '-X.Y' for .venv-X.Y: suffix of log and report names."""
    return '' if venv == VENV else '-' + os.path.basename(venv)[len('.venv-'):]


def venv_missing(tally, venv):
    """Fail (and say how to fix it) when a venv has no ansible-test."""
    if os.path.isfile(tool('ansible-test', venv)):
        return False
    tally.check(False, '%s missing: run scripts/bootstrap.sh' % tool('ansible-test', venv))
    return True


# --------------------------------------------------------------------------------- phases


def phase_copy(tally):
    """Copy tracked and untracked-not-ignored files into the ansible_collections tree."""
    out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT,
                         stdout=subprocess.PIPE, check=True).stdout.decode('utf-8')
    names = sorted({name for name in out.split('\0') if name})
    names = [name for name in names if os.path.lexists(os.path.join(ROOT, name))]
    if os.path.isdir(DEST):
        shutil.rmtree(DEST)
    os.makedirs(DEST)
    for name in names:
        src = os.path.join(ROOT, name)
        dst = os.path.join(DEST, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
    # ansible-test lists content with git when it finds a repository; without one of its own the
    # copy would be seen through the checkout's .git, where build/ is ignored ("All targets skipped").
    subprocess.run(['git', 'init', '-q', DEST], check=True, stdin=subprocess.DEVNULL)
    missing = [name for name in names if not os.path.lexists(os.path.join(DEST, name))]
    ok = bool(names) and not missing and os.path.isfile(os.path.join(DEST, 'galaxy.yml'))
    print('copied %d files to %s' % (len(names), DEST))
    for name in missing[:20]:
        print('  missing in copy: %s' % name)
    tally.check(ok, 'collection copied (%d files)' % len(names))
    return ok


def phase_lint(tally):
    """ansible-lint with the repo's .ansible-lint (production profile), as a bare run in a clone.

    No ANSIBLE_COLLECTIONS_PATH: ansible-lint then installs the collection into the copy's own
    .ansible/ (with one set, it would install it into ~/.ansible/collections, a stale copy there).
    """
    rc, lines = run([tool('ansible-lint'), '--nocolor'], 'ansible-lint', env=release_env(VENV))
    text = '\n'.join(lines)
    match = re.search(r'on (\d+) files?', text)
    if match and match.group(1) == '0':
        tally.empty('ansible-lint found no files to lint')
    tally.check(rc == 0, 'ansible-lint (production profile)')


SANITY_FAILED_RE = re.compile(r'The \d+ sanity test\(s\) listed below')


def junit_cases(directory, only=None):
    """(name, outcome, detail) for every test case in the junit files of a directory."""
    cases = []
    for entry in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if not entry.endswith('.xml') or (only and entry != only):
            continue
        for case in ET.parse(os.path.join(directory, entry)).getroot().iter('testcase'):
            outcome, detail = 'passed', ''
            for tag in ('failure', 'error', 'skipped'):
                node = case.find(tag)
                if node is not None:
                    outcome = 'failed' if tag != 'skipped' else 'skipped'
                    detail = (node.get('message') or node.text or '').strip().splitlines()[:1]
                    detail = detail[0] if detail else ''
                    break
            name = case.get('name')
            if case.get('classname') and case.get('classname') != 'sanity':
                name = '%s::%s' % (case.get('classname'), name)
            cases.append((name, outcome, detail))
    return cases


def sanity_pass(tally, label, extra_args, venv=VENV, dest=DEST):
    """One ansible-test sanity invocation; each test (per Python) counts once, from its junit file.

    A test with nothing to check ("No tests applicable.") counts as skipped, not passed. ``dest``
    is the collection tested (the copy, or the extracted tarball of phase release).
    """
    junit_dir = os.path.join(dest, 'tests', 'output', 'junit')
    if os.path.isdir(junit_dir):
        shutil.rmtree(junit_dir)
    cmd = [tool('ansible-test', venv), 'sanity', '--color', 'no', '--junit'] + extra_args
    collections = os.path.dirname(os.path.dirname(os.path.dirname(dest)))
    rc, lines = run(cmd, 'sanity%s-%s' % (core_label(venv), label), cwd=dest,
                    env=test_env(venv, ANSIBLE_COLLECTIONS_PATH=collections))
    cases = junit_cases(junit_dir)
    for name, outcome, detail in cases:
        if outcome == 'skipped':
            tally.skipped += 1
            print('  SKIP  sanity %s (%s)' % (name, detail))
        else:
            tally.check(outcome == 'passed', 'sanity %s' % name)
    failed_cases = [case for case in cases if case[1] == 'failed']
    if rc != 0 and not failed_cases:
        named = any(SANITY_FAILED_RE.search(line) for line in lines)
        tally.check(False, 'ansible-test sanity (%s) exited %d%s' % (
            label, rc, '' if named else ' without naming a failed test'))
    if not [case for case in cases if case[1] != 'skipped']:
        tally.empty('ansible-test sanity (%s) had nothing to check' % label)
    return lines


def phase_sanity_oldest(tally):
    """ansible-test sanity of the oldest ansible-core, every test on the controller Python.

    compile/import on the other module Pythons run once, with the newest ansible-core (sanity).
    """
    if not venv_missing(tally, OLD_VENV):
        sanity_pass(tally, 'all', ['--python', CONTROLLER_PYTHON], OLD_VENV)


def phase_sanity(tally):
    """ansible-test sanity: all tests on the controller Python, compile/import on every module Python."""
    have = [v for v in SANITY_PYTHONS if os.path.exists(os.path.join(PYBIN, 'python' + v))]
    missing = sorted(set(SANITY_PYTHONS) - set(have))
    if missing:
        tally.notes.append('no interpreter for Python %s (compile/import not run there)' % ', '.join(missing))
        print('WARNING: no interpreter for Python %s; run scripts/bootstrap.sh' % ', '.join(missing))
    sanity_pass(tally, 'all', ['--python', CONTROLLER_PYTHON])
    for version in have:
        if version == CONTROLLER_PYTHON:
            continue
        sanity_pass(tally, 'py' + version, ['--python', version, '--test', 'compile', '--test', 'import'])


def phase_units(tally, venv=VENV, extra_args=()):
    """pytest over tests/unit in the copy, counts from a junit report."""
    if venv_missing(tally, venv):
        return
    unit_dir = os.path.join(DEST, 'tests', 'unit')
    if not os.path.isdir(unit_dir):
        tally.empty('no tests/unit directory')
        return
    report = os.path.join(LOGS, 'units%s-junit.xml' % core_label(venv))
    if os.path.exists(report):
        os.remove(report)
    cmd = [tool('python', venv), '-m', 'pytest', 'tests/unit', '-p', 'no:cacheprovider', '-ra',
           '--junitxml', report, '-o', 'junit_family=xunit2'] + list(extra_args)
    workers = os.environ.get('UNIT_WORKERS', '2')
    if workers not in ('', '0'):
        cmd += ['-n', workers]
    rc, _lines = run(cmd, 'units' + core_label(venv), env=test_env(venv, PYTHONPATH=COLLECTIONS))
    if rc == 5:
        tally.empty('pytest collected no unit tests')
        return
    cases = junit_cases(LOGS, only=os.path.basename(report))
    passed = sum(1 for case in cases if case[1] == 'passed')
    failed_cases = [case for case in cases if case[1] == 'failed']
    failed = len(failed_cases)
    skipped = sum(1 for case in cases if case[1] == 'skipped')
    tally.passed += passed
    tally.failed += failed
    tally.skipped += skipped
    print('  units: %d passed, %d failed, %d skipped (pytest exit %d)' % (passed, failed, skipped, rc))
    for name, _outcome, detail in failed_cases[:15]:
        tally.failures.append('unit %s: %s' % (name, detail[:120]))
    if failed > 15:
        tally.failures.append('... and %d more unit failures: see %s' % (failed - 15, os.path.join(LOGS, 'units%s.log' % core_label(venv))))
    if rc not in (0, 1) or (rc == 1 and not failed):
        tally.check(False, 'pytest exited %d (usage/internal error or interrupted)' % rc)


EXECUTION_PATHS = ('module', 'inprocess')


def phase_integration(tally, venv=VENV):
    """ansible-test integration --local over every target, on the default execution path; one count per target.

    The suite runs once per ansible-core: the execution_paths target runs its tasks forced to each path
    and compares every registered result and the request log, for every module, and the -vvv leak
    checks (access, tunnel_token, no_secret_in_messages) run on both paths themselves.
    """
    if venv_missing(tally, venv):
        return
    targets_dir = os.path.join(DEST, 'tests', 'integration', 'targets')
    targets = sorted(d for d in os.listdir(targets_dir) if os.path.isdir(os.path.join(targets_dir, d))) \
        if os.path.isdir(targets_dir) else []
    if not targets:
        tally.empty('no integration targets under tests/integration/targets')
        return
    integration_run(tally, venv)


def integration_run(tally, venv):
    """One ansible-test integration run with every target."""
    cmd = [tool('ansible-test', venv), 'integration', '--local', '--python', CONTROLLER_PYTHON, '--color', 'no',
           '--continue-on-error']
    rc, lines = run(cmd, 'integration' + core_label(venv), env=test_env(venv))
    ran = []
    failed = []
    for index, line in enumerate(lines):
        match = re.search(r'Running (\S+) integration test (?:role|script)', line)
        if match:
            ran.append(match.group(1))
        if re.search(r'The \d+ integration test\(s\) listed below', line):
            for name in lines[index + 1:]:
                if not re.match(r'^[\w.-]+$', name.strip()):
                    break
                failed.append(name.strip())
    for name in ran:
        tally.check(name not in failed, 'integration target %s%s' % (name, core_label(venv)))
    if not ran:
        tally.empty('ansible-test integration%s ran no target (all skipped or disabled?)' % core_label(venv))
    if rc != 0 and not failed:
        tally.check(False, 'ansible-test integration%s exited %d without naming a failed target' % (core_label(venv), rc))


TEST_TOOLS = ('pytest', 'ansible-lint', 'antsibull-docs', 'antsibull-changelog', 'openapi-core', 'playwright', 'sphinx')
EMULATOR_ACCOUNT = 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5'
EMULATOR_TOKEN = 'emulator-write-token'


class Emulator:
    """The API emulator of a checkout (``root``), on a free port for the ``with`` block; yields its API URL."""

    def __init__(self, root, name):
        self.root = root
        self.port_file = os.path.join(BUILD, '%s-emulator.port' % name)
        self.process = None
        self.stopped = False

    def __enter__(self):
        if os.path.exists(self.port_file):
            os.remove(self.port_file)
        self.process = subprocess.Popen([tool('python'), '-m', 'tests.emulator', '--port', '0', '--port-file', self.port_file],
                                        cwd=self.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        port = ''
        for _attempt in range(100):
            if os.path.exists(self.port_file):
                with open(self.port_file, encoding='utf-8') as handle:
                    port = handle.read().strip()
            if port:
                break
            time.sleep(0.1)
        if not port:
            stop_group(self.process)
            raise RuntimeError('the emulator did not write its port in 10 s')
        return 'http://127.0.0.1:%s/client/v4' % port

    def __exit__(self, *_exc):
        self.stopped = stop_group(self.process)


def stop_group(proc, seconds=10):
    """SIGTERM to a process group; SIGKILL when it is still there after ``seconds``. Whether it stopped in time."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(seconds)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False


def readme_adhoc_commands():
    """The ``ansible localhost ...`` commands of the README's "Ad-hoc use" section, as argv lists."""
    with open(os.path.join(DEST, 'README.md'), encoding='utf-8') as handle:
        text = handle.read()
    section = text.split('## Ad-hoc use', 1)[1].split('\n## ', 1)[0] if '## Ad-hoc use' in text else ''
    commands = []
    for block in re.findall(r'```\n(.*?)```', section, re.S):
        pending = ''
        for line in block.splitlines():
            pending = (pending + ' ' + line.strip()).strip()
            if pending.count("'") % 2:
                continue  # a quoted -a argument goes on on the next line
            if pending.startswith('ansible localhost '):
                commands.append(shlex.split(pending))
            pending = ''
    return commands


def emulator_exports(venv):
    """``scripts/emulator.sh`` (what ``make emulator`` runs) started with the light venv on a free port:
    (its process, the environment of the ``export`` lines it printed), or (process, None)."""
    proc = subprocess.Popen(['bash', os.path.join(DEST, 'scripts', 'emulator.sh')], cwd=DEST, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            env=test_env(VENV=venv, EMULATOR_PORT='0'))
    exported = {}
    with open(os.path.join(LOGS, 'demo-make-emulator.log'), 'w', encoding='utf-8') as log:
        for line in proc.stdout:
            log.write(line)
            match = re.match(r'^export (\w+)=(.*)$', line.strip())
            if match:
                exported[match.group(1)] = match.group(2)
            if 'PATH' in exported:  # the last line it prints
                break
    if 'PATH' not in exported:
        return proc, None
    env = dict(os.environ)
    env.pop('ANSIBLE_COLLECTIONS_PATH', None)
    for name in list(env):
        if name.startswith('CLOUDFLARE_'):
            del env[name]
    for name, value in exported.items():
        env[name] = os.path.expandvars(shlex.split(value)[0]) if name == 'PATH' else value
    return proc, env


NOISE = 'CryptographyDeprecationWarning'


def phase_demo(tally):
    """What a user gets from `make demo`: a light venv (no test tool) that runs the demo, in check mode
    first, and `make emulator`, whose printed environment runs the README's ad-hoc commands."""
    venv = os.path.join(BUILD, 'demo-venv')
    rc, _lines = run(['bash', os.path.join(DEST, 'scripts', 'bootstrap-demo.sh')], 'demo-bootstrap',
                     env=test_env(DEMO_VENV=venv))
    if not tally.check(rc == 0, 'scripts/bootstrap-demo.sh builds a light venv'):
        return
    rc, lines = run([os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'list', '--format=freeze'], 'demo-packages')
    installed = set(line.split('==')[0].lower() for line in lines if '==' in line)
    heavy = sorted(installed.intersection(TEST_TOOLS))
    tally.check(rc == 0 and not heavy and 'ansible-core' in installed,
                'the demo venv holds ansible-core and no test tool%s' % (' (found: %s)' % ', '.join(heavy) if heavy else ''))
    rc, lines = run(['bash', os.path.join(DEST, 'scripts', 'demo.sh'), '--check', '--diff'], 'demo-check', env=test_env(VENV=venv))
    tally.check(rc == 0 and any(re.search(r'localhost +: ok=\d+ +changed=[1-9]', line) for line in lines),
                'the demo runs to the end under --check --diff on an empty account, predicting changes')
    noisy = [line for line in lines if NOISE in line]
    rc, lines = run(['bash', os.path.join(DEST, 'scripts', 'demo.sh')], 'demo', env=test_env(VENV=venv))
    tally.check(rc == 0 and any('demo: OK, nothing left behind' in line for line in lines),
                'the demo runs with the light venv and leaves nothing behind')
    noisy += [line for line in lines if NOISE in line]
    commands = readme_adhoc_commands()
    if not tally.check(len(commands) >= 3, "README.md's ad-hoc section has commands to run (found %d)" % len(commands)):
        return
    emulator, env = emulator_exports(venv)
    try:
        if not tally.check(env is not None, 'make emulator (scripts/emulator.sh) starts the emulator and prints the exports'):
            return
        for number, argv in enumerate(commands, 1):
            label = ' '.join(argv[3:])[:90]
            # Run as a newcomer would, with only what make emulator printed: its PATH finds the demo's ansible.
            rc, lines = run(argv, 'readme-adhoc-%d' % number, env=env)
            leaked = any(EMULATOR_TOKEN in line for line in lines)
            tally.check(rc == 0 and not leaked, 'README ad-hoc command %d works: %s' % (number, label))
            noisy += [line for line in lines if NOISE in line]
            if '--check' in argv and any('state=absent' in arg for arg in argv):
                text = '\n'.join(lines)
                tally.check('"routes_removed": [' in text and '"network": "10.0.0.0/24"' in text,
                            "README ad-hoc command %d lists the route the tunnel's delete takes with it" % number)
    finally:
        stopped = stop_group(emulator)
    tally.check(stopped, 'make emulator stops on SIGTERM (as on Ctrl-C) within 10 s')
    tally.check(not noisy, 'no demo venv command prints a %s%s' % (NOISE, ' (%s)' % noisy[0].strip() if noisy else ''))


def role_failures(lines, most=10):
    """The FAIL lines of tests/role/run.sh, each with the detail line under it."""
    found = []
    for number, line in enumerate(lines):
        if line.startswith('FAIL '):
            detail = lines[number + 1].strip() if number + 1 < len(lines) and lines[number + 1].startswith('     ') else ''
            found.append(line + (' -- ' + detail if detail else ''))
    return found[:most]


def phase_role(tally):
    """tests/role/run.sh (owned by the role tests), which prints its own 'N passed, N failed'.

    It gets VENV, COLLECTIONS_PATH (the copy) and its own BUILD_DIR (it empties that folder).
    """
    script = os.path.join(ROOT, 'tests', 'role', 'run.sh')
    if not os.path.isfile(script):
        tally.empty('tests/role/run.sh does not exist yet')
        return
    rc, lines = run(['bash', script], 'role', cwd=ROOT,
                    env=test_env(VENV=VENV, COLLECTIONS_PATH=COLLECTIONS, BUILD_DIR=os.path.join(BUILD, 'role-tests')))
    counts = None
    for line in lines:
        match = SUMMARY_RE.match(line.strip())
        if match:
            counts = match
    if counts is None:
        tally.check(False, 'tests/role/run.sh printed no "N passed, N failed" line (exit %d); its last lines: %s'
                    % (rc, ' | '.join(line.strip() for line in lines[-8:])))
        return
    tally.passed += int(counts.group(1))
    tally.failed += int(counts.group(2))
    tally.skipped += int(counts.group(3) or 0)
    if int(counts.group(2)):
        # the summary names each failure (CI may show only the summary), the log has the rest
        tally.failures.extend(role_failures(lines))
        tally.failures.append('%s role test(s): see %s' % (counts.group(2), os.path.join(LOGS, 'role.log')))
    if rc != 0 and not int(counts.group(2)):
        tally.check(False, 'tests/role/run.sh exited %d but reported no failure' % rc)
    if int(counts.group(1)) + int(counts.group(2)) == 0:
        tally.empty('tests/role/run.sh ran no test')


DOC_TYPES = {
    'modules': 'module', 'lookup': 'lookup', 'filter': 'filter', 'test': 'test', 'inventory': 'inventory',
    'callback': 'callback', 'connection': 'connection', 'become': 'become', 'cache': 'cache',
    'cliconf': 'cliconf', 'httpapi': 'httpapi', 'netconf': 'netconf', 'shell': 'shell', 'strategy': 'strategy',
    'vars': 'vars',
}


def doc_targets(installed):
    """(type, fqcn) pairs to render with ansible-doc, found in the installed collection."""
    found = []
    plugins = os.path.join(installed, 'plugins')
    for directory, doc_type in sorted(DOC_TYPES.items()):
        path = os.path.join(plugins, directory)
        if not os.path.isdir(path):
            continue
        for entry in sorted(os.listdir(path)):
            base, ext = os.path.splitext(entry)
            if ext in ('.py', '.yml', '.yaml') and not base.startswith('_') and base != '__init__':
                if doc_type in ('filter', 'test') and ext == '.py':
                    continue  # a file may hold several; they are documented in .yml files
                found.append((doc_type, '%s.%s.%s' % (NAMESPACE, NAME, base)))
    roles = os.path.join(installed, 'roles')
    if os.path.isdir(roles):
        for entry in sorted(os.listdir(roles)):
            if os.path.isdir(os.path.join(roles, entry)):
                found.append(('role', '%s.%s.%s' % (NAMESPACE, NAME, entry)))
    return found


# ansible-core 2.21 warns about its own internal collection on every `ansible-doc -t role`;
# that says nothing about this collection, so exactly that warning is tolerated.
DOC_NOISE_RE = re.compile(r"Collection at '[^']*/ansible/_internal/ansible_collections/ansible/_protomatter' "
                          r"does not have a MANIFEST\.json file")


def doc_output_bad(lines):
    """Lines of ansible-doc output that are warnings or errors."""
    return [line for line in lines
            if re.search(r'\[(WARNING|ERROR|DEPRECATION WARNING)\]|^ERROR|Traceback', line)
            and not DOC_NOISE_RE.search(line)]


INSTALLED = []  # the collection as installed from its tarball, once per run


def build_and_install(tally):
    """Build the collection tarball and install it into BUILD/install; return its path or None."""
    if INSTALLED:
        return INSTALLED[0]
    dist = os.path.join(BUILD, 'dist')
    install_root = os.path.join(BUILD, 'install')
    for path in (dist, install_root):
        if os.path.isdir(path):
            shutil.rmtree(path)
        os.makedirs(path)
    rc, _lines = run([tool('ansible-galaxy'), 'collection', 'build', '--output-path', dist, '--force'], 'build')
    tarballs = [f for f in os.listdir(dist) if f.endswith('.tar.gz')]
    if not tally.check(rc == 0 and len(tarballs) == 1, 'ansible-galaxy collection build'):
        return None
    rc, _lines = run([tool('ansible-galaxy'), 'collection', 'install', os.path.join(dist, tarballs[0]),
                      '-p', install_root, '--force'], 'install')
    installed = os.path.join(install_root, 'ansible_collections', NAMESPACE, NAME)
    if not tally.check(rc == 0 and os.path.isfile(os.path.join(installed, 'MANIFEST.json')),
                       'ansible-galaxy collection install into %s' % install_root):
        return None
    INSTALLED.append(installed)
    return installed


def doc_env():
    """Environment in which only the installed collection is found."""
    return test_env(ANSIBLE_COLLECTIONS_PATH=os.path.join(BUILD, 'install'), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')


def phase_docs(tally):
    """Build, install, ansible-doc everything, antsibull-docs and antsibull-changelog lint."""
    installed = build_and_install(tally)
    if not installed:
        return
    install_root = os.path.join(BUILD, 'install')
    env = doc_env()
    targets = doc_targets(installed)
    if not targets:
        tally.empty('no modules, plugins or roles to render with ansible-doc')
    for doc_type, fqcn in targets:
        rc, lines = run([tool('ansible-doc'), '-t', doc_type, fqcn], 'doc-%s-%s' % (doc_type, fqcn),
                        cwd=install_root, env=env)
        bad = doc_output_bad(lines)
        tally.check(rc == 0 and not bad and len(lines) > 3, 'ansible-doc -t %s %s%s' % (
            doc_type, fqcn, ' (%s)' % bad[0].strip() if bad else ''))
    rc, _lines = run([tool('antsibull-docs'), 'lint-collection-docs', '--plugin-docs', installed],
                     'antsibull-docs', cwd=install_root, env=env)
    tally.check(rc == 0, 'antsibull-docs lint-collection-docs --plugin-docs')
    rc, _lines = run([tool('antsibull-changelog'), 'lint'], 'changelog-lint')
    fragments = os.path.join(DEST, 'changelogs', 'fragments')
    if not os.path.isdir(fragments) or not os.listdir(fragments):
        version = read_galaxy_key('version')
        if version in released_versions(DEST):  # right after a release: every fragment went into its changelog entry
            print('no pending changelog fragments: %s is released' % version)
        else:
            tally.empty('no changelog fragments')
    tally.check(rc == 0, 'antsibull-changelog lint (fragments)')
    rc, _lines = run([tool('antsibull-changelog'), 'lint-changelog-yaml', 'changelogs/changelog.yaml'],
                     'changelog-yaml-lint')
    tally.check(rc == 0, 'antsibull-changelog lint-changelog-yaml')


def docsite_pages(installed):
    """Site pages that must exist: the index, one per plugin and role, one per guide."""
    pages = ['index.html']
    for doc_type, fqcn in doc_targets(installed):
        pages.append('%s_%s.html' % (fqcn.rsplit('.', 1)[1], doc_type))
    extra_docs = os.path.join(installed, 'docs', 'docsite', 'extra-docs.yml')
    if os.path.isfile(extra_docs):
        import yaml  # pylint: disable=import-outside-toplevel

        with open(extra_docs, encoding='utf-8') as handle:
            sections = (yaml.safe_load(handle) or {}).get('sections') or []
        for section in sections:
            for entry in section.get('toctree') or []:
                ref = entry['ref'] if isinstance(entry, dict) else entry
                pages.append('docsite/%s.html' % ref)
    return pages


def phase_docsite(tally):
    """The docs site: antsibull-docs rst, Sphinx HTML, then every page checked in headless Chromium."""
    installed = build_and_install(tally)
    if not installed:
        return
    site = os.path.join(BUILD, 'docsite')
    rst, html = os.path.join(site, 'rst'), os.path.join(site, 'html')
    if os.path.isdir(site):
        shutil.rmtree(site)
    os.makedirs(rst, mode=0o755)  # antsibull-docs refuses a destination others can write to
    os.chmod(rst, 0o755)
    rc, _lines = run([tool('antsibull-docs'), 'collection', '--use-current', '--squash-hierarchy', '--fail-on-error',
                      '--dest-dir', rst, '%s.%s' % (NAMESPACE, NAME)], 'docsite-rst', cwd=site, env=doc_env())
    if not tally.check(rc == 0 and os.path.isfile(os.path.join(rst, 'index.rst')),
                       'antsibull-docs collection (plugin, role and guide pages as rst)'):
        return
    rc, _lines = run([tool('sphinx-build'), '-b', 'html', '-c', os.path.join(ROOT, 'scripts', 'lib', 'docsite'),
                      '-W', '--keep-going', '-q', rst, html], 'docsite-html', cwd=site)
    if not tally.check(rc == 0 and os.path.isfile(os.path.join(html, 'index.html')),
                       'sphinx-build html (warnings are errors)'):
        return
    cmd = [tool('python'), os.path.join(ROOT, 'scripts', 'lib', 'check_site.py'), html,
           '--screenshot', os.path.join(BUILD, 'docsite-index.png')]
    for page in docsite_pages(installed):
        cmd += ['--expect', page]
    rc, lines = run(cmd, 'docsite-browser', cwd=site)
    counts = [SUMMARY_RE.match(line.strip()) for line in lines]
    counts = [match for match in counts if match]
    if not counts:
        tally.check(False, 'check_site.py printed no "N passed, N failed" line (exit %d)' % rc)
        return
    passed, failed = int(counts[-1].group(1)), int(counts[-1].group(2))
    tally.passed += passed
    tally.failed += failed
    tally.failures += [line.strip()[6:] for line in lines if line.startswith('  FAIL  ')]
    if rc != 0 and not failed:
        tally.check(False, 'check_site.py exited %d but reported no failure' % rc)


# ------------------------------------------------------------------- every ansible-core minor


def installed_core(venv):
    """X.Y of the ansible-core installed in a venv (from its dist-info), or None."""
    for info in glob.glob(os.path.join(venv, 'lib', 'python*', 'site-packages', 'ansible_core-*.dist-info')):
        match = re.match(r'ansible_core-(\d+)\.(\d+)\.', os.path.basename(info))
        if match:
            return '%s.%s' % match.groups()
    return None


def matrix_venvs():
    """(X.Y, venv) for every ansible-core minor from the oldest in meta/runtime.yml to .venv's."""
    newest = installed_core(VENV) or OLDEST_CORE
    major, oldest_minor = OLDEST_CORE.split('.')
    minors = range(int(oldest_minor), int(newest.split('.')[1]) + 1)
    return [('%s.%d' % (major, minor), os.path.join(ROOT, '.venv-%s.%d' % (major, minor)) if '%s.%d' % (major, minor) != newest
             else VENV) for minor in minors]


SMOKE_MODULE_RE = re.compile(r'runs as a module: forced by environment variable EDGEOPS_CLOUDFLARE_EXECUTION')
SMOKE_INPROCESS_RE = re.compile(r"runs in the controller's worker process")
SMOKE_TASKS = 9  # edgeops.cloudflare tasks playbooks/demo.yml runs against the emulator


def smoke(tally, venv, path):
    """The demo (scripts/demo.sh, with the emulator) forced to one execution path; -vvv shows every task took it."""
    rc, lines = run(['bash', os.path.join(DEST, 'scripts', 'demo.sh'), '-vvv'], 'smoke-%s-%s' % (installed_core(venv), path),
                    env=test_env(venv, VENV=venv, EDGEOPS_CLOUDFLARE_EXECUTION=path), echo=False)
    module = sum(1 for line in lines if SMOKE_MODULE_RE.search(line))
    inprocess = sum(1 for line in lines if SMOKE_INPROCESS_RE.search(line))
    wanted, other = (inprocess, module) if path == 'inprocess' else (module, inprocess)
    took_path = wanted == SMOKE_TASKS and other == 0
    clean = any('demo: OK, nothing left behind' in line for line in lines)
    tally.check(rc == 0 and clean and took_path, 'ansible-core %s: the demo on the %s path (%d module, %d in-process tasks)%s' % (
        installed_core(venv), path, module, inprocess, '' if rc == 0 and clean else ' (exit %d; see %s)' % (
            rc, os.path.join(LOGS, 'smoke-%s-%s.log' % (installed_core(venv), path)))))


def phase_matrix(tally):
    """Every ansible-core minor the collection supports: the demo on both execution paths, and the
    unit tests on the minors between the oldest and the newest (those two have phases of their own)."""
    venvs = matrix_venvs()
    if len(venvs) < 2:
        tally.empty('only one ansible-core minor between meta/runtime.yml and .venv')
    for core, venv in venvs:
        if venv_missing(tally, venv):
            continue
        if venv not in (VENV, OLD_VENV):
            # The emulator's own tests use no ansible-core: they run with the newest and the oldest only.
            phase_units(tally, venv, ['--ignore', 'tests/unit/emulator'])
        for path in EXECUTION_PATHS:
            smoke(tally, venv, path)


# ------------------------------------------------------------------- release: what the platforms run

RELEASE = os.path.join(BUILD, 'release')
RELEASE_VENV = os.path.join(ROOT, '.venv-release')
# In the tarball: what users run and read. Of tests/ only config.yml (ansible-test reads the modules'
# Python floor there), of docs/ only the docs site sources; nothing of scripts/, build/ or a venv.
SHIPPED = ('CHANGELOG.rst', 'COPYING', 'FILES.json', 'MANIFEST.json', 'README.md', 'requirements.txt', 'changelogs/',
           'docs/docsite/', 'meta/', 'playbooks/', 'plugins/', 'roles/', 'tests/config.yml')
MUST_SHIP = ('README.md', 'COPYING', 'CHANGELOG.rst', 'requirements.txt', 'meta/runtime.yml', 'meta/execution-environment.yml',
             'meta/requirements.txt', 'tests/config.yml', 'roles/cloudflared/README.md', 'playbooks/demo.yml')
TARBALL_MAX_BYTES = 512 * 1024
TARBALL_MAX_ENTRIES = 300
MARKDOWN_LINK_RE = re.compile(r'\]\(([^)\s]+)\)|^\[[^\]]+\]:\s*(\S+)|<(https?://[^>]+)>', re.M)


def plant_leftovers(src):
    """What `make test` and `make demo` leave in a checkout (one path per .gitignore pattern): the
    build must skip them all. Returns the paths planted."""
    planted = []
    with open(os.path.join(src, '.gitignore'), encoding='utf-8') as handle:
        patterns = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    for pattern in patterns + ['plugins/module_utils/__pycache__/']:
        path = os.path.join(src, pattern.rstrip('/').replace('*', 'leftover'))
        if pattern.endswith('/') or '.' not in os.path.basename(pattern.rstrip('/')).lstrip('.'):
            os.makedirs(path, exist_ok=True)
            target = os.path.join(path, 'leftover.py')
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            target = path
        with open(target, 'w', encoding='utf-8') as handle:
            handle.write('# left behind by a test run\n')
        planted.append(path)
    return planted


def build_release_tarball(tally):
    """git archive of HEAD (a clean checkout) with a test run's leftovers planted, built; returns (src, tarball, tracked)."""
    if os.path.isdir(RELEASE):
        shutil.rmtree(RELEASE)
    src, dist = os.path.join(RELEASE, 'src'), os.path.join(RELEASE, 'dist')
    os.makedirs(src)
    os.makedirs(dist)
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], cwd=ROOT, stdout=subprocess.PIPE,
                           text=True, check=False).stdout.strip()
    if dirty:
        tally.notes.append('the release phase tests the last commit (HEAD); uncommitted changes are not in it')
    archive = subprocess.run('git archive --format=tar HEAD | tar -x -C %s' % shlex.quote(src), shell=True, cwd=ROOT, check=False)
    tracked = subprocess.run(['git', 'ls-tree', '-r', '--name-only', 'HEAD'], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             check=False).stdout.split('\n')
    if not tally.check(archive.returncode == 0 and os.path.isfile(os.path.join(src, 'galaxy.yml')), 'git archive of HEAD'):
        return None, None, None
    planted = plant_leftovers(src)
    rc, _lines = run([tool('ansible-galaxy'), 'collection', 'build', '--output-path', dist], 'release-build', cwd=src)
    for path in planted:
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    tarballs = glob.glob(os.path.join(dist, '*.tar.gz'))
    if not tally.check(rc == 0 and len(tarballs) == 1, 'ansible-galaxy collection build (with %d leftovers of a test run planted)'
                       % len(planted)):
        return src, None, None
    return src, tarballs[0], set(name for name in tracked if name)


def check_tarball(tally, tarball, tracked):
    """Size, entry count and contents: only shipped, tracked files; the ones users need are there."""
    with tarfile.open(tarball) as archive:
        members = archive.getmembers()
    files = [m.name for m in members if m.isfile() or m.issym()]
    size = os.path.getsize(tarball)
    print('  tarball %s: %d bytes, %d entries (%d files)' % (os.path.basename(tarball), size, len(members), len(files)))
    tally.notes.append('tarball %s: %d bytes, %d entries' % (os.path.basename(tarball), size, len(members)))
    tally.check(size <= TARBALL_MAX_BYTES and len(members) <= TARBALL_MAX_ENTRIES,
                'tarball within %d KiB and %d entries (%d bytes, %d entries)' % (
                    TARBALL_MAX_BYTES // 1024, TARBALL_MAX_ENTRIES, size, len(members)))
    stray = [f for f in files if not f.startswith(SHIPPED) or (f not in tracked and f not in ('MANIFEST.json', 'FILES.json'))]
    tally.check(not stray, 'tarball holds only shipped, tracked files (nothing of tests/ but config.yml, scripts/, build/, a venv)%s'
                % (': ' + ', '.join(stray[:8]) if stray else ''))
    missing = [f for f in MUST_SHIP if f not in files]
    tally.check(not missing, 'tarball ships %s%s' % (', '.join(MUST_SHIP), ' (missing: %s)' % ', '.join(missing) if missing else ''))


def check_readme_links(tally, collection, tracked):
    """Galaxy renders README.md and the roles' READMEs from the tarball: every link absolute, and links
    into the repository name files that exist there."""
    repository = read_galaxy_key('repository').rstrip('/')
    readmes = ['README.md'] + sorted(os.path.relpath(p, collection) for p in glob.glob(os.path.join(collection, 'roles', '*', 'README.md')))
    for readme in readmes:
        with open(os.path.join(collection, readme), encoding='utf-8') as handle:
            links = [next(g for g in match.groups() if g) for match in MARKDOWN_LINK_RE.finditer(handle.read())]
        bad = [link for link in links if not link.startswith(('https://', 'http://', '#'))]
        for link in links:
            match = re.match(re.escape(repository) + r'/(?:blob|tree)/main/([^#?]+)', link)
            if match and match.group(1).rstrip('/') not in tracked and not any(t.startswith(match.group(1).rstrip('/') + '/')
                                                                               for t in tracked):
                bad.append(link)
        tally.check(links and not bad, '%s: %d links, all absolute, repository links to existing files%s' % (
            readme, len(links), ' (bad: %s)' % ', '.join(bad[:5]) if bad else ''))


def release_env(venv, **extra):
    """A user's environment: the venv first on PATH, none of the harness's ANSIBLE_COLLECTIONS_PATH or credentials."""
    env = {k: v for k, v in test_env(venv).items() if k != 'ANSIBLE_COLLECTIONS_PATH' and not k.startswith('CLOUDFLARE_')}
    env.update(extra)
    return env


def run_importer(tally, tarball):
    """galaxy-importer as Galaxy runs it (its ansible-test in a container off, flake8 on): no error, no warning."""
    work = os.path.join(RELEASE, 'importer')
    os.makedirs(os.path.join(work, 'tmp'))
    env = release_env(RELEASE_VENV, GALAXY_IMPORTER_CONFIG=os.path.join(ROOT, 'scripts', 'lib', 'galaxy-importer.cfg'),
                      GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=os.path.join(work, 'ansible-tmp'),
                      GALAXY_IMPORTER_TMP_ROOT_DIR=os.path.join(work, 'tmp'))
    rc, lines = run([tool('python', RELEASE_VENV), '-m', 'galaxy_importer.main', tarball], 'release-galaxy-importer', cwd=work, env=env)
    complaints = [line for line in lines if re.match(r'^(ERROR|WARNING|CRITICAL)\b', line)]
    done = any('Importer processing completed successfully' in line for line in lines)
    tally.check(rc == 0 and done and not complaints, 'galaxy-importer: imported, no error, no warning%s' % (
        ' (%d: %s)' % (len(complaints), complaints[0][:150]) if complaints else ''))
    result = os.path.join(work, 'importer_result.json')
    if os.path.isfile(result):
        with open(result, encoding='utf-8') as handle:
            docs = json.load(handle)['docs_blob']
        roles = [c for c in docs['contents'] if c['content_type'] == 'role']
        tally.check(docs['collection_readme']['html'] and roles and all(r['readme_html'] for r in roles),
                    'galaxy-importer rendered the README and every role README')


def extract(tarball, collections):
    """The tarball extracted as ansible_collections/NS/NAME under ``collections``, with its own git repository."""
    dest = os.path.join(collections, 'ansible_collections', NAMESPACE, NAME)
    os.makedirs(dest)
    with tarfile.open(tarball) as archive:
        archive.extractall(dest, filter='data')
    subprocess.run(['git', 'init', '-q', dest], check=True, stdin=subprocess.DEVNULL)
    return dest


def release_sanity(tally, venv, tarball):
    """ansible-test sanity of the extracted tarball (its own copy), every test on every Python it finds."""
    if venv_missing(tally, venv):
        return
    collection = extract(tarball, os.path.join(RELEASE, 'sanity%s' % core_label(venv)))
    for line in sanity_pass(tally, 'release', [], venv, dest=collection):
        match = re.search(r'Skipping sanity test "(\S+)" on Python (\S+) because it could not be found', line)
        note = match and 'ansible-core %s: no Python %s here for sanity %s' % (installed_core(venv), match.group(2), match.group(1))
        if note and note not in tally.notes:
            tally.notes.append(note)


def check_python_floor(tally, collections):
    """On the oldest ansible-core, a module on Python 2.7 and 3.6 fails with the floor's message."""
    if venv_missing(tally, OLD_VENV):
        return
    for version in ('2.7', '3.6'):
        python = os.path.join(PYBIN, 'python' + version)
        if not os.path.exists(python):
            tally.check(False, 'Python %s for the floor check: %s missing, run scripts/bootstrap.sh' % (version, python))
            continue
        rc, lines = run([tool('ansible', OLD_VENV), 'localhost', '-m', '%s.%s.cfd_tunnel_info' % (NAMESPACE, NAME),
                         '-e', 'ansible_python_interpreter=' + python], 'release-floor-py' + version, cwd=RELEASE,
                        env=release_env(OLD_VENV, ANSIBLE_COLLECTIONS_PATH=collections, EDGEOPS_CLOUDFLARE_EXECUTION='module',
                                        ANSIBLE_LOCALHOST_WARNING='false'))
        tally.check(rc != 0 and any('modules need Python 3.9 or newer' in line for line in lines) and
                    not any('SyntaxError' in line for line in lines),
                    'ansible-core %s, a module on Python %s: a clear failure naming the floor, no SyntaxError' % (OLDEST_CORE, version))


def release_lint(tally, src):
    """A bare ansible-lint in the plain checkout (production profile from .ansible-lint), no harness environment."""
    rc, lines = run([tool('ansible-lint'), '--nocolor'], 'release-ansible-lint', cwd=src, env=release_env(VENV))
    passed = any(re.search(r"Profile 'production' was required, and it passed", line) for line in lines)
    tally.check(rc == 0 and passed, 'ansible-lint (production profile) in a plain checkout')


def release_builder(tally, src, collections):
    """ansible-builder: the EE definition makes a build context, and the installed collection's requirements are found."""
    context = os.path.join(RELEASE, 'ee-context')
    rc, lines = run([tool('ansible-builder', RELEASE_VENV), 'create', '-f', 'meta/execution-environment.yml', '-c', context,
                     '--output-filename', 'Containerfile'], 'release-ansible-builder-create', cwd=src, env=release_env(RELEASE_VENV))
    requirements = os.path.join(context, '_build', 'requirements.txt')
    copied = os.path.isfile(requirements) and 'requests' in open(requirements, encoding='utf-8').read()
    warned = [line for line in lines if re.search(r'warning|outdated', line, re.I)]
    tally.check(rc == 0 and copied and not warned and os.path.isfile(os.path.join(context, 'Containerfile')),
                'ansible-builder create -f meta/execution-environment.yml: a build context, no warning%s' % (
                    ' (%s)' % warned[0][:120] if warned else ''))
    rc, lines = run([tool('ansible-builder', RELEASE_VENV), 'introspect', '--sanitize', collections], 'release-ansible-builder-introspect',
                    cwd=RELEASE, env=release_env(RELEASE_VENV))
    tally.check(rc == 0 and any(re.search(r'requests>=2\.25\s+# from collection %s\.%s' % (NAMESPACE, NAME), line) for line in lines),
                'ansible-builder introspect finds the collection\'s Python requirements (requests)')


TUNNEL_TOKEN_PREFIX = 'eyJhIjoi'  # base64 of '{"a":"', how every tunnel token starts
RUNNER_CHANGED = ('Create a remotely managed tunnel', 'Publish two hostnames with their DNS records',
                  "A virtual network for the demo's private range", 'Route 10.0.0.0/24 through the tunnel, for WARP clients',
                  'A private hostname through the tunnel', 'Tear down, removing the routes, the DNS records and the connections first',
                  'Remove the virtual network')


def write_yaml(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=2)  # JSON is YAML; ansible-runner reads both


def release_runner(tally, src, tarball):
    """The demo as AWX runs it: ansible-runner on a private data directory (project, inventory, the
    credentials as environment variables, the collection installed from the tarball); its events
    must show the expected changes and no failure, and no secret."""
    data = os.path.join(RELEASE, 'runner')
    collections = os.path.join(data, 'requirements_collections')
    # --force: a copy of the collection elsewhere on the default path (ansible-lint's, say) is no reason to skip.
    rc, _lines = run([tool('ansible-galaxy', RELEASE_VENV), 'collection', 'install', '--force', tarball, '-p', collections],
                     'release-runner-install', cwd=RELEASE, env=release_env(RELEASE_VENV))
    installed = os.path.join(collections, 'ansible_collections', NAMESPACE, NAME, 'MANIFEST.json')
    if not tally.check(rc == 0 and os.path.isfile(installed), 'ansible-galaxy collection install of the tarball into the private data directory'):
        return
    os.makedirs(os.path.join(data, 'project'))
    with open(os.path.join(data, 'project', 'demo.yml'), 'w', encoding='utf-8') as handle:
        handle.write('---\n- name: The collection\'s demo\n  ansible.builtin.import_playbook: %s.%s.demo\n' % (NAMESPACE, NAME))
    os.makedirs(os.path.join(data, 'inventory'))
    with open(os.path.join(data, 'inventory', 'hosts'), 'w', encoding='utf-8') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % tool('python', RELEASE_VENV))
    emulator = Emulator(src, 'release')
    with emulator as api_url:
        # What a custom credential type injects, plus where AWX installs a project's collections.
        write_yaml(os.path.join(data, 'env', 'envvars'), {
            'CLOUDFLARE_API_TOKEN': EMULATOR_TOKEN, 'CLOUDFLARE_ACCOUNT_ID': EMULATOR_ACCOUNT, 'CLOUDFLARE_BASE_URL': api_url,
            'CLOUDFLARE_ZONE': 'example.com', 'ANSIBLE_COLLECTIONS_PATH': collections})
        rc, _lines = run([tool('ansible-runner', RELEASE_VENV), 'run', data, '-p', 'demo.yml', '--ident', 'demo'],
                         'release-ansible-runner', cwd=RELEASE, env=release_env(RELEASE_VENV))
        state = json.loads(subprocess.run([tool('python'), '-m', 'tests.emulator.control', '--url', api_url, 'state'], cwd=src,
                                          stdout=subprocess.PIPE, text=True, check=False).stdout or '{}')
    artifacts = os.path.join(data, 'artifacts', 'demo')
    events = []
    for path in sorted(glob.glob(os.path.join(artifacts, 'job_events', '*.json'))):
        with open(path, encoding='utf-8') as handle:
            events.append(json.load(handle))
    tally.check(emulator.stopped, 'the emulator stops on SIGTERM within 10 s')
    status_file = os.path.join(artifacts, 'status')
    with open(status_file if os.path.isfile(status_file) else os.devnull, encoding='utf-8') as handle:
        status = handle.read().strip()
    tally.check(rc == 0 and status == 'successful', 'ansible-runner run: exit %d, status %s' % (rc, status or 'none'))
    failed = [e for e in events if e.get('event') in ('runner_on_failed', 'runner_on_unreachable')
              and not e.get('event_data', {}).get('ignore_errors')]
    stats = [e['event_data'] for e in events if e.get('event') == 'playbook_on_stats']
    changed = [e['event_data']['task'] for e in events
               if e.get('event') == 'runner_on_ok' and e['event_data'].get('res', {}).get('changed')]
    tally.check(events and not failed and stats and not stats[-1].get('failures'),
                'ansible-runner events: %d, none failed or unreachable%s' % (
                    len(events), ' (%s)' % failed[0]['event_data'].get('task') if failed else ''))
    tally.check(sorted(changed) == sorted(RUNNER_CHANGED), 'ansible-runner events: the %d expected changes%s' % (
        len(RUNNER_CHANGED), '' if sorted(changed) == sorted(RUNNER_CHANGED) else ' (changed: %s)' % ', '.join(changed)))
    live = [t['name'] for t in state.get('tunnels', []) if not t.get('deleted_at')]
    tally.check(state and not live and not state.get('dns_records'), 'the demo left nothing behind in the emulator')
    # What the run showed and recorded (artifacts/<ident>/command is runner's own copy of its environment).
    leaked = []
    for path in [os.path.join(artifacts, 'stdout')] + glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
        with open(path, encoding='utf-8', errors='replace') as handle:
            text = handle.read()
        if EMULATOR_TOKEN in text or TUNNEL_TOKEN_PREFIX in text:
            leaked.append(os.path.relpath(path, artifacts))
    tally.check(not leaked, 'no API token and no tunnel token in the run\'s stdout and events%s' % (
        ': ' + ', '.join(leaked[:5]) if leaked else ''))


def check_changelog(tally, src):
    """The changelog has an entry for the version built, and every version_added is released or this one."""
    version = read_galaxy_key('version')
    releases = released_versions(src)
    with open(os.path.join(src, 'CHANGELOG.rst'), encoding='utf-8') as handle:
        rendered = re.search(r'^v%s\n=+$' % re.escape(version), handle.read(), re.M)
    tally.check(version in releases and rendered, 'changelog: a release entry for %s in changelogs/changelog.yaml and CHANGELOG.rst%s' % (
        version, '' if version in releases and rendered else ' (missing: run antsibull-changelog release, docs/release.md)'))
    added = set()
    for path in glob.glob(os.path.join(src, 'plugins', '*', '*.py')) + glob.glob(os.path.join(src, 'roles', '*', 'meta', '*.yml')):
        with open(path, encoding='utf-8') as handle:
            added.update(re.findall(r'version_added:\s*["\']?([0-9][0-9.]*)', handle.read()))
    # A later version is the next release's (docs/release.md); an earlier one must have been released.
    unreleased = sorted(v for v in added if v not in releases and version_key(v) < version_key(version))
    tally.check(not unreleased, 'every version_added names a released version, %s or a later one%s' % (
        version, ' (never released: %s)' % ', '.join(unreleased) if unreleased else ''))


def version_key(version):
    """A semantic version as a tuple of numbers, for ordering."""
    return tuple(int(part) for part in re.findall(r'\d+', version)[:3])


def phase_release(tally):
    """The tarball built from a clean git archive of HEAD, checked with what Galaxy, Automation Hub and AWX run."""
    for venv in (VENV, RELEASE_VENV):
        if not os.path.isfile(tool('ansible-galaxy', venv)):
            tally.check(False, '%s missing: run scripts/bootstrap.sh' % tool('ansible-galaxy', venv))
            return
    src, tarball, tracked = build_release_tarball(tally)
    if not tarball:
        return
    check_tarball(tally, tarball, tracked)
    check_changelog(tally, src)
    collections = os.path.join(RELEASE, 'collections')
    check_readme_links(tally, extract(tarball, collections), tracked)
    check_python_floor(tally, collections)
    release_builder(tally, src, collections)
    release_runner(tally, src, tarball)
    # The long ones side by side (each mostly one process: two cores do two at a time).
    concurrently(tally, [('galaxy-importer', lambda job: run_importer(job, tarball)),
                         ('ansible-test sanity %s' % OLDEST_CORE, lambda job: release_sanity(job, OLD_VENV, tarball)),
                         ('ansible-test sanity', lambda job: release_sanity(job, VENV, tarball)),
                         ('ansible-lint', lambda job: release_lint(job, src))])


def concurrently(tally, jobs):
    """Run (name, function of a Tally) jobs in threads; their counts, notes and failures join ``tally``."""
    done = []

    def work(name, func):
        job = Tally(name)
        started = time.monotonic()
        try:
            func(job)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            job.check(False, '%s crashed: %s: %s' % (name, type(exc).__name__, exc))
        job.notes.append('%s: %.0f s' % (name, time.monotonic() - started))
        done.append(job)

    print('-- side by side (output in %s): %s' % (LOGS, ', '.join(name for name, _func in jobs)), flush=True)
    threads = [threading.Thread(target=work, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for job in done:
        for attribute in ('passed', 'failed', 'skipped'):
            setattr(tally, attribute, getattr(tally, attribute) + getattr(job, attribute))
        tally.notes += job.notes
        tally.failures += job.failures


PHASE_FUNCS = {
    'copy': (phase_copy, 'copy the collection into %s' % os.path.relpath(DEST, ROOT)),
    'lint': (phase_lint, 'ansible-lint'),
    'sanity': (phase_sanity, 'ansible-test sanity (controller %s; compile/import on %s)' % (
        CONTROLLER_PYTHON, ' '.join(SANITY_PYTHONS))),
    'units': (phase_units, 'unit tests (pytest, tests/unit)'),
    'demo': (phase_demo, 'the light demo venv, the demo, and the README\'s ad-hoc commands with it'),
    'integration': (phase_integration, 'integration targets (ansible-test integration --local); execution_paths compares both paths'),
    'sanity-' + OLDEST_CORE: (phase_sanity_oldest, 'ansible-test sanity on ansible-core %s (oldest in meta/runtime.yml; '
                                                   'controller %s)' % (OLDEST_CORE, CONTROLLER_PYTHON)),
    'units-' + OLDEST_CORE: (lambda tally: phase_units(tally, OLD_VENV), 'unit tests on ansible-core %s' % OLDEST_CORE),
    'integration-' + OLDEST_CORE: (lambda tally: phase_integration(tally, OLD_VENV),
                                   'integration targets on ansible-core %s' % OLDEST_CORE),
    'matrix': (phase_matrix, 'every ansible-core minor from meta/runtime.yml to .venv\'s: the demo on both execution paths, '
                             'and units on the minors between'),
    'role': (phase_role, 'role tests (tests/role/run.sh)'),
    'docs': (phase_docs, 'build, install, ansible-doc, antsibull-docs, antsibull-changelog'),
    'docsite': (phase_docsite, 'docs site: antsibull-docs + Sphinx HTML, checked in headless Chromium'),
    'release': (phase_release, 'the tarball of a clean git archive of HEAD, as Galaxy, Automation Hub and AWX check it: contents, '
                               'changelog, galaxy-importer, links, Python floor, ansible-builder, ansible-runner, ansible-lint, '
                               'sanity on the oldest and newest ansible-core'),
}


# The role tests mostly wait for hosts to boot and services to start: they run beside the other
# phases (right after the copy), their output going to their log, printed when their turn comes.
BACKGROUND_ROLE = os.environ.get('ROLE_IN_BACKGROUND', '1') != '0'


class Background:
    """A phase run in a thread, with its own Tally; ``finish`` waits for it and reports."""

    def __init__(self, func):
        self.tally = Tally('role')
        self.started = time.monotonic()
        self.seconds = 0.0
        self.thread = threading.Thread(target=self.work, args=(func,), daemon=True)
        print('-- role: started in the background (log: %s)' % os.path.join(LOGS, 'role.log'), flush=True)
        self.thread.start()

    def work(self, func):
        try:
            func(self.tally)  # run() keeps the output of a thread to its log
        except Exception as exc:  # pylint: disable=broad-exception-caught
            self.tally.failed += 1
            self.tally.failures.append('role phase crashed: %s: %s' % (type(exc).__name__, exc))

    def finish(self, tally):
        self.thread.join()
        self.seconds = time.monotonic() - self.started
        tail = os.path.join(LOGS, 'role.log')
        if os.path.isfile(tail):
            with open(tail, encoding='utf-8', errors='replace') as handle:
                lines = handle.read().splitlines()
            print('(the role tests ran in the background for %.0f s; the last lines of %s:)'
                  % (time.monotonic() - self.started, tail))
            print('\n'.join(lines[-40:]))
        for attribute in ('passed', 'failed', 'skipped', 'notes', 'failures'):
            setattr(tally, attribute, getattr(self.tally, attribute))
        return True


def main():
    """Run the selected phases and print the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--phases', default=','.join(PHASES),
                        help='comma-separated subset of: %s (copy always runs first)' % ', '.join(PHASES))
    parser.add_argument('--list', action='store_true', help='list the phases and exit')
    args = parser.parse_args()
    if args.list:
        for name in PHASES:
            print('%-12s %s' % (name, PHASE_FUNCS[name][1]))
        return 0
    wanted = [p.strip() for p in args.phases.split(',') if p.strip()]
    unknown = [p for p in wanted if p not in PHASES]
    if unknown:
        parser.error('unknown phase(s): %s' % ', '.join(unknown))
    if not os.path.isfile(tool('ansible-test')):
        print('ERROR: %s missing: run scripts/bootstrap.sh (or make bootstrap) first' % tool('ansible-test'))
        print('0 passed, 1 failed')
        return 1
    selected = ['copy'] + [p for p in PHASES if p in wanted and p != 'copy']
    tallies = []
    started = time.monotonic()
    background = None
    for number, name in enumerate(selected, 1):
        func, title = PHASE_FUNCS[name]
        tally = Tally(name)
        tallies.append(tally)
        print('\n' + '=' * 78)
        print('== [%d/%d] %s: %s' % (number, len(selected), name, title))
        print('=' * 78, flush=True)
        phase_start = time.monotonic()
        if background is not None and name == 'role':
            result = background.finish(tally)
        else:
            try:
                result = func(tally)
            except Exception as exc:  # pylint: disable=broad-exception-caught
                tally.check(False, '%s phase crashed: %s: %s' % (name, type(exc).__name__, exc))
                result = False
        tally.seconds = time.monotonic() - phase_start
        if background is not None and name == 'role':
            tally.seconds = background.seconds
        if name == 'copy' and result and 'role' in selected and BACKGROUND_ROLE:
            background = Background(phase_role)
        print('-- %s: %d passed, %d failed, %d skipped (%.0f s)' % (
            name, tally.passed, tally.failed, tally.skipped, tally.seconds), flush=True)
        if name == 'copy' and not result:
            print('ERROR: the copy failed; no other phase can run')
            break
    print('\n' + '=' * 78)
    print('== summary (logs in %s)' % LOGS)
    print('=' * 78)
    for tally in tallies:
        print('%-12s %4d passed %4d failed %4d skipped %6.0f s' % (
            tally.name, tally.passed, tally.failed, tally.skipped, tally.seconds))
        for note in tally.notes:
            print('             NOTE: %s' % note)
        for failure in tally.failures:
            print('             FAILED: %s' % failure)
    for name in LEFTOVERS:
        print('WARNING: %s left processes running (killed by the runner)' % name)
    passed = sum(t.passed for t in tallies)
    failed = sum(t.failed for t in tallies)
    skipped = sum(t.skipped for t in tallies)
    print('total time %.0f s; %d skipped' % (time.monotonic() - started, skipped))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
