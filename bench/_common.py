"""What the benchmarks share: their command line and the Odoo registry."""

import argparse


def open_registry(doc, default_sizes):
    """Parse ``--sizes`` (the rest goes to Odoo's own options) and load the
    registry of the database named with ``-d``. Returns ``(registry, sizes)``."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--sizes", default=default_sizes, help="client counts, comma-separated")
    args, odoo_args = parser.parse_known_args()

    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    registry = Registry(odoo.tools.config["db_name"])
    return registry, [int(size) for size in args.sizes.split(",")]
