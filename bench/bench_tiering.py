"""Benchmark: recomputing client tiers at insurer scale.

Measures how long the tier recompute takes per 1,000 clients for books of
increasing size, against a baseline measured in the same process on the same
data: a plain ``search_read`` of the clients' fields the recompute reads
(annual premium, tier, lock, company). The recompute runs as the scheduled
action does, by batches of ``TIER_BATCH_SIZE`` clients, twice:

- first run: every client gets its first tier (a history row each);
- second run: nothing changes, as on most days;
- third run, after the administrator lowered the key threshold: the clients
  between the old and the new threshold move up to key (history rows, an
  activity each for their managers, who become followers).

The printed ratios (recompute time / baseline time) are what to compare
between versions; absolute seconds depend on the machine. There are no
pass/fail thresholds. Nothing is committed: each size works in one
transaction that is rolled back.

Each client holds 1 to 4 policies (about one in four of them expired in the
last year, renewed by an active one), one client in ten has a paid claim; the
book uses the tier rules of the database plus three bench rules (one with a
client filter), archived demo rules included or not.

Run it against a database where the addon is installed (e.g. the one
scripts/test.sh builds, or a scratch one):

    PYTHONPATH=$ODOO_PATH python bench/bench_tiering.py -d iam_test \\
        --addons-path=$ODOO_PATH/odoo/addons,. --db_user=odoo [--sizes 2000,20000]
"""

import random
import sys
import time
from datetime import date, timedelta

from _common import open_registry

MANAGERS = 200  # DESIGN.md: a mid-size insurer has about 200 account managers


def build_book(env, size, rng):
    """``size`` clients with policies and claims; returns the clients."""
    from odoo import Command

    today = date.today()
    tiers = {tier.code: tier for tier in env["insurance.client.tier"].search([])}
    lines = env["insurance.line"].search([])
    group = env.ref("insurance_account_manager.insurance_group_account_manager")
    managers = env["res.users"].create(
        [
            {
                "name": f"Bench Manager {n}",
                "login": f"bench_tier_manager_{n}_{size}",
                "groups_id": [Command.link(group.id)],
            }
            for n in range(MANAGERS)
        ]
    )
    rules = env["insurance.tier.rule"]
    rules.create(
        [
            {
                "name": "Bench key",
                "sequence": -3,
                "tier_id": tiers["key"].id,
                "min_premium": 200000,
            },
            {
                "name": "Bench key broad",
                "sequence": -2,
                "tier_id": tiers["key"].id,
                "min_policies": 3,
                "loss_ratio_limited": True,
                "max_loss_ratio": 70,
                "partner_domain": "[('is_company', '=', True)]",
            },
            {
                "name": "Bench general",
                "sequence": -1,
                "tier_id": tiers["general"].id,
                "min_premium": 20000,
            },
        ]
    )
    insurer = env["res.partner"].create({"name": "Bench Insurer", "is_company": True})
    clients = env["res.partner"].create(
        [
            {
                "name": f"Bench Tier Client {n}",
                "is_company": n % 3 != 0,
                "is_insurance_client": True,
                "account_manager_id": managers[n % MANAGERS].id,
            }
            for n in range(size)
        ]
    )
    policy_vals = []
    for client in clients:
        for index in range(rng.randint(1, 4)):
            premium = rng.choice([2000, 8000, 30000, 90000, 250000])
            start = today - timedelta(days=rng.randint(0, 364))
            if rng.random() < 0.25:  # an expired term renewed by this one
                policy_vals.append(
                    {
                        "name": f"BT-{client.id}-{index}-old",
                        "partner_id": client.id,
                        "insurer_id": insurer.id,
                        "line_id": rng.choice(lines.ids),
                        "premium": premium,
                        "sum_insured": 100 * premium,
                        "date_start": start - timedelta(days=365),
                        "date_end": start - timedelta(days=1),
                        "state": "expired",
                    }
                )
            policy_vals.append(
                {
                    "name": f"BT-{client.id}-{index}",
                    "partner_id": client.id,
                    "insurer_id": insurer.id,
                    "line_id": rng.choice(lines.ids),
                    "premium": premium,
                    "sum_insured": 100 * premium,
                    "date_start": start,
                    "date_end": start + timedelta(days=364),
                    "state": "active",
                }
            )
    policies = env["insurance.policy"].create(policy_vals)
    active = policies.filtered(lambda p: p.state == "active")
    env["insurance.claim"].create(
        [
            {
                "policy_id": policy.id,
                "date_loss": policy.date_start,
                "date_reported": policy.date_start,
                "amount_claimed": policy.premium,
                "amount_paid": policy.premium * rng.choice([0.2, 0.6, 1.5]),
            }
            for policy in active[:: max(1, len(active) // (size // 10 or 1))]
        ]
    )
    env.flush_all()
    return clients


def recompute(env, clients, batch_size):
    """Recompute ``clients`` by batches as the scheduled action does; returns
    (seconds, clients whose tier changed)."""
    from odoo.tools import split_every

    Partner = env["res.partner"]
    changed = 0
    start = time.perf_counter()
    for ids in split_every(batch_size, clients.ids):
        changed += len(Partner.browse(ids)._recompute_insurance_tiers())
        env.flush_all()
        env.invalidate_all()  # as a new transaction per batch would
    return time.perf_counter() - start, changed


def main():
    registry, sizes = open_registry(__doc__, "2000,20000")
    from odoo import SUPERUSER_ID, api

    from odoo.addons.insurance_account_manager.models import res_partner_tiering

    batch_size = res_partner_tiering.TIER_BATCH_SIZE
    print(f"batches of {batch_size} clients")
    print(f"{'clients':>8} {'run':>22} {'seconds':>8} {'ratio':>6} {'ms/1000':>8} {'changed':>8}")
    for size in sizes:
        rng = random.Random(20261125)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            clients = build_book(env, size, rng)
            env.invalidate_all()
            start = time.perf_counter()
            env["res.partner"].search_read(
                [("id", "in", clients.ids)],
                [
                    "name",
                    "annual_premium",
                    "insurance_tier_id",
                    "insurance_tier_locked",
                    "company_id",
                ],
            )
            baseline = time.perf_counter() - start
            print(f"{size:>8} {'baseline search_read':>22} {baseline:>8.3f}")
            for label in ("first tiers", "nothing changes", "key threshold lowered"):
                if label == "key threshold lowered":
                    env["insurance.tier.rule"].search(
                        [("name", "=", "Bench key")]
                    ).min_premium = 90000
                env["res.partner"].browse(clients.ids).write({"insurance_tier_checked_on": False})
                env.flush_all()
                env.invalidate_all()
                seconds, changed = recompute(env, clients, batch_size)
                print(
                    f"{size:>8} {label:>22} {seconds:>8.3f} {seconds / baseline:>6.1f}"
                    f" {1000 * 1000 * seconds / size:>8.0f} {changed:>8}"
                )
            cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
