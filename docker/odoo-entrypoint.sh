#!/usr/bin/env bash
# Entry point of the `odoo` service in docker-compose.yml: installs the addon
# into the database once, then starts Odoo through the image's own entry point.
#
# When the command runs the Odoo server (it starts with `--`, `odoo` or an
# option, and `odoo` is not followed by a subcommand such as `shell`) and names
# a database (-d NAME, -dNAME, --database NAME or --database=NAME), this script
# asks PostgreSQL whether that database has insurance_account_manager installed.
# When it has not (first start: the database does not exist yet), it runs the
# same command once more with
#   -i insurance_account_manager --stop-after-init --no-http
# appended, which creates the database and installs the addon with its demo
# data (Odoo 18 loads demo data unless told --without-demo). Then, and on every
# later start without that step, it hands the command unchanged to the image's
# /entrypoint.sh. Later starts therefore never re-run the install, which would
# reset noupdate settings and rewrite the demo records.
#
# Connection settings follow the image's conventions: HOST, PORT, USER and
# PASSWORD (or PASSWORD_FILE), with the same fallbacks as its /entrypoint.sh.
# IAM_PG_WAIT: seconds to wait for PostgreSQL (default 30).
# IAM_IMAGE_ENTRYPOINT: the image's entry point (default /entrypoint.sh; the
# project's tests point it at a stand-in).
set -euo pipefail

MODULE=insurance_account_manager
IMAGE_ENTRYPOINT="${IAM_IMAGE_ENTRYPOINT:-/entrypoint.sh}"

say() { echo "iam-entrypoint: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# Prints the database that an Odoo server command names; nothing when the
# command is not an Odoo server command or names no database.
server_database() {
    case "${1:-}" in
        -- | odoo) shift ;;
        -*) ;;
        *) return 0 ;;
    esac
    case "${1:-}" in
        -* | "") ;;
        *) return 0 ;;  # an Odoo subcommand (shell, scaffold, db, ...)
    esac
    local db=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -d | --database)
                db="${2:-}"
                [ $# -gt 1 ] && shift
                ;;
            --database=*) db="${1#--database=}" ;;
            -d?*) db="${1#-d}" ;;
        esac
        shift
    done
    printf '%s\n' "$db"
}

DB="$(server_database "$@")"
if [ -z "$DB" ]; then
    exec "$IMAGE_ENTRYPOINT" "$@"
fi

if [ -v PASSWORD_FILE ]; then
    PASSWORD="$(< "$PASSWORD_FILE")"
fi
PG_ENV=(
    PGHOST="${HOST:-${DB_PORT_5432_TCP_ADDR:-${PGHOST:-db}}}"
    PGPORT="${PORT:-${DB_PORT_5432_TCP_PORT:-${PGPORT:-5432}}}"
    PGUSER="${USER:-${DB_ENV_POSTGRES_USER:-${POSTGRES_USER:-${PGUSER:-odoo}}}}"
    PGPASSWORD="${PASSWORD:-${DB_ENV_POSTGRES_PASSWORD:-${POSTGRES_PASSWORD:-${PGPASSWORD:-odoo}}}}"
)
WHERE="${PG_ENV[0]#PGHOST=}:${PG_ENV[1]#PGPORT=} as ${PG_ENV[2]#PGUSER=}"

# query DBNAME SQL: one value per line; SQL may use :'db' and :'module'.
query() {
    env "${PG_ENV[@]}" psql -X -q -t -A -v ON_ERROR_STOP=1 -v db="$DB" -v module="$MODULE" \
        -d "$1" <<< "$2"
}

waited=0
until env "${PG_ENV[@]}" pg_isready -q; do
    [ "$waited" -lt "${IAM_PG_WAIT:-30}" ] || die "PostgreSQL at $WHERE is not ready after ${IAM_PG_WAIT:-30}s"
    sleep 1
    waited=$((waited + 1))
done

# Every query must answer: when PostgreSQL cannot tell, installing could reset
# an existing database, and starting without it would leave a new one empty.
exists="$(query postgres "select 1 from pg_database where datname = :'db'")" \
    || die "cannot query PostgreSQL at $WHERE"
state=""
if [ "$exists" = 1 ]; then
    has_modules="$(query "$DB" "select to_regclass('public.ir_module_module') is not null")" \
        || die "cannot query database $DB at $WHERE"
    if [ "$has_modules" = t ]; then
        state="$(query "$DB" "select state from ir_module_module where name = :'module'")" \
            || die "cannot query database $DB at $WHERE"
    fi
fi

case "$state" in
    installed | "to upgrade" | "to remove")
        say "$MODULE is installed in database $DB: starting Odoo"
        ;;
    *)
        say "installing $MODULE with its demo data into database $DB (${state:-not installed}; first start only, a few minutes)"
        "$IMAGE_ENTRYPOINT" "$@" -i "$MODULE" --stop-after-init --no-http \
            || die "installing $MODULE into database $DB failed (see the log above)"
        say "installed; starting Odoo"
        ;;
esac
exec "$IMAGE_ENTRYPOINT" "$@"
