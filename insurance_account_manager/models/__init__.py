from . import insurance_line
from . import insurance_claim_stage
from . import insurance_policy
from . import insurance_claim
from . import res_partner
