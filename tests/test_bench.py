"""The benchmark harness works end to end: bench/generate.py fills a scratch
database with the ``tiny`` preset (and checks its stored computed columns
against the ORM), bench/run.py runs every benchmark once on it, and its JSON
holds every row with positive figures. A smoke test: it must work, not meet a
time (the timings of a shared CI machine say nothing).
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .test_install import _odoo_run_parts

BENCH = Path(__file__).resolve().parent.parent / "bench"
ROWS = {
    "a",
    "b.first",
    "b.same",
    "c",
    "d.list",
    "d.form",
    "d.overview",
    "d.kanban",
    "d.pivot",
    "e",
    "f.month",
    "f.quarter",
    "g",
    "h.expiry",
    "h.book_am",
    "h.book_tl",
    "i",
    "j.targets_am",
    "j.targets_tl",
    "j.lost_am",
    "j.lost_tl",
}


def _bench(script, *args):
    python, addons_path, db_args = _odoo_run_parts()
    result = subprocess.run(
        [python, str(BENCH / script), f"--addons-path={addons_path}", *db_args, *args],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    return result.stdout


@pytest.fixture()
def bench_db():
    name = f"iam_bench_{uuid.uuid4().hex[:8]}"
    yield name
    for db in (name, f"{name}_install"):
        subprocess.run(["dropdb", "--if-exists", db], check=False)


def _positive(value):
    return isinstance(value, int | float) and value > 0


def test_tiny_preset_generates_and_every_benchmark_runs(bench_db, tmp_path):
    out = _bench("generate.py", "--preset", "tiny", "--check", "50", "-d", bench_db)
    assert "match the ORM" in out, out[-2000:]

    report = tmp_path / "bench.json"
    out = _bench("run.py", "--json", str(report), "-d", bench_db)
    result = json.loads(report.read_text(encoding="utf-8"))

    assert result["preset"] == "tiny"
    assert {row["id"] for row in result["rows"]} == ROWS, out[-2000:]
    machine = result["machine"]
    assert machine["cores"] >= 1 and machine["postgresql"] and machine["odoo"].startswith("18")
    for row in result["rows"]:
        baseline = row["baseline"]
        figures = [row["records"], row["seconds"], baseline["seconds"], row["ratio"]]
        figures += [value for value in (row["queries"], baseline["queries"]) if value is not None]
        if row["per_1000"]:
            figures += [value for value in row["per_1000"].values() if value is not None]
        assert all(_positive(value) for value in figures), row
        assert row["target"], row
    # the work really happened: clients got managers, requests were opened
    by_id = {row["id"]: row for row in result["rows"]}
    assert by_id["a"]["details"]["assigned"] > 0
    assert by_id["a"]["details"]["baseline_leads_assigned"] > 0
    assert by_id["c"]["records"] == by_id["c"]["baseline"]["records"]
    # every manager scored, the whole book risk-scored, expired analyses notified,
    # the Book pivot's total the SQL's
    assert by_id["f.quarter"]["details"]["scored"] > 0
    assert by_id["g"]["records"] == by_id["g"]["baseline"]["records"]
    assert by_id["h.expiry"]["records"] == by_id["h.expiry"]["baseline"]["records"]
    assert by_id["h.book_am"]["details"]["same_total"]
    assert by_id["h.book_tl"]["details"]["same_total"]
    # the imported policies gave their clients tiers; the competitor views
    # list the rows of the SQL under the same rule
    assert by_id["i"]["records"] == by_id["i"]["baseline"]["records"]
    assert by_id["i"]["details"]["tier_changes"] > 0
    for key in ("j.targets_am", "j.targets_tl", "j.lost_am", "j.lost_tl"):
        assert by_id[key]["details"]["same_total"], by_id[key]
    assert "b.first" in out and "d.pivot" in out  # the printed table


def test_bench_scripts_explain_themselves():
    for script in ("generate.py", "run.py"):
        help_text = subprocess.run(
            [os.environ.get("IAM_PYTHON") or sys.executable, str(BENCH / script), "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert help_text.returncode == 0, help_text.stderr[-2000:]
        assert "--preset" in help_text.stdout
