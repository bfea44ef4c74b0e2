#!/usr/bin/env bash
# Static checks as OCA runs them on 18.0 addons; no Odoo database needed.
#   scripts/lint.sh
# Runs every check, then exits 1 if any blocking one failed:
#   ruff check and ruff format --check            (ruff.toml)        blocking
#   pylint-odoo, mandatory checks                 (.pylintrc-mandatory) blocking
#   pylint-odoo, optional checks                  (.pylintrc)        reported only
#   oca-checks-odoo-module (manifest, XML, CSV)                      blocking
#   oca-checks-po on i18n/ (po-pretty-format off, as OCA does)       blocking
# The tools come from requirements-test.txt, in the same virtualenv as the tests.
source "$(dirname "$0")/_env.sh"

iam_python
cd "$PROJECT_DIR"

"$PY" -c "import ruff, pylint_odoo, oca_pre_commit_hooks" 2>/dev/null \
    || die "$PY lacks the lint tools: install the lint pins of requirements-test.txt into it"

ADDON=insurance_account_manager
failed=()

# check NAME COMMAND...: run a blocking check, remember it if it fails
check() {
    local name="$1"
    shift
    say "$name"
    "$@" || failed+=("$name")
}

check "ruff check" "$PY" -m ruff check .
check "ruff format --check" "$PY" -m ruff format --check .
check "pylint, mandatory checks" "$PY" -m pylint --rcfile=.pylintrc-mandatory "$ADDON" tests
# The benchmarks are command-line programs whose output is what they print.
check "pylint, mandatory checks (bench/)" \
    "$PY" -m pylint --rcfile=.pylintrc-mandatory --disable=print-used bench

say "pylint, optional checks (reported, never blocking)"
"$PY" -m pylint --rcfile=.pylintrc --exit-zero "$ADDON" tests
"$PY" -m pylint --rcfile=.pylintrc --exit-zero --disable=print-used bench

check "oca-checks-odoo-module" "$PY" -c \
    'import sys; from oca_pre_commit_hooks.cli import main; sys.exit(main())' "$ADDON"
shopt -s nullglob
po_files=("$ADDON"/i18n/*.po "$ADDON"/i18n/*.pot)
shopt -u nullglob
if [ "${#po_files[@]}" -gt 0 ]; then
    check "oca-checks-po" "$PY" -c \
        'import sys; from oca_pre_commit_hooks.cli_po import main; sys.exit(main())' \
        --disable=po-pretty-format "${po_files[@]}"
fi

if [ "${#failed[@]}" -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
say "lint: all blocking checks passed"
