from collections import defaultdict
from dataclasses import dataclass

from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, create_index
from odoo.tools.mail import generate_tracking_message_id
from odoo.tools.sql import column_exists, create_column, make_index_name, table_exists

from odoo.addons.mail.models.mail_thread import MailThread

from ..tools import assignment
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM

GROUP_INSURANCE_TEAM_LEAD = "insurance_account_manager.insurance_group_team_lead"

# Clients given a manager per run of the scheduled action (then it re-triggers
# itself while more remain).
ASSIGNMENT_BATCH_SIZE = 500
# Capacity units used by a client that has no tier yet.
UNTIERED_WEIGHT = 1.0
AUTO_ASSIGNMENT_PARAM = "insurance_account_manager.auto_assignment"
UNASSIGNED_REASONS = [
    (assignment.NO_RULE, "No assignment rule applies"),
    (assignment.NO_CANDIDATE, "The rule names no account manager"),
    (assignment.NOT_QUALIFIED, "No candidate is qualified for the client's lines"),
    (assignment.OUT_OF_REGION, "No candidate serves the client's region or language"),
    (assignment.ABSENT, "The candidates are absent and have no available backup"),
    (assignment.NO_CAPACITY, "The candidates have no capacity left"),
]
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
# Partial index of the scheduled assignment's batches: the clients without a
# manager, a small part of the book (res.partner holds every contact too).
UNASSIGNED_INDEX = "res_partner_insurance_unassigned_index"
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


def insert_tracking_notes(env, notes):
    """Post tracking notes in one statement, as mail's tracking would at
    commit: for each (model, res id, tracking values) of ``notes``, one log
    note by the current user (subtype Note, empty body) holding those
    tracking values (the dicts of ``mail.tracking.value._create_tracking_values``
    of a many2one, selection, char or boolean field: the integer and char
    columns). Used where the server changes many records at once (manager and
    tier changes, the renewal state of renewed terms): the audit stays one
    message per record, without a round of queries per record. One note per
    record of ``notes``."""
    if not notes:
        return
    author_id, email_from = env["mail.thread"]._message_compute_author(
        None, None, raise_on_email=False
    )
    reply_to = env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
    messages = {"models": [], "res_ids": [], "message_ids": []}
    values = defaultdict(list)
    for model_name, res_id, rows in notes:
        messages["models"].append(model_name)
        messages["res_ids"].append(res_id)
        messages["message_ids"].append(generate_tracking_message_id("message-notify"))
        for value in rows:
            values["models"].append(model_name)
            values["res_ids"].append(res_id)
            values["field_ids"].append(value["field_id"])
            values["old_ints"].append(value.get("old_value_integer"))
            values["new_ints"].append(value.get("new_value_integer"))
            values["old_chars"].append(value.get("old_value_char"))
            values["new_chars"].append(value.get("new_value_char"))
    now = env.cr.now()
    env.cr.execute(
        SQL(
            """
            WITH message AS (
                INSERT INTO mail_message (
                    model, res_id, message_id, message_type, subtype_id, is_internal,
                    body, author_id, email_from, reply_to, email_add_signature, date,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT m.model, m.res_id, m.message_id, 'notification', %(subtype_id)s,
                       TRUE, '', %(author_id)s, %(email_from)s, %(reply_to)s, FALSE,
                       %(date)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(models)s::varchar[], %(res_ids)s::int[],
                              %(message_ids)s::varchar[]) WITH ORDINALITY
                       AS m(model, res_id, message_id, n)
              ORDER BY m.n
             RETURNING id, model, res_id
            )
            INSERT INTO mail_tracking_value (
                mail_message_id, field_id, old_value_integer, new_value_integer,
                old_value_char, new_value_char, create_uid, create_date, write_uid, write_date
            )
            SELECT message.id, v.field_id, v.old_int, v.new_int, v.old_char, v.new_char,
                   %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(v_models)s::varchar[], %(v_res_ids)s::int[],
                          %(field_ids)s::int[], %(old_ints)s::int[], %(new_ints)s::int[],
                          %(old_chars)s::varchar[], %(new_chars)s::varchar[])
                   WITH ORDINALITY
                   AS v(model, res_id, field_id, old_int, new_int, old_char, new_char, n)
              JOIN message ON message.model = v.model AND message.res_id = v.res_id
          ORDER BY v.n
            """,
            subtype_id=env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            author_id=author_id,
            email_from=email_from,
            reply_to=reply_to,
            date=fields.Datetime.now(),
            uid=env.uid,
            now=now,
            models=messages["models"],
            res_ids=messages["res_ids"],
            message_ids=messages["message_ids"],
            v_models=values["models"],
            v_res_ids=values["res_ids"],
            field_ids=values["field_ids"],
            old_ints=values["old_ints"],
            new_ints=values["new_ints"],
            old_chars=values["old_chars"],
            new_chars=values["new_chars"],
        )
    )
    for model_name in set(messages["models"]):
        env[model_name].invalidate_model(["message_ids"])


class ResPartner(models.Model):
    """Assignment engine: who is the account manager of each client, by the
    assignment rules, and the history of the managers."""

    _inherit = "res.partner"

    # Assignment
    insurance_unassigned_reason = fields.Selection(
        UNASSIGNED_REASONS,
        string="Why Unassigned",
        readonly=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Why the assignment rules could not give this client an account manager.",
    )
    insurance_assignment_checked_on = fields.Date(
        string="Assignment Tried On",
        readonly=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Last day the assignment rules looked at this client without a manager.",
    )
    insurance_assignment_ids = fields.One2many(
        "insurance.manager.assignment",
        "partner_id",
        string="Manager History",
        groups=GROUP_INSURANCE_AM,
    )

    def _auto_init(self):
        result = super()._auto_init()
        # the scheduled assignment's batch: unassigned clients by id (see
        # _cron_assign_account_managers); the ORM writes the boolean test as
        # "is_insurance_client = TRUE", which PostgreSQL matches with this
        # predicate
        create_index(
            self.env.cr,
            UNASSIGNED_INDEX,
            self._table,
            ["id"],
            where="is_insurance_client = TRUE AND account_manager_id IS NULL",
        )
        return result

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

    @api.model
    def _insurance_auto_assignment_on(self):
        return bool(self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM))

    @api.model
    def _insurance_new_client_managers(self, vals_list):
        """Who manages the new clients of ``vals_list`` created by a user (not
        the superuser); returns the model to create with and the values.

        With automatic assignment on, the assignment rules decide at create:
        a manager by default from the context (the action's, or any the client
        sends) is dropped, and an account manager below team lead may not name
        one. With it off, an account manager below team lead who takes clients
        manages the clients they create; a team lead or an administrator
        chooses (no default: the client stays without a manager otherwise).
        Explicit values are checked by :meth:`_insurance_check_manager_create`."""
        user = self.env.user
        is_manager = user.has_group(GROUP_INSURANCE_AM)
        is_lead = user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        client_default = self.default_get(["is_insurance_client"]).get("is_insurance_client")
        Partner = self
        if self._insurance_auto_assignment_on():
            context = self.env.context
            if any(f"default_{fname}" in context for fname in MANAGER_FIELDS):
                # a new context without those keys (keywords only add keys)
                Partner = self.with_context(  # pylint: disable=context-overridden
                    {
                        key: value
                        for key, value in context.items()
                        if key not in {f"default_{fname}" for fname in MANAGER_FIELDS}
                    }
                )
            if is_manager and not is_lead:
                for vals in vals_list:
                    if vals.get("is_insurance_client", client_default) and any(
                        vals.get(fname) for fname in MANAGER_FIELDS
                    ):
                        raise AccessError(
                            _(
                                "Automatic assignment is on: the assignment rules choose "
                                "the account manager of a new client. Create it without "
                                "a manager."
                            )
                        )
            return Partner, vals_list
        # a default from the context is a value the client chose too
        defaults = self.default_get(list(MANAGER_FIELDS))
        if defaults:
            vals_list = [{**defaults, **vals} for vals in vals_list]
        if is_manager and not is_lead and user._insurance_filter_managers():
            vals_list = [
                {**vals, "account_manager_id": user.id}
                if vals.get("is_insurance_client", client_default)
                and not vals.get("account_manager_id")
                else vals
                for vals in vals_list
            ]
        return Partner, vals_list

    def _insurance_auto_assign(self):
        """Give the clients of ``self`` without a manager one at once, when
        Settings ask for automatic assignment."""
        if not self._insurance_auto_assignment_on():
            return
        unassigned = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if unassigned:
            without_tracking_switches(unassigned).sudo()._assign_account_managers()

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

    def _insurance_client_records(self):
        """The clients of ``self`` with their open policies, claims and service
        requests (four recordsets; the partner of each record is read too)."""
        return [
            self,
            self.env["insurance.policy"].search_fetch(
                [("partner_id", "in", self.ids), ("state", "in", ("draft", "active"))],
                ["partner_id"],
            ),
            self.env["insurance.claim"].search_fetch(
                [("partner_id", "in", self.ids), ("date_closed", "=", False)], ["partner_id"]
            ),
            self.env["insurance.service.request"].search_fetch(
                [("partner_id", "in", self.ids), ("stage_state", "=", "open")], ["partner_id"]
            ),
        ]

    def _insurance_client_field(self, model_name):
        """The field of a record of ``model_name`` (among
        :meth:`_insurance_client_records`) that names its client."""
        return "partner_id"

    def _insurance_client_followers(self, user_by_partner, records=None):
        """[(model, res id, follower partner id)]: the user of ``user_by_partner``
        {partner id: user id} on each client of ``self`` and on its open
        records (``records``: :meth:`_insurance_client_records`, read when not
        given)."""
        partner_of_user = {
            user.id: user.partner_id.id
            for user in self.env["res.users"].sudo().browse(set(user_by_partner.values()))
        }
        rows = []
        for recordset in records or self._insurance_client_records():
            for record in recordset:
                client_id = (
                    record.id
                    if recordset._name == "res.partner"
                    else record[self._insurance_client_field(recordset._name)].id
                )
                user_id = user_by_partner.get(client_id)
                if user_id:
                    rows.append((recordset._name, record.id, partner_of_user[user_id]))
        return rows

    @api.model
    def _insurance_follow(self, rows):
        """Make each follower of ``rows`` [(model, res id, partner id)] follow
        its record with the model's default subtypes, as ``message_subscribe``
        does, in one statement; existing followers are left as they are."""
        if not rows:
            return
        Subtype = self.env["mail.message.subtype"]
        models_ = sorted({model_name for model_name, _res_id, _partner_id in rows})
        subtypes = [
            (model_name, Subtype._default_subtypes(model_name)[0]) for model_name in models_
        ]
        self.env.cr.execute(
            SQL(
                """
                WITH follower AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT * FROM unnest(%(models)s::varchar[], %(res_ids)s::int[],
                                         %(partner_ids)s::int[])
                        ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
                 RETURNING id, res_model
                )
                INSERT INTO mail_followers_mail_message_subtype_rel (
                    mail_followers_id, mail_message_subtype_id
                )
                SELECT follower.id, s.subtype_id
                  FROM follower
                  JOIN unnest(%(s_models)s::varchar[], %(s_ids)s::int[]) AS s(res_model, subtype_id)
                       ON s.res_model = follower.res_model
                """,
                models=[row[0] for row in rows],
                res_ids=[row[1] for row in rows],
                partner_ids=[row[2] for row in rows],
                s_models=[model_name for model_name, ids in subtypes for _id in ids],
                s_ids=[subtype_id for _model, ids in subtypes for subtype_id in ids],
            )
        )
        self._insurance_invalidate_followers(models_)

    @api.model
    def _insurance_unfollow(self, rows):
        """Remove the followers ``rows`` [(model, res id, partner id)], as
        ``message_unsubscribe`` does, in one statement."""
        if not rows:
            return
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM mail_followers f
                 USING unnest(%(models)s::varchar[], %(res_ids)s::int[], %(partner_ids)s::int[])
                       AS v(res_model, res_id, partner_id)
                 WHERE f.res_model = v.res_model AND f.res_id = v.res_id
                   AND f.partner_id = v.partner_id
                """,
                models=[row[0] for row in rows],
                res_ids=[row[1] for row in rows],
                partner_ids=[row[2] for row in rows],
            )
        )
        self._insurance_invalidate_followers({row[0] for row in rows})

    @api.model
    def _insurance_invalidate_followers(self, model_names):
        self.env["mail.followers"].invalidate_model()
        for model_name in model_names:
            self.env[model_name].invalidate_model(
                ["message_follower_ids", "message_partner_ids", "message_is_follower"]
            )

    # ------------------------------------------------------------
    # Who may change managers
    # ------------------------------------------------------------

    @api.model
    def _insurance_team_managers(self):
        """The current user and the members of the sales teams they lead."""
        members = (
            self.env["crm.team.member"]
            .sudo()
            .search([("crm_team_id.user_id", "=", self.env.uid)])
            .user_id
        )
        return self.env.user.with_env(self.env) | members.with_env(self.env)

    def _insurance_check_manager_rights(self, users):
        """Refuse unless the current user may give the clients of ``self`` the
        managers or backups ``users``: administrators any client, team leads
        their teams' clients and only to their teams' managers."""
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(
                _(
                    "Only team leads and administrators change the manager or the backup "
                    "of a client. Hand your clients over with Reassign Clients."
                )
            )
        self.check_access("write")
        team = self._insurance_team_managers()
        outside = self.filtered(lambda partner: partner.account_manager_id not in team)
        if outside:
            raise AccessError(
                _(
                    "You change the managers of your teams' clients only; ask an "
                    "administrator for: %(clients)s",
                    clients=", ".join(outside.mapped("display_name")),
                )
            )
        strangers = users - team
        if strangers:
            raise AccessError(
                _(
                    "%(users)s: not in the teams you lead. Choose a manager of your teams, "
                    "or ask an administrator.",
                    users=", ".join(strangers.sudo().mapped("name")),
                )
            )

    def _insurance_check_manager_targets(self, users, companies=None):
        """Refuse ``users`` as managers or backups of the clients of ``self``
        (or of new clients of ``companies``) unless each is an active internal
        user of the Account Manager group who takes clients and works for the
        client's company."""
        invalid = users - users._insurance_filter_managers()
        if invalid:
            raise ValidationError(
                _(
                    "%(users)s cannot manage insurance clients: choose an active user of "
                    "the Account Manager group who takes clients.",
                    users=", ".join(invalid.sudo().mapped("name")),
                )
            )
        companies = self.sudo().company_id if companies is None else companies.sudo()
        for user in users.sudo():
            foreign = companies - user.company_ids
            if foreign:
                raise ValidationError(
                    _(
                        "%(user)s does not work for %(company)s: choose a manager of the "
                        "client's company.",
                        user=user.name,
                        company=foreign[0].name,
                    )
                )

    def _insurance_check_manager_write(self, vals):
        """Check a manual change of the managers of ``self`` before it is
        written: rights, then targets. Locks the managers who receive clients
        and returns them, for :meth:`_insurance_check_capacity` once written."""
        Users = self.env["res.users"]
        moving, chosen, receiving = self.browse(), Users, Users
        for fname in MANAGER_FIELDS:
            if fname not in vals:
                continue
            user = Users.browse(vals[fname] or ())
            changed = self.filtered(lambda partner, fname=fname, user=user: partner[fname] != user)
            if changed:
                moving |= changed
                chosen |= user
                if fname == "account_manager_id":
                    receiving |= user
        if not moving:
            return Users
        moving._insurance_check_manager_rights(chosen)
        moving._insurance_check_manager_targets(chosen)
        self._insurance_lock_managers(receiving.ids)
        return receiving

    @api.model
    def _insurance_check_manager_create(self, vals_list):
        """Check the managers of new clients before they are created: an
        account manager names only themselves as manager, and no backup; a team
        lead managers of their teams; an administrator anyone who may manage
        clients. Locks the managers and returns them (see
        :meth:`_insurance_check_manager_write`)."""
        user = self.env.user
        Users = self.env["res.users"]
        is_admin = user.has_group(GROUP_INSURANCE_ADMIN)
        is_lead = user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        team = self._insurance_team_managers() if is_lead and not is_admin else Users
        receiving = Users
        for vals in vals_list:
            manager = Users.browse(vals.get("account_manager_id") or ())
            backup = Users.browse(vals.get("backup_manager_id") or ())
            if not manager and not backup:
                continue
            if not is_admin:
                if is_lead:
                    allowed = team
                elif user.has_group(GROUP_INSURANCE_AM) and not backup:
                    allowed = user
                else:
                    raise AccessError(
                        _(
                            "An account manager creates the clients they manage themselves, "
                            "without a backup; a team lead or an administrator chooses the "
                            "other managers."
                        )
                    )
                if (manager | backup) - allowed:
                    raise AccessError(
                        _(
                            "%(users)s: you cannot make them the manager of a new client. "
                            "Choose yourself or a manager of the teams you lead.",
                            users=", ".join(((manager | backup) - allowed).sudo().mapped("name")),
                        )
                    )
            self._insurance_check_manager_targets(
                manager | backup, self.env["res.company"].browse(vals.get("company_id") or ())
            )
            if vals.get("is_insurance_client"):
                receiving |= manager
        self._insurance_lock_managers(receiving.ids)
        return receiving

    def _insurance_check_capacity(self, users):
        """Refuse when one of ``users`` is above capacity with the clients this
        transaction gave them. The caller locked them (see
        :meth:`_insurance_lock_managers`) before it wrote: the loads read here
        cannot miss a concurrent move."""
        if not users:
            return
        loads = self._insurance_manager_loads(users.ids)
        for user in users.sudo():
            load = loads.get(user.id, 0.0)
            if load > user.insurance_capacity:
                raise UserError(
                    _(
                        "%(user)s would go above capacity (%(load)s of %(capacity)s units). "
                        "Raise their capacity or move fewer clients.",
                        user=user.name,
                        load=load,
                        capacity=user.insurance_capacity,
                    )
                )

    # ------------------------------------------------------------
    # Loads and assignment by rule
    # ------------------------------------------------------------

    @api.model
    def _insurance_manager_loads(self, user_ids):
        """{user id: capacity units used}: one grouped query over the clients."""
        if not user_ids:
            return {}
        groups = self.sudo()._read_group(
            [("account_manager_id", "in", list(user_ids)), ("is_insurance_client", "=", True)],
            ["account_manager_id", "insurance_tier_id"],
            ["__count"],
        )
        loads = defaultdict(float)
        for user, tier, count in groups:
            weight = tier.load_weight if tier else UNTIERED_WEIGHT
            loads[user.id] += weight * count
        return dict(loads)

    def _insurance_lock_managers(self, user_ids):
        """Lock the candidates' rows until commit, and mark them as touched.

        A second assignment run that overlaps this one waits here; once this
        run commits, PostgreSQL refuses the second run's stale snapshot
        (serialization failure) and Odoo retries it on fresh data, so loads
        are never computed from a view that misses this run's clients.
        """
        if not user_ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE res_users SET write_date = write_date WHERE id = ANY(%s)",
                sorted(user_ids),
            )
        )

    def _insurance_assignment_needs(self, rules):
        """{partner id: assignment.ClientNeed} for ``self``, in a constant number
        of queries (one grouped query for the lines, one search per rule domain)."""
        lines = defaultdict(set)
        for partner, line in (
            self.env["insurance.policy"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "in", ("draft", "active"))],
                ["partner_id", "line_id"],
            )
        ):
            if line:
                lines[partner.id].add(line.id)
        matches = rules._partner_ids_matching(self.ids)
        needs = {}
        for partner in self:
            tier = partner.insurance_tier_id
            needs[partner.id] = assignment.ClientNeed(
                partner_id=partner.id,
                tier_id=tier.id or None,
                weight=tier.load_weight if tier else UNTIERED_WEIGHT,
                line_ids=frozenset(lines[partner.id]),
                country_id=partner.country_id.id or None,
                state_id=partner.state_id.id or None,
                lang=partner.lang or None,
                domain_rule_ids=frozenset(
                    rule_id for rule_id, ids in matches.items() if partner.id in ids
                ),
                company_id=partner.company_id.id or None,
            )
        return needs

    @api.model
    def _insurance_candidate_managers(self, users, day):
        """{user id: assignment.Manager} for ``users`` and their backups."""
        users |= users.insurance_backup_user_id
        users = users._insurance_filter_managers()
        valid_lines = defaultdict(set)
        for qualification in (
            self.env["insurance.qualification"]
            .sudo()
            .search([("user_id", "in", users.ids), ("is_valid", "=", True)])
        ):
            valid_lines[qualification.user_id.id].update(qualification.line_ids.ids)
        loads = self._insurance_manager_loads(users.ids)
        # a manager whose licences all lapsed takes no client while Settings
        # require one (the parameter is read only then)
        required = any(not valid_lines[user.id] for user in users) and (
            self.env["res.users"]._insurance_require_qualification()
        )
        return {
            user.id: assignment.Manager(
                user_id=user.id,
                capacity=user.insurance_capacity,
                load=loads.get(user.id, 0.0),
                line_ids=frozenset(valid_lines[user.id]),
                qualified=not required or bool(valid_lines[user.id]),
                country_ids=frozenset(user.insurance_country_ids.ids),
                state_ids=frozenset(user.insurance_state_ids.ids),
                langs=frozenset(user.insurance_lang_ids.mapped("code")),
                present=not user._is_insurance_absent_on(day),
                backup_id=user.insurance_backup_user_id.id or None,
                company_ids=frozenset(user.with_context(active_test=False).company_ids.ids),
            )
            for user in users
        }

    def _insurance_plan_managers(self, exclude_user_ids=(), preview=False):
        """Decide, without writing anything, which manager each client of
        ``self`` goes to under the assignment rules.

        Returns ``(plan, rules, candidates_by_rule, managers)``: ``plan`` maps
        each partner id to ``(user id, rule id, reason)`` (user and rule are
        ``None`` with the reason when no manager can take the client);
        ``managers`` maps user ids to :class:`assignment.Manager` with the
        loads once the plan is applied: they fill up as the plan does, so no
        manager is planned above capacity. The candidates' rows are locked
        until the transaction ends (see :meth:`_insurance_lock_managers`).
        ``exclude_user_ids`` never receive a client (e.g. the manager who is
        leaving). A ``preview`` locks nothing and leaves the round-robin rules'
        last manager as it is.
        """
        Rule = self.env["insurance.assignment.rule"].sudo()
        # a client shared by every company (no company) follows the rules of the
        # company the run works in
        companies = self.company_id
        if any(not partner.company_id for partner in self):
            companies |= self.env.company
        rules = Rule.search([("company_id", "in", [False, *companies.ids])])
        candidates_by_rule = {
            rule.id: rule._candidate_users().filtered(lambda u: u.id not in exclude_user_ids)
            for rule in rules
        }
        all_candidates = self.env["res.users"].union(*candidates_by_rule.values())
        if not preview:
            self._insurance_lock_managers(
                (all_candidates | all_candidates.insurance_backup_user_id).ids
            )
        managers = self._insurance_candidate_managers(
            all_candidates, fields.Date.context_today(self)
        )
        for user_id in exclude_user_ids:
            managers.pop(user_id, None)
        plain_rules = [
            assignment.AssignmentRule(
                rule_id=rule.id,
                candidate_ids=tuple(candidates_by_rule[rule.id].ids),
                strategy=rule.strategy,
                tier_ids=frozenset(rule.tier_ids.ids),
                line_ids=frozenset(rule.line_ids.ids),
                country_ids=frozenset(rule.country_ids.ids),
                state_ids=frozenset(rule.state_ids.ids),
                has_domain=bool(rule._get_partner_domain()),
                last_user_id=rule.last_user_id.id or None,
            )
            for rule in rules
        ]
        rules_by_id = {rule.rule_id: rule for rule in plain_rules}
        rule_company = {rule.id: rule.company_id for rule in rules}
        needs = self._insurance_assignment_needs(rules)
        plan = {}
        for partner in self:
            company = partner.company_id or self.env.company
            partner_rules = [
                rule
                for rule in plain_rules
                if not rule_company[rule.rule_id] or rule_company[rule.rule_id] == company
            ]
            user_id, rule_id, reason = assignment.pick_manager(
                needs[partner.id], partner_rules, managers
            )
            if user_id:
                assignment.take(managers[user_id], needs[partner.id], rules_by_id[rule_id])
            plan[partner.id] = (user_id, rule_id, reason)
        for rule in rules if not preview else ():
            last = rules_by_id[rule.id].last_user_id
            if last and last != rule.last_user_id.id:
                rule.last_user_id = last
        return plan, rules, candidates_by_rule, managers

    def _assign_account_managers(self, checked_on=None):
        """Give each client of ``self`` without a manager one by the assignment
        rules. Clients no manager can take keep no manager, with the reason set,
        and the team lead gets an activity. ``checked_on``, when given, marks
        every client of ``self`` as tried by the rules that day (the scheduled
        action's marker). Returns the number assigned.

        Set-based: the plan is made in a constant number of queries, then the
        managers, reasons and marker, the history, the chatter and the new
        managers as followers of the clients and their open records are
        written in a constant number of statements
        (:meth:`_insurance_write_managers_batch`), whatever the number of
        clients and managers."""
        clients = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if not clients:
            if checked_on:
                self._insurance_write_managers_batch(
                    {}, _ManagerChange("rule"), checked_on=checked_on
                )
            return 0
        plan, rules, candidates_by_rule, _managers = clients._insurance_plan_managers()
        values, rule_ids, assigned = {}, {}, {}
        for partner_id, (user_id, rule_id, reason) in plan.items():
            if user_id:
                values[partner_id] = {
                    "account_manager_id": user_id,
                    "insurance_unassigned_reason": False,
                }
                rule_ids[partner_id] = rule_id
                assigned[partner_id] = user_id
            else:
                values[partner_id] = {"insurance_unassigned_reason": reason}
        targets = self if checked_on else clients
        targets._insurance_write_managers_batch(
            values, _ManagerChange("rule"), rule_ids=rule_ids, checked_on=checked_on
        )
        if assigned:
            moved = self.browse(list(assigned))
            self._insurance_follow(moved._insurance_client_followers(assigned))
        refused = clients.browse([pid for pid in clients.ids if pid not in assigned])
        if refused:
            refused._insurance_notify_unassigned(rules, candidates_by_rule)
        return len(assigned)

    def _insurance_notify_unassigned(self, rules, candidates_by_rule):
        """One "client without manager" activity per client, for the team lead
        (the leader of the first applicable rule's team, else of its candidates'
        team, else the administrator), never twice while one is open."""
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_unassigned_client",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        already = set(
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        fallback = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        leaders = {}
        for rule in rules:
            candidates = candidates_by_rule.get(rule.id, self.env["res.users"])
            leader = rule.team_id.user_id or candidates.sale_team_id.user_id[:1]
            if leader:
                leaders[rule.id] = leader
        reasons = dict(self._fields["insurance_unassigned_reason"]._description_selection(self.env))
        model_id = self.env["ir.model"]._get_id("res.partner")
        values = []
        for partner in self:
            if partner.id in already:
                continue
            leader = next((leaders[rule.id] for rule in rules if rule.id in leaders), fallback)
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": leader.id,
                    "summary": _("No account manager"),
                    "note": Markup("<p>%s</p>")
                    % reasons.get(partner.insurance_unassigned_reason, ""),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            values
        )

    @api.model
    def _cron_assign_account_managers(self):
        """Give clients still without a manager one, a batch per call.

        Resumable and idempotent: a batch selects the unassigned clients not yet
        tried today and marks them tried, so a rerun after a crash continues
        with what is left, and a client no manager can take is tried once a day,
        not in a loop. The cron re-triggers itself while clients remain.
        """
        if not self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM):
            return
        today = fields.Date.context_today(self)
        domain = [
            ("is_insurance_client", "=", True),
            ("account_manager_id", "=", False),
            "|",
            ("insurance_assignment_checked_on", "=", False),
            ("insurance_assignment_checked_on", "<", today),
        ]
        clients = self.search(domain, limit=ASSIGNMENT_BATCH_SIZE, order="id")
        clients._assign_account_managers(checked_on=today)
        remaining = self.search_count(domain) if len(clients) == ASSIGNMENT_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)

    def action_assign_account_managers(self):
        """Assign the clients of ``self`` (all unassigned clients when empty)."""
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only insurance administrators can run the assignment rules."))
        clients = self or self.search(
            [("is_insurance_client", "=", True), ("account_manager_id", "=", False)]
        )
        assigned = without_tracking_switches(clients).sudo()._assign_account_managers()
        left = len(clients.filtered(lambda p: not p.account_manager_id))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if not left else "warning",
                "message": _(
                    "%(assigned)s client(s) assigned, %(left)s left without a manager.",
                    assigned=assigned,
                    left=left,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
