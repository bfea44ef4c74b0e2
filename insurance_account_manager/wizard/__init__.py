from . import insurance_client_reassign_line
from . import insurance_client_reassign
