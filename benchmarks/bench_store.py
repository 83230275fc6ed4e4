"""The central store (issue 17): building the summary from the store against building it from one root, and how
long a site's publication takes.

A sample company of ``--sites`` branches × ``--rows`` call-ins is generated and processed in one root (``run``,
which also fills the summary cache). Then, in one run:

* one root, nothing changed: ``consolidate`` with a warm cache (facts decoded, the summary rendered) — the
  baseline, the same work a head office does when it builds from the store;
* each branch published as a site of its own (snapshot of its facts, outbox, sent): time per site;
* the head office builds from the store (``consolidate --from-store``), and the ratio to the baseline.

SQLite by default; ``--postgres URL`` measures a PostgreSQL store instead (password from PGPASSWORD).

    python benchmarks/bench_store.py [--sites 50] [--rows 20000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_validate import best  # noqa: E402

AS_OF = dt.datetime(2026, 11, 27, 16, 0)


def main(argv: list[str] | None = None) -> int:
    from automation.sample import build_sample
    from automation.settings import load_settings
    from automation.summary import _local_input, build_from_store, build_summary, run_root, summary_sources
    from automation.summary.build import workbook_status
    from automation.summary.sites import publish

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=50)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="postgresql://user@host/db (password from PGPASSWORD)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        root = Path(tmp) / "company"
        branches = [f"分公司{i:02d}" for i in range(1, args.sites + 1)]
        start = time.perf_counter()
        build_sample(root, as_of=AS_OF, rows=args.rows, branches=branches)
        print(f"{args.sites} branches × {args.rows:,} call-ins generated in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        run_root(root, as_of=AS_OF)
        print(f"one root processed (run) in {time.perf_counter() - start:.1f} s")
        settings = load_settings(root)
        warm = best(lambda: build_summary(root, as_of=AS_OF, settings=settings), args.repeat)
        print(f"A  one root, nothing changed (consolidate, warm cache): {warm:.3f} s  (baseline)")

        url = args.postgres or str(Path(tmp) / "store.sqlite")
        inp = _local_input(root, settings, AS_OF, summary_sources(root, settings), {})
        status = workbook_status(inp)
        latencies = []
        for site in [*branches, settings.head_office]:
            as_site = dataclasses.replace(settings, site_name=site, site_folders=(site,), store_url=url)
            start = time.perf_counter()
            sent = publish(root, as_site, inp, status)
            latencies.append(time.perf_counter() - start)
            assert sent.problem is None, sent.message("en")
        print(f"   publication per site (snapshot, outbox, sent): median {statistics.median(latencies) * 1000:.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} sites")  # fmt: skip

        head = Path(tmp) / "head"
        head.mkdir()
        head_settings = dataclasses.replace(settings, store_url=url)
        from_store = best(lambda: build_from_store(head, as_of=AS_OF, settings=head_settings), args.repeat)
        print(f"B  head office from the store (consolidate --from-store): {from_store:.3f} s  = {from_store / warm:.2f} A")
    return 0


if __name__ == "__main__":
    sys.exit(main())
