/** @odoo-module **/

import { registry } from "@web/core/registry";

// Asks the test (tests/test_ui_needs.py) for a screenshot of the page as it is,
// and gives it the time to take it before the next step.
async function screenshot(name) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // rendered, faded in
    console.log(`insurance_screenshot:${name}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
}

// An account manager opens one of their clients, records a needs analysis (the
// questionnaire by segment: the client sells products to the public), sees the
// resulting coverage gap on the client (liability, not held) and turns it into
// an opportunity with one click: the opportunity is theirs. Data: tests/common.py
// (InsuranceCommon); tests/test_ui_needs.py checks the opportunity in Python.
registry.category("web_tour.tours").add("insurance_needs_analysis_tour", {
    url: "/odoo/action-insurance_account_manager.res_partner_action_insurance_client",
    steps: () => [
        {
            trigger: ".o_view_controller.o_list_view .o_data_row .o_data_cell:contains('Harbin Boiler Works')",
            content: "open the client",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=insurance_gap_ids]:visible))",
            content: "no needs analysis yet: no coverage gap",
        },
        {
            trigger: ".o_form_view button[name=action_new_needs_analysis]",
            content: "record a needs analysis",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value('Harbin Boiler Works')",
            content: "the analysis is of the client",
        },
        {
            trigger: ".o_field_widget[name=answer_ids] .o_data_row:contains('Liabilities'):contains('sell products') .o_data_cell[name=value_bool]",
            content: "the Liabilities segment: does the client sell products or receive the public?",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=answer_ids] .o_data_row.o_selected_row:contains('sell products') .o_field_widget[name=value_bool] input",
            content: "yes",
            run: "check",
        },
        {
            trigger: ".o_field_widget[name=answer_ids] .o_data_row:contains('Fleet'):contains('Number of vehicles') .o_data_cell[name=quantity]",
            content: "the Fleet segment: the number of vehicles",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=answer_ids] .o_data_row.o_selected_row:contains('Number of vehicles') .o_field_widget[name=quantity] input",
            content: "12 (motor, which the client holds with us)",
            run: "edit 12",
        },
        {
            trigger: ".o_form_view .o_form_button_save",
            content: "save the analysis",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved .o_field_widget[name=user_id]:contains('Li Wei')",
            content: "saved, analysed by the manager",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=answer_ids] .o_data_row:contains('sell products') .o_data_cell[name=value_bool] input:checked",
            content: "the answer is kept",
        },
        {
            trigger: ".o_control_panel .o_breadcrumb .breadcrumb-item a:contains('Harbin Boiler Works')",
            content: "back to the client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_gap_ids]:not(:has(.o_data_row:contains('Motor'))) .o_data_row:contains('Liability'):contains('Not Held')",
            content: "the coverage gap: liability, not held (motor is held)",
            run() {
                this.anchor.scrollIntoView({ block: "center" });
                return screenshot("gap");
            },
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_gap_ids] .o_data_row:contains('Liability') button[name=action_create_opportunity]",
            content: "turn the gap into an opportunity",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=partner_id] input:value('Harbin Boiler Works')",
            content: "an opportunity for the client",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_line_id] input:value('Liability')",
            content: "for liability",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=user_id] input:value('Li Wei')",
            content: "owned by the manager",
        },
        {
            trigger: ".o_control_panel .o_breadcrumb .breadcrumb-item a:contains('Harbin Boiler Works')",
            content: "back to the client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_gap_ids] .o_data_row:contains('Liability'):not(:has(button[name=action_create_opportunity])) .o_data_cell[name=lead_id]:contains('Liability for Harbin Boiler Works')",
            content: "the gap now shows its opportunity",
            run() {
                this.anchor.scrollIntoView({ block: "center" });
                return screenshot("end");
            },
        },
    ],
});
