# Shared set-up for the project's scripts; sourced, not run.
#
# Settings (environment variables, all optional):
#   ODOO_PATH     folder holding the Odoo 18 `odoo` package (a source tree, or
#                 /usr/lib/python3/dist-packages in the official Docker image);
#                 default /opt/odoo18
#   ODOO_PYTHON   Python that already has Odoo's dependencies; default: a
#                 virtualenv that this script creates and fills from
#                 requirements-test.txt in IAM_VENV
#   IAM_VENV      where that virtualenv lives; default ~/.cache/insurance_account_manager/venv
#   PGHOST, PGPORT, PGUSER, PGPASSWORD   PostgreSQL connection; PGUSER defaults to
#                 `odoo` (Odoo refuses the `postgres` role)
#   IAM_DB        database name; default iam_test (tests) or iam_demo (server)

set -euo pipefail

PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ODOO_PATH="${ODOO_PATH:-/opt/odoo18}"
export PGUSER="${PGUSER:-odoo}"

die() { echo "ERROR: $*" >&2; exit 2; }
say() { echo "== $*" >&2; }

iam_check_odoo() {
    local release="$ODOO_PATH/odoo/release.py"
    [ -f "$release" ] || die "no Odoo 18 found at ODOO_PATH=$ODOO_PATH (expected $release); set ODOO_PATH to an Odoo 18 source tree"
    grep -qE "^version_info = \(18, 0" "$release" \
        || die "ODOO_PATH=$ODOO_PATH holds Odoo $(grep -oE '^version_info = \([0-9]+' "$release" | grep -oE '[0-9]+$'), not Odoo 18"
    ODOO_ADDONS="$ODOO_PATH/odoo/addons"
    [ -d "$ODOO_PATH/addons" ] && ODOO_ADDONS="$ODOO_PATH/addons,$ODOO_ADDONS"
    ADDONS_PATH="$ODOO_ADDONS,$PROJECT_DIR"
    export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
}

iam_python() {
    if [ -n "${ODOO_PYTHON:-}" ]; then
        PY="$ODOO_PYTHON"
        return
    fi
    local venv="${IAM_VENV:-$HOME/.cache/insurance_account_manager/venv}"
    local req="$PROJECT_DIR/requirements-test.txt"
    local stamp="$venv/.requirements.sha256"
    local want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages into $venv"
        command -v python3.11 >/dev/null && base_py=python3.11 || base_py=python3
        "$base_py" -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" > "$venv/pip.log" 2>&1 \
            || { tail -20 "$venv/pip.log" >&2; die "installing Python packages failed (log: $venv/pip.log)"; }
        echo "$want" > "$stamp"
    fi
    PY="$venv/bin/python"
}

iam_postgres() {
    if ! pg_isready -q; then
        say "starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
        fi
        for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL is not running and could not be started (PGHOST=${PGHOST:-socket})"
    fi
    if ! psql -d postgres -tAc "select 1" >/dev/null 2>&1; then
        say "creating the PostgreSQL role $PGUSER"
        psql -U postgres -d postgres -qc "CREATE ROLE \"$PGUSER\" SUPERUSER LOGIN" \
            || die "cannot connect to PostgreSQL as $PGUSER, nor create that role as postgres"
    fi
}

iam_chromium() {
    if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
        && ! command -v google-chrome >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing Chromium for the browser tours"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
        else
            die "no Chromium found for the browser tours: install Debian's chromium package"
        fi
    fi
}

# Odoo command line: iam_odoo ARGS...
iam_odoo() {
    "$PY" -m odoo --addons-path="$ADDONS_PATH" ${PGHOST:+--db_host="$PGHOST"} \
        ${PGPORT:+--db_port="$PGPORT"} --db_user="$PGUSER" ${PGPASSWORD:+--db_password="$PGPASSWORD"} "$@"
}

# Build a fresh database DB that already holds data (CRM and Contacts with their
# demo records), then install the addon with its demo data on top; extra
# arguments go to that install (e.g. --test-enable). Fails on any ERROR or
# CRITICAL line of the install log.
#   iam_build_db DB LOGFILE [odoo arguments...]
iam_build_db() {
    local db="$1" log="$2"
    shift 2
    : > "$log"
    dropdb --if-exists "$db"
    iam_odoo -d "$db" -i crm,contacts --stop-after-init --log-level=warn --logfile="$log" \
        || die "installing crm and contacts failed, see $log"
    iam_odoo -d "$db" -i insurance_account_manager --stop-after-init --logfile="$log" "$@" \
        || die "installing insurance_account_manager failed (or its tests failed), see $log"
    if grep -E " (ERROR|CRITICAL) |demo data failed" "$log"; then
        die "installing insurance_account_manager logged errors, see $log"
    fi
}
