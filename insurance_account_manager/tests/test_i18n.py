"""The translation files follow the module's terms.

The terms are exported from the running database exactly as Odoo builds a
module's template (``odoo-bin --i18n-export`` / Settings > Translations >
Export: ``odoo.tools.translate.trans_export`` with no language, which reads
the module's records through ``TranslationModuleReader`` and its Python,
JavaScript and QWeb sources through Babel). Then:

* ``i18n/zh_CN.po`` must translate every exported term (no missing entry, no
  empty msgstr) and hold no term that is no longer exported (no stale entry);
* its translations must keep the placeholders of their source;
* the committed template ``i18n/insurance_account_manager.pot`` must hold the
  same msgids as the export (no stale template).

Only this module's terms are compared: the export is restricted to the module,
and entries of other modules are left out.

Note: the sources of this module are scanned too, tests included, so a test
must not wrap its strings in ``_()`` / ``_lt()``.
"""

import io
import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import trans_export

MODULE = "insurance_account_manager"
TEMPLATE = f"{MODULE}/i18n/{MODULE}.pot"
LANGUAGES = ("zh_CN",)
SHOW = 20  # offenders listed in a failure message

# %(name)s, %s, %d... and {name} placeholders; "%%" is a literal percent sign
PLACEHOLDER = re.compile(r"%\([^)]+\)[a-zA-Z]|%[a-zA-Z]|\{[^{}]*\}")
MODULE_COMMENT = re.compile(r"^modules?: (.+)$", re.MULTILINE)


def _module_entries(po):
    """Entries of ``po`` that belong to this module (obsolete ones left out)."""
    entries = {}
    for entry in po:
        if entry.obsolete:
            continue
        match = MODULE_COMMENT.search(entry.comment or "")
        modules = {m.strip() for m in match.group(1).split(",")} if match else {MODULE}
        if MODULE in modules:
            entries[entry.msgid] = entry
    return entries


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def _listing(title, msgids):
    """A block of the failure message: a count, then the first offenders."""
    msgids = sorted(msgids)
    lines = [f"{len(msgids)} {title}" + (f" (first {SHOW}):" if len(msgids) > SHOW else ":")]
    lines += [f"  - {msgid!r}" for msgid in msgids[:SHOW]]
    return "\n".join(lines)


@tagged("post_install", "-at_install", "insurance")
class TestI18n(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        buffer = io.BytesIO()
        # lang=None: a template, as Odoo writes the module's .pot
        trans_export(None, [MODULE], buffer, "po", cls.env.cr)
        cls.exported = set(_module_entries(polib.pofile(buffer.getvalue().decode())))

    def test_export_has_terms(self):
        # guards the comparisons below against an export that found nothing
        self.assertIn("Account Manager", self.exported)
        self.assertGreater(len(self.exported), 100)

    def test_template_is_up_to_date(self):
        committed = set(_module_entries(polib.pofile(file_path(TEMPLATE))))
        missing = self.exported - committed
        stale = committed - self.exported
        if missing or stale:
            blocks = [
                f"{TEMPLATE} is stale: it does not hold the terms the module exports. "
                f"Regenerate it (odoo-bin -d <db> --i18n-export={TEMPLATE} "
                f"--modules={MODULE}), then update the .po files from it."
            ]
            if missing:
                blocks.append(_listing("msgid(s) exported but not in the template", missing))
            if stale:
                blocks.append(_listing("msgid(s) in the template but no longer exported", stale))
            self.fail("\n".join(blocks))

    def test_translations_are_complete(self):
        for lang in LANGUAGES:
            path = f"{MODULE}/i18n/{lang}.po"
            with self.subTest(lang=lang):
                entries = _module_entries(polib.pofile(file_path(path)))
                missing = {
                    msgid
                    for msgid in self.exported
                    if msgid not in entries
                    or not entries[msgid].msgstr.strip()
                    or "fuzzy" in entries[msgid].flags
                }
                stale = set(entries) - self.exported
                if missing or stale:
                    blocks = [f"{path} does not follow the module's terms."]
                    if missing:
                        blocks.append(
                            _listing("missing entry(ies) (absent, empty or fuzzy msgstr)", missing)
                        )
                    if stale:
                        blocks.append(
                            _listing("stale entry(ies) (msgid no longer exported)", stale)
                        )
                    self.fail("\n".join(blocks))

    def test_translations_keep_placeholders(self):
        for lang in LANGUAGES:
            path = f"{MODULE}/i18n/{lang}.po"
            with self.subTest(lang=lang):
                broken = [
                    msgid
                    for msgid, entry in _module_entries(polib.pofile(file_path(path))).items()
                    if entry.msgstr and _placeholders(msgid) != _placeholders(entry.msgstr)
                ]
                if broken:
                    self.fail(
                        f"{path}: translations that do not keep the placeholders of their msgid.\n"
                        + _listing("entry(ies)", broken)
                    )
