"""Schema set-up for installing the addon on a large existing table
(res_partner, crm_lead); no model here."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, get_foreign_keys, table_exists

ADDON = "insurance_account_manager"


def create_many2one_columns(model):
    """Create the missing columns of the addon's stored Many2one fields of
    ``model`` (an existing table) each with its foreign key in one
    ``ALTER TABLE ... ADD COLUMN ... REFERENCES``. PostgreSQL knows that a
    column it has just added is empty and does not read the table to check
    the key, where Odoo's own ``ADD FOREIGN KEY`` afterwards reads every row
    (100 ms per key at 100,000 partners on a loaded machine). Odoo then
    finds the key under the name it would have given it (``<table>_<column>
    _fkey``), with the same ``ON DELETE``, and keeps it; the key is recorded
    as Odoo records it (``ir.model.constraint``, for the uninstall).

    Called from ``_auto_init`` before the ORM's. A field whose comodel's table
    does not exist yet (a model of the addon set up after ``model``) is left
    to the ORM, as is a required field and anything that is not a plain
    column to a plain table. Returns the names of the columns created."""
    cr = model.env.cr
    created = []
    for field in model._fields.values():
        if not (
            field.type == "many2one"
            and field.store
            and field.column_type
            and not field.company_dependent
            and not field.required
            and field._module == ADDON
        ):
            continue
        comodel = model.env[field.comodel_name]
        if (
            not comodel._auto
            or comodel._abstract
            or comodel._table == "ir_actions"
            or not table_exists(cr, comodel._table)
            or column_exists(cr, model._table, field.name)
        ):
            continue
        ondelete = field.ondelete or "set null"
        cr.execute(
            SQL(
                "ALTER TABLE %s ADD COLUMN %s %s REFERENCES %s(id) ON DELETE %s;"
                " COMMENT ON COLUMN %s IS %s",
                SQL.identifier(model._table),
                SQL.identifier(field.name),
                SQL(field.column_type[1]),
                SQL.identifier(comodel._table),
                SQL(ondelete),
                SQL.identifier(model._table, field.name),
                field.string,
            )
        )
        conname = get_foreign_keys(cr, model._table, field.name, comodel._table, "id", ondelete)[0]
        model.env["ir.model.constraint"]._reflect_constraint(
            model, conname, "f", None, field._module
        )
        created.append(field.name)
    return created
