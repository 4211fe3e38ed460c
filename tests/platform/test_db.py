"""Database helpers: time-ordered ids and UTC timestamps."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from casework.db import UTCDateTime, new_time_uuid


def test_time_uuids_are_version_7_and_increase():
    ids = [new_time_uuid() for _ in range(10_000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_time_uuids_carry_the_creation_millisecond():
    before = time.time_ns() // 1_000_000
    value = new_time_uuid()
    after = time.time_ns() // 1_000_000
    assert before <= value.int >> 80 <= after + 1


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        UTCDateTime().process_bind_param(dt.datetime(2026, 1, 1), None)
