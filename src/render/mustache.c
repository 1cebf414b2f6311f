/*
 * Mustache: a compiler from source to an immutable node tree, and a renderer
 * that walks the tree over a stack of jansson values.
 *
 * Everything a compiled template owns lives in one arena: a copy of the
 * source (text and names are slices of it) and the node arrays. Once
 * gc_mustache_compile() returns, nothing writes to it again, so any number
 * of threads may render it at once.
 *
 * Standalone lines ("  {{#x}}\n") are removed at compile time. Partial
 * indentation works on the partial's source lines, as the spec's reference
 * does by prefixing every line before compiling: the compiler marks each
 * surviving line start with a NODE_BOL node (and the renderer also indents
 * after every newline inside a text node), so one compiled partial serves
 * every indentation, and text that comes from data is never indented.
 */
#include "render/mustache.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

/*
 * Rendering work is bounded even when it writes nothing (sections nested
 * over lists multiply), so a template and its data cannot pin a thread.
 * Node visits, generous for the largest real page.
 */
#define MUSTACHE_MAX_STEPS (1ul << 24)

/*
 * Longest delimiter a set-delimiter tag may choose. Real ones are two or
 * three bytes; the bound keeps the tag search linear in the source.
 */
#define MUSTACHE_MAX_DELIMITER 16

/* The context stack that fits without allocating. */
#define MUSTACHE_LOCAL_STACK 16

enum node_type {
	NODE_TEXT,     /* str/len: literal bytes */
	NODE_BOL,      /* the start of a source line: where partial indentation goes */
	NODE_ESCAPED,  /* {{name}} */
	NODE_RAW,      /* {{{name}}} and {{&name}} */
	NODE_SECTION,  /* {{#name}} children {{/name}} */
	NODE_INVERTED, /* {{^name}} children {{/name}} */
	NODE_PARTIAL,  /* {{>name}}, with indent when standalone */
};

struct name_part {
	const char *s;
	size_t len;
};

struct node {
	enum node_type type;
	const char *str; /* text, or the tag's name as written */
	size_t len;
	const struct name_part *parts; /* dotted name; none for "." */
	size_t nparts;
	const struct node *children; /* sections */
	size_t nchildren;
	bool standalone; /* partials: alone on their line, so indented */
	const char *indent;
	size_t indent_len;
};

struct gc_template {
	struct gc_arena *arena;
	const char *name;
	const struct node *nodes;
	size_t nnodes;
};

/* ------------------------------------------------------------------ */
/* Compiler                                                            */

/* A node list being built; copied into the arena when it is complete. */
struct node_vec {
	struct node *v;
	size_t len, cap;
};

/* An open section: its node waits in the parent's list at index slot. */
struct open_section {
	struct node_vec nodes;
	size_t slot;
	size_t pos; /* of its tag, for messages */
};

struct compiler {
	const char *name;
	const char *src; /* the arena's copy */
	size_t len;
	struct gc_arena *arena;
	struct open_section *open; /* open[0] is the template's top level */
	size_t nopen, capopen;
	bool pending_bol; /* at a line start whose marker is not emitted yet */
	char *err;
	size_t err_size;
};

static size_t line_of(const struct compiler *c, size_t pos)
{
	size_t line = 1;
	for (size_t i = 0; i < pos && i < c->len; i++)
		line += c->src[i] == '\n';
	return line;
}

static gc_status fail(struct compiler *c, gc_status st, size_t pos, const char *fmt, ...) GC_PRINTF(4, 5);

static gc_status fail(struct compiler *c, gc_status st, size_t pos, const char *fmt, ...)
{
	if (!c->err || c->err_size == 0)
		return st;
	int n = snprintf(c->err, c->err_size, "%s:%zu: ", c->name, line_of(c, pos));
	if (n >= 0 && (size_t)n < c->err_size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->err_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return st;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* memmem() is a GNU extension; delimiters are short (MUSTACHE_MAX_DELIMITER), so this is linear enough. */
static const char *find(const char *hay, size_t hay_len, const char *needle, size_t needle_len)
{
	while (hay_len >= needle_len) {
		const char *p = memchr(hay, needle[0], hay_len - needle_len + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, needle_len) == 0)
			return p;
		hay_len -= (size_t)(p - hay) + 1;
		hay = p + 1;
	}
	return NULL;
}

static gc_status vec_push(struct node_vec *vec, const struct node *nd)
{
	if (vec->len == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		struct node *v = realloc(vec->v, cap * sizeof(*v));
		if (!v)
			return GC_ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->len++] = *nd;
	return GC_OK;
}

static struct node_vec *current(struct compiler *c)
{
	return &c->open[c->nopen - 1].nodes;
}

static gc_status emit(struct compiler *c, const struct node *nd)
{
	return vec_push(current(c), nd) == GC_OK ? GC_OK : fail(c, GC_ENOMEM, 0, "out of memory");
}

static gc_status emit_pending_bol(struct compiler *c)
{
	if (!c->pending_bol)
		return GC_OK;
	c->pending_bol = false;
	return emit(c, &(struct node){ .type = NODE_BOL });
}

/* Literal text [from, to). A text node that ends a line leaves the next line's marker pending. */
static gc_status emit_text(struct compiler *c, size_t from, size_t to)
{
	if (from >= to)
		return GC_OK;
	gc_status st = emit_pending_bol(c);
	if (st)
		return st;
	st = emit(c, &(struct node){ .type = NODE_TEXT, .str = c->src + from, .len = to - from });
	c->pending_bol = c->src[to - 1] == '\n';
	return st;
}

/* Copies a finished list into the arena. */
static gc_status freeze(struct compiler *c, const struct node_vec *vec, const struct node **out)
{
	*out = NULL;
	if (vec->len == 0)
		return GC_OK;
	struct node *nodes = gc_arena_calloc(c->arena, vec->len, sizeof(*nodes));
	if (!nodes)
		return fail(c, GC_ENOMEM, 0, "out of memory");
	memcpy(nodes, vec->v, vec->len * sizeof(*nodes));
	*out = nodes;
	return GC_OK;
}

/*
 * A variable or section name: no inner whitespace, "." alone, or parts
 * separated by single dots with none empty.
 */
static gc_status parse_name(struct compiler *c, size_t pos, struct node *nd)
{
	const char *s = nd->str;
	size_t len = nd->len;
	if (len == 0)
		return fail(c, GC_EINVAL, pos, "empty tag name");
	for (size_t i = 0; i < len; i++)
		if (is_space(s[i]))
			return fail(c, GC_EINVAL, pos, "whitespace inside tag name \"%.*s\"", (int)(len > 64 ? 64 : len), s);
	if (len == 1 && s[0] == '.') {
		nd->parts = NULL;
		nd->nparts = 0;
		return GC_OK;
	}
	size_t nparts = 1;
	for (size_t i = 0; i < len; i++)
		nparts += s[i] == '.';
	struct name_part *parts = gc_arena_calloc(c->arena, nparts, sizeof(*parts));
	if (!parts)
		return fail(c, GC_ENOMEM, pos, "out of memory");
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == start)
			return fail(c, GC_EINVAL, pos, "empty part in dotted name \"%.*s\"", (int)(len > 64 ? 64 : len), s);
		parts[k].s = s + start;
		parts[k].len = i - start;
		k++;
		start = i + 1;
	}
	nd->parts = parts;
	nd->nparts = nparts;
	return GC_OK;
}

/* "{{=<% %>=}}": two whitespace-separated delimiters, neither with '='. */
static gc_status parse_delimiters(struct compiler *c, size_t pos, const char *s, size_t len,
				  const char **otag, size_t *olen, const char **ctag, size_t *clen)
{
	size_t i = 0;
	while (i < len && is_space(s[i]))
		i++;
	size_t a = i;
	while (i < len && !is_space(s[i]))
		i++;
	size_t a_end = i;
	while (i < len && is_space(s[i]))
		i++;
	size_t b = i;
	while (i < len && !is_space(s[i]))
		i++;
	size_t b_end = i;
	while (i < len && is_space(s[i]))
		i++;
	if (a == a_end || b == b_end || i != len)
		return fail(c, GC_EINVAL, pos, "set delimiters needs two delimiters");
	if (memchr(s + a, '=', a_end - a) || memchr(s + b, '=', b_end - b))
		return fail(c, GC_EINVAL, pos, "a delimiter may not contain '='");
	if (a_end - a > MUSTACHE_MAX_DELIMITER || b_end - b > MUSTACHE_MAX_DELIMITER)
		return fail(c, GC_EINVAL, pos, "a delimiter may not be longer than %d bytes", MUSTACHE_MAX_DELIMITER);
	*otag = s + a;
	*olen = a_end - a;
	*ctag = s + b;
	*clen = b_end - b;
	return GC_OK;
}

static gc_status open_section(struct compiler *c, size_t pos, const struct node *nd)
{
	if (c->nopen > GC_MUSTACHE_MAX_DEPTH)
		return fail(c, GC_ETOOBIG, pos, "sections nested deeper than %d", GC_MUSTACHE_MAX_DEPTH);
	gc_status st = emit(c, nd);
	if (st)
		return st;
	if (c->nopen == c->capopen) {
		size_t cap = c->capopen * 2;
		struct open_section *open = realloc(c->open, cap * sizeof(*open));
		if (!open)
			return fail(c, GC_ENOMEM, pos, "out of memory");
		c->open = open;
		c->capopen = cap;
	}
	c->open[c->nopen] = (struct open_section){ .slot = current(c)->len - 1, .pos = pos };
	c->nopen++;
	return GC_OK;
}

static gc_status close_section(struct compiler *c, size_t pos, const char *name, size_t len)
{
	if (c->nopen == 1)
		return fail(c, GC_EINVAL, pos, "closing \"%.*s\", which is not open", (int)(len > 64 ? 64 : len), name);
	struct open_section *top = &c->open[c->nopen - 1];
	struct node *sec = &c->open[c->nopen - 2].nodes.v[top->slot];
	if (sec->len != len || memcmp(sec->str, name, len) != 0)
		return fail(c, GC_EINVAL, pos, "closing \"%.*s\" but \"%.*s\" (line %zu) is open",
			    (int)(len > 64 ? 64 : len), name, (int)(sec->len > 64 ? 64 : sec->len), sec->str,
			    line_of(c, top->pos));
	const struct node *children = NULL;
	gc_status st = freeze(c, &top->nodes, &children);
	if (st)
		return st;
	sec->children = children;
	sec->nchildren = top->nodes.len;
	free(top->nodes.v);
	top->nodes = (struct node_vec){ 0 };
	c->nopen--;
	return GC_OK;
}

static gc_status compile(struct compiler *c, const struct node **nodes, size_t *nnodes)
{
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2;
	size_t pos = 0, text_start = 0;
	gc_status st = GC_OK;

	c->pending_bol = true;
	for (;;) {
		const char *hit = find(c->src + pos, c->len - pos, otag, olen);
		if (!hit)
			break;
		size_t tag = (size_t)(hit - c->src); /* where the tag starts */
		size_t in = tag + olen;               /* its content */
		char type = in < c->len ? c->src[in] : '\0';
		if (type == '!' || type == '#' || type == '^' || type == '/' || type == '>' || type == '&' ||
		    type == '{' || type == '=')
			in++;
		else
			type = '\0';

		/* The content ends at the closing delimiter; {{{ and {{= want theirs doubled. */
		size_t content_end, end;
		const char *close;
		if (type == '{' || type == '=') {
			char want = type == '{' ? '}' : '=';
			size_t from = in;
			for (;;) {
				close = find(c->src + from, c->len - from, ctag, clen);
				if (!close || ((size_t)(close - c->src) > in && close[-1] == want))
					break;
				from = (size_t)(close - c->src) + 1;
			}
			if (!close) {
				st = fail(c, GC_EINVAL, tag, "unclosed tag: expected \"%c%.*s\"", want, (int)clen, ctag);
				goto out;
			}
			content_end = (size_t)(close - c->src) - 1;
		} else {
			close = find(c->src + in, c->len - in, ctag, clen);
			if (!close) {
				st = fail(c, GC_EINVAL, tag, "unclosed tag: expected \"%.*s\"", (int)clen, ctag);
				goto out;
			}
			content_end = (size_t)(close - c->src);
		}
		end = (size_t)(close - c->src) + clen;

		/* Standalone: only blanks around the tag on its line. */
		size_t ws = tag;
		while (ws > 0 && is_blank(c->src[ws - 1]))
			ws--;
		bool standalone = false;
		size_t after = end;
		if (type != '\0' && type != '&' && type != '{' && (ws == 0 || c->src[ws - 1] == '\n')) {
			size_t t = end;
			while (t < c->len && is_blank(c->src[t]))
				t++;
			if (t == c->len) {
				standalone = true;
				after = t;
			} else if (c->src[t] == '\n') {
				standalone = true;
				after = t + 1;
			} else if (c->src[t] == '\r' && t + 1 < c->len && c->src[t + 1] == '\n') {
				standalone = true;
				after = t + 2;
			}
		}
		/* A standalone tag's line goes entirely, its leading blanks with it. */
		if (ws < text_start)
			ws = text_start;
		st = emit_text(c, text_start, standalone ? ws : tag);
		if (st)
			goto out;
		if (standalone)
			c->pending_bol = false;
		else if ((st = emit_pending_bol(c)) != GC_OK)
			goto out;

		/* The name, trimmed. */
		size_t ns = in, ne = content_end;
		while (ns < ne && is_space(c->src[ns]))
			ns++;
		while (ne > ns && is_space(c->src[ne - 1]))
			ne--;
		struct node nd = { .str = c->src + ns, .len = ne - ns };

		switch (type) {
		case '!':
			break;
		case '=':
			st = parse_delimiters(c, tag, c->src + in, content_end - in, &otag, &olen, &ctag, &clen);
			break;
		case '/':
			st = nd.len ? close_section(c, tag, nd.str, nd.len) : fail(c, GC_EINVAL, tag, "empty tag name");
			break;
		case '>':
			nd.type = NODE_PARTIAL;
			if (nd.len == 0) {
				st = fail(c, GC_EINVAL, tag, "empty partial name");
				break;
			}
			for (size_t i = 0; i < nd.len; i++) {
				if (is_space(nd.str[i])) {
					st = fail(c, GC_EINVAL, tag, "whitespace inside partial name");
					break;
				}
			}
			if (st)
				break;
			if (standalone) {
				nd.standalone = true;
				nd.indent = c->src + ws;
				nd.indent_len = tag - ws;
			}
			st = emit(c, &nd);
			break;
		case '#':
		case '^':
			nd.type = type == '#' ? NODE_SECTION : NODE_INVERTED;
			st = parse_name(c, tag, &nd);
			if (!st)
				st = open_section(c, tag, &nd);
			break;
		default:
			nd.type = type == '\0' ? NODE_ESCAPED : NODE_RAW;
			st = parse_name(c, tag, &nd);
			if (!st)
				st = emit(c, &nd);
			break;
		}
		if (st)
			goto out;
		/* After a removed line comes the start of the next one. */
		if (standalone)
			c->pending_bol = true;
		pos = text_start = after;
	}
	st = emit_text(c, text_start, c->len);
	if (st)
		goto out;
	if (c->nopen > 1) {
		struct open_section *top = &c->open[c->nopen - 1];
		const struct node *sec = &c->open[c->nopen - 2].nodes.v[top->slot];
		st = fail(c, GC_EINVAL, top->pos, "section \"%.*s\" is never closed",
			  (int)(sec->len > 64 ? 64 : sec->len), sec->str);
		goto out;
	}
	st = freeze(c, &c->open[0].nodes, nodes);
	*nnodes = c->open[0].nodes.len;
out:
	return st;
}

gc_status gc_mustache_compile(const char *name, const char *src, size_t len, struct gc_template **out, char *err,
			      size_t err_size)
{
	struct compiler c = { .name = name ? name : "(template)", .err = err, .err_size = err_size };
	struct gc_template *tpl = NULL;
	gc_status st = GC_OK;

	*out = NULL;
	if (err && err_size)
		err[0] = '\0';
	if (len > GC_MUSTACHE_MAX_SOURCE) {
		st = fail(&c, GC_ETOOBIG, 0, "template longer than %u bytes", GC_MUSTACHE_MAX_SOURCE);
		goto out;
	}
	/*
	 * The arena holds the source copy and at most a few nodes per tag (a
	 * tag takes at least three bytes), so 128 bytes per source byte is a
	 * bound that no template reaches, and still a bound.
	 */
	c.arena = gc_arena_new(128 * (len + 1) + 65536);
	if (!c.arena) {
		st = fail(&c, GC_ENOMEM, 0, "out of memory");
		goto out;
	}
	tpl = gc_arena_calloc(c.arena, 1, sizeof(*tpl));
	char *copy = gc_arena_alloc(c.arena, len + 1);
	char *name_copy = gc_arena_strdup(c.arena, c.name);
	c.open = calloc(8, sizeof(*c.open));
	if (!tpl || !copy || !name_copy || !c.open) {
		st = fail(&c, GC_ENOMEM, 0, "out of memory");
		goto out;
	}
	if (len)
		memcpy(copy, src, len);
	copy[len] = '\0';
	c.src = copy;
	c.len = len;
	c.capopen = 8;
	c.nopen = 1;
	tpl->arena = c.arena;
	tpl->name = name_copy;
	st = compile(&c, &tpl->nodes, &tpl->nnodes);
	if (st)
		goto out;
	*out = tpl;
	c.arena = NULL;
out:
	for (size_t i = 0; i < c.nopen; i++)
		free(c.open[i].nodes.v);
	free(c.open);
	gc_arena_free(c.arena);
	return st;
}

void gc_template_free(struct gc_template *tpl)
{
	if (tpl)
		gc_arena_free(tpl->arena);
}

const char *gc_template_name(const struct gc_template *tpl)
{
	return tpl->name;
}

/* ------------------------------------------------------------------ */
/* Renderer                                                            */

/* Partial indentation: a standalone partial's own blanks after its parent's. */
struct indent {
	const struct indent *parent;
	const char *s;
	size_t len;
};

struct renderer {
	gc_partial_lookup lookup;
	void *lookup_ctx;
	struct gc_buf *out;
	const json_t **stack;
	size_t depth;
	size_t nesting;    /* sections entered and partials included */
	unsigned long steps;
};

static void put_indent(struct gc_buf *out, const struct indent *ind)
{
	if (!ind)
		return;
	put_indent(out, ind->parent);
	gc_buf_raw(out, ind->s, ind->len);
}

/* Text with every line after the first indented; a final newline waits for a NODE_BOL. */
static void put_text(struct gc_buf *out, const char *s, size_t len, const struct indent *ind)
{
	if (!ind) {
		gc_buf_raw(out, s, len);
		return;
	}
	size_t start = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] != '\n')
			continue;
		gc_buf_raw(out, s + start, i + 1 - start);
		put_indent(out, ind);
		start = i + 1;
	}
	gc_buf_raw(out, s + start, len - start);
}

/*
 * The spec's name resolution: "." is the top of the stack; otherwise the
 * first part is looked up from the top down in the contexts that are
 * objects, and the other parts only within what it found.
 */
static const json_t *resolve(const struct renderer *r, const struct node *nd)
{
	if (nd->nparts == 0)
		return r->depth ? r->stack[r->depth - 1] : NULL;
	const json_t *v = NULL;
	for (size_t i = r->depth; i-- > 0;) {
		if (json_is_object(r->stack[i])) {
			v = json_object_getn(r->stack[i], nd->parts[0].s, nd->parts[0].len);
			if (v)
				break;
		}
	}
	for (size_t k = 1; v && k < nd->nparts; k++)
		v = json_is_object(v) ? json_object_getn(v, nd->parts[k].s, nd->parts[k].len) : NULL;
	return v;
}

/*
 * Falsey as JavaScript's !!value, which the spec names: missing, null,
 * false, "", 0 and the empty list. Objects, even empty ones, are truthy.
 */
static bool truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return true;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_TRUE:
		return true;
	case JSON_FALSE:
	case JSON_NULL:
	default:
		return false;
	}
}

/*
 * A value as text: strings as they are, integers in decimal, reals in the
 * fewest digits that read back to the same double (1.21 as "1.21", not
 * "1.2099999999999999"), booleans as "true"/"false". null, objects and
 * lists give nothing: a template that prints a whole structure is a bug,
 * and an empty string is the least surprising output for it.
 */
static void put_value(struct gc_buf *out, const json_t *v, bool escape)
{
	char num[40];
	const char *s = NULL;
	size_t len = 0;

	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		len = json_string_length(v);
		break;
	case JSON_INTEGER: {
		int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		len = n > 0 ? (size_t)n : 0;
		break;
	}
	case JSON_REAL: {
		/* The process never changes LC_NUMERIC, so the decimal point is '.'. */
		double d = json_real_value(v);
		int n = 0;
		for (int prec = 15; prec <= 17; prec++) {
			n = snprintf(num, sizeof(num), "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		s = num;
		len = n > 0 ? (size_t)n : 0;
		break;
	}
	case JSON_TRUE:
		s = "true";
		len = 4;
		break;
	case JSON_FALSE:
		s = "false";
		len = 5;
		break;
	default:
		return;
	}
	if (escape)
		gc_buf_html(out, s, len);
	else
		gc_buf_raw(out, s, len);
}

static gc_status render_nodes(struct renderer *r, const struct node *nodes, size_t n, const struct indent *ind);

static gc_status render_pushed(struct renderer *r, const json_t *v, const struct node *nd, const struct indent *ind)
{
	if (r->nesting >= GC_MUSTACHE_MAX_DEPTH)
		return GC_ETOOBIG;
	r->nesting++;
	r->stack[r->depth++] = v;
	gc_status st = render_nodes(r, nd->children, nd->nchildren, ind);
	r->depth--;
	r->nesting--;
	return st;
}

static gc_status render_partial(struct renderer *r, const struct node *nd, const struct indent *ind)
{
	const struct gc_template *partial = r->lookup ? r->lookup(r->lookup_ctx, nd->str, nd->len) : NULL;
	if (!partial)
		return GC_OK;
	if (r->nesting >= GC_MUSTACHE_MAX_DEPTH)
		return GC_ETOOBIG;
	/*
	 * A standalone partial's lines take the indentation its line had in the
	 * (indented) source: the enclosing one plus its own blanks. An inline
	 * partial's lines were never lines of this source, so they get none.
	 */
	struct indent own = { .parent = ind, .s = nd->indent, .len = nd->indent_len };
	const struct indent *inner = NULL;
	if (nd->standalone)
		inner = nd->indent_len ? &own : ind;
	r->nesting++;
	gc_status st = render_nodes(r, partial->nodes, partial->nnodes, inner);
	r->nesting--;
	return st;
}

static gc_status render_nodes(struct renderer *r, const struct node *nodes, size_t n, const struct indent *ind)
{
	gc_status st = GC_OK;
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = &nodes[i];
		if (++r->steps > MUSTACHE_MAX_STEPS)
			return GC_ETOOBIG;
		if ((st = gc_buf_error(r->out)) != GC_OK)
			return st;
		switch (nd->type) {
		case NODE_TEXT:
			put_text(r->out, nd->str, nd->len, ind);
			break;
		case NODE_BOL:
			put_indent(r->out, ind);
			break;
		case NODE_ESCAPED:
		case NODE_RAW:
			put_value(r->out, resolve(r, nd), nd->type == NODE_ESCAPED);
			break;
		case NODE_SECTION: {
			const json_t *v = resolve(r, nd);
			if (!truthy(v))
				break;
			if (json_is_array(v)) {
				for (size_t k = 0; k < json_array_size(v) && !st; k++)
					st = render_pushed(r, json_array_get(v, k), nd, ind);
			} else {
				st = render_pushed(r, v, nd, ind);
			}
			break;
		}
		case NODE_INVERTED:
			if (!truthy(resolve(r, nd))) {
				if (r->nesting >= GC_MUSTACHE_MAX_DEPTH)
					return GC_ETOOBIG;
				r->nesting++;
				st = render_nodes(r, nd->children, nd->nchildren, ind);
				r->nesting--;
			}
			break;
		case NODE_PARTIAL:
			st = render_partial(r, nd, ind);
			break;
		}
		if (st)
			return st;
	}
	return gc_buf_error(r->out);
}

gc_status gc_mustache_render(const struct gc_template *tpl, const json_t *const *stack, size_t depth,
			     gc_partial_lookup lookup, void *lookup_ctx, struct gc_buf *out)
{
	const json_t *local[MUSTACHE_LOCAL_STACK + GC_MUSTACHE_MAX_DEPTH];
	struct renderer r = { .lookup = lookup, .lookup_ctx = lookup_ctx, .out = out, .stack = local };
	gc_status st = GC_OK;

	if (depth > MUSTACHE_LOCAL_STACK) {
		if (depth > SIZE_MAX / sizeof(*r.stack) - GC_MUSTACHE_MAX_DEPTH) {
			st = GC_ETOOBIG;
			goto out;
		}
		r.stack = malloc((depth + GC_MUSTACHE_MAX_DEPTH) * sizeof(*r.stack));
		if (!r.stack) {
			st = GC_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < depth; i++)
		r.stack[i] = stack[i];
	r.depth = depth;
	st = render_nodes(&r, tpl->nodes, tpl->nnodes, NULL);
out:
	if (r.stack != local)
		free(r.stack);
	return st;
}
