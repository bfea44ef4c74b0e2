/** @odoo-module **/

import { registry } from "@web/core/registry";

// A team lead opens the reporting, validates a manager's scorecard and prints it.
registry.category("web_tour.tours").add("insurance_scorecard_validate", {
    url: "/odoo/action-insurance_account_manager.insurance_report_book_action",
    steps: () => [
        {
            trigger: ".o_pivot th:contains('Li Wei')",
            content: "the book of the team, per manager",
        },
        {
            trigger: ".o_menu_sections .dropdown-toggle:contains('Reporting')",
            content: "open the reporting menu",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Scorecards')",
            content: "open the scorecards",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_data_cell:contains('Li Wei')",
            content: "open Li Wei's scorecard",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_validate']",
            content: "validate it",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='validated_by_id']:contains('Zhang Lead')",
            content: "validated by the team lead",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Print')",
            content: "print the scorecard",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Validated')",
            content: "the scorecard is validated",
        },
    ],
});
