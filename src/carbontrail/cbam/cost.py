"""CBAM certificate cost estimate: obligation emissions × (1 − free-allocation adjustment share) × certificate price
− carbon price effectively paid in the country of origin (Reg. (EU) 2023/956 Art. 9, 21, 22, 31)."""

from __future__ import annotations

from dataclasses import dataclass

import pint

from carbontrail.cbam.defaults import CBAM_FACTOR_SOURCE, cbam_factor
from carbontrail.cbam.emissions import ProcessResult
from carbontrail.cbam.model import Installation
from carbontrail.errors import InputError, Location
from carbontrail.units import convert, quantity


@dataclass(frozen=True)
class CostEstimate:
    """The certificates and the euros an importer can expect for a quantity of goods in a year."""

    year: int
    obligation_emissions: pint.Quantity  # t CO2e
    free_allocation_share: float
    certificates: pint.Quantity  # t CO2e (= certificates to surrender, before the Art. 9 reduction)
    certificate_price: pint.Quantity  # EUR / t
    gross_cost: pint.Quantity  # EUR
    carbon_price_deduction: pint.Quantity  # EUR
    net_cost: pint.Quantity  # EUR
    basis: str


def free_allocation_share(see_obligation: pint.Quantity, benchmark: pint.Quantity, year: int,
                          cross_sectoral_correction: float = 1.0) -> float:
    """The share of obligation emissions offset by the free-allocation adjustment: benchmark × CBAM factor × CSCF /
    SEE, at most 1 (benchmarks: Implementing Reg. (EU) 2025/2620; CBAM factor: see `defaults.CBAM_FACTOR`)."""
    see = convert(see_obligation, "t/t", location=Location(field="see"))
    bench = convert(benchmark, "t/t", location=Location(field="benchmark"))
    if see.magnitude <= 0:
        return 0.0
    if not 0.0 <= cross_sectoral_correction <= 1.0:
        raise InputError(f"cross-sectoral correction factor {cross_sectoral_correction} is outside 0–1",
                         location=Location(field="cross_sectoral_correction"), expected="a share between 0 and 1")
    share = float((bench * cbam_factor(year) * cross_sectoral_correction / see).to("dimensionless").magnitude)
    return min(1.0, max(0.0, share))


def estimate_cost(obligation_emissions: pint.Quantity, *, year: int, certificate_price: pint.Quantity,
                  free_allocation_share: float, carbon_price_paid: pint.Quantity | None = None) -> CostEstimate:
    """Net certificate cost in EUR; the carbon price paid abroad reduces it, never below zero (Art. 9)."""
    if not 0.0 <= free_allocation_share <= 1.0:
        raise InputError(f"free-allocation share {free_allocation_share} is outside 0–1",
                         location=Location(field="free_allocation_share"), expected="a share between 0 and 1")
    cbam_factor(year)  # refuses years without certificates
    emissions = convert(obligation_emissions, "t", location=Location(field="obligation_emissions"))
    price = convert(certificate_price, "EUR/t", location=Location(field="certificate_price"))
    if price.magnitude < 0 or emissions.magnitude < 0:
        raise InputError("the certificate price and the emissions cannot be negative",
                         location=Location(field="certificate_price"))
    paid = convert(carbon_price_paid, "EUR", location=Location(field="carbon_price_paid")) \
        if carbon_price_paid is not None else quantity(0.0, "EUR")
    certificates = emissions * (1.0 - free_allocation_share)
    gross = convert(certificates * price, "EUR")
    deduction = min(paid, gross) if paid.magnitude > 0 else quantity(0.0, "EUR")
    return CostEstimate(year, emissions, free_allocation_share, certificates, price, gross, deduction,
                        gross - deduction,
                        f"CBAM factor {cbam_factor(year):.1%} ({CBAM_FACTOR_SOURCE}); certificate price given by user")


def carbon_price_per_tonne(installation: Installation, result: ProcessResult,
                           exchange_rates: dict[str, pint.Quantity]) -> pint.Quantity:
    """The carbon price effectively paid per tonne of good of a process, in EUR/t, from the installation's
    `carbon_prices` (price × emissions covered / activity level). `exchange_rates` maps a currency ('CNY') to
    EUR per unit of it (e.g. quantity(0.128, 'EUR/CNY')), which the user must give for every currency used."""
    total = quantity(0.0, "EUR")
    for cp in installation.carbon_prices:
        if cp.process != result.process_id:
            continue
        paid = cp.price.q * cp.emissions_covered.q
        if paid.check("[currency_eur]"):
            total = total + convert(paid, "EUR")
            continue
        currency = next((c for c in exchange_rates if paid.dimensionality == quantity(1, c).dimensionality), None)
        if currency is None:
            raise InputError(f"no exchange rate to EUR for the carbon price of '{cp.instrument}' ({cp.price})",
                             location=Location(field="exchange_rate"), expected="e.g. CNY=0.128 (EUR per CNY)")
        total = total + convert(paid * exchange_rates[currency], "EUR")
    return convert(total / result.activity_level, "EUR/t")
