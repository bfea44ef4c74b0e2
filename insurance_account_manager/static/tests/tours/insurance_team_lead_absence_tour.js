/** @odoo-module **/

import { registry } from "@web/core/registry";

// A team lead opens Managers > Account Managers, opens Li Wei (a member of their
// team) and records his absence with Sarah Chen as backup. Data: tests/common.py
// (InsuranceCommon); tests/test_ui_managers.py checks the user in Python.
registry.category("web_tour.tours").add("insurance_team_lead_absence_tour", {
    url: "/odoo/action-insurance_account_manager.res_users_action_insurance_manager",
    steps: () => [
        {
            // the demo data has a Li Wei too, in another team
            trigger: ".o_view_controller.o_list_view .o_data_row:contains('Northeast') .o_data_cell:contains('Li Wei')",
            content: "open Li Wei of the Northeast team",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_capacity] input",
            content: "the capacity is editable for the team lead",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_absence_from] input[data-field=insurance_absence_from]",
            content: "absent from",
            run: "edit 07/01/2026",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_absence_from] input[data-field=insurance_absence_to]",
            content: "absent until",
            run: "edit 07/14/2026",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_backup_user_id] input",
            content: "choose the backup",
            run: "edit Sarah",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Sarah Chen')",
            content: "Sarah Chen",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            content: "save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
            content: "saved",
        },

    ],
});
