"""The pure duplicate keys (no database)."""

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import duplicates


@tagged("post_install", "-at_install", "insurance")
class TestToolsDuplicates(BaseCase):
    def test_name_ignores_case_spaces_punctuation_and_legal_form(self):
        key = duplicates.name_key("Harbin Boiler Works")
        self.assertEqual(key, "harbinboilerworks")
        for spelling in (
            "HARBIN BOILER WORKS Co., Ltd.",
            "harbin  boiler-works limited",
            "Harbin Boiler Works Co Ltd",
            "Ｈａｒｂｉｎ Ｂｏｉｌｅｒ Ｗｏｒｋｓ",  # full-width
            "Harbin Boiler Works, Inc.",
        ):
            with self.subTest(spelling=spelling):
                self.assertEqual(duplicates.name_key(spelling), key)
        self.assertNotEqual(duplicates.name_key("Harbin Boiler Plant"), key)
        # a legal form alone, or inside the name, is kept
        self.assertEqual(duplicates.name_key("Limited"), "limited")
        self.assertEqual(duplicates.name_key("Co-op Ltd Bank"), "coopltdbank")
        self.assertIsNone(duplicates.name_key(""))
        self.assertIsNone(duplicates.name_key(None))
        self.assertIsNone(duplicates.name_key("A."))

    def test_chinese_legal_forms(self):
        key = duplicates.name_key("哈尔滨锅炉厂")
        for spelling in (
            "哈尔滨锅炉厂有限公司",
            "哈尔滨锅炉厂有限责任公司",
            "哈尔滨锅炉厂股份有限公司",
            "哈尔滨锅炉厂 有限公司",
            "哈尔滨锅炉厂（有限公司）",
        ):
            with self.subTest(spelling=spelling):
                self.assertEqual(duplicates.name_key(spelling), key)
        self.assertTrue(duplicates.name_key("有限公司"))
        self.assertNotEqual(duplicates.name_key("哈尔滨锅炉二厂"), key)

    def test_codes_emails_and_phones(self):
        self.assertEqual(duplicates.code_key("cn 9123-0100.ma1234"), "CN91230100MA1234")
        self.assertIsNone(duplicates.code_key(" - "))
        self.assertEqual(duplicates.email_key("  Info@Boiler.CN "), "info@boiler.cn")
        self.assertIsNone(duplicates.email_key("not an address"))
        key = duplicates.phone_key("+86 451 8765 4321")
        self.assertEqual(key, "187654321")
        for spelling in ("0451-87654321", "(0451) 8765 4321", "0086 451 87654321"):
            with self.subTest(spelling=spelling):
                self.assertEqual(duplicates.phone_key(spelling), key)
        self.assertNotEqual(duplicates.phone_key("0451-87654322"), key)
        self.assertIsNone(duplicates.phone_key("12-34"))

    def test_client_keys_fall_back_to_the_registry(self):
        keys = duplicates.client_keys(
            name="Harbin Boiler Works Co., Ltd.",
            company_registry="91230100 MA1234",
            email="INFO@boiler.cn",
            phone="0451-87654321",
        )
        self.assertEqual(
            keys,
            {
                "name": "harbinboilerworks",
                "vat": "91230100MA1234",
                "email": "info@boiler.cn",
                "phone": "187654321",
            },
        )
        self.assertEqual(duplicates.client_keys(vat="CN1", company_registry="X")["vat"], "CN1")
        long_key = duplicates.client_keys(name="x" * 8000)["name"]
        self.assertEqual(len(long_key), duplicates.MAX_KEY_LENGTH)
        self.assertEqual(
            duplicates.client_keys(),
            {"name": None, "vat": None, "email": None, "phone": None},
        )
