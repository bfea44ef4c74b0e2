/** @odoo-module **/

import { registry } from "@web/core/registry";

// An account manager who works in Chinese (zh_CN) opens a client and its
// policies: labels, tabs, tiers and breadcrumbs are in the article's own
// vocabulary. Data: tests/common.py (InsuranceCommon); tests/test_ui.py
// (TestUiChinese) installs zh_CN and the addon's translations.
registry.category("web_tour.tours").add("insurance_zh_cn_tour", {
    url: "/odoo/action-insurance_account_manager.res_partner_action_insurance_client",
    steps: () => [
        {
            trigger: ".o_control_panel .o_last_breadcrumb_item:contains('客户')",
            content: "the Clients menu is 客户",
        },
        {
            trigger: ".o_list_view thead th[data-name=account_manager_id]:contains('客户经理')",
            content: "the account-manager column is 客户经理",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Harbin Boiler Works')",
            content: "open the client",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_notebook .nav-link:contains('保险')",
            content: "open the 保险 (insurance) tab",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_label:contains('备岗客户经理')",
            content: "the backup manager is 备岗客户经理",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=insurance_tier_id]:contains('重点客户')",
            content: "the client is a key client, 重点客户",
        },
        {
            trigger: ".o_form_view button[name=action_view_insurance_policies]:contains('保单')",
            content: "open the client's policies (保单)",
            run: "click",
        },
        {
            trigger: ".o_list_view thead th[data-name=premium]:contains('年保费')",
            content: "the annual premium column is 年保费",
        },
        {
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]:contains('T-MOTOR-1')",
            content: "the motor policy is listed",
        },
    ],
});
