from datetime import date

from odoo import _, api, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date, formatLang

from ..tools import validation

# The fields the mixin checks: those this addon declares, of these types, that
# users type (not read-only), with this limit unless the model sets another in
# _insurance_input_limits.
MODULE = "insurance_account_manager"
DEFAULT_LIMITS = {
    "monetary": validation.AMOUNT,
    "float": validation.NUMBER,
    "integer": validation.INTEGER,
    "char": validation.NAME,
    "date": validation.DATE,
    "datetime": validation.DATE,
}
NUMBER_TYPES = ("monetary", "float", "integer")


class InsuranceInputMixin(models.AbstractModel):
    """Bounds on what users type (see :mod:`..tools.validation`): every number,
    one-line text and date field the addon declares on the model, except the
    read-only ones (which the server sets), is checked

    - in ``create`` (with the defaults, before any compute) and ``write``,
      before the values reach the ORM's conversions and the database, which
      would fail with a raw ``ValueError``, ``OverflowError`` or
      ``ProgramLimitExceeded``;
    - and, for text and dates, by a constraint on the stored values, which
      also sees the values the server computed from them (e.g. a policy's end
      date). Numbers are only checked before the ORM rounds them: rounded to
      the currency, a large amount can move by a unit (Odoo's float rounding
      is exact to the cent up to some 4e12 only), which is no user's input.

    Either refuses with a ValidationError naming the field and the record. A
    model sets the limit of a field in ``_insurance_input_limits`` (a limit of
    :mod:`..tools.validation`, or None to leave the field unchecked), fields of
    other modules included; the dictionaries of all its classes are merged.
    """

    _name = "insurance.input.mixin"
    _description = "Bounded User Input"

    # {field name: limit (tools/validation.py) or None}: overrides the limit of
    # the field's type (DEFAULT_LIMITS); each class of a model (a file that
    # inherits it, a parent mixin) lists the fields it declares
    _insurance_input_limits = {}

    @api.model
    @tools.ormcache()
    def _insurance_input_fields(self):
        """{field name: limit} of the checked fields of this model."""
        limits = {
            name: DEFAULT_LIMITS[field.type]
            for name, field in self._fields.items()
            if field._module == MODULE and field.type in DEFAULT_LIMITS and not field.readonly
        }
        # the limits set by every class of the model, the last one winning
        for cls in reversed(type(self).__mro__):
            limits.update(cls.__dict__.get("_insurance_input_limits", {}))
        return {name: limit for name, limit in limits.items() if limit is not None}

    def _insurance_input_limits_for(self, vals):
        """{field name: limit} for writing ``vals`` on ``self`` (a model may
        check more fields for some records)."""
        return self._insurance_input_fields()

    def _insurance_input_constrained_fields(self):
        """The checked text and date fields that are stored."""
        return [
            name
            for name in self._insurance_input_fields()
            if self._fields[name].store and self._fields[name].type not in NUMBER_TYPES
        ]

    # ------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------

    @api.constrains(lambda self: self._insurance_input_constrained_fields())
    def _check_insurance_input(self):
        limits = self._insurance_input_fields()
        names = self._insurance_input_constrained_fields()
        # the checked fields may be restricted to some groups: the writer could
        # write them, the check reads them as it is
        for record in self.sudo():
            for name in names:
                user_record = record.with_env(self.env)
                record._insurance_check_value(name, record[name], limits[name], user_record)

    def _add_missing_default_values(self, values):
        # create: the values given and the defaults (the context's included),
        # before the precomputed fields are computed from them
        values = super()._add_missing_default_values(values)
        limits = self._insurance_input_limits_for(values)
        for name, value in values.items():
            if name in limits:
                self._insurance_check_value(name, value, limits[name], self.browse(), values)
        return values

    def write(self, vals):
        limits = self._insurance_input_limits_for(vals)
        for name, value in vals.items():
            if name in limits:
                self._insurance_check_value(name, value, limits[name], self)
        return super().write(vals)

    def _insurance_check_value(self, name, value, limit, records, vals=None):
        """Raise a ValidationError naming the field ``name`` and ``records``
        (empty on create: then ``vals`` are the new record's values) when
        ``value`` breaks ``limit``. Values the ORM itself refuses (a text in a
        number field, ...) are left to it."""
        field = self._fields[name]
        if value is None or value is False or isinstance(value, bool):
            return
        if field.type in NUMBER_TYPES:
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    return
            if not isinstance(value, int | float):
                return
        elif field.type == "char":
            if not isinstance(value, str):
                return
        elif field.type in ("date", "datetime") and not isinstance(value, date):
            convert = field.to_datetime if field.type == "datetime" else field.to_date
            try:
                value = convert(value)
            except (TypeError, ValueError):
                value = None
        problem = validation.check(value, limit)
        if problem:
            raise ValidationError(
                self._insurance_input_message(field, value, problem, records, vals or {})
            )

    def _insurance_input_message(self, field, value, problem, records, vals):
        env = self.env
        if records:
            record = ", ".join(records[:3].mapped("display_name")) + (
                validation.ELLIPSIS if len(records) > 3 else ""
            )
            record = _("%(model)s %(record)s", model=self._description, record=record)
        else:
            name = vals.get(self._rec_name)
            if isinstance(name, str) and name and len(name) <= validation.MAX_NAME_LENGTH:
                record = _("%(model)s %(record)s", model=self._description, record=name)
            else:
                record = _("New %(model)s", model=self._description)
        label = field._description_string(env)
        kind = problem.kind
        if kind == validation.NOT_FINITE:
            return _(
                "%(record)s: %(field)s must be a finite number, not %(value)s.",
                record=record,
                field=label,
                value=value,
            )
        if kind == validation.TOO_SMALL and problem.limit == 0:
            return _("%(record)s: %(field)s cannot be negative.", record=record, field=label)
        if kind == validation.TOO_SMALL:
            return _(
                "%(record)s: %(field)s cannot be below %(min)s.",
                record=record,
                field=label,
                min=self._insurance_format_number(problem.limit),
            )
        if kind == validation.TOO_LARGE:
            return _(
                "%(record)s: %(field)s cannot be above %(max)s.",
                record=record,
                field=label,
                max=self._insurance_format_number(problem.limit),
            )
        if kind == validation.TOO_LONG:
            return _(
                "%(record)s: %(field)s is %(length)s characters long; shorten it to "
                "%(max)s characters at most.",
                record=record,
                field=label,
                length=len(value),
                max=problem.limit,
            )
        return _(
            "%(record)s: %(field)s must be a date from %(min)s to %(max)s.",
            record=record,
            field=label,
            min=format_date(env, problem.limit.low),
            max=format_date(env, problem.limit.high),
        )

    def _insurance_format_number(self, number):
        digits = 0 if float(number).is_integer() else 2
        return formatLang(self.env, number, digits=digits)
