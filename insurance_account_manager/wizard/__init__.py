from . import base_partner_merge_automatic_wizard
from . import insurance_client_reassign_line
from . import insurance_client_reassign
from . import insurance_service_request_lost
from . import insurance_service_request_won
from . import insurance_service_request_lost_competitor
from . import crm_lead_lost
from . import insurance_scorecard_compute
