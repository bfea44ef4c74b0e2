"""Benchmark: assigning account managers at insurer scale.

Measures how long the assignment rules take per 1,000 clients for books of
increasing size, against a baseline measured in the same process on the same
data: a plain ``search_read`` of the clients' fields the assignment needs. The
printed ratios (assignment time / baseline time) are what to compare between
versions; absolute seconds depend on the machine. Nothing is committed: every
run works in one transaction that is rolled back.

Run it against a database where the addon is installed (e.g. the one
scripts/test.sh builds):

    PYTHONPATH=$ODOO_PATH python bench/bench_assignment.py -d iam_test \
        --addons-path=$ODOO_PATH/odoo/addons,. --db_user=odoo [--sizes 1000,5000]
"""

import random
import sys
import time

from _common import open_registry

MANAGERS = 200  # DESIGN.md: a mid-size insurer has about 200 account managers


def main():
    registry, sizes = open_registry(__doc__, "1000,5000")
    from odoo import SUPERUSER_ID, Command, api

    rng = random.Random(20261125)
    print(f"{'clients':>8} {'assign s':>9} {'baseline s':>11} {'ratio':>7} {'ms/client':>10}")
    for size in sizes:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            tiers = env["insurance.client.tier"].search([])
            lines = env["insurance.line"].search([])
            group = env.ref("insurance_account_manager.insurance_group_account_manager")
            managers = env["res.users"].create(
                [
                    {
                        "name": f"Bench Manager {n}",
                        "login": f"bench_manager_{n}_{size}",
                        "is_account_manager": True,
                        "insurance_capacity": size,  # room for everyone: measure the work
                        "groups_id": [Command.link(group.id)],
                    }
                    for n in range(MANAGERS)
                ]
            )
            env["insurance.qualification"].create(
                [
                    {
                        "user_id": user.id,
                        "licence_number": f"B-{user.id}",
                        "line_ids": [Command.set(lines.ids)],
                    }
                    for user in managers
                ]
            )
            env["insurance.assignment.rule"].create(
                [
                    {
                        "name": f"Bench {tier.name}",
                        "sequence": -1,
                        "tier_ids": [Command.set(tier.ids)],
                        "user_ids": [Command.set(managers.ids)],
                        "strategy": "least_loaded" if i % 2 == 0 else "round_robin",
                    }
                    for i, tier in enumerate(tiers)
                ]
            )
            clients = env["res.partner"].create(
                [
                    {
                        "name": f"Bench Client {n}",
                        "is_insurance_client": True,
                        "insurance_tier_id": rng.choice(tiers.ids),
                    }
                    for n in range(size)
                ]
            )
            env.flush_all()
            env.invalidate_all()
            start = time.perf_counter()
            env["res.partner"].search_read(
                [("id", "in", clients.ids)],
                ["name", "insurance_tier_id", "country_id", "state_id", "lang", "company_id"],
            )
            baseline = time.perf_counter() - start
            env.invalidate_all()
            start = time.perf_counter()
            assigned = clients._assign_account_managers()
            env.flush_all()
            elapsed = time.perf_counter() - start
            assert assigned == size, f"only {assigned} of {size} clients assigned"
            print(
                f"{size:>8} {elapsed:>9.3f} {baseline:>11.3f} {elapsed / baseline:>7.1f}"
                f" {1000 * elapsed / size:>10.3f}"
            )
            cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
