#include "render/po.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/text.h"

/* Keys are identifiers, not prose: a short bound catches a msgid/msgstr mix-up. */
#define PO_MAX_KEY 128

enum po_state {
	PO_BETWEEN,  /* before the first entry or after a complete one */
	PO_IN_MSGID, /* after msgid and its continuations, waiting for msgstr */
	PO_IN_MSGSTR /* after msgstr: continuations, or the end of the entry */
};

struct po_parser {
	const char *name;
	char *err;
	size_t err_size;
	unsigned line;        /* of the line being read */

	enum po_state state;
	unsigned entry_line;  /* of the current entry's msgid */
	bool fuzzy;           /* a "#, fuzzy" flag precedes the current entry */
	bool seen_header;
	struct gc_buf msgid;
	struct gc_buf msgstr;
	struct gc_buf *target; /* where continuation lines go */

	struct gc_po *po;
	struct gc_po_entry *tmp; /* entries while parsing (heap), copied into the arena at the end */
	size_t cap;
};

static gc_status GC_PRINTF(4, 5) po_fail(struct po_parser *p, gc_status status, unsigned line, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->err && p->err_size)
		snprintf(p->err, p->err_size, "%s:%u: %s", p->name, line, what);
	return status;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A key is segments of [a-z0-9_] joined by single dots. */
static bool key_valid(const char *key, size_t n)
{
	if (n == 0 || n > PO_MAX_KEY || key[0] == '.' || key[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (c == '.') {
			if (key[i + 1] == '.')
				return false;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/*
 * Reads the quoted string at s[0] (a '"') and appends its value to out;
 * nothing but blanks may follow it on the line.
 */
static gc_status read_string(struct po_parser *p, const char *s, size_t n, struct gc_buf *out)
{
	size_t i = 1;
	for (;;) {
		if (i >= n)
			return po_fail(p, GC_EINVAL, p->line, "string without its closing quote");
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			break;
		if (c < 0x20 || c == 0x7f)
			return po_fail(p, GC_EINVAL, p->line, "control character in a string (write \\n or \\t)");
		if (c != '\\') {
			size_t start = i;
			while (i < n && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
				i++;
			gc_buf_raw(out, s + start, i - start);
			continue;
		}
		if (i + 1 >= n)
			return po_fail(p, GC_EINVAL, p->line, "string without its closing quote");
		switch (s[i + 1]) {
		case 'n': gc_buf_char(out, '\n'); break;
		case 't': gc_buf_char(out, '\t'); break;
		case '"': gc_buf_char(out, '"'); break;
		case '\\': gc_buf_char(out, '\\'); break;
		default:
			return po_fail(p, GC_EINVAL, p->line, "unsupported escape \\%c (only \\n \\t \\\" \\\\)",
				       (unsigned char)s[i + 1] >= 0x20 && (unsigned char)s[i + 1] < 0x7f ? s[i + 1] : '?');
		}
		i += 2;
	}
	for (i++; i < n; i++)
		if (!is_blank(s[i]))
			return po_fail(p, GC_EINVAL, p->line, "text after the closing quote");
	if (gc_buf_error(out) == GC_ETOOBIG)
		return po_fail(p, GC_ETOOBIG, p->line, "string too long");
	return gc_buf_error(out) ? po_fail(p, GC_ENOMEM, p->line, "out of memory") : GC_OK;
}

/* The value of header field name ("Language") in the header text, or NULL; *len its length. */
static const char *header_field(const char *header, const char *name, size_t *len)
{
	size_t name_len = strlen(name);
	for (const char *line = header; *line;) {
		const char *end = strchr(line, '\n');
		size_t line_len = end ? (size_t)(end - line) : strlen(line);
		if (line_len > name_len && strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
			const char *v = line + name_len + 1;
			const char *v_end = line + line_len;
			while (v < v_end && is_blank(*v))
				v++;
			while (v_end > v && is_blank(v_end[-1]))
				v_end--;
			*len = (size_t)(v_end - v);
			return v;
		}
		if (!end)
			break;
		line = end + 1;
	}
	return NULL;
}

static bool contains_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return true;
	return false;
}

static gc_status finish_header(struct po_parser *p)
{
	const char *header = gc_buf_str(&p->msgstr);
	size_t len = 0;
	/* The header is text like any msgstr: its Language value reaches messages. */
	if (!gc_text_acceptable(header, p->msgstr.len))
		return po_fail(p, GC_EINVAL, p->entry_line, "the header has a control or bidirectional override character");
	const char *ctype = header_field(header, "Content-Type", &len);
	if (!ctype || !contains_ci(ctype, len, "charset=utf-8"))
		return po_fail(p, GC_EINVAL, p->entry_line,
			       "the header must declare \"Content-Type: text/plain; charset=UTF-8\"");
	const char *lang = header_field(header, "Language", &len);
	p->po->language = gc_arena_strndup(p->po->arena, lang ? lang : "", lang ? len : 0);
	if (!p->po->language)
		return po_fail(p, GC_ENOMEM, p->entry_line, "out of memory");
	p->po->header_line = p->entry_line;
	p->seen_header = true;
	return GC_OK;
}

static gc_status finish_entry(struct po_parser *p)
{
	const char *key = gc_buf_str(&p->msgid);
	size_t key_len = p->msgid.len;
	const char *text = gc_buf_str(&p->msgstr);
	size_t text_len = p->msgstr.len;
	gc_status st = GC_OK;

	p->state = PO_BETWEEN;
	if (!p->seen_header) {
		if (key_len != 0)
			return po_fail(p, GC_EINVAL, p->entry_line, "the first entry must be the header (msgid \"\")");
		st = finish_header(p);
		goto out;
	}
	if (key_len == 0)
		return po_fail(p, GC_EINVAL, p->entry_line, "a second header (empty msgid)");
	if (!key_valid(key, key_len))
		return po_fail(p, GC_EINVAL, p->entry_line,
			       "invalid key \"%.*s\" (lower-case letters, digits and '_', joined by '.')",
			       (int)(key_len > 60 ? 60 : key_len), key);
	if (!gc_text_acceptable(text, text_len))
		return po_fail(p, GC_EINVAL, p->entry_line,
			       "the msgstr of \"%s\" has a control or bidirectional override character", key);
	if (p->po->count == GC_PO_MAX_ENTRIES)
		return po_fail(p, GC_ETOOBIG, p->entry_line, "more than %d entries", GC_PO_MAX_ENTRIES);
	if (p->po->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct gc_po_entry *tmp = realloc(p->tmp, cap * sizeof(*tmp));
		if (!tmp)
			return po_fail(p, GC_ENOMEM, p->entry_line, "out of memory");
		p->tmp = tmp;
		p->cap = cap;
	}
	struct gc_po_entry *e = &p->tmp[p->po->count];
	e->key = gc_arena_strndup(p->po->arena, key, key_len);
	/* msgfmt leaves fuzzy translations out; so do we. */
	e->text = p->fuzzy ? "" : gc_arena_strndup(p->po->arena, text, text_len);
	e->line = p->entry_line;
	if (!e->key || !e->text)
		return po_fail(p, GC_ENOMEM, p->entry_line, "out of memory");
	if (!e->text[0])
		p->po->untranslated++;
	p->po->count++;
out:
	p->fuzzy = false;
	return st;
}

static gc_status read_comment(struct po_parser *p, const char *s, size_t n)
{
	if (p->state == PO_IN_MSGID)
		return po_fail(p, GC_EINVAL, p->line, "comment between msgid and msgstr");
	/* Flags ("#, fuzzy, c-format") belong to the entry that follows. */
	if (n >= 2 && s[1] == ',') {
		size_t i = 2;
		while (i < n) {
			while (i < n && (is_blank(s[i]) || s[i] == ','))
				i++;
			size_t start = i;
			while (i < n && !is_blank(s[i]) && s[i] != ',')
				i++;
			if (i - start == 5 && memcmp(s + start, "fuzzy", 5) == 0)
				p->fuzzy = true;
		}
	}
	return GC_OK;
}

static gc_status read_keyword(struct po_parser *p, const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[k] != '"' && !is_blank(s[k]))
		k++;
	size_t v = k;
	while (v < n && is_blank(s[v]))
		v++;

	if (k == 7 && memcmp(s, "msgctxt", 7) == 0)
		return po_fail(p, GC_EINVAL, p->line, "msgctxt is not supported (keys are unique)");
	if (k == 12 && memcmp(s, "msgid_plural", 12) == 0)
		return po_fail(p, GC_EINVAL, p->line, "plural forms (msgid_plural) are not supported");
	if (k > 7 && memcmp(s, "msgstr[", 7) == 0)
		return po_fail(p, GC_EINVAL, p->line, "plural forms (msgstr[N]) are not supported");

	bool is_msgid = k == 5 && memcmp(s, "msgid", 5) == 0;
	bool is_msgstr = k == 6 && memcmp(s, "msgstr", 6) == 0;
	if (!is_msgid && !is_msgstr)
		return po_fail(p, GC_EINVAL, p->line, "unknown keyword \"%.*s\"", (int)(k > 20 ? 20 : k), s);
	if (v == k || v >= n || s[v] != '"')
		return po_fail(p, GC_EINVAL, p->line, "%s must be followed by a space and a quoted string",
			       is_msgid ? "msgid" : "msgstr");

	gc_status st;
	if (is_msgid) {
		if (p->state == PO_IN_MSGID)
			return po_fail(p, GC_EINVAL, p->entry_line, "msgid without msgstr");
		if (p->state == PO_IN_MSGSTR && (st = finish_entry(p)) != GC_OK)
			return st;
		gc_buf_reset(&p->msgid);
		gc_buf_reset(&p->msgstr);
		p->entry_line = p->line;
		p->state = PO_IN_MSGID;
		p->target = &p->msgid;
	} else {
		if (p->state != PO_IN_MSGID)
			return po_fail(p, GC_EINVAL, p->line, "msgstr without msgid");
		p->state = PO_IN_MSGSTR;
		p->target = &p->msgstr;
	}
	return read_string(p, s + v, n - v, p->target);
}

static gc_status read_line(struct po_parser *p, const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return po_fail(p, GC_EINVAL, p->line, "NUL byte");
	if (p->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		return po_fail(p, GC_EINVAL, p->line, "byte order mark (save as UTF-8 without BOM)");
	if (!gc_utf8_valid(s, n))
		return po_fail(p, GC_EINVAL, p->line, "not valid UTF-8");
	if (memchr(s, '\r', n))
		return po_fail(p, GC_EINVAL, p->line, "carriage return inside a line");

	size_t i = 0;
	while (i < n && is_blank(s[i]))
		i++;
	s += i;
	n -= i;

	if (n == 0) {
		if (p->state == PO_IN_MSGID)
			return po_fail(p, GC_EINVAL, p->entry_line, "msgid without msgstr");
		if (p->state == PO_IN_MSGSTR)
			return finish_entry(p);
		return GC_OK;
	}
	if (s[0] == '#') {
		gc_status st;
		if (p->state == PO_IN_MSGSTR && (st = finish_entry(p)) != GC_OK)
			return st;
		return read_comment(p, s, n);
	}
	if (s[0] == '"') {
		if (p->state == PO_BETWEEN)
			return po_fail(p, GC_EINVAL, p->line, "a string outside an entry");
		return read_string(p, s, n, p->target);
	}
	return read_keyword(p, s, n);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct gc_po_entry *x = a, *y = b;
	return strcmp(x->key, y->key);
}

gc_status gc_po_parse(const char *name, const char *data, size_t len, struct gc_po **out, char *err,
		      size_t err_size)
{
	struct po_parser p = { .name = name ? name : "(po)", .err = err, .err_size = err_size, .state = PO_BETWEEN };
	struct gc_arena *arena = NULL;
	gc_status st = GC_OK;

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	gc_buf_init(&p.msgid, GC_PO_MAX_BYTES);
	gc_buf_init(&p.msgstr, GC_PO_MAX_BYTES);
	if (len > GC_PO_MAX_BYTES) {
		st = po_fail(&p, GC_ETOOBIG, 1, "larger than %u bytes", GC_PO_MAX_BYTES);
		goto out;
	}
	/* Strings never grow when unescaped: even with the arena's rounding,
	 * three times the input holds every copy. */
	arena = gc_arena_new(3 * len + GC_PO_MAX_ENTRIES * sizeof(struct gc_po_entry) + 4096);
	if (!arena || !(p.po = gc_arena_calloc(arena, 1, sizeof(*p.po)))) {
		st = po_fail(&p, GC_ENOMEM, 1, "out of memory");
		goto out;
	}
	p.po->arena = arena;

	size_t pos = 0;
	while (pos < len) {
		p.line++;
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if ((st = read_line(&p, line, n)) != GC_OK)
			goto out;
	}
	if (p.state == PO_IN_MSGID) {
		st = po_fail(&p, GC_EINVAL, p.entry_line, "msgid without msgstr");
		goto out;
	}
	if (p.state == PO_IN_MSGSTR && (st = finish_entry(&p)) != GC_OK)
		goto out;
	if (!p.seen_header) {
		st = po_fail(&p, GC_EINVAL, p.line ? p.line : 1, "no header entry (msgid \"\")");
		goto out;
	}

	if (p.po->count) {
		qsort(p.tmp, p.po->count, sizeof(*p.tmp), entry_cmp);
		for (size_t i = 1; i < p.po->count; i++) {
			if (strcmp(p.tmp[i - 1].key, p.tmp[i].key) != 0)
				continue;
			unsigned first = p.tmp[i - 1].line, second = p.tmp[i].line;
			if (first > second) {
				unsigned t = first;
				first = second;
				second = t;
			}
			st = po_fail(&p, GC_EINVAL, second, "duplicate key \"%s\" (first at line %u)", p.tmp[i].key, first);
			goto out;
		}
		p.po->entries = gc_arena_alloc(arena, p.po->count * sizeof(*p.po->entries));
		if (!p.po->entries) {
			st = po_fail(&p, GC_ENOMEM, 1, "out of memory");
			goto out;
		}
		memcpy(p.po->entries, p.tmp, p.po->count * sizeof(*p.po->entries));
	}
	*out = p.po;
	arena = NULL;
out:
	gc_arena_free(arena);
	free(p.tmp);
	gc_buf_free(&p.msgid);
	gc_buf_free(&p.msgstr);
	return st;
}

void gc_po_free(struct gc_po *po)
{
	if (po)
		gc_arena_free(po->arena);
}

const struct gc_po_entry *gc_po_find(const struct gc_po *po, const char *key)
{
	if (!po || !key)
		return NULL;
	size_t lo = 0, hi = po->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(po->entries[mid].key, key);
		if (cmp == 0)
			return &po->entries[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
