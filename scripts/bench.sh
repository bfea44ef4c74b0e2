#!/usr/bin/env bash
# Run a script of bench/ with the project's Python, addons path and database:
#   scripts/bench.sh generate.py --preset small -d iam_bench_small
#   scripts/bench.sh run.py -d iam_bench_small --json bench-small.json
# (see bench/generate.py and bench/run.py for their options).
source "$(dirname "$0")/_env.sh"

iam_check_odoo
iam_python
iam_postgres

[ $# -ge 1 ] || die "usage: scripts/bench.sh generate.py|run.py [options]"
script="$1"
shift
[ -f "$PROJECT_DIR/bench/$script" ] || die "no bench/$script"
exec "$PY" "$PROJECT_DIR/bench/$script" --addons-path="$ADDONS_PATH" ${PGHOST:+--db_host="$PGHOST"} \
    ${PGPORT:+--db_port="$PGPORT"} --db_user="$PGUSER" ${PGPASSWORD:+--db_password="$PGPASSWORD"} "$@"
