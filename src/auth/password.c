#include "auth/password.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "base/text.h"

/* Code points of a caller's context entry looked at (an organisation's name is far shorter). */
#define CONTEXT_MAX_CHARS 1024
/* A password with fewer distinct characters than this is too repetitive. */
#define MIN_DISTINCT 5
/* The pattern checks also run on the password without separators when that
 * leaves this many characters ("a-b-c-d-e-f-g-h-i-j-k-l"); fewer, and a
 * symbol-rich random password would be judged by its few letters. */
#define TRIVIAL_STRIPPED_MIN 10
_Static_assert(GC_PASSWORD_HASH_SIZE == crypto_pwhash_argon2id_STRBYTES, "the header's hash size is libsodium's");

/* The 64-byte HMAC in base64, with its NUL. */
#define PREHASH_B64_SIZE sodium_base64_ENCODED_LEN(crypto_auth_hmacsha512_BYTES, sodium_base64_VARIANT_ORIGINAL)

/* --- the common-password list ------------------------------------------- */

struct list_entry {
	const char *s; /* points into the embedded file, which lives as long as the program */
	size_t n;
};

/* Built once and kept until the process exits. */
static struct list_entry *list_entries;
static size_t list_count;
static gc_status list_status = GC_EINVAL;
static pthread_once_t list_once = PTHREAD_ONCE_INIT;

static int entry_cmp(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, n);
	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

static void list_load(void)
{
	const struct gc_embedded_file *f = gc_embedded_find(GC_PASSWORD_LIST_PATH);
	const char *p, *end;
	size_t lines = 0, i = 0;

	if (!f) {
		list_status = GC_ENOTFOUND;
		return;
	}
	p = (const char *)f->data;
	end = p + f->size;
	for (const char *q = p; q < end; q++)
		if (*q == '\n')
			lines++;
	list_entries = calloc(lines + 1, sizeof(*list_entries));
	if (!list_entries) {
		list_status = GC_ENOMEM;
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* Entries are compared as bytes against a folded password: an
		 * entry that is not clean UTF-8 could never match, so the file
		 * is broken and the build must say so (a unit test loads it). */
		if (n > GC_PASSWORD_MAX_BYTES || !gc_text_acceptable_line(p, n) || memchr(p, '\t', n)) {
			free(list_entries);
			list_entries = NULL;
			list_status = GC_EINVAL;
			return;
		}
		if (n > 0) {
			list_entries[i].s = p;
			list_entries[i].n = n;
			i++;
		}
		p += n + 1;
	}
	qsort(list_entries, i, sizeof(*list_entries), entry_cmp);
	list_count = i;
	list_status = GC_OK;
}

gc_status gc_password_init(void)
{
	pthread_once(&list_once, list_load);
	return list_status;
}

size_t gc_password_list_size(void)
{
	return gc_password_init() == GC_OK ? list_count : 0;
}

static bool list_has(const char *s, size_t n)
{
	struct list_entry key = { s, n };
	return n > 0 && bsearch(&key, list_entries, list_count, sizeof(*list_entries), entry_cmp) != NULL;
}

/* --- code points ---------------------------------------------------------- */

/* Decodes UTF-8 already checked by gc_text_acceptable_line(). */
static size_t decode(const char *s, size_t n, uint32_t *out, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, m = 0;
	while (i < n && m < max) {
		uint32_t c = u[i];
		int extra = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
		if (extra)
			c &= 0x3fu >> extra;
		for (int k = 1; k <= extra && i + (size_t)k < n; k++)
			c = (c << 6) | (u[i + (size_t)k] & 0x3f);
		i += (size_t)extra + 1;
		out[m++] = c;
	}
	return m;
}

/* Encodes code points as UTF-8 into out (4 bytes per point at most). */
static size_t encode(const uint32_t *cp, size_t m, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < m; i++) {
		uint32_t c = cp[i];
		if (c < 0x80) {
			out[n++] = (char)c;
		} else if (c < 0x800) {
			out[n++] = (char)(0xc0 | (c >> 6));
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			out[n++] = (char)(0xe0 | (c >> 12));
			out[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | (c >> 18));
			out[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return n;
}

/*
 * Simple one-to-one lower-casing for the cased scripts of the UN languages
 * (Latin, Greek, Cyrillic). Full Unicode case folding needs tables this
 * build does not carry; these ranges cover what users of the portal type.
 */
static uint32_t fold(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c == 0x130)
		return 'i'; /* capital I with dot: Turkish İ is i */
	if ((c >= 0x100 && c <= 0x12f) || (c >= 0x132 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return c | 1;
	if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) && (c & 1))
		return c + 1;
	if (c == 0x178)
		return 0xff;
	if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2)
		return c + 32;
	if (c == 0x3c2)
		return 0x3c3; /* final sigma compares as sigma */
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 37;
	if (c == 0x38c)
		return 0x3cc;
	if (c == 0x38e || c == 0x38f)
		return c + 63;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	if (c >= 0x460 && c <= 0x4ff && c != 0x4c0 && !(c >= 0x482 && c <= 0x489)) {
		/* Extended Cyrillic pairs upper (even) with lower (odd), except
		 * the run U+04C1-U+04CE, where upper is odd. */
		if (c >= 0x4c1 && c <= 0x4ce)
			return (c & 1) ? c + 1 : c;
		return c | 1;
	}
	return c;
}

static bool is_ascii_separator(uint32_t c)
{
	return c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

static bool is_word_separator(uint32_t c)
{
	return is_ascii_separator(c) || c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200b);
}

static bool is_edge_noise(uint32_t c)
{
	return (c >= '0' && c <= '9') || is_ascii_separator(c);
}

/* Removes ASCII separators (space, punctuation, symbols) from cp. */
static size_t strip_separators(const uint32_t *cp, size_t m, uint32_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (!is_ascii_separator(cp[i]))
			out[k++] = cp[i];
	return k;
}

/* Is cp[0..m) in the list, as is or with digits and symbols trimmed from both ends? */
static bool list_has_cp(const uint32_t *cp, size_t m, char *scratch)
{
	size_t a = 0, b = m;
	if (list_has(scratch, encode(cp, m, scratch)))
		return true;
	while (a < b && is_edge_noise(cp[a]))
		a++;
	while (b > a && is_edge_noise(cp[b - 1]))
		b--;
	if (b - a == m || b == a)
		return false;
	return list_has(scratch, encode(cp + a, b - a, scratch));
}

/* --- trivial patterns ----------------------------------------------------- */

/*
 * Keyboard rows and columns read in order, US QWERTY first, then the
 * AZERTY, QWERTZ and Russian ЙЦУКЕН layouts used at the UN: a password
 * that is a stretch of one of them (either way) is a walk, not a secret.
 */
static const char *const keyboard_walks[] = {
	"`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./",
	"1234567890qwertyuiopasdfghjklzxcvbnm",
	"qwertyuiopasdfghjklzxcvbnmqwertyuiop",
	"azertyuiopqsdfghjklmwxcvbnazertyuiop",
	"qwertzuiopasdfghjklyxcvbnmqwertzuiop",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
	"qazwsxedcrfvtgbyhnujmikolp",
	"zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
	"!qaz@wsx#edc$rfv%tgb^yhn&ujm*ik<(ol>)p:?",
	"1q2w3e4r5t6y7u8i9o0p",
	"q1w2e3r4t5y6u7i8o9p0",
	"7894561230789456123",
	"йцукенгшщзхъфывапролджэячсмитьбю",
	"ё1234567890-=йцукенгшщзхъ\\фывапролджэячсмитьбю.",
};

static bool contains_cp(const uint32_t *hay, size_t n, const uint32_t *needle, size_t k)
{
	if (k == 0 || k > n)
		return false;
	for (size_t i = 0; i + k <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, k * sizeof(*needle)) == 0)
			return true;
	return false;
}

static bool is_keyboard_walk(const uint32_t *cp, size_t m)
{
	uint32_t walk[64], rev[64];
	for (size_t w = 0; w < GC_ARRAY_LEN(keyboard_walks); w++) {
		const char *s = keyboard_walks[w];
		size_t k = decode(s, strlen(s), walk, GC_ARRAY_LEN(walk));
		for (size_t i = 0; i < k; i++)
			rev[i] = walk[k - 1 - i];
		if (contains_cp(walk, k, cp, m) || contains_cp(rev, k, cp, m))
			return true;
	}
	return false;
}

/* The step from a to b, wrapping within digits and within letters, so
 * "...7890123..." and "...xyzabc..." keep a constant step. */
static int64_t step_between(uint32_t a, uint32_t b)
{
	if (a >= '0' && a <= '9' && b >= '0' && b <= '9')
		return ((int64_t)b - a + 10) % 10;
	if (a >= 'a' && a <= 'z' && b >= 'a' && b <= 'z')
		return ((int64_t)b - a + 26) % 26;
	return (int64_t)b - (int64_t)a;
}

/* Predictable from its first character alone (or its first few). */
static bool is_trivial(const uint32_t *cp, size_t m)
{
	uint32_t seen[MIN_DISTINCT];
	size_t distinct = 0;
	bool constant_step = true;

	for (size_t i = 0; i < m && distinct < MIN_DISTINCT; i++) {
		size_t j = 0;
		while (j < distinct && seen[j] != cp[i])
			j++;
		if (j == distinct)
			seen[distinct++] = cp[i];
	}
	if (distinct < MIN_DISTINCT)
		return true;
	/* "a, a+s, a+2s, ...": "123456789012345", "zyxwvu...", "acegik..." */
	for (size_t i = 2; i < m && constant_step; i++)
		constant_step = step_between(cp[i - 1], cp[i]) == step_between(cp[0], cp[1]);
	if (constant_step)
		return true;
	/* A repeated unit is only as strong as the unit: refuse when the unit
	 * is shorter than the minimum length ("abcabcabc...", "iloveyouiloveyou"). */
	for (size_t p = 1; p < GC_PASSWORD_MIN_CHARS && p <= m / 2; p++) {
		size_t i = p;
		while (i < m && cp[i] == cp[i - p])
			i++;
		if (i == m)
			return true;
	}
	return is_keyboard_walk(cp, m);
}

/* --- context words -------------------------------------------------------- */

static bool contains_word(const uint32_t *pw, size_t m, const uint32_t *pw_stripped, size_t ms, const uint32_t *w,
			  size_t k)
{
	if (k < GC_PASSWORD_CONTEXT_MIN_CHARS)
		return false;
	return contains_cp(pw, m, w, k) || contains_cp(pw_stripped, ms, w, k);
}

/* Does the password contain entry (whole, or any of its words)? */
static bool hits_context(const uint32_t *pw, size_t m, const uint32_t *pw_stripped, size_t ms, const char *entry)
{
	uint32_t cp[CONTEXT_MAX_CHARS], cp_stripped[CONTEXT_MAX_CHARS];
	size_t n = strlen(entry), k, start = 0;
	const char *at = memchr(entry, '@', n);
	bool hit = false;

	if (!gc_utf8_valid(entry, n))
		return false;
	/* An e-mail address: its local part is what people reuse ("jane.doe"). */
	if (at) {
		const char *last = at;
		while ((at = memchr(last + 1, '@', n - (size_t)(last + 1 - entry))) != NULL)
			last = at;
		n = (size_t)(last - entry);
	}
	k = decode(entry, n, cp, GC_ARRAY_LEN(cp));
	for (size_t i = 0; i < k; i++)
		cp[i] = fold(cp[i]);
	hit = contains_word(pw, m, pw_stripped, ms, cp, k);
	for (size_t i = 0; i <= k && !hit; i++) {
		if (i == k || is_word_separator(cp[i])) {
			hit = contains_word(pw, m, pw_stripped, ms, cp + start, i - start);
			start = i + 1;
		}
	}
	/* "jo.li" is also "joli": short parts can make a long enough word. */
	if (!hit) {
		size_t ks = strip_separators(cp, k, cp_stripped);
		hit = ks < k && contains_word(pw_stripped, ms, pw_stripped, ms, cp_stripped, ks);
	}
	sodium_memzero(cp, sizeof(cp));
	sodium_memzero(cp_stripped, sizeof(cp_stripped));
	return hit;
}

static const char *const builtin_context[] = { "gcscp", "cyber" };

gc_status gc_password_check(const char *password, size_t len, const char *const *context, size_t n_context,
			    const char **reason)
{
	uint32_t pw[GC_PASSWORD_MAX_CHARS], stripped[GC_PASSWORD_MAX_CHARS];
	char scratch[GC_PASSWORD_MAX_BYTES + 1];
	size_t m = 0, ms = 0, chars;
	gc_status st;

	*reason = "password.invalid";
	st = gc_password_init();
	if (st != GC_OK)
		return st;
	if (!password) {
		*reason = "password.too_short";
		return GC_EINVAL;
	}
	if (len > GC_PASSWORD_MAX_BYTES) {
		*reason = "password.too_long";
		return GC_EINVAL;
	}
	/* Control characters cannot be typed reliably and break logs and
	 * forms; bidi controls make a password look unlike itself. */
	if (!gc_text_acceptable_line(password, len) || memchr(password, '\t', len)) {
		*reason = "password.invalid";
		return GC_EINVAL;
	}
	chars = gc_utf8_length(password, len);
	if (chars < GC_PASSWORD_MIN_CHARS) {
		*reason = "password.too_short";
		return GC_EINVAL;
	}
	if (chars > GC_PASSWORD_MAX_CHARS) {
		*reason = "password.too_long";
		return GC_EINVAL;
	}
	m = decode(password, len, pw, GC_ARRAY_LEN(pw));
	for (size_t i = 0; i < m; i++)
		pw[i] = fold(pw[i]);
	ms = strip_separators(pw, m, stripped);

	st = GC_EINVAL;
	*reason = "password.common";
	if (list_has_cp(pw, m, scratch) || list_has_cp(stripped, ms, scratch))
		goto out;
	if (is_trivial(pw, m) || (ms >= TRIVIAL_STRIPPED_MIN && is_trivial(stripped, ms)))
		goto out;
	*reason = "password.context";
	for (size_t i = 0; i < GC_ARRAY_LEN(builtin_context); i++)
		if (hits_context(pw, m, stripped, ms, builtin_context[i]))
			goto out;
	for (size_t i = 0; i < n_context; i++)
		if (context && context[i] && hits_context(pw, m, stripped, ms, context[i]))
			goto out;
	*reason = NULL;
	st = GC_OK;
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(stripped, sizeof(stripped));
	sodium_memzero(scratch, sizeof(scratch));
	return st;
}

/* --- hashing -------------------------------------------------------------- */

static void cost_limits(enum gc_password_cost cost, unsigned long long *ops, size_t *mem)
{
	switch (cost) {
	case GC_PASSWORD_COST_MODERATE:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_MODERATE;
		return;
	case GC_PASSWORD_COST_MIN:
		*ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
		*mem = crypto_pwhash_argon2id_MEMLIMIT_MIN;
		return;
	case GC_PASSWORD_COST_INTERACTIVE:
		break;
	}
	*ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
	*mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
}

/*
 * base64(HMAC-SHA-512(pepper, password)): the pepper makes a stolen
 * database useless without the secrets directory, and the fixed-size result
 * means Argon2 sees every byte of every password through the same input.
 */
static void prehash(const struct gc_secrets *secrets, const char *password, size_t len, char out[PREHASH_B64_SIZE])
{
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	crypto_auth_hmacsha512_state state;

	crypto_auth_hmacsha512_init(&state, secrets->pepper, sizeof(secrets->pepper));
	crypto_auth_hmacsha512_update(&state, (const unsigned char *)password, len);
	crypto_auth_hmacsha512_final(&state, mac);
	sodium_bin2base64(out, PREHASH_B64_SIZE, mac, sizeof(mac), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(mac, sizeof(mac));
	sodium_memzero(&state, sizeof(state));
}

gc_status gc_password_hash(const struct gc_secrets *secrets, const char *password, size_t len,
			   enum gc_password_cost cost, char out[GC_PASSWORD_HASH_SIZE])
{
	char pre[PREHASH_B64_SIZE];
	unsigned long long ops;
	size_t mem;
	gc_status st = GC_OK;

	if (!secrets || !password || len == 0)
		return GC_EINVAL;
	if (len > GC_PASSWORD_MAX_BYTES)
		return GC_ETOOBIG;
	cost_limits(cost, &ops, &mem);
	prehash(secrets, password, len, pre);
	/* The only failure crypto_pwhash reports for valid limits is memory. */
	if (crypto_pwhash_argon2id_str(out, pre, strlen(pre), ops, mem) != 0)
		st = GC_ENOMEM;
	sodium_memzero(pre, sizeof(pre));
	return st;
}

static bool stored_ok(const char *stored)
{
	static const char prefix[] = "$argon2id$";
	return stored && strnlen(stored, GC_PASSWORD_HASH_SIZE) < GC_PASSWORD_HASH_SIZE &&
	       strncmp(stored, prefix, sizeof(prefix) - 1) == 0;
}

gc_status gc_password_verify(const struct gc_secrets *secrets, const char *stored, const char *password, size_t len)
{
	char pre[PREHASH_B64_SIZE];
	gc_status st = GC_EINVAL;

	if (!secrets || !password || len == 0 || len > GC_PASSWORD_MAX_BYTES || !stored_ok(stored))
		return GC_EINVAL;
	prehash(secrets, password, len, pre);
	if (crypto_pwhash_argon2id_str_verify(stored, pre, strlen(pre)) == 0)
		st = GC_OK;
	sodium_memzero(pre, sizeof(pre));
	return st;
}

bool gc_password_needs_rehash(const char *stored, enum gc_password_cost cost)
{
	unsigned long long ops;
	size_t mem;

	if (!stored_ok(stored))
		return true;
	cost_limits(cost, &ops, &mem);
	return crypto_pwhash_argon2id_str_needs_rehash(stored, ops, mem) != 0;
}
