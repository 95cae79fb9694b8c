"""What an organisation, its sites and their meters are: the fields an import row carries and the pages and the API
show, written once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """An organisation (a tenant) as it describes itself."""

    code: str
    name: str
    name_en: str
    industry: str
    province: str
    city: str
    park: str


@dataclass(frozen=True)
class Site:
    """A facility of an organisation and where it is (the grid factor follows the province)."""

    code: str
    name: str
    province: str
    city: str
    park: str


@dataclass(frozen=True)
class MeterInfo:
    """A meter at a facility: what it measures, in which unit, bought from whom."""

    facility: str
    code: str
    medium: str
    unit: str
    supplier: str
