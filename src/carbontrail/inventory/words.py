"""The words of Chinese energy statistics and bills that an import reads as carbontrail's units and fuels.

Each entry says what it becomes and why, and every import reports the mappings it applied (written word, what it
was read as, on how many rows), so a reader of the inventory can see and challenge each one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    """A written word, what it is read as, and the basis of that reading."""

    written: str
    used: str
    basis: str


_VOLUME = "立方米 is the cubic metre; 方 is its everyday short form on bills and statistics forms"
UNIT_WORDS: dict[str, Word] = {w.written: w for w in (
    Word("方", "m3", _VOLUME),
    Word("立方米", "m3", _VOLUME),
    Word("万方", "10^4 m3", "万 (10⁴) × 方 (cubic metre)"),
    Word("万立方米", "10^4 m3", "万 (10⁴) × 立方米 (cubic metre)"),
    Word("标方", "Nm3", "标准立方米, a cubic metre at standard conditions"),
    Word("标准立方米", "Nm3", "a cubic metre at standard conditions"),
    Word("万标方", "10^4 Nm3", "万 (10⁴) × 标准立方米"),
    Word("千瓦时", "kWh", "the kilowatt-hour (度 on bills)"),
    Word("万千瓦时", "10^4 kWh", "万 (10⁴) × 千瓦时, the unit of China's electricity statistics"),
    Word("万度", "10^4 kWh", "万 (10⁴) × 度 (kilowatt-hour)"),
    Word("兆瓦时", "MWh", "the megawatt-hour"),
    Word("吉焦", "GJ", "the gigajoule"),
    Word("千克", "kg", "the kilogram"),
    Word("公斤", "kg", "公斤 is the kilogram"),
    Word("万吨", "10^4 t", "万 (10⁴) × 吨 (tonne)"),
    Word("升", "L", "the litre"),
    Word("吨标煤", "tce", "吨标准煤, tonne of standard coal equivalent (29.3076 GJ, GB/T 2589-2020)"),
    Word("万吨标准煤", "10^4 tce", "万 (10⁴) × 吨标准煤"),
)}

_COAL_CHOICE = ("a classification choice, not a published equivalence: China's energy statistics report coal by "
                "processing stage (原煤, 洗精煤, 其他洗煤), IPCC 2006 by rank; name the rank (无烟煤, 烟煤, 褐煤) "
                "where it is known")
FUEL_WORDS: dict[str, Word] = {w.written: w for w in (
    Word("原煤", "other_bituminous_coal", "raw coal read as IPCC 2006 Other Bituminous Coal: " + _COAL_CHOICE),
    Word("其他洗煤", "other_bituminous_coal", "washed coal (not coking) read as IPCC 2006 Other Bituminous "
                                              "Coal: " + _COAL_CHOICE),
    Word("洗精煤", "coking_coal", "cleaned coal read as IPCC 2006 Coking Coal: " + _COAL_CHOICE),
)}


def unit_word(written: str) -> Word | None:
    return UNIT_WORDS.get(written.strip())


def fuel_word(written: str) -> Word | None:
    return FUEL_WORDS.get(written.strip())
