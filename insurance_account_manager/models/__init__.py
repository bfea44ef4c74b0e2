from . import insurance_input_mixin
from . import insurance_client_rule_mixin
from . import insurance_line
from . import insurance_client_tier
from . import insurance_client_tier_needs
from . import insurance_tier_rule
from . import insurance_tier_history
from . import insurance_tier_run
from . import insurance_claim_stage
from . import insurance_service_stage
from . import insurance_service_type
from . import insurance_service_sla
from . import insurance_service_lost_reason
from . import insurance_policy
from . import insurance_claim
from . import insurance_qualification
from . import insurance_assignment_rule
from . import insurance_assignment_batch
from . import insurance_manager_assignment
from . import insurance_service_request

# in the order of the fields of the model: SLA, renewal, survey
from . import insurance_service_request_sla
from . import insurance_service_request_renewal
from . import insurance_service_request_survey
from . import insurance_service_request_rating
from . import insurance_service_recommendation
from . import insurance_service_request_competitor
from . import insurance_service_request_complaint
from . import res_partner

# the manager change before the tier lock: the tier lock's override of write
# re-enters write and must run first (see res_partner_tier_lock.ResPartner.write)
from . import res_partner_manager_change
from . import res_partner_manager_check
from . import res_partner_manager_follower
from . import res_partner_assignment
from . import res_partner_tiering
from . import res_partner_tier_lock
from . import res_partner_tier_history
from . import res_partner_crm
from . import crm_lead
from . import crm_team
from . import insurance_needs_question
from . import insurance_needs_analysis
from . import insurance_needs_answer
from . import insurance_needs_competitor
from . import insurance_opportunity_source_mixin
from . import insurance_coverage_gap
from . import insurance_competitor_target
from . import res_partner_needs
from . import res_partner_retention
from . import res_partner_competitor
from . import insurance_competitor_price
from . import crm_lead_competitor

# outermost create and write of res.partner: the duplicate check runs before
# the assignment (nothing is locked for a refused client)
from . import res_partner_duplicate
from . import res_partner_licence
from . import res_users
from . import res_users_eligibility
from . import res_config_settings
from . import res_config_settings_needs
from . import res_config_settings_retention
from . import insurance_scorecard
from . import insurance_scorecard_kpi
from . import res_config_settings_scorecard
from . import ir_rule
