"""scripts/lint.sh blocks on what OCA's 18.0 checks find, and passes clean code.

Runs the script on a small copy of the project (its lint configs and a tiny addon
under the real addon's name) rather than on the real addon, so that this test
checks the gate itself: that the configs are read and the checks enabled, a
finding makes the script fail, and the benchmarks may print.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
ADDON = "insurance_account_manager"
COPIED = [
    "scripts/_env.sh",
    "scripts/lint.sh",
    "requirements-test.txt",
    "ruff.toml",
    ".pylintrc",
    ".pylintrc-mandatory",
]

MANIFEST = """{
    "name": "Insurance Account Manager",
    "version": "18.0.1.0.0",
    "author": "insurance_account_manager contributors",
    "website": "https://github.com/insurance-account-manager/insurance_account_manager",
    "license": "LGPL-3",
    "depends": ["base"],
    "demo": ["demo/res_users_demo.xml"],
    "installable": True,
}
"""

MODEL = """from odoo import fields, models


class InsuranceThing(models.Model):
    _name = "insurance.thing"
    _description = "Thing"

    name = fields.Char(required=True)

    def action_show(self):
        self.ensure_one()
{body}
"""

DEMO = """<?xml version="1.0" encoding="utf-8"?>
<odoo>
    <record id="user_demo" model="res.users"{context}>
        <field name="name">Demo</field>
        <field name="login">demo.lint@example.com</field>
    </record>
    <record id="{second_id}" model="res.partner">
        <field name="name">Client</field>
    </record>
</odoo>
"""

PO = """msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 18.0\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: \\n"
"""

BENCH = '''"""A benchmark prints its results."""


def main():
    print("1.0 s")
'''


def _project(root, *, planted):
    for name in COPIED:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT / name, root / name)
    addon = root / ADDON
    for folder in ("models", "demo", "i18n"):
        (addon / folder).mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "tests" / "__init__.py").write_text("")
    (root / "bench").mkdir()
    (root / "bench" / "bench_thing.py").write_text(BENCH)
    (addon / "__init__.py").write_text("from . import models\n")
    (addon / "__manifest__.py").write_text(MANIFEST)
    (addon / "README.rst").write_text("Insurance Account Manager\n=========================\n")
    (addon / "models" / "__init__.py").write_text("from . import insurance_thing\n")
    body = "        print(self.name)\n        return True" if planted else "        return True"
    (addon / "models" / "insurance_thing.py").write_text(MODEL.format(body=body))
    context = "" if planted else " context=\"{'no_reset_password': True}\""
    second_id = "user_demo" if planted else "partner_demo"
    (addon / "demo" / "res_users_demo.xml").write_text(
        DEMO.format(context=context, second_id=second_id)
    )
    (addon / "i18n" / f"{ADDON}.pot").write_text(PO)


def _lint(root):
    python = os.environ.get("IAM_PYTHON")
    if not python:
        pytest.fail("run through scripts/test.sh, which sets IAM_PYTHON")
    tools = subprocess.run(
        [python, "-c", "import ruff, pylint_odoo, oca_pre_commit_hooks"], check=False
    )
    if tools.returncode:
        pytest.skip(f"{python} lacks the lint tools of requirements-test.txt")
    return subprocess.run(
        ["bash", str(root / "scripts" / "lint.sh")],
        # the tests' own Python: lint.sh then builds no virtualenv of its own
        env={**os.environ, "ODOO_PYTHON": python},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_lint_passes_clean_code(tmp_path):
    _project(tmp_path, planted=False)
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_lint_fails_on_findings(tmp_path):
    _project(tmp_path, planted=True)
    result = _lint(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    # pylint-odoo, mandatory: print in the addon (the benchmark's print is allowed)
    assert "insurance_thing.py:12: [W8116(print-used)" in output
    assert "bench_thing.py" not in output
    # oca-checks-odoo-module: the two findings of the demo data this project had
    assert "xml-duplicate-record-id" in output
    assert "xml-create-user-wo-reset-password" in output
    assert "FAILED: pylint, mandatory checks" in output
    assert "FAILED: oca-checks-odoo-module" in output
