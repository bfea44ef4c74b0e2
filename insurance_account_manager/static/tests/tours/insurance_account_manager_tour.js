/** @odoo-module **/

import { registry } from "@web/core/registry";

// An account manager opens one of their clients from the Clients list, sees its
// policies on the Insurance tab, then records a claim on policy T-MOTOR-1 from
// the policy's Claims smart button, and finds it from the client's Claims smart
// button. Data: tests/common.py (InsuranceCommon); tests/test_ui.py checks the
// claim in Python.
registry.category("web_tour.tours").add("insurance_account_manager_client_claim_tour", {
    url: "/odoo/action-insurance_account_manager.res_partner_action_insurance_client",
    steps: () => [
        {
            trigger: ".o_view_controller.o_list_view:has(.o_data_row:contains('Harbin Boiler Works')):not(:has(.o_data_row:contains('Shenyang Brewery')))",
            content: "the Clients list shows the manager's clients, not the other managers' ones",
        },
        {
            trigger: ".o_view_controller.o_list_view .o_data_row .o_data_cell:contains('Harbin Boiler Works')",
            content: "open the client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link:contains('Insurance')",
            content: "open the Insurance tab",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=account_manager_id]:contains('Li Wei')",
            content: "the account manager is Li Wei",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_policy_ids] .o_data_row:contains('T-MOTOR-1'):contains('Motor')",
            content: "the client's motor policy is listed",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_policy_ids] .o_data_row:contains('T-PROP-1')",
            content: "and its property policy",
        },
        {
            trigger: ".o_form_view button[name=action_view_insurance_policies]",
            content: "open the client's policies",
            run: "click",
        },
        {
            trigger: ".o_control_panel .o_last_breadcrumb_item:contains('Policies')",
            content: "the client's policies are listed",
        },
        {
            trigger: ".o_view_controller.o_list_view .o_data_row .o_data_cell[name=name]:contains('T-MOTOR-1')",
            content: "open policy T-MOTOR-1",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved:has(.o_field_widget[name=name] input:value('T-MOTOR-1'))",
            content: "the policy form is shown",
        },
        {
            trigger: ".o_form_view button[name=action_view_claims]",
            content: "open the policy's claims",
            run: "click",
        },
        {
            trigger: ".o_kanban_view .o_kanban_renderer:not(:has(.o_kanban_record:contains('CLM/')))",
            content: "the policy has no claim yet",
        },
        {
            trigger: ".o_control_panel .o-kanban-button-new",
            content: "record a new claim",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=policy_id] input:value('T-MOTOR-1')",
            content: "the claim is on policy T-MOTOR-1",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains('Harbin Boiler Works')",
            content: "the client follows the policy",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=date_loss] input",
            content: "date of loss, within the cover and before today",
            run: "edit 06/15/2026 && press Escape",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=amount_claimed] input",
            content: "amount claimed",
            run: "edit 45000",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            content: "save the claim",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved .o_field_widget[name=name]:contains('CLM/')",
            content: "the claim got its number",
        },
        {
            trigger: ".o_control_panel .o_breadcrumb .dropdown-toggle, .o_control_panel .o_breadcrumb .o-dropdown button",
            content: "unfold the older breadcrumbs",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Harbin Boiler Works')",
            content: "back to the client",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_view_insurance_claims] .o_stat_value:contains('1')",
            content: "the client counts one claim",
            run: "click",
        },
        {
            trigger: ".o_kanban_view .o_kanban_group:has(.o_column_title:contains('Notified')) .o_kanban_record:contains('CLM/'):contains('T-MOTOR-1'):contains('Harbin Boiler Works')",
            content: "the new claim is on the client's claims kanban, in Notified",
        },
    ],
});
