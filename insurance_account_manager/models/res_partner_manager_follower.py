from odoo import api, models
from odoo.tools import SQL


class ResPartner(models.Model):
    """Followers of the clients: their managers on the client and on its open
    records, added and removed in one statement."""

    _inherit = "res.partner"

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
