"""The pure input bounds (no database)."""

from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import validation


@tagged("post_install", "-at_install", "insurance")
class TestToolsValidation(BaseCase):
    def test_numbers(self):
        amount = validation.AMOUNT
        self.assertIsNone(validation.check_number(0, amount))
        self.assertIsNone(validation.check_number(12500.5, amount))
        self.assertIsNone(validation.check_number(validation.MAX_AMOUNT, amount))
        for value in (float("nan"), float("inf"), float("-inf")):
            with self.subTest(value=value):
                self.assertEqual(
                    validation.check_number(value, amount), validation.Problem("not_finite", amount)
                )
        self.assertEqual(
            validation.check_number(1e300, amount),
            validation.Problem(validation.TOO_LARGE, validation.MAX_AMOUNT),
        )
        self.assertEqual(validation.check_number(1e308, amount).kind, validation.TOO_LARGE)
        self.assertEqual(
            validation.check_number(-0.01, amount), validation.Problem(validation.TOO_SMALL, 0.0)
        )
        self.assertTrue(validation.is_finite_amount(1e15))
        self.assertFalse(validation.is_finite_amount(float("nan")))
        self.assertFalse(validation.is_finite_amount(1e15 + 1e3))

    def test_integers(self):
        self.assertIsNone(validation.check_number(validation.INT4_MAX, validation.INTEGER))
        self.assertIsNone(validation.check_number(validation.INT4_MIN, validation.INTEGER))
        self.assertEqual(
            validation.check_number(2**31, validation.INTEGER).kind, validation.TOO_LARGE
        )
        self.assertEqual(
            validation.check_number(-(2**31) - 1, validation.INTEGER).kind, validation.TOO_SMALL
        )
        days = validation.HANDOVER_DAYS
        self.assertIsNone(validation.check_number(0, days))
        self.assertIsNone(validation.check_number(365, days))
        self.assertEqual(
            validation.check_number(2**31 - 1, days), validation.Problem("too_large", 365)
        )
        self.assertEqual(validation.check_number(-1, days).kind, validation.TOO_SMALL)
        # a float in an integer field: NaN is not finite, 1e300 too large
        self.assertEqual(validation.check_number(float("nan"), days).kind, validation.NOT_FINITE)
        self.assertEqual(validation.check_number(1e300, validation.COUNT).kind, "too_large")

    def test_text(self):
        name = validation.NAME
        self.assertIsNone(validation.check_text("", name))
        self.assertIsNone(validation.check_text("x" * 256, name))
        self.assertEqual(
            validation.check_text("x" * 257, name), validation.Problem("too_long", 256)
        )
        self.assertEqual(validation.check_text("P" * 65, validation.CODE).limit, 64)
        self.assertIsNone(validation.check_text("保险" * 128, name))  # characters, not bytes

    def test_dates(self):
        window = validation.DATE
        self.assertIsNone(validation.check_date(date(1900, 1, 1), window))
        self.assertIsNone(validation.check_date(date(2199, 12, 31), window))
        self.assertIsNone(validation.check_date(datetime(2026, 3, 10, 23, 59), window))
        for value in (date(1, 1, 1), date(1899, 12, 31), date(2200, 1, 1), date(9999, 12, 31)):
            with self.subTest(value=value):
                self.assertEqual(
                    validation.check_date(value, window),
                    validation.Problem(validation.DATE_OUT_OF_RANGE, window),
                )
        self.assertEqual(
            validation.check_date(datetime(9999, 12, 31, 23, 0), window).kind,
            validation.DATE_OUT_OF_RANGE,
        )
        self.assertEqual(validation.check_date(None, window).kind, validation.NOT_A_DATE)
        self.assertEqual(validation.check_date("2026-01-01", window).kind, validation.NOT_A_DATE)

    def test_check_dispatches_on_the_limit(self):
        self.assertEqual(validation.check(float("inf"), validation.SLA_HOURS).kind, "not_finite")
        self.assertEqual(validation.check(8761, validation.SLA_HOURS).kind, "too_large")
        self.assertEqual(validation.check("x" * 1025, validation.LINE).kind, "too_long")
        self.assertEqual(
            validation.check(date(9999, 1, 1), validation.DATE).kind, "date_out_of_range"
        )
        with self.assertRaises(TypeError):
            validation.check(1, None)

    def test_shorten(self):
        self.assertEqual(validation.shorten("Quote please"), "Quote please")
        self.assertEqual(validation.shorten("x" * 256), "x" * 256)
        cut = validation.shorten("Quote " * 1000)
        self.assertEqual(len(cut), 256)
        self.assertTrue(cut.startswith("Quote Quote"))
        self.assertTrue(cut.endswith(validation.ELLIPSIS))
        self.assertEqual(validation.shorten("abcdef", 4), "abc…")
        self.assertEqual(validation.shorten("ab   cdef", 6), "ab…")  # no space before the ellipsis

    def test_normalize_policy_number(self):
        self.assertEqual(validation.normalize_policy_number(" ux-prp-0001 "), "UX-PRP-0001")
        self.assertEqual(validation.normalize_policy_number("UX-PRP-0001"), "UX-PRP-0001")
        self.assertEqual(validation.normalize_policy_number("\tab/r1\n"), "AB/R1")
        self.assertIs(validation.normalize_policy_number(False), False)
