#!/usr/bin/env bash
# Run the whole test suite against a fresh database.
#   scripts/test.sh [pytest arguments...]
# Builds a database that already holds data (CRM and Contacts with their demo
# records), installs the addon with its demo data on top, then runs the pytest
# suite in tests/, browser tours included.
source "$(dirname "$0")/_env.sh"

iam_check_odoo
iam_python
iam_postgres
iam_chromium

DB="${IAM_DB:-iam_test}"
LOG_DIR="${IAM_LOG_DIR:-$PROJECT_DIR/.test-logs}"
mkdir -p "$LOG_DIR"

say "building database $DB (log: $LOG_DIR/install.log)"
dropdb --if-exists "$DB"
iam_odoo -d "$DB" -i crm,contacts --stop-after-init --log-level=warn --logfile="$LOG_DIR/install.log" \
    || die "installing crm and contacts failed, see $LOG_DIR/install.log"
iam_odoo -d "$DB" -i insurance_account_manager --stop-after-init --log-level=warn --logfile="$LOG_DIR/install.log" \
    || die "installing insurance_account_manager failed, see $LOG_DIR/install.log"
if grep -E " (ERROR|CRITICAL) |demo data failed" "$LOG_DIR/install.log"; then
    die "installing insurance_account_manager logged errors, see $LOG_DIR/install.log"
fi

CONF="$LOG_DIR/odoo-test.conf"
cat > "$CONF" <<CONF
[options]
addons_path = $ADDONS_PATH
db_name = $DB
db_user = $PGUSER
${PGHOST:+db_host = $PGHOST}
${PGPORT:+db_port = $PGPORT}
${PGPASSWORD:+db_password = $PGPASSWORD}
log_level = warn
logfile = $LOG_DIR/tests.log
without_demo = False
CONF

cd "$PROJECT_DIR"
say "running the tests (Odoo log: $LOG_DIR/tests.log)"
export IAM_ADDONS_PATH="$ADDONS_PATH" IAM_PYTHON="$PY"
exec "$PY" -m pytest tests --odoo-config="$CONF" --odoo-http "$@"
