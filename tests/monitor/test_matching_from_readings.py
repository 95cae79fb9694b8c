"""Green-electricity matching reads consumption hour by hour from the monitoring readings (issue 16, item 3).

Worked by hand, enterprise E1's 15-minute electricity meter EL on 1 December 2023: nothing from 00:00 to 06:00,
500 kWh a quarter (2,000 kWh an hour) from 06:00 to 18:00, nothing after: 24,000 kWh metered. The month's activity
record for that day, which names the meter, says 12 MWh. Matching keeps the record's amount and takes the readings'
shape: 12 MWh × 2,000 / 24,000 = 1 MWh in each of the 12 hours 06–17, 0 in the others. On 2 December the meter
read only the first 12 hours (50 % < the 90 % the key-energy-unit rule asks), so that day's 12 MWh record is spread
evenly: 0.5 MWh an hour.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from monitor_world import MonitorWorld
from sqlalchemy import select

from carbontrail.services import certificates as certs
from carbontrail.services.monitor import readings
from carbontrail.services.work import SystemActor
from carbontrail.store.db import transaction
from carbontrail.store.models import ActivityRecord, Facility, Meter, Organisation

ACTOR = SystemActor("test")


def _record(mworld: MonitorWorld, day: date, kwh: float, *, metered: bool = True) -> None:
    with transaction(mworld.sessions) as s:
        org_id, facility_id, meter_id = s.execute(
            select(Organisation.id, Facility.id, Meter.id).join(Facility, Facility.organisation_id == Organisation.id)
            .join(Meter, Meter.facility_id == Facility.id).where(Organisation.code == "E1", Meter.code == "EL")).one()
        s.add(ActivityRecord(record_key=f"el-{day}-{metered}", organisation_id=org_id, facility_id=facility_id,
                             meter_id=meter_id if metered else None, kind="electricity", item="grid electricity",
                             period_start=day, period_end=day, quantity=kwh, unit="kWh", source="test"))


def test_consumption_takes_the_shape_of_the_readings_and_the_amount_of_the_record(mworld: MonitorWorld) -> None:
    quarters = pd.date_range("2023-12-01", periods=96, freq="15min")
    batch = [{"meter": "EL", "timestamp": f"{t:%Y-%m-%dT%H:%M}", "value": 500.0 if 6 <= t.hour < 18 else 0.0}
             for t in quarters]
    batch += [{"meter": "EL", "timestamp": f"{t:%Y-%m-%dT%H:%M}", "value": 100.0}
              for t in pd.date_range("2023-12-02", periods=48, freq="15min")]
    readings.import_batch(mworld.sessions, ACTOR, "E1", batch, store=mworld.store)
    _record(mworld, date(2023, 12, 1), 12_000)
    _record(mworld, date(2023, 12, 2), 12_000)

    hourly, source = certs.hourly_consumption(mworld.sessions, "E1", (date(2023, 12, 1), date(2023, 12, 2)))
    expected = np.array([0.0] * 6 + [1.0] * 12 + [0.0] * 6 + [0.5] * 24)
    np.testing.assert_allclose(hourly, expected, rtol=1e-12, atol=1e-12)
    assert source == ("1 electricity record(s) laid on the hours by their meters' readings; "
                      "1 electricity record(s) spread evenly over their periods")


def test_a_record_without_a_meter_stays_flat(mworld: MonitorWorld) -> None:
    _record(mworld, date(2023, 12, 1), 24_000, metered=False)
    hourly, source = certs.hourly_consumption(mworld.sessions, "E1", (date(2023, 12, 1), date(2023, 12, 1)))
    np.testing.assert_allclose(hourly, np.full(24, 1.0))
    assert source == "1 electricity record(s) spread evenly over their periods"
