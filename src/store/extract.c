/*
 * Text extraction in resource-limited children: see store/extract.h.
 *
 * Between fork() and execve() the child of this multi-threaded process
 * calls nothing but system calls (setrlimit, open, dup2, close_range), so no
 * lock another thread held at the fork can hang it; everything it needs
 * (argv, envp) is built before the fork.
 */
#include "store/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/text.h"
#include "store/files.h"

#define PDFTOTEXT "/usr/bin/pdftotext"
#define UNZIP "/usr/bin/unzip"

void gc_extract_default_limits(struct gc_extract_limits *limits)
{
	limits->timeout_ms = GC_EXTRACT_TIMEOUT_MS;
	limits->cpu_s = GC_EXTRACT_CPU_S;
	limits->memory = GC_EXTRACT_MEMORY;
	limits->max_output = GC_EXTRACT_MAX_CHILD_OUTPUT;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Length of the longest prefix of s[0, n) that ends on a character boundary:
 * the last character is dropped when its lead byte announces more bytes than
 * are left. Reads s[0, n) only.
 */
static size_t char_boundary(const char *s, size_t n)
{
	size_t start = n;
	while (start > 0 && ((unsigned char)s[start - 1] & 0xc0) == 0x80)
		start--;
	if (start == 0)
		return 0; /* nothing but continuation bytes: no character ends here */
	unsigned char lead = (unsigned char)s[start - 1];
	size_t len = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return start - 1 + len > n ? start - 1 : n;
}

static void child_limits(const struct gc_extract_limits *l)
{
	struct rlimit r;
	r.rlim_cur = (rlim_t)l->cpu_s;
	r.rlim_max = (rlim_t)l->cpu_s + 1;
	setrlimit(RLIMIT_CPU, &r);
	r.rlim_cur = r.rlim_max = (rlim_t)l->memory;
	setrlimit(RLIMIT_AS, &r);
	r.rlim_cur = r.rlim_max = GC_EXTRACT_FILE_SIZE;
	setrlimit(RLIMIT_FSIZE, &r);
	r.rlim_cur = r.rlim_max = GC_EXTRACT_OPEN_FILES;
	setrlimit(RLIMIT_NOFILE, &r);
	r.rlim_cur = r.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &r);
}

/*
 * Runs argv[0] with argv, its standard output into a malloc'd buffer of at
 * most limits->max_output bytes (*truncated when it printed more, and was
 * killed for it).
 */
static gc_status run_child(char *const argv[], const struct gc_extract_limits *limits, char **out, size_t *len,
			   bool *truncated, char *err, size_t err_size)
{
	static char *const envp[] = { "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/nonexistent", NULL };
	int fds[2];
	*out = NULL;
	*len = 0;
	*truncated = false;
	size_t cap = limits->max_output;
	char *buf = malloc(cap + 1);
	if (!buf)
		return GC_ENOMEM;
	if (pipe(fds) != 0) {
		free(buf);
		snprintf(err, err_size, "cannot create a pipe");
		return GC_EIO;
	}
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		free(buf);
		snprintf(err, err_size, "cannot start %s", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
		return GC_EIO;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(126);
		if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
			for (int fd = 3; fd < 4096; fd++)
				close(fd);
		child_limits(limits);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(fds[1]);
	/* Messages name the tool, not where it lives (SECURITY.md O5). */
	const char *tool = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int64_t deadline = now_ms() + limits->timeout_ms;
	bool timed_out = false;
	gc_status st = GC_OK;
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			st = GC_EIO;
			break;
		}
		if (rc == 0)
			continue;
		if (*len == cap) {
			char scratch[1];
			ssize_t r = read(fds[0], scratch, 1);
			if (r > 0)
				*truncated = true;
			break;
		}
		ssize_t r = read(fds[0], buf + *len, cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	close(fds[0]);
	if (timed_out || *truncated || st != GC_OK)
		kill(pid, SIGKILL);
	int wstatus = 0;
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		snprintf(err, err_size, "%s took longer than %d s and was stopped", tool, limits->timeout_ms / 1000);
		st = GC_ETIMEOUT;
	} else if (st != GC_OK) {
		snprintf(err, err_size, "reading from %s failed", tool);
	} else if (*truncated) {
		st = GC_OK; /* killed by us for printing too much: keep the start */
	} else if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		snprintf(err, err_size, "%s was stopped by a resource limit (signal %d)", tool, sig);
		st = sig == SIGXCPU ? GC_ETIMEOUT : GC_ETOOBIG;
	} else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0) {
		snprintf(err, err_size, "%s could not read the file (exit status %d)", tool, WEXITSTATUS(wstatus));
		st = WEXITSTATUS(wstatus) >= 126 ? GC_EIO : GC_EINVAL;
	}
	if (st != GC_OK) {
		free(buf);
		*len = 0;
		return st;
	}
	buf[*len] = '\0';
	*out = buf;
	return GC_OK;
}

/* --- markup ----------------------------------------------------------------------- */

struct sink {
	char *p;
	size_t len, max;
	bool full;
	bool space; /* the last thing written was white space (or nothing) */
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (s->full)
		return;
	if (s->len + n > s->max) {
		n = char_boundary(p, s->max - s->len);
		s->full = true;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	if (n)
		s->space = p[n - 1] == ' ' || p[n - 1] == '\n';
}

static void put_space(struct sink *s, char c)
{
	if (!s->space || (c == '\n' && s->len && s->p[s->len - 1] != '\n'))
		put(s, &c, 1);
}

static void put_cp(struct sink *s, unsigned long cp)
{
	char b[4];
	size_t n;
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0x20)
		cp = cp == '\t' || cp == '\n' || cp == '\r' ? ' ' : 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	put(s, b, n);
}

static bool prefix_ci(const char *p, const char *end, const char *lower)
{
	size_t n = strlen(lower);
	if ((size_t)(end - p) < n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lower[i])
			return false;
	}
	return true;
}

/* An entity at p ('&'): decoded into s; returns the bytes consumed. */
static size_t entity(struct sink *s, const char *p, const char *end)
{
	static const struct {
		const char *name;
		unsigned cp;
	} named[] = {
		      { "amp;", 0x26 },
		      { "lt;", 0x3c },
		      { "gt;", 0x3e },
		      { "quot;", 0x22 },
		      { "apos;", 0x27 },
		      { "nbsp;", 0xa0 },
		      { "eacute;", 0xe9 },
		      { "egrave;", 0xe8 },
		      { "ecirc;", 0xea },
		      { "euml;", 0xeb },
		      { "agrave;", 0xe0 },
		      { "aacute;", 0xe1 },
		      { "acirc;", 0xe2 },
		      { "auml;", 0xe4 },
		      { "atilde;", 0xe3 },
		      { "aring;", 0xe5 },
		      { "ccedil;", 0xe7 },
		      { "iacute;", 0xed },
		      { "igrave;", 0xec },
		      { "icirc;", 0xee },
		      { "iuml;", 0xef },
		      { "oacute;", 0xf3 },
		      { "ograve;", 0xf2 },
		      { "ocirc;", 0xf4 },
		      { "ouml;", 0xf6 },
		      { "otilde;", 0xf5 },
		      { "uacute;", 0xfa },
		      { "ugrave;", 0xf9 },
		      { "ucirc;", 0xfb },
		      { "uuml;", 0xfc },
		      { "ntilde;", 0xf1 },
		      { "yacute;", 0xfd },
		      { "szlig;", 0xdf },
		      { "Eacute;", 0xc9 },
		      { "Egrave;", 0xc8 },
		      { "Ecirc;", 0xca },
		      { "Agrave;", 0xc0 },
		      { "Aacute;", 0xc1 },
		      { "Acirc;", 0xc2 },
		      { "Ccedil;", 0xc7 },
		      { "Oacute;", 0xd3 },
		      { "Ocirc;", 0xd4 },
		      { "Uacute;", 0xda },
		      { "Ntilde;", 0xd1 },
		      { "laquo;", 0xab },
		      { "raquo;", 0xbb },
		      { "lsquo;", 0x2018 },
		      { "rsquo;", 0x2019 },
		      { "ldquo;", 0x201c },
		      { "rdquo;", 0x201d },
		      { "ndash;", 0x2013 },
		      { "mdash;", 0x2014 },
		      { "hellip;", 0x2026 },
		      { "copy;", 0xa9 },
		      { "reg;", 0xae },
		      { "euro;", 0x20ac },
		      { "deg;", 0xb0 },
		      { "middot;", 0xb7 },
		      { "shy;", 0xad },
		      { "#39;", 0x27 } };
	for (size_t i = 0; i < GC_ARRAY_LEN(named); i++)
		if ((size_t)(end - p - 1) >= strlen(named[i].name) && memcmp(p + 1, named[i].name, strlen(named[i].name)) == 0) {
			put_cp(s, named[i].cp);
			return 1 + strlen(named[i].name);
		}
	if (end - p >= 3 && p[1] == '#') {
		const char *q = p + 2;
		bool hex = *q == 'x' || *q == 'X';
		if (hex)
			q++;
		unsigned long cp = 0;
		const char *digits = q;
		while (q < end && q - digits < 8 &&
		       ((*q >= '0' && *q <= '9') || (hex && ((*q >= 'a' && *q <= 'f') || (*q >= 'A' && *q <= 'F'))))) {
			int d = *q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			q++;
		}
		if (q > digits && q < end && *q == ';') {
			put_cp(s, cp);
			return (size_t)(q + 1 - p);
		}
	}
	put(s, "&", 1);
	return 1;
}

static bool block_tag(const char *name, size_t n, bool xml)
{
	static const char *const html[] = { "p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
					    "table", "ul", "ol", "section", "article", "blockquote", "pre", "hr", "td", "th" };
	if (xml)
		return (n == 3 && memcmp(name, "w:p", 3) == 0) || (n == 4 && memcmp(name, "w:br", 4) == 0);
	for (size_t i = 0; i < GC_ARRAY_LEN(html); i++)
		if (strlen(html[i]) == n && prefix_ci(name, name + n, html[i]))
			return true;
	return false;
}

gc_status gc_extract_markup(const char *in, size_t n, bool xml, size_t max, char **out, size_t *len)
{
	struct sink s = { .p = malloc(max + 1), .max = max, .space = true };
	if (!s.p)
		return GC_ENOMEM;
	const char *p = in, *end = in + n;
	while (p < end && !s.full) {
		if (*p == '<') {
			if (prefix_ci(p, end, "<!--")) {
				const char *q = p + 4;
				while (q < end && !(end - q >= 3 && q[0] == '-' && q[1] == '-' && q[2] == '>'))
					q++;
				p = q < end ? q + 3 : end;
				continue;
			}
			if (!xml && (prefix_ci(p, end, "<script") || prefix_ci(p, end, "<style"))) {
				const char *close = prefix_ci(p, end, "<script") ? "</script" : "</style";
				const char *q = p + 1;
				while (q < end && !prefix_ci(q, end, close))
					q++;
				p = q;
				while (p < end && *p != '>')
					p++;
				p = p < end ? p + 1 : end;
				continue;
			}
			const char *name = p + 1;
			if (name < end && *name == '/')
				name++;
			const char *q = name;
			while (q < end && *q != '>' && *q != ' ' && *q != '/' && *q != '\t' && *q != '\n' && *q != '\r')
				q++;
			size_t name_len = (size_t)(q - name);
			bool tab = xml && name_len == 5 && memcmp(name, "w:tab", 5) == 0;
			bool block = !tab && block_tag(name, name_len, xml);
			while (q < end && *q != '>')
				q++;
			p = q < end ? q + 1 : end;
			/* Inline tags separate nothing: "<b>H</b>ello" is one word, and so are Word's runs. */
			if (block)
				put_space(&s, '\n');
			else if (tab)
				put_space(&s, ' ');
			continue;
		}
		if (*p == '&') {
			p += entity(&s, p, end);
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			put_space(&s, ' ');
			p++;
			continue;
		}
		const char *q = p;
		while (q < end && *q != '<' && *q != '&' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
			q++;
		put(&s, p, (size_t)(q - p));
		p = q;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\n'))
		s.len--;
	s.p[s.len] = '\0';
	*out = s.p;
	*len = s.len;
	return GC_OK;
}

/* --- one file ---------------------------------------------------------------------- */

static gc_status read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t err_size)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err_size, "the stored file is missing");
		return GC_EIO;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size > max) {
		close(fd);
		snprintf(err, err_size, "the file is too large to index");
		return GC_ETOOBIG;
	}
	size_t size = (size_t)sb.st_size;
	char *buf = malloc(size + 1);
	size_t got = 0;
	while (buf && got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != size) {
		free(buf);
		snprintf(err, err_size, "the stored file could not be read");
		return buf ? GC_EIO : GC_ENOMEM;
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return GC_OK;
}

/* Keeps at most GC_EXTRACT_MAX_TEXT bytes of valid UTF-8 text; GC_EINVAL when it is not UTF-8. */
static gc_status finish_text(char *text, size_t *len, char *err, size_t err_size)
{
	if (*len > GC_EXTRACT_MAX_TEXT) {
		*len = char_boundary(text, GC_EXTRACT_MAX_TEXT);
		text[*len] = '\0';
	}
	/* A child cut short may end inside a character: drop that last, partial one. */
	size_t i = *len, k = 0;
	while (i > 0 && k < 4 && ((unsigned char)text[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	if (i > 0) {
		unsigned char lead = (unsigned char)text[i - 1];
		size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
		if (need > 1 && *len - (i - 1) < need) {
			*len = i - 1;
			text[*len] = '\0';
		}
	}
	if (!gc_utf8_valid(text, *len) || memchr(text, '\0', *len)) {
		snprintf(err, err_size, "the text is not valid UTF-8");
		return GC_EINVAL;
	}
	return GC_OK;
}

gc_status gc_extract_text(const char *path, const char *media, const struct gc_extract_limits *limits, char **out,
			  size_t *len, char *err, size_t err_size)
{
	char *raw = NULL;
	size_t raw_len = 0;
	bool truncated = false;
	gc_status st;
	*out = NULL;
	*len = 0;
	if (err_size)
		err[0] = '\0';
	if (strcmp(media, GC_MEDIA_PDF) == 0) {
		if (access(PDFTOTEXT, X_OK) != 0) {
			snprintf(err, err_size, "pdftotext is not installed");
			return GC_DECLINED;
		}
		char *argv[] = { PDFTOTEXT, "-q", "-enc", "UTF-8", "-eol", "unix", (char *)path, "-", NULL };
		struct gc_extract_limits l = *limits;
		if (l.max_output > GC_EXTRACT_MAX_TEXT + 4)
			l.max_output = GC_EXTRACT_MAX_TEXT + 4;
		st = run_child(argv, &l, &raw, &raw_len, &truncated, err, err_size);
		if (st != GC_OK)
			return st;
		/* pdftotext marks pages with form feeds. */
		for (size_t i = 0; i < raw_len; i++)
			if (raw[i] == '\f')
				raw[i] = '\n';
		st = finish_text(raw, &raw_len, err, err_size);
	} else if (strcmp(media, GC_MEDIA_DOCX) == 0) {
		if (access(UNZIP, X_OK) != 0) {
			snprintf(err, err_size, "unzip is not installed: DOCX files are kept but not indexed");
			return GC_DECLINED;
		}
		char *argv[] = { UNZIP, "-p", "-qq", (char *)path, "word/document.xml", NULL };
		char *xml = NULL;
		size_t xml_len = 0;
		st = run_child(argv, limits, &xml, &xml_len, &truncated, err, err_size);
		if (st != GC_OK)
			return st;
		if (xml_len == 0) {
			free(xml);
			snprintf(err, err_size, "the file has no word/document.xml");
			return GC_EINVAL;
		}
		st = gc_extract_markup(xml, xml_len, true, GC_EXTRACT_MAX_TEXT, &raw, &raw_len);
		free(xml);
		if (st == GC_OK)
			st = finish_text(raw, &raw_len, err, err_size);
	} else if (strcmp(media, GC_MEDIA_HTML) == 0 || strcmp(media, GC_MEDIA_TEXT) == 0) {
		char *file = NULL;
		size_t file_len = 0;
		st = read_file(path, (size_t)1 << 30, &file, &file_len, err, err_size);
		if (st != GC_OK)
			return st;
		if (!gc_utf8_valid(file, file_len)) {
			free(file);
			snprintf(err, err_size, "the text is not valid UTF-8");
			return GC_EINVAL;
		}
		if (strcmp(media, GC_MEDIA_HTML) == 0) {
			st = gc_extract_markup(file, file_len, false, GC_EXTRACT_MAX_TEXT, &raw, &raw_len);
			free(file);
		} else {
			raw = file;
			raw_len = file_len;
			st = GC_OK;
		}
		if (st == GC_OK)
			st = finish_text(raw, &raw_len, err, err_size);
	} else {
		snprintf(err, err_size, "no extractor for this type");
		return GC_DECLINED;
	}
	if (st != GC_OK) {
		free(raw);
		return st;
	}
	*out = raw;
	*len = raw_len;
	return GC_OK;
}
