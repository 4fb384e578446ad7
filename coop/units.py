"""Units shared by every app: weights, money, currencies, and the CPF check.

Weights are Decimal kilograms with 3 places; money is Decimal with 2 places beside an
ISO 4217 code. Amounts are built from strings or ints, never floats, and rounded once,
at a named boundary, with ROUND_HALF_UP.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHT_DIGITS, WEIGHT_PLACES = 12, 3  # up to 999,999,999.999 kg
MONEY_DIGITS, MONEY_PLACES = 14, 2
RATE_DIGITS, RATE_PLACES = 16, 6  # exchange rates and per-kg prices that need precision

KG = Decimal("0.001")
CENT = Decimal("0.01")

# ISO 4217 active codes (2025), without funds and precious-metal codes.
ISO_4217 = sorted(
    """AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
    KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU
    MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
    RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND
    TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW
    ZWG""".split()
)
CURRENCY_CHOICES = [(code, code) for code in ISO_4217]


def quantize_kg(value: Decimal) -> Decimal:
    return Decimal(value).quantize(KG, rounding=ROUND_HALF_UP)


def quantize_money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def validate_cpf(value: str) -> None:
    """Brazilian CPF: 11 digits whose last two are check digits (mod 11)."""
    if not value:
        return
    if not value.isascii() or not value.isdigit() or len(value) != 11 or len(set(value)) == 1:
        raise ValidationError(_("A CPF has 11 digits, not all the same."), code="invalid_cpf")
    digits = [int(c) for c in value]
    for position in (9, 10):
        total = sum(d * w for d, w in zip(digits[:position], range(position + 1, 1, -1), strict=True))
        check = (total * 10) % 11 % 10
        if digits[position] != check:
            raise ValidationError(_("This CPF's check digits are wrong."), code="invalid_cpf")
