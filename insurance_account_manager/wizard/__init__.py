from . import base_partner_merge_automatic_wizard
from . import insurance_client_reassign_line
from . import insurance_client_reassign
from . import insurance_service_request_lost
