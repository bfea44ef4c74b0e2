"""Tracking notes posted in one SQL statement, shared by the server's set-based
writes (the managers of clients, their tiers, the renewal state of renewed
terms); no model here."""

from collections import defaultdict

from odoo import fields
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id


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
