from . import insurance_competitor_report
from . import insurance_report_book
from . import insurance_report_service
from . import insurance_report_claim
from . import insurance_report_renewal
from . import insurance_report_load
from . import insurance_report_candidate
