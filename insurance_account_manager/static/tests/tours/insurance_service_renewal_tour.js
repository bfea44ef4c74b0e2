/** @odoo-module **/

import { registry } from "@web/core/registry";

// An account manager wins a renewal by dragging its card to "Won", then finds
// the new policy term on the client.
registry.category("web_tour.tours").add("insurance_service_renewal_won", {
    url: "/odoo/action-insurance_account_manager.insurance_service_request_action_renewal",
    steps: () => [
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Renewal Due')) .o_kanban_record:contains('Renewal of T-MOTOR-1')",
            content: "drag the renewal to Won",
            run: "drag_and_drop(.o_kanban_group:has(.o_column_title:contains('Won')))",
        },
        {
            trigger: ".o_kanban_group:has(.o_column_title:contains('Won')) .o_kanban_record:contains('Renewal of T-MOTOR-1')",
            content: "the card is in Won",
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
            trigger: ".o_data_row:contains('T-MOTOR-1/R1')",
            content: "the new term is among the client's policies",
        },
    ],
});
