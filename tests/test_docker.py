"""The Docker set-up (docker-compose.yml, docker/), checked without Docker.

No Docker daemon runs where these tests run, so they check the files: the
compose file's services, the browser the test image installs, and the `odoo`
service's entry point script, which is run here with stand-ins for psql,
pg_isready and the image's /entrypoint.sh.
"""

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
ENTRYPOINT = ROOT / "docker" / "odoo-entrypoint.sh"
MODULE = "insurance_account_manager"
# The executables Odoo 18's test browser looks for (odoo/tests/common.py, _find_executable).
ODOO_BROWSERS = {"google-chrome", "chromium", "chromium-browser", "google-chrome-stable"}
# Debian/Ubuntu package -> the executable it installs. Ubuntu's chromium and
# chromium-browser are stubs that install the snap, which does not run in a container.
CHROME_PACKAGES = {"google-chrome-stable": "google-chrome"}
SNAP_STUBS = {"chromium", "chromium-browser"}


@pytest.fixture(scope="module")
def compose():
    yaml = pytest.importorskip(
        "yaml", reason="PyYAML is not installed here: the docker-compose.yml checks need it"
    )
    return yaml.safe_load(COMPOSE.read_text())


def _as_list(command):
    return shlex.split(command) if isinstance(command, str) else list(command or [])


def test_odoo_service_does_not_install_on_every_start(compose):
    odoo = compose["services"]["odoo"]
    command = _as_list(odoo.get("command"))
    assert "-d" in command, "the odoo service must name its database"
    for arg in command:
        assert arg not in ("-i", "--init") and not arg.startswith(("-i", "--init=")), (
            f"the odoo service's command installs on every start: {command}"
        )
    # The install-once step is the entry point script, mounted from docker/.
    entrypoint = _as_list(odoo.get("entrypoint"))
    mounts = {}
    for volume in odoo.get("volumes", []):
        source, _, target = volume.partition(":")
        mounts[target.split(":")[0]] = (source, target.endswith(":ro"))
    script = next((arg for arg in entrypoint if arg in mounts), None)
    assert script, f"the odoo service's entrypoint {entrypoint} runs no script mounted here"
    source, read_only = mounts[script]
    assert (ROOT / source).resolve() == ENTRYPOINT
    assert read_only, f"{source} is mounted writable"


def test_tests_service_has_room_for_chrome(compose):
    tests = compose["services"]["tests"]
    assert tests.get("shm_size"), "the tests service needs shm_size for Chrome's shared memory"


def _dockerfile(compose):
    build = compose["services"]["tests"]["build"]
    return ROOT / build["context"] / build.get("dockerfile", "Dockerfile")


def _apt_installed(dockerfile_text):
    """Packages named by the `apt-get install` commands of a Dockerfile."""
    text = dockerfile_text.replace("\\\n", " ")
    packages = set()
    for match in re.finditer(r"apt-get install ([^&;|\n]*)", text):
        packages.update(word for word in match.group(1).split() if not word.startswith("-"))
    return packages


def test_test_image_installs_a_browser_odoo_finds(compose):
    text = _dockerfile(compose).read_text()
    packages = _apt_installed(text)
    assert packages, "no apt-get install found in the test image's Dockerfile"
    assert not packages & SNAP_STUBS, (
        f"{sorted(packages & SNAP_STUBS)}: on Ubuntu noble (the odoo:18.0 image) a snap stub"
    )
    browsers = {CHROME_PACKAGES[p] for p in packages if p in CHROME_PACKAGES}
    assert browsers & ODOO_BROWSERS, f"no browser for Odoo's tours among {sorted(packages)}"
    # Google's package comes from Google's repository, with its signing key.
    repo = re.search(r"deb \[([^\]]*)\] \S*dl\.google\.com/linux/chrome/deb/ stable main", text)
    assert repo and "signed-by=" in repo.group(1), "Google's apt repository is not set up"
    assert "linux_signing_key.pub" in text


def test_entrypoint_script_is_valid_bash():
    assert ENTRYPOINT.is_file(), f"{ENTRYPOINT.relative_to(ROOT)} is missing"
    result = subprocess.run(["bash", "-n", str(ENTRYPOINT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# The entry point script against stand-ins: psql answers from FAKE_* variables,
# the image's entry point records each call (one line, arguments tab-separated).
FAKE_PSQL = r"""#!/usr/bin/env bash
sql="$(cat)"
echo "$*" >> "$FAKE_PSQL_LOG"
[ -n "${FAKE_PSQL_FAIL:-}" ] && { echo "psql: error: connection refused" >&2; exit 2; }
case "$sql" in
    *pg_database*) [ -n "${FAKE_DB_EXISTS:-}" ] && echo 1 ;;
    *to_regclass*) [ -n "${FAKE_HAS_TABLES:-}" ] && echo t || echo f ;;
    *ir_module_module*) [ -n "${FAKE_STATE:-}" ] && echo "$FAKE_STATE" ;;
esac
exit 0
"""
FAKE_PG_ISREADY = """#!/usr/bin/env bash
[ -z "${FAKE_PG_DOWN:-}" ]
"""
FAKE_IMAGE_ENTRYPOINT = r"""#!/usr/bin/env bash
(IFS=$'\t'; echo "$*") >> "$FAKE_CALLS"
case " $* " in
    *" --stop-after-init "*) [ -z "${FAKE_INSTALL_FAIL:-}" ] ;;
esac
"""
START = ["--", "-d", "insurance", "--db-filter=^insurance$"]
INSTALL = [*START, "-i", MODULE, "--stop-after-init", "--no-http"]


def _run_entrypoint(tmp_path, args, **fake):
    assert ENTRYPOINT.is_file(), f"{ENTRYPOINT.relative_to(ROOT)} is missing"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, body in (
        ("psql", FAKE_PSQL),
        ("pg_isready", FAKE_PG_ISREADY),
        ("image-entrypoint", FAKE_IMAGE_ENTRYPOINT),
    ):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "calls"
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOST": "db",
        "USER": "odoo",
        "PASSWORD": "odoo",
        "IAM_IMAGE_ENTRYPOINT": str(bin_dir / "image-entrypoint"),
        "IAM_PG_WAIT": "1",
        "FAKE_CALLS": str(calls),
        "FAKE_PSQL_LOG": str(tmp_path / "psql"),
        **fake,
    }
    result = subprocess.run(
        ["bash", str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=60
    )
    lines = calls.read_text().splitlines() if calls.exists() else []
    return result, [line.split("\t") for line in lines]


@pytest.mark.parametrize(
    "fake",
    [
        pytest.param({}, id="no database"),
        pytest.param({"FAKE_DB_EXISTS": "1"}, id="empty database"),
        pytest.param({"FAKE_DB_EXISTS": "1", "FAKE_HAS_TABLES": "1"}, id="addon absent"),
        pytest.param(
            {"FAKE_DB_EXISTS": "1", "FAKE_HAS_TABLES": "1", "FAKE_STATE": "uninstalled"},
            id="addon uninstalled",
        ),
    ],
)
def test_entrypoint_installs_then_starts(tmp_path, fake):
    result, calls = _run_entrypoint(tmp_path, START, **fake)
    assert result.returncode == 0, result.stderr
    assert calls == [INSTALL, START]


def test_entrypoint_starts_an_installed_database_without_installing(tmp_path):
    result, calls = _run_entrypoint(
        tmp_path,
        START,
        FAKE_DB_EXISTS="1",
        FAKE_HAS_TABLES="1",
        FAKE_STATE="installed",
    )
    assert result.returncode == 0, result.stderr
    assert calls == [START]


def test_entrypoint_upgrade_command_runs_once_on_an_installed_database(tmp_path):
    upgrade = ["--", "-d", "insurance", "-u", MODULE, "--stop-after-init"]
    result, calls = _run_entrypoint(
        tmp_path, upgrade, FAKE_DB_EXISTS="1", FAKE_HAS_TABLES="1", FAKE_STATE="installed"
    )
    assert result.returncode == 0, result.stderr
    assert calls == [upgrade]


@pytest.mark.parametrize(
    "fake",
    [
        pytest.param({"FAKE_PSQL_FAIL": "1"}, id="psql fails"),
        pytest.param({"FAKE_PG_DOWN": "1"}, id="server not ready"),
    ],
)
def test_entrypoint_stops_when_postgres_cannot_tell(tmp_path, fake):
    result, calls = _run_entrypoint(tmp_path, START, **fake)
    assert result.returncode != 0
    assert calls == [], "neither installed nor started without knowing the database's state"


def test_entrypoint_does_not_start_after_a_failed_install(tmp_path):
    result, calls = _run_entrypoint(tmp_path, START, FAKE_INSTALL_FAIL="1")
    assert result.returncode != 0
    assert calls == [INSTALL]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["bash"], id="other command"),
        pytest.param(["odoo", "shell", "-d", "insurance"], id="odoo subcommand"),
        pytest.param(["--", "--version"], id="no database"),
    ],
)
def test_entrypoint_passes_other_commands_through(tmp_path, args):
    result, calls = _run_entrypoint(tmp_path, args, FAKE_PSQL_FAIL="1", FAKE_PG_DOWN="1")
    assert result.returncode == 0, result.stderr
    assert calls == [args]


@pytest.mark.parametrize(
    "database_args",
    [["-d", "other"], ["-dother"], ["--database", "other"], ["--database=other"]],
)
def test_entrypoint_checks_the_database_the_command_names(tmp_path, database_args):
    args = ["--", *database_args]
    result, calls = _run_entrypoint(
        tmp_path, args, FAKE_DB_EXISTS="1", FAKE_HAS_TABLES="1", FAKE_STATE="installed"
    )
    assert result.returncode == 0, result.stderr
    assert calls == [args]
    queries = (tmp_path / "psql").read_text().splitlines()
    assert len(queries) == 3
    assert "-v db=other" in queries[0] and queries[0].endswith("-d postgres")
    assert all(query.endswith("-d other") for query in queries[1:])
