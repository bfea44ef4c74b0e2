/** @odoo-module **/

import { registry } from "@web/core/registry";

// An account manager creates a client from the Clients list while automatic
// assignment gives every new client to Sarah Chen: the save shows the new
// client with its manager (the read-back of the saving request), without an
// error; back on the list, the client is not theirs to see. Data:
// tests/test_ui.py (TestClientCreateUi).
registry.category("web_tour.tours").add("insurance_client_create_tour", {
    url: "/odoo/action-insurance_account_manager.res_partner_action_insurance_client",
    steps: () => [
        {
            trigger: ".o_view_controller.o_list_view:has(.o_data_row:contains('Harbin Boiler Works'))",
            content: "the manager's clients are listed",
        },
        {
            trigger: ".o_control_panel .o_list_button_add",
            content: "create a client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            content: "its name",
            run: "edit Mudanjiang Tour Paper",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            content: "save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved:has(.o_field_widget[name=name] input:value('Mudanjiang Tour Paper'))",
            content: "the new client is shown, saved",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link:contains('Insurance')",
            content: "open the Insurance tab",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=account_manager_id]:contains('Sarah Chen')",
            content: "the assignment rules gave it to Sarah Chen",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Clients')",
            content: "back to the Clients list",
            run: "click",
        },
        {
            trigger: ".o_view_controller.o_list_view:has(.o_data_row:contains('Harbin Boiler Works')):not(:has(.o_data_row:contains('Mudanjiang Tour Paper')))",
            content: "the new client is Sarah Chen's: not in this manager's list",
        },
    ],
});
