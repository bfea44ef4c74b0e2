"""The addon installs on an empty database, upgrades, and uninstalls cleanly;
its SQL works on every PostgreSQL that Odoo 18 supports (12 and later).

(Installing on a database that already holds data is what scripts/test.sh does
to build the database the other tests run on: CRM and Contacts with their demo
records first, then this addon.)
"""

import os
import re
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest

ADDON = "insurance_account_manager"
REQUIRE_QUALIFICATION = "insurance_account_manager.require_qualification"


def _config():
    import odoo

    return odoo.tools.config


def _odoo_run_parts():
    """The test run's Python, addons path and database arguments, as
    scripts/test.sh sets them, for running Odoo's code in a subprocess."""
    python = os.environ.get("IAM_PYTHON")
    addons_path = os.environ.get("IAM_ADDONS_PATH")
    if not (python and addons_path):
        pytest.fail("run through scripts/test.sh, which sets IAM_PYTHON and IAM_ADDONS_PATH")
    config = _config()
    db_args = [f"--db_user={config['db_user']}"]
    for key in ("db_host", "db_port", "db_password"):
        if config.get(key):
            db_args.append(f"--{key}={config[key]}")
    return python, addons_path, db_args


def _odoo(*args, stdin=None):
    """Run Odoo in a subprocess with the test run's Python, addons path and database."""
    python, addons_path, db_args = _odoo_run_parts()
    command, *rest = args
    return subprocess.run(
        [
            python,
            "-m",
            "odoo",
            command,
            f"--addons-path={addons_path}",
            *db_args,
            "--log-level=warn",
            "--no-http",
            *rest,
        ],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _query(dbname, sql, commit=False):
    config = _config()
    conn = psycopg2.connect(
        dbname=dbname,
        user=config["db_user"],
        host=config.get("db_host") or None,
        port=config.get("db_port") or None,
        password=config.get("db_password") or None,
    )
    try:
        with conn.cursor() as cr:
            cr.execute(sql)
            rows = cr.fetchall()
        if commit:
            conn.commit()
        return rows
    finally:
        conn.close()


@pytest.fixture()
def scratch_db():
    name = f"iam_install_{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["dropdb", "--if-exists", name], check=False)


def _errors(log):
    return [line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line]


def test_install_on_empty_database_upgrade_then_uninstall(scratch_db):
    result = _odoo(
        "server", "-d", scratch_db, "-i", ADDON, "--without-demo=all", "--stop-after-init"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not _errors(result.stderr), _errors(result.stderr)
    assert _query(scratch_db, f"SELECT state FROM ir_module_module WHERE name = '{ADDON}'") == [
        ("installed",)
    ]
    assert _query(scratch_db, "SELECT count(*) FROM insurance_line") == [(7,)]
    assert _query(scratch_db, "SELECT count(*) FROM insurance_policy") == [(0,)]

    # an administrator's choices, kept on noupdate records, survive an upgrade
    _query(
        scratch_db,
        "UPDATE insurance_client_tier SET load_weight = 7.5 WHERE code = 'key';"
        "UPDATE ir_cron SET active = NOT active WHERE id = (SELECT res_id FROM ir_model_data"
        f" WHERE module = '{ADDON}' AND name = 'ir_cron_recompute_insurance_tiers') RETURNING 1",
        commit=True,
    )
    cron_active = _query(
        scratch_db,
        "SELECT c.active FROM ir_cron c JOIN ir_model_data d ON d.res_id = c.id"
        f" AND d.model = 'ir.cron' AND d.module = '{ADDON}'"
        " AND d.name = 'ir_cron_recompute_insurance_tiers'",
    )
    # a new database requires a qualification to take clients: no parameter
    # (missing reads as on). A database of 18.0.1.1.0, where missing meant off,
    # keeps it off through the upgrade: the migration writes it out.
    require = f"SELECT value FROM ir_config_parameter WHERE key = '{REQUIRE_QUALIFICATION}'"
    assert _query(scratch_db, require) == []
    _query(
        scratch_db,
        f"UPDATE ir_module_module SET latest_version = '18.0.1.1.0' WHERE name = '{ADDON}'"
        " RETURNING 1",
        commit=True,
    )
    upgrade = _odoo("server", "-d", scratch_db, "-u", ADDON, "--stop-after-init")
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    assert not _errors(upgrade.stderr), _errors(upgrade.stderr)
    assert _query(scratch_db, require) == [("False",)]
    assert _query(
        scratch_db, "SELECT load_weight FROM insurance_client_tier WHERE code = 'key'"
    ) == [(7.5,)]
    assert (
        _query(
            scratch_db,
            "SELECT c.active FROM ir_cron c JOIN ir_model_data d ON d.res_id = c.id"
            f" AND d.model = 'ir.cron' AND d.module = '{ADDON}'"
            " AND d.name = 'ir_cron_recompute_insurance_tiers'",
        )
        == cron_active
    )

    uninstall = _odoo(
        "shell",
        "-d",
        scratch_db,
        stdin=(
            f"env['ir.module.module'].search([('name', '=', '{ADDON}')])"
            ".button_immediate_uninstall()\nenv.cr.commit()\n"
        ),
    )
    assert uninstall.returncode == 0, uninstall.stderr[-3000:]
    assert not _errors(uninstall.stderr), _errors(uninstall.stderr)
    assert _query(scratch_db, f"SELECT state FROM ir_module_module WHERE name = '{ADDON}'") == [
        ("uninstalled",)
    ]
    assert (
        _query(
            scratch_db,
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'insurance%'",
        )
        == []
    )
    assert (
        _query(
            scratch_db,
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner'"
            " AND column_name IN ('annual_premium', 'is_insurance_client', 'account_manager_id')",
        )
        == []
    )
    assert _query(scratch_db, "SELECT model FROM ir_model WHERE model LIKE 'insurance.%'") == []
    assert _query(scratch_db, f"SELECT count(*) FROM ir_model_data WHERE module = '{ADDON}'") == [
        (0,)
    ]
    assert _query(
        scratch_db, "SELECT count(*) FROM ir_ui_menu WHERE name->>'en_US' = 'Insurance'"
    ) == [(0,)]


# SQL that needs a PostgreSQL newer than 12, the oldest Odoo 18 supports, with
# the version that brought it.
NEWER_SQL = {
    r"NULLS\s+(NOT\s+)?DISTINCT": 15,
    r"\bMERGE\s+INTO\b": 15,
    r"\bANY_VALUE\s*\(": 16,
    r"\bIS\s+(NOT\s+)?JSON\b": 16,
    r"\bJSON_(TABLE|EXISTS|QUERY|VALUE|OBJECT|ARRAY)\s*\(": 16,
    r"\brange_agg\s*\(|\bmultirange\b": 14,
    r"\bsecurity_invoker\b": 15,
    r"\bUNIQUE\s+NULLS\b": 15,
    r"\bstring_to_table\s*\(|\bdate_bin\s*\(": 14,
}


def _addon_code_lines():
    root = Path(__file__).resolve().parent.parent / ADDON
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".sql", ".xml") or "tests" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            yield path.relative_to(root), number, line


def test_sql_works_on_postgresql_12():
    found = [
        f"{path}:{number}: needs PostgreSQL {version}: {line.strip()}"
        for path, number, line in _addon_code_lines()
        for pattern, version in NEWER_SQL.items()
        if re.search(pattern, line, re.IGNORECASE)
    ]
    assert not found, "\n".join(found)


def test_sql_scan_sees_a_newer_construct(tmp_path):
    """The scan above is not blind: the construct this addon once used is caught."""
    line = 'UNIQUE NULLS NOT DISTINCT (code, company_id)"'
    assert any(re.search(pattern, line, re.IGNORECASE) for pattern in NEWER_SQL)
