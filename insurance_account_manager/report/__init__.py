from . import insurance_competitor_report
