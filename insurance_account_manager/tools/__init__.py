# Pure decision logic: plain Python, no database access, no Odoo import.
