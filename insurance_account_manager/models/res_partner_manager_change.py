from collections import defaultdict
from dataclasses import dataclass

from odoo import api, fields, models, tools
from odoo.tools import SQL, create_index
from odoo.tools.sql import column_exists, create_column, make_index_name, table_exists

from odoo.addons.mail.models.mail_thread import MailThread

from .mail_tracking_sql import insert_tracking_notes

# The client's managers change only through the assignment rules, the
# reassignment wizard (both through _insurance_write_managers), or a direct
# write by a team lead (their teams' clients, to their teams' managers) or an
# administrator. An account manager creates clients for themselves only.
MANAGER_FIELDS = ("account_manager_id", "backup_manager_id")
# Context keys with which mail.thread skips the tracking, the followers or the
# creation log (mail_thread.py: create, write, _message_auto_subscribe): from a
# caller below the superuser they never hide a manager change from the chatter.
TRACKING_SWITCHES = (
    "tracking_disable",
    "mail_notrack",
    "mail_create_nolog",
    "mail_create_nosubscribe",
    "mail_auto_subscribe_no_notify",
)
# Context key of the server's own manager changes (a _ManagerChange).
MANAGER_CHANGE_KEY = "insurance_manager_change"
# mail.thread hooks that, once overridden by a model, make its tracking messages
# differ from a plain log (subtype, template, body): such a model's changes go
# through mail's own tracking at commit instead of the batched insert.
TRACKING_HOOKS = ("_track_subtype", "_track_template", "_track_get_default_log_message")


@dataclass(frozen=True)
class _ManagerChange:
    """A manager change made by the server, and what the history says of it.

    _insurance_write_managers puts it in the context: an object, which no RPC
    context (JSON) can carry, so a client can neither skip the rights checks
    nor choose the origin, reason, rule or batch of a history row. With
    ``history=False`` the caller (a reassignment batch) keeps the rows itself.
    """

    origin: str = "manual"
    reason: str | None = None
    rule_id: int | None = None
    batch_id: int | None = None
    history: bool = True


_MANUAL_CHANGE = _ManagerChange()


def without_tracking_switches(records):
    """``records`` without the context keys that silence the chatter, unless
    the superuser runs (a public method calls this before it turns to sudo)."""
    context = records.env.context
    if records.env.su or not any(context.get(key) for key in TRACKING_SWITCHES):
        return records
    # a new context without those keys: keyword arguments can only add keys
    return records.with_context(  # pylint: disable=context-overridden
        {key: value for key, value in context.items() if key not in TRACKING_SWITCHES}
    )


def init_manager_copy_column(cr, table, column, partner_column):
    """Create ``table``.``column``, a stored copy of the client's backup
    manager (through ``table``.``partner_column``) with its index
    (``btree_not_null``, as the field declares it), and fill it in one UPDATE,
    when an existing table lacks it (an upgrade of a live book): the ORM would
    compute it record by record. Called from the model's ``_auto_init`` before
    the ORM's, which then adds the foreign key.

    The index exists before the UPDATE: built after it, over the rows the
    UPDATE left behind, PostgreSQL would not use it in any transaction older
    than the index (``pg_index.indcheckxmin``)."""
    if not table_exists(cr, table) or column_exists(cr, table, column):
        return
    create_column(cr, table, column, "int4")
    create_index(
        cr,
        make_index_name(table, column),
        table,
        [f'"{column}"'],
        where=f'"{column}" IS NOT NULL',
    )
    if column_exists(cr, "res_partner", "backup_manager_id"):
        cr.execute(
            SQL(
                "UPDATE %(table)s AS t SET %(column)s = p.backup_manager_id FROM res_partner AS p"
                " WHERE p.id = t.%(partner)s AND p.backup_manager_id IS NOT NULL",
                table=SQL.identifier(table),
                column=SQL.identifier(column),
                partner=SQL.identifier(partner_column),
            )
        )


class ResPartner(models.Model):
    """Change of managers: the history of the managers kept by create and
    write, and the server's set-based change of the managers of many clients
    (their records' copies of the manager, the history, the chatter)."""

    _inherit = "res.partner"

    # ------------------------------------------------------------
    # Manager history
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self
        change = self.env.context.get(MANAGER_CHANGE_KEY)
        receiving = self.env["res.users"]
        if not isinstance(change, _ManagerChange):
            change = _MANUAL_CHANGE
            if not self.env.su:
                Partner, vals_list = self._insurance_new_client_managers(vals_list)
                if any(vals.get(fname) for vals in vals_list for fname in MANAGER_FIELDS):
                    Partner = without_tracking_switches(Partner)
                    receiving = Partner._insurance_check_manager_create(vals_list)
        partners = super(ResPartner, Partner).create(vals_list)
        partners._insurance_check_capacity(receiving)
        managed = partners.filtered("account_manager_id")
        if managed and change.history:
            managed._insurance_open_assignments({p.id: False for p in managed}, change)
        partners._insurance_auto_assign()
        return partners

    def write(self, vals):
        if not any(fname in vals for fname in MANAGER_FIELDS):
            return super().write(vals)
        partners = self
        change = self.env.context.get(MANAGER_CHANGE_KEY)
        receiving = self.env["res.users"]
        if not isinstance(change, _ManagerChange):
            # a write from outside the engine and the wizard: a manual change,
            # checked unless the superuser makes it
            change = _MANUAL_CHANGE
            if not self.env.su:
                partners = without_tracking_switches(self)
                receiving = partners._insurance_check_manager_write(vals)
        if not change.history or "account_manager_id" not in vals:
            result = super(ResPartner, partners).write(vals)
        else:
            previous = {partner.id: partner.account_manager_id.id for partner in partners}
            result = super(ResPartner, partners).write(vals)
            changed = partners.filtered(lambda p: p.account_manager_id.id != previous[p.id])
            if changed:
                changed._insurance_open_assignments(previous, change)
        partners._insurance_check_capacity(receiving)
        return result

    def _insurance_write_managers(
        self, vals, origin, reason=None, rule_id=None, batch_id=None, history=True
    ):
        """Write ``vals`` (manager and backup, and other fields) as the server:
        the assignment rules and the reassignment batches, which check rights,
        targets and capacity themselves. ``origin``, ``reason``, ``rule_id``
        and ``batch_id`` go into the history rows opened for the clients whose
        manager changes (none when ``history`` is false: the caller keeps them)."""
        change = _ManagerChange(origin, reason, rule_id, batch_id, history)
        return self.with_context(**{MANAGER_CHANGE_KEY: change}).write(vals)

    def _insurance_open_assignments(self, previous_by_partner, change):
        """Close the current history rows of ``self`` and open new ones for their
        current managers, with the origin, reason, rule and batch of ``change``
        (a :class:`_ManagerChange`)."""
        today = fields.Date.context_today(self)
        History = self.env["insurance.manager.assignment"].sudo()
        History.search([("partner_id", "in", self.ids), ("state", "=", "current")])._close(today)
        History.create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": partner.account_manager_id.id,
                    "previous_user_id": previous_by_partner.get(partner.id) or False,
                    "previous_backup_id": partner.backup_manager_id.id,
                    "date_from": today,
                    "origin": change.origin,
                    "reason": change.reason,
                    "rule_id": change.rule_id,
                    "batch_id": change.batch_id,
                }
                for partner in self
                if partner.account_manager_id
            ]
        )

    # ------------------------------------------------------------
    # Set-based writer (the server's moves of many clients)
    # ------------------------------------------------------------

    def _insurance_write_managers_batch(
        self, values_by_partner, change, rule_ids=None, checked_on=None
    ):
        """Set-based :meth:`_insurance_write_managers` for the server's moves of
        many clients at once (the assignment rules, the reassignment batches):
        what a write per client would do, in a number of statements that does
        not grow with the clients.

        ``values_by_partner`` maps ids of clients of ``self`` to the values they
        get (``account_manager_id``, ``backup_manager_id``,
        ``insurance_unassigned_reason``); ``change`` is the
        :class:`_ManagerChange` of the history rows (one per client whose
        manager changes, with the rule of ``rule_ids`` {partner id: rule id});
        ``checked_on``, when given, is the day marked on every client of
        ``self`` as tried by the rules.

        One UPDATE for the clients, one per stored copy of the manager on their
        records (policies, claims, requests: see
        :meth:`_insurance_manager_copies`), two for the history, one for the
        chatter: one tracking message per changed record with its old and new
        values, as mail would post at commit (unless ``tracking_disable`` or
        ``mail_notrack`` is in the context of a server call). The constraints
        of the written fields run as on a write. Rights, targets and capacity
        are the caller's to check, as for :meth:`_insurance_write_managers`.

        Returns {partner id: (old manager id, old backup id)} for the clients
        whose manager or backup changed.
        """
        written = sorted({fname for values in values_by_partner.values() for fname in values})
        unknown = set(written) - {*MANAGER_FIELDS, "insurance_unassigned_reason"}
        if unknown:
            raise ValueError(f"_insurance_write_managers_batch cannot write {sorted(unknown)}")
        if not values_by_partner and not checked_on:
            return {}
        env = self.env
        touched = self.browse(list(values_by_partner))
        if touched - self:
            raise ValueError("_insurance_write_managers_batch writes the clients of self only")
        # the SQL below reads and writes the database: nothing may wait in the
        # cache, nor be left to recompute (the copies' recompute is dropped below)
        env.flush_all()
        # what depends on the managers being replaced (their clients, loads):
        # the cache holds it, as for a write (new clients have none)
        touched.filtered(lambda p: p.account_manager_id or p.backup_manager_id).modified(
            written, before=True
        )
        rows = [(partner_id, values_by_partner.get(partner_id, {})) for partner_id in self.ids]
        env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET account_manager_id = CASE WHEN v.set_manager THEN v.manager_id
                                                 ELSE p.account_manager_id END,
                       backup_manager_id = CASE WHEN v.set_backup THEN v.backup_id
                                                ELSE p.backup_manager_id END,
                       insurance_unassigned_reason = CASE WHEN v.set_reason THEN v.reason
                                                     ELSE p.insurance_unassigned_reason END,
                       insurance_assignment_checked_on = COALESCE(
                           %(checked_on)s::date, p.insurance_assignment_checked_on),
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM res_partner AS o,
                       unnest(%(ids)s::int[], %(set_manager)s::bool[], %(manager_ids)s::int[],
                              %(set_backup)s::bool[], %(backup_ids)s::int[],
                              %(set_reason)s::bool[], %(reasons)s::varchar[])
                       AS v(id, set_manager, manager_id, set_backup, backup_id, set_reason, reason)
                 WHERE o.id = p.id AND p.id = v.id
             RETURNING p.id, o.account_manager_id, o.backup_manager_id,
                       p.account_manager_id, p.backup_manager_id
                """,
                checked_on=checked_on or None,
                uid=env.uid,
                now=env.cr.now(),
                ids=[partner_id for partner_id, _values in rows],
                set_manager=["account_manager_id" in values for _id, values in rows],
                manager_ids=[values.get("account_manager_id") or None for _id, values in rows],
                set_backup=["backup_manager_id" in values for _id, values in rows],
                backup_ids=[values.get("backup_manager_id") or None for _id, values in rows],
                set_reason=["insurance_unassigned_reason" in values for _id, values in rows],
                reasons=[values.get("insurance_unassigned_reason") or None for _id, values in rows],
            )
        )
        result = env.cr.fetchall()
        self.invalidate_recordset(
            [*written, "insurance_assignment_checked_on", "write_uid", "write_date"]
        )
        # the clients of each manager (res.users.insurance_client_ids)
        env["res.users"].invalidate_model(["insurance_client_ids"])
        touched.modified(written)
        if checked_on:
            self.modified(["insurance_assignment_checked_on"])
        changes = {}  # partner id -> (old manager, old backup)
        tracked = []  # (model, res id, field, old user id, new user id)
        moved = {}  # partner id -> old manager, for the clients whose manager changed
        for partner_id, old_manager, old_backup, manager, backup in result:
            if (old_manager, old_backup) == (manager, backup):
                continue
            changes[partner_id] = (old_manager, old_backup)
            if old_manager != manager:
                moved[partner_id] = old_manager
                tracked.append(
                    ("res.partner", partner_id, "account_manager_id", old_manager, manager)
                )
            if old_backup != backup:
                tracked.append(("res.partner", partner_id, "backup_manager_id", old_backup, backup))
        tracked += self._insurance_update_manager_copies()
        touched._validate_fields(written)
        if moved and change.history:
            self.browse(list(moved))._insurance_open_assignments_batch(
                moved, change, rule_ids or {}
            )
        self._insurance_log_manager_tracking(tracked)
        return changes

    @api.model
    @tools.ormcache()
    def _insurance_manager_copies(self):
        """The stored fields of other models that copy a client's manager or
        backup manager (related fields ending in ``account_manager_id`` or
        ``backup_manager_id``, through stored many2one fields): ((model, field,
        path, client field), ...). The ORM recomputes them when the client's
        field changes; the set-based writer updates them in SQL."""
        copies = []
        for source_name in MANAGER_FIELDS:
            source = self._fields[source_name]

            def walk(tree, source=source, source_name=source_name):
                for field in tree.root:
                    if not (
                        field.store
                        and field.related
                        and field.type == "many2one"
                        and field.related_field is source
                    ):
                        continue
                    path = field.related.split(".")
                    model = self.env[field.model_name]
                    for fname in path[:-1]:
                        hop = model._fields[fname]
                        if not (hop.store and hop.type == "many2one"):
                            break
                        model = self.env[hop.comodel_name]
                    else:
                        copies.append((field.model_name, field.name, tuple(path), source_name))
                for subtree in tree.values():
                    walk(subtree)

            walk(self.pool.get_trigger_tree([source]))
        return tuple(sorted(set(copies)))

    @api.model
    def _insurance_update_manager_copies(self):
        """Copy the (just written) managers and backups of clients onto their
        records' stored copies (see :meth:`_insurance_manager_copies`),
        one UPDATE per model that has records to update, instead of the ORM's
        recompute: the writer's ``modified`` marked those records to
        recompute, and nothing else was (the writer flushed first); they are
        updated here and the recompute is dropped. Returns the changes to
        track, as (model, res id, field, old user id, new user id)."""
        env = self.env
        tracked = []
        for model_name, fname, path, source in self._insurance_manager_copies():
            Model = env[model_name]
            field = Model._fields[fname]
            todo = env.records_to_compute(field)
            if not todo:
                continue
            # t -> j0 -> ... -> the client
            joins, conditions = [], []
            alias, model = SQL.identifier("t"), Model
            for index, hop in enumerate(path[:-1]):
                comodel = env[model._fields[hop].comodel_name]
                next_alias = SQL.identifier(f"j{index}")
                joins.append(SQL("%s AS %s", SQL.identifier(comodel._table), next_alias))
                conditions.append(SQL("%s.id = %s.%s", next_alias, alias, SQL.identifier(hop)))
                alias, model = next_alias, comodel
            column = SQL.identifier(fname)
            env.cr.execute(
                SQL(
                    """
                    UPDATE %(table)s AS t
                       SET %(column)s = %(last)s.%(source)s,
                           write_uid = %(uid)s,
                           write_date = %(now)s
                      FROM %(table)s AS o, %(joins)s
                     WHERE t.id = ANY(%(ids)s) AND o.id = t.id AND %(conditions)s
                       AND t.%(column)s IS DISTINCT FROM %(last)s.%(source)s
                 RETURNING t.id, o.%(column)s, t.%(column)s
                    """,
                    table=SQL.identifier(Model._table),
                    column=column,
                    last=alias,
                    source=SQL.identifier(source),
                    joins=SQL(", ").join(joins),
                    conditions=SQL(" AND ").join(conditions),
                    uid=env.uid,
                    now=env.cr.now(),
                    ids=todo.ids,
                )
            )
            rows = env.cr.fetchall()
            # the database holds the values the recompute would write (and a
            # recompute now would track the new value as the old one)
            env.remove_to_compute(field, todo)
            records = Model.browse([row[0] for row in rows])
            records.invalidate_recordset([fname, "write_uid", "write_date"])
            records._validate_fields([fname])
            tracked += [(model_name, row[0], fname, row[1], row[2]) for row in rows]
        return tracked

    def _insurance_close_assignments(self, day):
        """End the current history rows of the clients of ``self`` on ``day``
        (on the day they started, when that is later), as
        ``insurance.manager.assignment._close`` does, in one statement."""
        env = self.env
        env["insurance.manager.assignment"].flush_model()
        env.cr.execute(
            SQL(
                """
                UPDATE insurance_manager_assignment
                   SET state = 'ended', date_to = GREATEST(date_from, %(day)s),
                       write_uid = %(uid)s, write_date = %(now)s
                 WHERE partner_id = ANY(%(ids)s) AND state = 'current'
             RETURNING id
                """,
                day=day,
                uid=env.uid,
                now=env.cr.now(),
                ids=self.ids,
            )
        )
        closed = env["insurance.manager.assignment"].browse([row[0] for row in env.cr.fetchall()])
        closed.invalidate_recordset(["state", "date_to", "write_uid", "write_date"])
        closed.modified(["state", "date_to"])

    def _insurance_open_assignments_batch(self, previous_by_partner, change, rule_ids):
        """:meth:`_insurance_open_assignments` in two statements: end the
        current history rows of ``self`` today (see
        :meth:`_insurance_close_assignments`) and open one row per client for
        its current manager, with ``change``'s origin, reason and batch, and
        the rule of ``rule_ids`` {partner id: rule id}."""
        env = self.env
        today = fields.Date.context_today(self)
        now = env.cr.now()
        self._insurance_close_assignments(today)
        env.cr.execute(
            SQL(
                """
                INSERT INTO insurance_manager_assignment (
                    partner_id, user_id, previous_user_id, previous_backup_id, date_from,
                    state, origin, reason, rule_id, batch_id, handover_done, company_id,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT p.id, p.account_manager_id, v.previous_user_id, p.backup_manager_id,
                       %(today)s, 'current', %(origin)s, %(reason)s, v.rule_id, %(batch_id)s,
                       TRUE, p.company_id, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(ids)s::int[], %(previous)s::int[], %(rule_ids)s::int[])
                       AS v(id, previous_user_id, rule_id)
                  JOIN res_partner p ON p.id = v.id
                 WHERE p.account_manager_id IS NOT NULL
              ORDER BY p.id
                """,
                today=today,
                origin=change.origin,
                reason=change.reason,
                batch_id=change.batch_id,
                uid=env.uid,
                now=now,
                ids=self.ids,
                previous=[previous_by_partner.get(pid) or None for pid in self.ids],
                rule_ids=[rule_ids.get(pid) or change.rule_id for pid in self.ids],
            )
        )
        # nothing is computed from the history rows: the clients' list of rows
        # is all the cache holds of them
        self.invalidate_recordset(["insurance_assignment_ids"])

    @api.model
    def _insurance_log_manager_tracking(self, changes):
        """Post the tracking of manager changes made in SQL, as mail's tracking
        would at commit: one message per record (a log note by the current
        user, with one tracking value per changed field, old and new manager),
        all in one statement. ``changes`` are (model, res id, field, old user
        id, new user id).

        A record that mail already tracks in this transaction (a write before
        this one) gets the change added to that tracking instead, so that it
        keeps one message; a record whose tracking is discarded (created in
        this transaction, or deleted) gets none, as with a write. Models that
        customise their tracking messages (subtype, template, body) are left
        to mail's tracking too.
        """
        context = self.env.context
        if not changes or context.get("tracking_disable") or context.get("mail_notrack"):
            return
        precommit = self.env.cr.precommit
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        logged = defaultdict(list)  # (model, res id) -> [(field, old, new)]
        tracked_fields, customised, left_to_mail = {}, {}, set()
        for model_name, res_id, fname, old_id, new_id in changes:
            Model = self.env[model_name]
            if model_name not in tracked_fields:
                is_thread = isinstance(Model, MailThread)
                tracked_fields[model_name] = Model._track_get_fields() if is_thread else ()
                customised[model_name] = is_thread and any(
                    getattr(type(Model), hook) is not getattr(MailThread, hook)
                    for hook in TRACKING_HOOKS
                )
            if fname not in tracked_fields[model_name]:
                continue
            pending = precommit.data.get(f"mail.tracking.{model_name}", {})
            if res_id in pending or customised[model_name]:
                # mail tracks this record at commit: give it the old value
                initial = precommit.data.setdefault(f"mail.tracking.{model_name}", {})
                values = initial.setdefault(res_id, {})
                if values is not None:
                    values.setdefault(fname, Users.browse(old_id))
                    left_to_mail.add(model_name)
                continue
            logged[model_name, res_id].append((fname, old_id, new_id))
        for model_name in left_to_mail:
            precommit.add(self.env[model_name]._track_finalize)
        if not logged:
            return
        # display names of the managers, in one read
        Users.browse(
            {
                user_id
                for values in logged.values()
                for _f, *ids in values
                for user_id in ids
                if user_id
            }
        ).mapped("display_name")
        TrackingValue = self.env["mail.tracking.value"]
        descriptions, tracking_values = {}, {}
        notes = []
        for (model_name, res_id), fields_changed in logged.items():
            Model = self.env[model_name]
            # the order of mail's _mail_track: by tracking sequence, then name
            order = {
                fname: Model._mail_track_get_field_sequence(fname)
                for fname, *_ids in fields_changed
            }
            rows = []
            for fname, old_id, new_id in sorted(
                fields_changed, key=lambda item: (order[item[0]], item[0]), reverse=True
            ):
                key = (model_name, fname, old_id, new_id)
                if key not in tracking_values:
                    if key[:2] not in descriptions:
                        descriptions[key[:2]] = Model.fields_get(
                            [fname], attributes=("string", "type", "selection", "currency_field")
                        )[fname]
                    tracking_values[key] = TrackingValue._create_tracking_values(
                        Users.browse(old_id),
                        Users.browse(new_id),
                        fname,
                        descriptions[key[:2]],
                        Model,
                    )
                rows.append(tracking_values[key])
            notes.append((model_name, res_id, rows))
        insert_tracking_notes(self.env, notes)
