/** @odoo-module **/

import { registry } from "@web/core/registry";

// An administrator edits a tier rule from the Insurance settings and recomputes
// the tiers at once.
registry.category("web_tour.tours").add("insurance_tier_rule_settings", {
    url: "/odoo/action-insurance_account_manager.res_config_settings_action_insurance",
    steps: () => [
        {
            trigger: ".o_setting_box button:contains('Tier Rules')",
            content: "open the tier rules from Settings",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Tour key rule') .o_data_cell[name='min_premium']",
            content: "edit the key rule's minimum annual premium in the list",
            run: "click",
        },
        {
            trigger: ".o_selected_row div[name='min_premium'] input",
            content: "lower it",
            run: "edit 40000",
        },
        {
            trigger: ".o_list_button_save",
            content: "save the rule",
            run: "click",
        },
        {
            trigger: ".o_data_row:contains('Tour key rule') .o_data_cell[name='min_premium']:contains('40,000')",
            content: "the rule is saved",
        },
        {
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Settings')",
            content: "back to Settings",
            run: "click",
        },
        {
            trigger: "button[name='action_insurance_recompute_tiers']",
            content: "recompute the tiers now",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('changed tier')",
            content: "the recompute reports the clients whose tier changed",
        },
    ],
});

// The account manager finds the new tier on the client.
registry.category("web_tour.tours").add("insurance_tier_seen_by_manager", {
    url: "/odoo/action-insurance_account_manager.res_partner_action_insurance_client",
    steps: () => [
        {
            trigger: ".o_data_row .o_data_cell:contains('Harbin Boiler Works')",
            content: "open the client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='insurance_tier_id']:contains('Key Client')",
            content: "the client is now a key client",
        },
    ],
});
