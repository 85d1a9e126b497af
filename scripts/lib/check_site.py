"""Check a built HTML site in headless Chromium: every page loads clean, no internal link is broken.

    python scripts/lib/check_site.py SITE_DIR --expect index.html --expect x.html ... --screenshot OUT.png

Serves SITE_DIR on 127.0.0.1 (ephemeral port), starts Debian's Chromium through Playwright and
loads every HTML page in it, starting with those reachable from index.html. A page fails on a console error, an uncaught
exception, a failed request, a response of 400 or more, a request to any other host (blocked,
never sent) or a link to a page or #anchor of this site that does not exist. Every --expect page
must be among the crawled ones. Prints one PASS/FAIL line per check and ends with
``N passed, N failed``; exits 1 when anything failed.
"""

import argparse
import functools
import http.server
import os
import sys
import tempfile
import threading
import urllib.parse

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
# Chromium stays quiet and offline: no first-run, sync, component or background traffic.
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
# In-page links and ids, read after the page has loaded.
PAGE_FACTS_JS = """() => ({
    links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
    ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.getAttribute('name')),
})"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, without a log line per request."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def serve(site_dir):
    """Start a static server for site_dir on 127.0.0.1; return (server, base URL)."""
    handler = functools.partial(QuietHandler, directory=site_dir)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, 'http://127.0.0.1:%d/' % server.server_address[1]


def page_key(url, base):
    """Site-relative path of a URL without fragment or query ('' is the index)."""
    path = urllib.parse.urlsplit(url).path
    rel = urllib.parse.unquote(path[len(urllib.parse.urlsplit(base).path):])
    return 'index.html' if rel in ('', '/') else (rel + 'index.html' if rel.endswith('/') else rel)


class Results:
    """PASS/FAIL lines and their counts."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, problems=()):
        """Record one check, with the reasons when it failed."""
        if ok:
            self.passed += 1
            print('  PASS  %s' % what)
        else:
            self.failed += 1
            print('  FAIL  %s' % what)
            for problem in problems[:20]:
                print('          %s' % problem)


def crawl(context, base, others):
    """Load every page reachable from the index, then the others.

    Returns ({page: (status, problems, links, ids)}, set of pages reachable from the index).
    """
    pages = {}
    queue = ['index.html']
    reachable = set()
    while queue or others:
        if not queue:
            reachable = reachable or set(pages)
            queue.append(others.pop(0))
        key = queue.pop(0)
        if key in pages:
            continue
        problems = []
        page = context.new_page()
        page.on('console', lambda msg, p=problems: msg.type == 'error' and p.append('console error: %s' % msg.text))
        page.on('pageerror', lambda exc, p=problems: p.append('uncaught exception: %s' % exc))
        page.on('requestfailed', lambda req, p=problems: p.append(
            'request failed: %s (%s)' % (req.url, req.failure)))
        page.on('response', lambda resp, p=problems: resp.status >= 400 and p.append(
            'HTTP %d: %s' % (resp.status, resp.url)))
        response = page.goto(urllib.parse.urljoin(base, urllib.parse.quote(key)), wait_until='load')
        status = response.status if response else 0
        facts = page.evaluate(PAGE_FACTS_JS) if status == 200 else {'links': [], 'ids': []}
        page.close()
        links = []
        for href in facts['links']:
            if not href.startswith(base):
                continue  # another site, or mailto:/javascript:; the browser never loads it here
            target = page_key(href, base)
            fragment = urllib.parse.unquote(urllib.parse.urlsplit(href).fragment)
            links.append((href, target, fragment))
            if target.endswith('.html') and target not in pages:
                queue.append(target)
        pages[key] = (status, problems, links, set(facts['ids']))
    return pages, reachable or set(pages)


def main():
    """Crawl the site, check it, save the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('site_dir')
    parser.add_argument('--expect', action='append', default=[], help='a page that must be reachable')
    parser.add_argument('--screenshot', required=True, help='PNG file for the index page')
    args = parser.parse_args()
    site_dir = os.path.abspath(args.site_dir)
    results = Results()
    server, base = serve(site_dir)
    blocked = []

    def only_this_site(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort('blockedbyclient')

    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix='check-site-') as profile:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context.route('**/*', only_this_site)
            every_page = sorted(os.path.relpath(os.path.join(d, f), site_dir) for d, _dirs, files in os.walk(site_dir)
                                for f in files if f.endswith('.html'))
            pages, reachable = crawl(context, base, every_page)
            for key in sorted(pages):
                status, problems, links, _ids = pages[key]
                problems = list(problems)
                if status != 200:
                    problems.insert(0, 'page answered HTTP %d' % status)
                for href, target, fragment in links:
                    if target not in pages:
                        if not os.path.isfile(os.path.join(site_dir, target)):
                            problems.append('broken link: %s (no such file)' % href)
                    elif pages[target][0] != 200:
                        problems.append('broken link: %s (HTTP %d)' % (href, pages[target][0]))
                    elif fragment and fragment not in pages[target][3]:
                        problems.append('broken link: %s (no #%s on %s)' % (href, fragment, target))
                results.check(not problems, 'page %s loads clean, %d internal links resolve' % (
                    key, len(links)), problems)
            for key in args.expect:
                results.check(key in reachable and pages[key][0] == 200, 'expected page %s is reachable from the index' % key)
            page = context.new_page()
            page.set_viewport_size({'width': 1280, 'height': 900})
            page.goto(base, wait_until='load')
            os.makedirs(os.path.dirname(os.path.abspath(args.screenshot)), exist_ok=True)
            page.screenshot(path=args.screenshot, full_page=True)
            results.check(os.path.getsize(args.screenshot) > 10000, 'screenshot of the index saved to %s' % args.screenshot)
            context.close()
    finally:
        server.shutdown()
    results.check(not blocked, 'no request left 127.0.0.1', ['blocked: %s' % url for url in sorted(set(blocked))])
    print('%d passed, %d failed' % (results.passed, results.failed))
    return 1 if results.failed or not results.passed else 0


if __name__ == '__main__':
    sys.exit(main())
