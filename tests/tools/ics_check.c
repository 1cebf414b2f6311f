/*
 * Reads an iCalendar file with libical and prints one line per VEVENT:
 *   <uid> <status> <sequence> <start as UTC Unix time> <end as UTC Unix time>
 * resolving each DTSTART/DTEND TZID against the file's own VTIMEZONE
 * components. Exits 1 when the file does not parse or an event names a zone
 * the file does not define. Built for tests (tests/meson.build).
 */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static time_t utc_of(icalcomponent *cal, icalproperty *prop)
{
	struct icaltimetype t = icalproperty_get_dtstart(prop);
	if (icalproperty_isa(prop) == ICAL_DTEND_PROPERTY)
		t = icalproperty_get_dtend(prop);
	icalparameter *tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
	if (!tzid)
		return icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
	icaltimezone *zone = icalcomponent_get_timezone(cal, icalparameter_get_tzid(tzid));
	if (!zone) {
		fprintf(stderr, "no VTIMEZONE for %s\n", icalparameter_get_tzid(tzid));
		exit(1);
	}
	return icaltime_as_timet_with_zone(t, zone);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	FILE *f = fopen(argv[1], "rb");
	if (!f)
		return 2;
	static char data[16 << 20];
	size_t n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	icalcomponent *cal = icalparser_parse_string(data);
	if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
		fprintf(stderr, "not a VCALENDAR\n");
		return 1;
	}
	for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
	     ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
		icalproperty *ds = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
		icalproperty *de = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
		icalproperty *err = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY);
		if (!ds || !de || err) {
			fprintf(stderr, "bad VEVENT: %s\n", err ? icalproperty_get_xlicerror(err) : "no DTSTART/DTEND");
			return 1;
		}
		icalproperty_status status = icalcomponent_get_status(ev);
		printf("%s %s %d %lld %lld\n", icalcomponent_get_uid(ev),
		       status == ICAL_STATUS_NONE ? "NONE" : icalproperty_status_to_string(status),
		       icalcomponent_get_sequence(ev), (long long)utc_of(cal, ds), (long long)utc_of(cal, de));
	}
	icalcomponent_free(cal);
	return 0;
}
