/* Dates and times for people (render/dates.h). */
#include "render/dates.h"

#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum lang_ix { L_EN, L_FR, L_ES, L_RU, L_AR, L_ZH };

/* Abbreviated month names (CLDR "medium" dates), except Arabic, which has no abbreviations. */
static const char *const months[][12] = {
	[L_EN] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec" },
	[L_FR] = { "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc." },
	[L_ES] = { "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic" },
	[L_RU] = { "янв.", "февр.", "мар.", "апр.", "мая", "июн.", "июл.", "авг.", "сент.", "окт.", "нояб.", "дек." },
	[L_AR] = { "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
		   "ديسمبر" },
	[L_ZH] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12" },
};

static enum lang_ix lang_of(const char *lang)
{
	static const struct {
		const char *code;
		enum lang_ix ix;
	} map[] = { { "fr", L_FR }, { "es", L_ES }, { "ru", L_RU }, { "ar", L_AR }, { "zh", L_ZH } };
	for (size_t i = 0; lang && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].code, lang) == 0)
			return map[i].ix;
	return L_EN;
}

struct when {
	int y, m, d, hh, mm;
	bool has_time;
};

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool parse(const char *s, bool date_only, struct when *w)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	memset(w, 0, sizeof(*w));
	if (!s || strlen(s) < 10 || !digits(s, 4, &w->y) || s[4] != '-' || !digits(s + 5, 2, &w->m) || s[7] != '-' ||
	    !digits(s + 8, 2, &w->d))
		return false;
	if (w->y < 1 || w->m < 1 || w->m > 12 || w->d < 1 || w->d > mdays[w->m - 1])
		return false;
	if (w->m == 2 && w->d == 29 && !((w->y % 4 == 0 && w->y % 100 != 0) || w->y % 400 == 0))
		return false;
	if (date_only || s[10] == '\0')
		return true;
	if ((s[10] != 'T' && s[10] != ' ') || strlen(s) < 16 || !digits(s + 11, 2, &w->hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &w->mm) || w->hh > 23 || w->mm > 59)
		return false;
	w->has_time = true;
	return true;
}

/* Appends to out at *at; false when it does not fit. */
static bool put(char *out, size_t size, size_t *at, const char *fmt, ...) GC_PRINTF(4, 5);
static bool put(char *out, size_t size, size_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = *at < size ? vsnprintf(out + *at, size - *at, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *at)
		return false;
	*at += (size_t)n;
	return true;
}

static bool put_day(char *out, size_t size, size_t *at, enum lang_ix l, const struct when *w)
{
	const char *mon = months[l][w->m - 1];
	switch (l) {
	case L_ZH:
		return put(out, size, at, "%d年%s月%d日", w->y, mon, w->d);
	case L_RU:
		return put(out, size, at, "%d %s %d г.", w->d, mon, w->y);
	default:
		return put(out, size, at, "%d %s %d", w->d, mon, w->y);
	}
}

/* The separator between a date and its time. */
static const char *date_time_sep(enum lang_ix l)
{
	return l == L_ZH ? " " : l == L_AR ? "، " : ", ";
}

static bool put_day_time(char *out, size_t size, size_t *at, enum lang_ix l, const struct when *w)
{
	if (!put_day(out, size, at, l, w))
		return false;
	return !w->has_time || put(out, size, at, "%s%02d:%02d", date_time_sep(l), w->hh, w->mm);
}

static bool fail(char *out, size_t size)
{
	if (size)
		out[0] = '\0';
	return false;
}

bool gc_dates_day(const char *lang, const char *iso, char *out, size_t size)
{
	struct when w;
	size_t at = 0;
	if (!out || size == 0 || !parse(iso, true, &w))
		return fail(out, size);
	return put_day(out, size, &at, lang_of(lang), &w) ? true : fail(out, size);
}

bool gc_dates_instant(const char *lang, const char *iso, char *out, size_t size)
{
	struct when w;
	size_t at = 0;
	size_t n = iso ? strlen(iso) : 0;
	if (!out || size == 0 || n < 17 || iso[n - 1] != 'Z' || !parse(iso, false, &w) || !w.has_time)
		return fail(out, size);
	/* After HH:MM only ":SS", ".fraction" and the final Z. */
	for (size_t i = 16; i < n - 1; i++)
		if (!((iso[i] >= '0' && iso[i] <= '9') || iso[i] == ':' || iso[i] == '.'))
			return fail(out, size);
	enum lang_ix l = lang_of(lang);
	return put_day_time(out, size, &at, l, &w) && put(out, size, &at, " UTC") ? true : fail(out, size);
}

bool gc_dates_span_parts(const char *lang, const char *start, const char *end, struct gc_dates_parts *out)
{
	enum lang_ix l = lang_of(lang);
	struct when a, b;
	size_t fa = 0, ta = 0, fs = sizeof(out->from), ts = sizeof(out->to);
	bool has_a = start && *start, has_b = end && *end;
	out->from[0] = out->to[0] = '\0';
	out->sep = "";
	if (!has_a && !has_b)
		return false;
	if ((has_a && !parse(start, false, &a)) || (has_b && !parse(end, false, &b)))
		return false;
	bool ok;
	if (!has_b) {
		ok = put_day_time(out->from, fs, &fa, l, &a);
	} else if (!has_a) {
		out->sep = "– ";
		ok = put_day_time(out->to, ts, &ta, l, &b);
	} else if (a.y == b.y && a.m == b.m && a.d == b.d) {
		/* One day: the date once, then the hours if any. */
		ok = put_day_time(out->from, fs, &fa, l, &a);
		if (ok && a.has_time && b.has_time) {
			out->sep = "–";
			ok = put(out->to, ts, &ta, "%02d:%02d", b.hh, b.mm);
		}
	} else {
		out->sep = " – ";
		ok = put_day_time(out->from, fs, &fa, l, &a) && put_day_time(out->to, ts, &ta, l, &b);
	}
	if (!ok) {
		out->from[0] = out->to[0] = '\0';
		out->sep = "";
	}
	return ok;
}

bool gc_dates_span(const char *lang, const char *start, const char *end, char *out, size_t size)
{
	struct gc_dates_parts parts;
	size_t at = 0;
	if (!out || size == 0 || !gc_dates_span_parts(lang, start, end, &parts))
		return fail(out, size);
	return put(out, size, &at, "%s%s%s", parts.from, parts.sep, parts.to) ? true : fail(out, size);
}
