from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.sql import get_foreign_keys, index_exists, make_index_name

from ..models.install_sql import create_many2one_columns
from .common import InsuranceRpcCase
from .test_assignment import AssignmentCommon


@tagged("post_install", "-at_install", "insurance")
class TestCrmLead(AssignmentCommon):
    """One accountable manager for a client's opportunities (issue #11)."""

    def _lead(self, partner, **values):
        return self.env["crm.lead"].create(
            {
                "name": f"Cross-sell {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                **values,
            }
        )

    def test_client_lead_owned_by_manager(self):
        # whoever is named, the client's manager owns it; a contact's lead too
        lead = self._lead(self.client_harbin, user_id=self.user_am_other.id)
        self.assertEqual(lead.user_id, self.user_am)
        contact = self.env["res.partner"].create(
            {"name": "Wang Buyer", "parent_id": self.client_harbin.id}
        )
        contact_lead = self._lead(contact)
        self.assertEqual(contact_lead.commercial_partner_id, self.client_harbin)
        self.assertEqual(contact_lead.user_id, self.user_am)
        # a hand-over to someone else does not stick
        lead.write({"user_id": self.user_am_2.id})
        self.assertEqual(lead.user_id, self.user_am)
        # a prospect that is no client keeps the salesperson chosen
        prospect = self.env["res.partner"].create({"name": "Qiqihar Steel", "is_company": True})
        other = self._lead(prospect, user_id=self.user_am_2.id)
        self.assertEqual(other.user_id, self.user_am_2)
        # moving a lead to a client gives it to the client's manager
        other.partner_id = self.client_dalian
        self.assertEqual(other.user_id, self.user_am_2)
        other.partner_id = self.client_shenyang
        self.assertEqual(other.user_id, self.user_am_other)

    def test_leads_follow_manual_manager_change(self):
        lead = self._lead(self.client_harbin)
        won = self._lead(self.client_harbin, name="Won motor")
        won.action_set_won()
        self.assertEqual(won.user_id, self.user_am)
        self.client_harbin.with_user(self.user_lead).write(
            {"account_manager_id": self.user_am_2.id, "backup_manager_id": False}
        )
        self.assertEqual(lead.user_id, self.user_am_2)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(won.user_id, self.user_am, "a won sale keeps who won it")

    def test_leads_follow_reassignment_batch(self):
        self._licence_every_line(self.user_am_other)
        lead = self._lead(self.client_harbin)
        lead.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call", user_id=self.user_am.id
        )
        wizard = self.env["insurance.client.reassign"].create(
            {
                "reason": "Li Wei leaves",
                "partner_ids": [Command.set(self.client_harbin.ids)],
                "target_user_id": self.user_am_other.id,
                "handover_days": 0,
            }
        )
        wizard.action_preview()
        wizard.action_confirm()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_other)
        self.assertEqual(lead.user_id, self.user_am_other)
        self.assertEqual(lead.activity_ids.user_id, self.user_am_other)
        self.assertIn(self.user_am_other.partner_id, lead.message_partner_ids)

    def test_contact_leads_follow_reassignment_batch(self):
        """A lead on a client's contact moves like the client's own: owner,
        the old manager's open activities, followers; and back on undo."""
        self._licence_every_line(self.user_am_other)
        contact = self.env["res.partner"].create(
            {"name": "Wang Buyer", "parent_id": self.client_harbin.id}
        )
        lead = self._lead(contact)
        self.assertEqual(lead.user_id, self.user_am)
        lead.message_subscribe(self.user_am.partner_id.ids)
        activity = lead.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call Wang", user_id=self.user_am.id
        )
        wizard = self.env["insurance.client.reassign"].create(
            {
                "reason": "Li Wei leaves",
                "partner_ids": [Command.set(self.client_harbin.ids)],
                "target_user_id": self.user_am_other.id,
                "handover_days": 0,
            }
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(lead.user_id, self.user_am_other)
        self.assertEqual(activity.user_id, self.user_am_other)
        self.assertIn(self.user_am_other.partner_id, lead.message_partner_ids)
        self.assertNotIn(self.user_am.partner_id, lead.message_partner_ids)
        batch.action_undo()
        self.assertEqual(lead.user_id, self.user_am)
        self.assertEqual(activity.user_id, self.user_am)
        self.assertIn(self.user_am.partner_id, lead.message_partner_ids)
        self.assertNotIn(self.user_am_other.partner_id, lead.message_partner_ids)

    def test_owner_of_client_shared_by_leads_and_requests(self):
        contact = self.env["res.partner"].create(
            {"name": "Wang Buyer", "parent_id": self.client_harbin.id}
        )
        prospect = self.env["res.partner"].create({"name": "Qiqihar Steel", "is_company": True})
        unmanaged = self._new_client("Jixi Mining", self.tier_retail)
        owners = (self.client_harbin | contact | prospect | unmanaged)._insurance_owner_of_client()
        self.assertEqual(
            owners, {self.client_harbin.id: self.user_am.id, contact.id: self.user_am.id}
        )
        # a request names no other accountable manager than the client's
        Request = self.env["insurance.service.request"].with_user(self.user_am)
        request = Request.create(
            {"name": "x", "partner_id": self.client_harbin.id, "user_id": self.user_am.id}
        )
        self.assertEqual(request.user_id, self.user_am)
        with self.assertRaises(AccessError):
            Request.create(
                {"name": "y", "partner_id": self.client_harbin.id, "user_id": self.user_am_2.id}
            )

    def test_leads_follow_assignment_rules(self):
        client = self._new_client("Mudanjiang Paper", self.tier_retail, [self.line_motor])
        lead = self._lead(client, user_id=False)
        self.assertFalse(lead.user_id)
        client._assign_account_managers()
        self.assertTrue(client.account_manager_id)
        self.assertEqual(lead.user_id, client.account_manager_id)

    def test_crm_assignment_leaves_client_leads(self):
        """CRM's own assignment (team round robin) hands out prospects only."""
        self.team.write({"assignment_max": 30})
        self.team.crm_team_member_ids.write({"assignment_max": 30})
        client = self._new_client("Jiamusi Sugar", self.tier_retail, [self.line_motor])
        client_lead = self._lead(client, user_id=False, team_id=self.team.id)
        prospect = self.env["res.partner"].create({"name": "Daqing Oil", "is_company": True})
        prospect_lead = self._lead(prospect, user_id=False, team_id=self.team.id)
        self.team._action_assign_leads(force_quota=True)
        self.assertIn(prospect_lead.user_id, self.team.member_ids)
        self.assertFalse(client_lead.user_id, "no salesperson for a client without manager")
        # handing out by hand through CRM's conversion: the manager keeps it
        lead = self._lead(self.client_dalian)
        lead.convert_opportunity(self.client_dalian, user_ids=self.user_am_other.ids)
        self.assertEqual(lead.user_id, self.user_am_2)
        (lead | prospect_lead)._handle_salesmen_assignment(user_ids=self.user_am_other.ids)
        self.assertEqual(lead.user_id, self.user_am_2)
        self.assertEqual(prospect_lead.user_id, self.user_am_other)

    def test_win_opens_underwriting_request(self):
        lead = self._lead(self.client_dalian, insurance_line_id=self.line_property.id)
        lead.with_user(self.user_am_2).action_set_won()
        request = lead.insurance_request_id
        self.assertTrue(request)
        self.assertEqual(request.type_code, "underwriting")
        self.assertEqual(request.partner_id, self.client_dalian)
        self.assertEqual(request.user_id, self.user_am_2)
        # once only
        lead.with_user(self.user_am_2).action_set_won()
        self.assertEqual(
            self.env["insurance.service.request"].search_count(
                [("partner_id", "=", self.client_dalian.id), ("type_code", "=", "underwriting")]
            ),
            1,
        )
        # without a line of business nothing opens
        plain = self._lead(self.client_dalian)
        plain.with_user(self.user_am_2).action_set_won()
        self.assertFalse(plain.insurance_request_id)

    def test_won_prospect_becomes_client_by_rules(self):
        prospect = self.env["res.partner"].create({"name": "Hegang Coal", "is_company": True})
        lead = self._lead(prospect, user_id=self.user_am_2.id, insurance_line_id=self.line_motor.id)
        lead.with_user(self.user_am_2).action_set_won()
        self.assertTrue(prospect.is_insurance_client)
        # the rule "Everyone else" (Northeast round robin) names the manager
        self.assertIn(prospect.account_manager_id, self.user_am | self.user_am_2)
        self.assertEqual(lead.insurance_request_id.user_id, prospect.account_manager_id)

    def test_opportunity_count_and_list(self):
        lead = self._lead(self.client_harbin)
        self._lead(self.client_harbin, name="Lost one").action_set_lost()
        self._lead(self.client_dalian)
        self.assertEqual(self.client_harbin.insurance_opportunity_count, 1)
        self.assertIn(lead, self.client_harbin.insurance_lead_ids)
        action = self.client_harbin.action_view_insurance_opportunities()
        self.assertEqual(self.env["crm.lead"].search(action["domain"]), lead)

    def test_server_fields_refused(self):
        lead = self._lead(self.client_harbin)
        request = self.env["insurance.service.request"].create(
            {"name": "x", "partner_id": self.client_harbin.id}
        )
        with self.assertRaises(AccessError):
            lead.with_user(self.user_am).write({"insurance_request_id": request.id})


@tagged("post_install", "-at_install", "insurance")
class TestCrmLeadRpc(InsuranceRpcCase):
    """Who reads a client's leads, over JSON-RPC."""

    def test_who_reads_client_leads(self):
        lead = self.env["crm.lead"].create(
            {"name": "Harbin fleet", "type": "opportunity", "partner_id": self.client_harbin.id}
        )
        self.assertEqual(lead.user_id, self.user_am)
        domain = [("id", "=", lead.id)]
        self.assertEqual(self.rpc(self.user_am, "crm.lead", "search", domain), [lead.id])
        self.assertEqual(self.rpc(self.user_lead, "crm.lead", "search", domain), [lead.id])
        self.assertEqual(self.rpc(self.user_admin, "crm.lead", "search", domain), [lead.id])
        self.assertEqual(self.rpc(self.user_am_other, "crm.lead", "search", domain), [])
        self.assertRpcRefused(self.user_am_other, "crm.lead", "read", [lead.id], ["name"])
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(user, "crm.lead", "read", [lead.id], ["name"])
            self.assertRpcRefused(
                user, "crm.lead", "create", {"name": "x", "partner_id": self.client_harbin.id}
            )

    def test_client_leads_fenced_from_other_salespeople(self):
        """A lead of a client without manager has no salesperson: crm's own
        rules would let every salesperson read it ("Personal Leads" the
        unassigned ones, "All Leads" all); the book fences it, and the leads
        of a managed client from "All Leads" too. Prospects' leads stay
        crm's."""
        salesperson = new_test_user(
            self.env, login="iam_rpc_sales", groups="sales_team.group_sale_salesman"
        )
        all_leads = new_test_user(
            self.env, login="iam_rpc_all_leads", groups="sales_team.group_sale_salesman_all_leads"
        )
        unmanaged = self.env["res.partner"].create(
            {"name": "Jixi Mining", "is_company": True, "is_insurance_client": True}
        )
        Lead = self.env["crm.lead"]
        orphan = Lead.create({"name": "Jixi fleet", "partner_id": unmanaged.id, "user_id": False})
        managed = Lead.create({"name": "Harbin fleet", "partner_id": self.client_harbin.id})
        prospect = self.env["res.partner"].create({"name": "Qiqihar Steel", "is_company": True})
        open_prospect = Lead.create(
            {"name": "Qiqihar", "partner_id": prospect.id, "user_id": False}
        )
        self.assertFalse(orphan.user_id)
        domain = [("id", "in", (orphan | managed | open_prospect).ids)]
        for user in (salesperson, all_leads, self.user_am_other, self.user_am):
            self.assertRpcRefused(user, "crm.lead", "read", orphan.ids, ["name"])
        for user in (salesperson, all_leads, self.user_am_other):
            self.assertRpcRefused(user, "crm.lead", "read", managed.ids, ["name"])
        # each reads what crm and the book give them
        self.assertEqual(self.rpc(salesperson, "crm.lead", "search", domain), open_prospect.ids)
        self.assertEqual(self.rpc(all_leads, "crm.lead", "search", domain), open_prospect.ids)
        self.assertEqual(
            sorted(self.rpc(self.user_am, "crm.lead", "search", domain)),
            sorted((managed | open_prospect).ids),
        )
        self.assertEqual(
            sorted(self.rpc(self.user_admin, "crm.lead", "search", domain)),
            sorted((orphan | managed | open_prospect).ids),
        )
        # the backup manager reads the client's lead as the client
        self.client_harbin.backup_manager_id = self.user_am_2
        read = self.rpc(self.user_am_2, "crm.lead", "read", managed.ids, ["name"])
        self.assertEqual(read[0]["name"], "Harbin fleet")
        # the fence holds for writes too
        self.assertRpcRefused(salesperson, "crm.lead", "write", orphan.ids, {"name": "Mine"})
        self.assertEqual(orphan.name, "Jixi fleet")

    def test_owner_and_request_not_set_by_client(self):
        lead = self.env["crm.lead"].create(
            {"name": "Harbin fleet", "type": "opportunity", "partner_id": self.client_harbin.id}
        )
        request = self.env["insurance.service.request"].create(
            {"name": "x", "partner_id": self.client_harbin.id}
        )
        self.rpc(self.user_am, "crm.lead", "write", [lead.id], {"user_id": self.user_am_2.id})
        self.assertEqual(lead.user_id, self.user_am)
        for user in (self.user_am, self.user_lead):
            self.assertRpcRefused(
                user, "crm.lead", "write", [lead.id], {"insurance_request_id": request.id}
            )
        self.assertRpcRefused(
            self.user_am,
            "crm.lead",
            "create",
            {"name": "y", "partner_id": self.client_harbin.id, "insurance_request_id": request.id},
        )
        # another manager's lead: not writable, and its win opens nothing
        self.assertRpcRefused(self.user_am_other, "crm.lead", "action_set_won", [lead.id])
        self.assertFalse(lead.insurance_request_id)


@tagged("post_install", "-at_install", "insurance")
class TestCrmLeadInstall(TransactionCase):
    """Installed where CRM already holds leads, the addon sets their new
    columns up in SQL rather than lead by lead (issue #12, bench row e)."""

    def test_existing_leads_get_their_commercial_entity(self):
        Partner = self.env["res.partner"]
        company = Partner.create({"name": "Harbin Ice Works", "is_company": True})
        contact = Partner.create({"name": "Wang Buyer", "parent_id": company.id})
        archived = Partner.create({"name": "Old Buyer", "parent_id": company.id, "active": False})
        Lead = self.env["crm.lead"]
        of_contact = Lead.create({"name": "Contact's", "partner_id": contact.id})
        of_company = Lead.create({"name": "Company's", "partner_id": company.id})
        of_archived = Lead.create({"name": "Archived's", "partner_id": archived.id})
        lost = Lead.create({"name": "Lost", "partner_id": contact.id, "active": False})
        no_partner = Lead.create({"name": "Nobody's"})
        self.env.flush_all()
        # as on a database where CRM was installed before the addon (rolled back)
        self.env.cr.execute("ALTER TABLE crm_lead DROP COLUMN commercial_partner_id CASCADE")
        Lead._insurance_init_columns()
        self.env.invalidate_all()
        for lead in of_contact | of_company | of_archived | lost:
            self.assertEqual(lead.commercial_partner_id, company, lead.name)
        self.assertFalse(no_partner.commercial_partner_id)
        # the ORM's own index, under the name it looks for
        self.assertTrue(
            index_exists(self.env.cr, make_index_name("crm_lead", "commercial_partner_id"))
        )
        # and its foreign key, made with the column (no read of the table)
        self.assertEqual(
            get_foreign_keys(
                self.env.cr, "crm_lead", "commercial_partner_id", "res_partner", "id", "set null"
            ),
            ["crm_lead_commercial_partner_id_fkey"],
        )
        # once the column exists, nothing is written again
        self.env.cr.execute(
            "UPDATE crm_lead SET commercial_partner_id = NULL WHERE id = %s", [lost.id]
        )
        Lead._insurance_init_columns()
        self.env.invalidate_all()
        self.assertFalse(lost.commercial_partner_id)

    def test_new_many2one_columns_come_with_their_keys(self):
        """The column and its foreign key in one statement (no read of the
        table), named and recorded as the ORM does, so that the ORM keeps the
        key and the uninstall drops it."""
        cr = self.env.cr
        Lead = self.env["crm.lead"]
        field = Lead._fields["insurance_line_id"]
        cr.execute("ALTER TABLE crm_lead DROP COLUMN insurance_line_id CASCADE")
        cr.execute("DELETE FROM ir_model_constraint WHERE name = 'crm_lead_insurance_line_id_fkey'")
        create_many2one_columns(Lead)
        keys = get_foreign_keys(
            cr, "crm_lead", "insurance_line_id", "insurance_line", "id", field.ondelete
        )
        self.assertEqual(keys, ["crm_lead_insurance_line_id_fkey"])
        cr.execute(
            """SELECT c.type, m.name, model.model FROM ir_model_constraint c
                 JOIN ir_module_module m ON m.id = c.module
                 JOIN ir_model model ON model.id = c.model
                WHERE c.name = 'crm_lead_insurance_line_id_fkey'"""
        )
        self.assertEqual(cr.fetchall(), [("f", "insurance_account_manager", "crm.lead")])
        cr.execute(
            "SELECT col_description('crm_lead'::regclass, attnum) FROM pg_attribute"
            " WHERE attrelid = 'crm_lead'::regclass AND attname = 'insurance_line_id'"
        )
        self.assertEqual(cr.fetchall(), [(field.string,)])
        # an existing column is left alone (no second key)
        create_many2one_columns(Lead)
        self.assertEqual(
            get_foreign_keys(
                cr, "crm_lead", "insurance_line_id", "insurance_line", "id", field.ondelete
            ),
            ["crm_lead_insurance_line_id_fkey"],
        )
