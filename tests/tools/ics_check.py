#!/usr/bin/python3
"""Reads an iCalendar file with python3-icalendar (Debian) and prints its events as JSON:
[{uid, summary, status, sequence, start_utc, end_utc, tzid}], for tests/api/capacity-*.test.mjs."""
import datetime
import json
import sys

import icalendar


def utc(value):
    if value.tzinfo is None:
        raise SystemExit("a floating time: %r" % value)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
out = []
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    out.append({
        "uid": str(ev.get("UID")),
        "summary": str(ev.get("SUMMARY")),
        "description": str(ev.get("DESCRIPTION", "")),
        "status": str(ev.get("STATUS", "")),
        "sequence": int(ev.get("SEQUENCE", 0)),
        "start_utc": utc(start),
        "end_utc": utc(ev.decoded("DTEND")),
        "tzid": ev["DTSTART"].params.get("TZID"),
    })
print(json.dumps(out))
