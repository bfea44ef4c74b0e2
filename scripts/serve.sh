#!/usr/bin/env bash
# Start Odoo 18 with the addon and its demo data on http://localhost:8069.
#   scripts/serve.sh [odoo arguments...]
# Creates the database IAM_DB (default iam_demo) on first run; log in as admin / admin.
source "$(dirname "$0")/_env.sh"

iam_check_odoo
iam_python
iam_postgres

DB="${IAM_DB:-iam_demo}"
if ! psql -d "$DB" -tAc "select 1 from ir_module_module where name = 'insurance_account_manager' and state = 'installed'" 2>/dev/null | grep -q 1; then
    say "creating database $DB with the addon and demo data (first run only, a few minutes)"
    iam_odoo -d "$DB" -i insurance_account_manager --stop-after-init --log-level=warn
fi
say "Odoo on http://localhost:${IAM_HTTP_PORT:-8069} (database $DB, login admin / admin)"
iam_odoo -d "$DB" --db-filter="^$DB\$" --http-port="${IAM_HTTP_PORT:-8069}" "$@"
