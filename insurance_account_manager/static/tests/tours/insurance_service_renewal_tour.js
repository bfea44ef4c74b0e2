/** @odoo-module **/

import { registry } from "@web/core/registry";

// An account manager starts the day on My Pipeline, opens the Renewals board,
// wins a renewal through the Won wizard (the next term's number, dates and
// premium, prefilled), then finds the new policy term on the client.
registry.category("web_tour.tours").add("insurance_service_renewal_won", {
    url: "/odoo/action-insurance_account_manager.insurance_service_type_action_dashboard",
    steps: () => [
        {
            trigger: ".o_kanban_record:contains('Renewals') button:contains('Renewals in 30 Days')",
            content: "the overview counts the renewals due within 30 days",
        },
        {
            trigger: ".o_kanban_record:contains('Renewals') button:contains('Open Pipeline')",
            content: "open the renewals board",
            run: "click",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Renewal Due')) .o_kanban_record:contains('Renewal of T-MOTOR-1')",
            content: "open the renewal",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_mark_won']:contains('Won')",
            content: "win it",
            run: "click",
        },
        {
            trigger: ".modal div[name='policy_name'] input",
            content: "the next term's number is prefilled; the insurer gave another",
            run: "edit HB-MOTOR-2027",
        },
        {
            trigger: ".modal div[name='premium'] input",
            content: "the premium agreed with the client",
            run: "edit 12600",
        },
        {
            trigger: ".modal button[name='action_confirm']",
            content: "create the next term",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Won')",
            content: "the renewal is won",
        },
        {
            trigger: ".o_menu_sections .dropdown-toggle:contains('Book')",
            content: "open the book",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Clients')",
            content: "open the clients",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_data_cell:contains('Harbin Boiler Works')",
            content: "open the client",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_view_insurance_policies']",
            content: "open the client's policies",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('HB-MOTOR-2027')",
            content: "the new term is among the client's policies",
        },
    ],
});
