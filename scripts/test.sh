#!/usr/bin/env bash
# Run the whole test suite against a fresh database.
#   scripts/test.sh [pytest arguments...]
# Builds a database that already holds data (CRM and Contacts with their demo
# records), installs the addon with its demo data on top, then runs with
# pytest-odoo the addon's own suite (insurance_account_manager/tests, browser
# tours included) and the project's tests (tests/: install and uninstall,
# scripts, Docker files). Give test paths to run only those.
source "$(dirname "$0")/_env.sh"

iam_check_odoo
iam_python
iam_postgres
iam_chromium

DB="${IAM_DB:-iam_test}"
LOG_DIR="${IAM_LOG_DIR:-$PROJECT_DIR/.test-logs}"
mkdir -p "$LOG_DIR"

say "building database $DB (log: $LOG_DIR/install.log)"
iam_build_db "$DB" "$LOG_DIR/install.log" --log-level=warn

CONF="$LOG_DIR/odoo-test.conf"
cat > "$CONF" <<CONF
[options]
addons_path = $ADDONS_PATH
db_name = $DB
db_user = $PGUSER
${PGHOST:+db_host = $PGHOST}
${PGPORT:+db_port = $PGPORT}
${PGPASSWORD:+db_password = $PGPASSWORD}
${IAM_HTTP_PORT:+http_port = $IAM_HTTP_PORT}
log_level = warn
logfile = $LOG_DIR/tests.log
without_demo = False
CONF

cd "$PROJECT_DIR"
# the default test paths unless the arguments name some
paths=(insurance_account_manager/tests tests)
for arg in "$@"; do
    if [ -e "${arg%%::*}" ]; then
        paths=()
        break
    fi
done
say "running the tests (Odoo log: $LOG_DIR/tests.log)"
export IAM_ADDONS_PATH="$ADDONS_PATH" IAM_PYTHON="$PY"
exec "$PY" -m pytest "${paths[@]}" --odoo-config="$CONF" --odoo-http "$@"
