#!/usr/bin/env bash
# Run the addon's suite through Odoo's own test runner, as Odoo.sh and OCA CI
# do: a fresh database with CRM and Contacts, then
#   odoo -i insurance_account_manager --test-enable --stop-after-init
# (at-install and post-install tests, browser tours included).
#   scripts/test-odoo.sh [odoo arguments...]   e.g. --test-tags=/insurance_account_manager:TestPolicy
source "$(dirname "$0")/_env.sh"

iam_check_odoo
iam_python
iam_postgres
iam_chromium

DB="${IAM_DB:-iam_test_odoo}"
LOG_DIR="${IAM_LOG_DIR:-$PROJECT_DIR/.test-logs}"
mkdir -p "$LOG_DIR"
LOG="$LOG_DIR/odoo-runner.log"

say "installing the addon with --test-enable into $DB (log: $LOG)"
start=$SECONDS
iam_build_db "$DB" "$LOG" --test-enable --test-tags=/insurance_account_manager --log-level=test "$@"
# Odoo's runner reports "N failed, N error(s) of N tests"; keep its summary
summary="$(grep -E "odoo.tests.result: .*tests" "$LOG" | tail -1 | sed -E 's/.*odoo.tests.result: //')"
[ -n "$summary" ] || die "Odoo's runner ran no test, see $LOG"
echo "Odoo test runner: $summary in $((SECONDS - start)) s"
