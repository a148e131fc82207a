"""Time the communes' obligations core and the SVG map of their page.

- ``commune_rows``: the communes of the largest département (Pas-de-Calais), target under
  0.1 s (what a page or the command computes); every commune of France from the shipped COG
  file (about 35,000), 10 % of them having transferred the competence to their EPCI, 20 %
  covered by a relais, 1,000 adopted schémas. Target: under 1 s.
- ``choropleth``: the map of the obligations page of the Deux-Sèvres (252 communes, their
  shipped outlines). Target: under 1 s (it took 11 s when the bounds were recomputed for every
  point).

Prints the best of 3 runs of each. Run: ``.venv/bin/python bench/publicservice.py``.
"""

import csv
import datetime
import json
import random
import time
from collections.abc import Callable

from sdsf.core.datadir import data_dir
from sdsf.observatory.svgmap import choropleth
from sdsf.publicservice.obligations import CommuneFacts, authorities, commune_rows

RUNS = 3
TODAY = datetime.date(2026, 12, 5)


def best_of(label: str, target: float, work: Callable[[], object]) -> None:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    best = min(timings)
    verdict = "met" if best < target else "NOT met"
    print(
        f"{label}: best {best:.3f} s (runs {', '.join(f'{t:.3f}' for t in timings)}); "
        f"target {target} s {verdict}"
    )


def main() -> None:
    rng = random.Random(2026)
    with open(data_dir() / "cog" / "epci_cog2026.csv", encoding="utf-8") as f:
        epci_population = {
            r["code_epci"]: int(r["population_municipale"]) for r in csv.DictReader(f)
        }
    with open(data_dir() / "cog" / "communes_cog2026_epci.csv", encoding="utf-8") as f:
        communes = [
            CommuneFacts(
                r["code_commune"],
                r["nom_commune"],
                int(r["population"]) if r["population"] else None,
                r["code_epci"] or None,
                r["nom_epci"] or None,
                epci_population.get(r["code_epci"]),
            )
            for r in csv.DictReader(f)
            if r["type"] == "commune-actuelle"
        ]
    transfers = {c.code: datetime.date(2026, 1, 1) for c in communes if rng.random() < 0.1}
    relais = {c.code for c in communes if rng.random() < 0.2}
    adopted = {("commune", c.code): TODAY for c in rng.sample(communes, 1_000)}
    print(
        f"{len(communes)} communes, {len(transfers)} transfers, {len(relais)} covered by a relais"
    )
    largest = [c for c in communes if c.code.startswith("62")]  # Pas-de-Calais, 890 communes
    best_of(
        f"commune_rows + authorities (Pas-de-Calais, {len(largest)} communes)",
        0.1,
        lambda: authorities(commune_rows(largest, transfers, relais, adopted, TODAY)),
    )
    best_of(
        "commune_rows + authorities (France)",
        1.0,
        lambda: authorities(commune_rows(communes, transfers, relais, adopted, TODAY)),
    )
    geojson = json.loads(
        (data_dir() / "geo" / "communes-79-cog2025-datafrance.geojson").read_text(encoding="utf-8")
    )
    features = [
        (f["properties"].get("nom", ""), f["geometry"], "#b8fec9") for f in geojson["features"]
    ]
    print(f"{len(features)} outlines of the Deux-Sèvres")
    best_of("choropleth (79)", 1.0, lambda: choropleth(features))


if __name__ == "__main__":
    main()
