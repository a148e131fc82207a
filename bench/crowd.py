"""A crowd on the public pages and the observatory: many users at once against a running server.

Each simulated user loops: one page at random among the families' search, a structure page, the
cost estimate and the observatory's territory page (logged in as the demo's « chargé
d'observatoire »), then a pause of ``--pause`` seconds (uniform, e.g. ``1-3``; ``0`` for none,
which measures the saturation throughput). Prints, per page and overall, the requests, errors,
p50, p95 and max in milliseconds, and the throughput.

Bounded and local: at most 200 users and 600 seconds, and only a server on the loopback
(127.0.0.1, ::1, localhost) is accepted. The server is the demo of a département (``make demo``
or gunicorn with ``deploy/gunicorn.conf.py`` on a database where ``sdsf load_demo`` ran)::

    .venv/bin/python bench/crowd.py --url http://127.0.0.1:8104 --users 50 --pause 1-3 --duration 60
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import random
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

LOOPBACK = {"127.0.0.1", "::1", "localhost"}
MAX_USERS, MAX_SECONDS = 200, 600
PASSWORD = "demo-sdsf-2026"  # the demo's accounts (sdsf/accounts/demo.py)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def log_in(base: str, email: str) -> urllib.request.OpenerDirector:
    """An opener holding the session of a staff account, logged in through the form."""
    opener = _opener()
    page = opener.open(f"{base}/compte/connexion/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/compte/connexion/", body, headers={"Referer": f"{base}/compte/connexion/"}
    )
    opener.open(request).read()
    return opener


def pages(base: str, departement: str) -> dict[str, list[str]]:
    """The URLs of each kind of page: searches around the département's communes, the
    structures they find, cost estimates, the observatory's département page."""
    opener = _opener()
    communes = ["Bobigny", "Montreuil", "Saint-Denis", "Aubervilliers", "Pantin"]
    searches = [
        f"{base}/familles/?" + urllib.parse.urlencode({"commune": c, "radius": r})
        for c in communes
        for r in ("2", "5")
    ]
    structures = set()
    for url in searches[:4]:
        found = json.load(opener.open(url.replace("/familles/?", "/familles/recherche.geojson?")))
        for feature in found["features"]:
            if "/structures/" in feature["properties"]["url"]:
                structures.add(base + feature["properties"]["url"])
    costs = [
        f"{base}/familles/cout/?"
        + urllib.parse.urlencode(
            {"calcul": "psu", "psu-on": "2026-12-01", "psu-children": n, "psu-resources": income}
        )
        for n in (1, 2, 3)
        for income in (18000, 32000, 55000)
    ]
    return {
        "search": searches,
        "structure": sorted(structures)[:40],
        "cost": costs,
        "observatory": [f"{base}/observatoire/departement/{departement}/"],
    }


def run(base: str, users: int, seconds: float, pause: tuple[float, float], departement: str):
    urls = pages(base, departement)
    staff = log_in(base, f"observatoire@{departement}.demo.sdsf.fr")
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(seed: int) -> None:
        rng = random.Random(seed)
        public = _opener()
        while time.monotonic() < stop:
            kind = rng.choice(list(urls))
            url = rng.choice(urls[kind])
            opener = staff if kind == "observatory" else public
            start = time.perf_counter()
            try:
                with opener.open(url, timeout=30) as response:
                    response.read()
                    problem = None if response.status == 200 else str(response.status)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                problem = str(getattr(error, "code", error))
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                timings[kind].append(elapsed)
                if problem:
                    errors[kind].append(problem)
            if pause[1] > 0:
                time.sleep(rng.uniform(*pause))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, errors, time.monotonic() - began


def _line(name: str, values: list[float], errors: int) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))] if values else 0
    p50 = statistics.median(values) if values else 0
    top = values[-1] if values else 0
    return f"{name:<12} {len(values):>7} {errors:>6} {p50:>8.0f} {p95:>8.0f} {top:>8.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--pause", default="1-3", help="seconds between pages, e.g. 1-3, or 0")
    parser.add_argument("--departement", default="93")
    options = parser.parse_args()
    host = urllib.parse.urlsplit(options.url).hostname
    if host not in LOOPBACK:
        parser.error("only a server on the loopback (127.0.0.1, ::1, localhost) is accepted")
    users = min(options.users, MAX_USERS)
    seconds = min(options.duration, MAX_SECONDS)
    low, _, high = options.pause.partition("-")
    pause = (float(low), float(high or low))
    timings, errors, elapsed = run(options.url, users, seconds, pause, options.departement)
    total = sum(len(v) for v in timings.values())
    print(f"{users} users, pause {options.pause} s, {elapsed:.0f} s: {total / elapsed:.1f} req/s")
    print(f"{'page':<12} {'requests':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in sorted(timings):
        print(_line(name, timings[name], len(errors[name])))
    print(_line("all", [t for v in timings.values() for t in v], sum(map(len, errors.values()))))
    for name, found in errors.items():
        if found:
            print(f"errors of {name}: {sorted(set(found))[:5]}")


if __name__ == "__main__":
    main()
