"""The addon installs on an empty database and uninstalls cleanly.

(Installing on a database that already holds data is what scripts/test.sh does
to build the database the other tests run on: CRM and Contacts with their demo
records first, then this addon.)
"""

import os
import subprocess
import uuid

import psycopg2
import pytest

ADDON = "insurance_account_manager"


def _config():
    import odoo

    return odoo.tools.config


def _odoo(*args, stdin=None):
    """Run Odoo in a subprocess with the test run's Python, addons path and database."""
    python = os.environ.get("IAM_PYTHON")
    addons_path = os.environ.get("IAM_ADDONS_PATH")
    if not (python and addons_path):
        pytest.fail("run through scripts/test.sh, which sets IAM_PYTHON and IAM_ADDONS_PATH")
    config = _config()
    db_args = [f"--db_user={config['db_user']}"]
    for key in ("db_host", "db_port", "db_password"):
        if config.get(key):
            db_args.append(f"--{key}={config[key]}")
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


def _query(dbname, sql):
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
            return cr.fetchall()
    finally:
        conn.close()


@pytest.fixture()
def scratch_db():
    name = f"iam_install_{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["dropdb", "--if-exists", name], check=False)


def _errors(log):
    return [line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line]


def test_install_on_empty_database_then_uninstall(scratch_db):
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
