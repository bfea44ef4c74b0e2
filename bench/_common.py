"""What the benchmark scripts share: presets, the command line, the Odoo
registry, and bulk SQL (COPY) helpers."""

import argparse
import json
import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

# The books the generator builds. ``unassigned`` clients (and as many CRM
# leads) wait for a manager; ``claims`` are a year's claims (DESIGN.md: 30,000
# a year at 100,000 clients), each opening a claims-service request, so
# ``requests`` counts them too. The limits tell run.py how much of the book
# each benchmark works through (``None``: all of it).
PRESETS = {
    "tiny": {
        "clients": 200,
        "policies": 800,
        "managers": 10,
        "requests": 100,
        "claims": 60,
        "unassigned": 50,
        "assign_limit": None,
        "renewal_limit": 200,
        "tier_sizes": None,
        "install_partners": 2000,
        "import_policies": 100,
    },
    "small": {
        "clients": 2000,
        "policies": 8000,
        "managers": 20,
        "requests": 1000,
        "claims": 600,
        "unassigned": 500,
        "assign_limit": None,
        "renewal_limit": 1000,
        "tier_sizes": None,
        "install_partners": 10000,
        "import_policies": 1000,
    },
    "insurer": {
        "clients": 100000,
        "policies": 400000,
        "managers": 200,
        "requests": 50000,
        "claims": 30000,
        "unassigned": 5000,
        "assign_limit": 5000,
        "renewal_limit": 2000,
        "tier_sizes": (20000, None),
        "install_partners": 100000,
        "import_policies": 5000,
    },
}


def assignment_todo(today):
    """The clients the assignment scheduled action still has to look at
    today (res.partner._cron_assign_account_managers's selection)."""
    return [
        ("is_insurance_client", "=", True),
        ("account_manager_id", "=", False),
        "|",
        ("insurance_assignment_checked_on", "=", False),
        ("insurance_assignment_checked_on", "<", today),
    ]


# ir.config_parameter keys where the generator leaves what it built
PARAM_PRESET = "insurance_bench.preset"
PARAM_BOOK = "insurance_bench.book"


def parse_args(doc, add_arguments):
    """Parse this script's options (``add_arguments(parser)``); the others
    (``-d``, ``--addons-path``, ``--db_user`` ...) are Odoo's. Returns
    ``(args, odoo_args)``."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        epilog="Other options (-d, --addons-path, --db_user, ...) are Odoo's.",
    )
    add_arguments(parser)
    args, odoo_args = parser.parse_known_args()
    if not any(arg.startswith("--log-level") for arg in odoo_args):
        odoo_args = ["--log-level=warn", *odoo_args]
    import warnings

    import odoo

    odoo.tools.config.parse_config(odoo_args)
    # Odoo 18 itself still calls werkzeug APIs deprecated since 2.3
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    if not odoo.tools.config["db_name"]:
        parser.error("name the database with -d")
    return args, odoo_args


def registry(dbname=None):
    import odoo
    from odoo.modules.registry import Registry

    return Registry(dbname or odoo.tools.config["db_name"])


def db_cli_args():
    """PostgreSQL connection options for Odoo subprocesses, from the config."""
    import odoo

    config = odoo.tools.config
    args = [f"--db_user={config['db_user']}"] if config.get("db_user") else []
    for key in ("db_host", "db_port", "db_password"):
        if config.get(key):
            args.append(f"--{key}={config[key]}")
    return args


def pg_env():
    """Environment for the PostgreSQL client tools (createdb, dropdb)."""
    import odoo

    config = odoo.tools.config
    env = dict(os.environ)
    for key, var in (
        ("db_user", "PGUSER"),
        ("db_host", "PGHOST"),
        ("db_port", "PGPORT"),
        ("db_password", "PGPASSWORD"),
    ):
        if config.get(key):
            env[var] = str(config[key])
    return env


def odoo_install(dbname, modules, logfile=None):
    """Install ``modules`` (without demo data) with Odoo's own command, as a
    new process; returns its wall time in seconds. Fails on an error."""
    import time

    import odoo

    command = [
        sys.executable,
        "-m",
        "odoo",
        "server",
        "-d",
        dbname,
        "-i",
        modules,
        "--without-demo=all",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
        f"--addons-path={odoo.tools.config['addons_path']}",
        *db_cli_args(),
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if logfile:
        with open(logfile, "a", encoding="utf-8") as log:
            log.write(result.stderr)
    errors = [
        line for line in result.stderr.splitlines() if " ERROR " in line or "CRITICAL" in line
    ]
    if result.returncode or errors:
        sys.exit(
            f"installing {modules} on {dbname} failed:\n"
            + "\n".join(result.stderr.splitlines()[-30:])
        )
    return seconds


def dropdb(dbname):
    subprocess.run(["dropdb", "--if-exists", dbname], env=pg_env(), check=True)


# ------------------------------------------------------------
# Bulk SQL
# ------------------------------------------------------------


def reserve_ids(cr, table, count):
    """``count`` new ids of ``table`` from its sequence, in one statement each way."""
    if not count:
        return []
    # pylint: disable-next=sql-injection - table names are the scripts' own
    cr.execute(f"SELECT nextval('{table}_id_seq')")  # noqa: S608
    start = cr.fetchone()[0]
    cr.execute(f"SELECT setval('{table}_id_seq', %s)", [start + count - 1])  # noqa: S608
    return list(range(start, start + count))


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class _Lines:
    """A file that COPY reads, made of ``lines`` as they come (one COPY
    statement for all rows, without the whole text in memory)."""

    def __init__(self, lines):
        self._lines = iter(lines)
        self._buffer = ""

    def _read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            line = next(self._lines, None)
            if line is None:
                break
            self._buffer += line
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    read = _read  # what COPY calls


def copy_rows(cr, table, columns, rows):
    """Insert ``rows`` (sequences of values in the order of ``columns``) with
    one COPY statement (rows may refer to each other: the foreign keys are
    checked at its end)."""
    lines = ("\t".join(map(_copy_text, row)) + "\n" for row in rows)
    cr._obj.copy_expert(  # pylint: disable=protected-access
        f"COPY {table} ({', '.join(columns)}) FROM STDIN", _Lines(lines), size=1 << 16
    )


def table_row(cr, table, record_id):
    """``{column: value}`` of one row of ``table``."""
    cr.execute(f"SELECT * FROM {table} WHERE id = %s", [record_id])  # noqa: S608
    names = [column.name for column in cr.description]
    return dict(zip(names, cr.fetchone(), strict=True))


def clone_rows(cr, table, prototype, rows):
    """Insert ``rows`` into ``table``, each a dict of the values that differ
    from ``prototype`` (a row the ORM created, see :func:`table_row`): every
    other column, defaults, company, currency, create/write uid and date, is
    the prototype's. Rows without an ``id`` get new ones. Returns the ids."""
    columns = [name for name in prototype if name != "id"]
    missing = [row for row in rows if "id" not in row]
    for row, new_id in zip(missing, reserve_ids(cr, table, len(missing)), strict=True):
        row["id"] = new_id
    copy_rows(
        cr,
        table,
        ["id", *columns],
        [[row["id"], *(row.get(name, prototype[name]) for name in columns)] for row in rows],
    )
    return [row["id"] for row in rows]
