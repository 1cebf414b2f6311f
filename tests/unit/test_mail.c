/*
 * base/mail.h: the message's form, what it refuses, and one real delivery
 * to an SMTP server (Debian's aiosmtpd, writing a Maildir).
 */
#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/mail.h"

static struct gc_mail sample(void)
{
	return (struct gc_mail){
		.smtp_url = "smtp://127.0.0.1:25",
		.from = "noreply@cyber.example.org",
		.from_name = "GCSCP",
		.to = "amina@mfa.example.ke",
		.subject = "Your invitation",
		.text = "Hello,\nopen https://cyber.example.org/invitations/abc\n",
	};
}

/* The body's base64 lines decoded back to bytes. */
static char *decoded_body(const char *message)
{
	const char *body = strstr(message, "\r\n\r\n");
	cr_assert_not_null(body);
	body += 4;
	char *joined = calloc(1, strlen(body) + 1);
	size_t n = 0;
	for (const char *p = body; *p; p++)
		if (*p != '\r' && *p != '\n')
			joined[n++] = *p;
	unsigned char *out = calloc(1, n + 1);
	size_t out_len = 0;
	cr_assert_eq(sodium_base642bin(out, n + 1, joined, n, NULL, &out_len, NULL, sodium_base64_VARIANT_ORIGINAL),
		     0);
	free(joined);
	return (char *)out;
}

Test(mail, a_message_has_its_headers_and_a_crlf_body_in_base64)
{
	struct gc_mail m = sample();
	char *msg = NULL;
	size_t len = 0;
	cr_assert_eq(gc_mail_format(&m, 1795824000LL, "abc@cyber.example.org", &msg, &len), GC_OK);
	cr_assert_eq(strlen(msg), len);
	cr_assert_not_null(strstr(msg, "From: \"GCSCP\" <noreply@cyber.example.org>\r\n"));
	cr_assert_not_null(strstr(msg, "To: <amina@mfa.example.ke>\r\n"));
	cr_assert_not_null(strstr(msg, "Subject: Your invitation\r\n"));
	cr_assert_not_null(strstr(msg, "Date: Sat, 28 Nov 2026 00:00:00 +0000\r\n"));
	cr_assert_not_null(strstr(msg, "Message-ID: <abc@cyber.example.org>\r\n"));
	cr_assert_not_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\n"));
	cr_assert_not_null(strstr(msg, "Content-Transfer-Encoding: base64\r\n"));
	char *body = decoded_body(msg);
	cr_assert_str_eq(body, "Hello,\r\nopen https://cyber.example.org/invitations/abc\r\n");
	free(body);
	/* No line of the message is longer than RFC 5322's 78 characters. */
	for (const char *line = msg; *line;) {
		const char *end = strstr(line, "\r\n");
		size_t n = end ? (size_t)(end - line) : strlen(line);
		cr_assert_leq(n, 78, "line too long: %.*s", (int)n, line);
		line += n + (end ? 2 : 0);
	}
	free(msg);
}

Test(mail, a_non_ascii_subject_is_encoded_in_words_cut_between_characters)
{
	struct gc_mail m = sample();
	m.subject = "Приглашение на Глобальный портал сотрудничества в области кибербезопасности";
	char *msg = NULL;
	size_t len = 0;
	cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_OK);
	const char *subject = strstr(msg, "Subject: ");
	cr_assert_not_null(subject);
	/* Every encoded word decodes to whole UTF-8 characters, and together to the subject. */
	char rebuilt[512] = "";
	const char *p = subject;
	const char *end_of_headers = strstr(msg, "\r\n\r\n");
	while ((p = strstr(p, "=?UTF-8?B?")) && p < end_of_headers) {
		p += 10;
		const char *close = strstr(p, "?=");
		unsigned char piece[128];
		size_t n = 0;
		cr_assert_eq(sodium_base642bin(piece, sizeof(piece), p, (size_t)(close - p), NULL, &n, NULL,
					       sodium_base64_VARIANT_ORIGINAL),
			     0);
		cr_assert((piece[0] & 0xC0) != 0x80, "an encoded word starts inside a character");
		strncat(rebuilt, (const char *)piece, n);
		p = close + 2;
	}
	cr_assert_str_eq(rebuilt, m.subject);
	free(msg);
}

Test(mail, header_injection_and_bad_addresses_are_refused)
{
	char *msg = NULL;
	size_t len = 0;
	const char *bad_addresses[] = {
		"a@b.org\r\nBcc: x@evil.org", "a b@c.org", "<a@b.org>", "no-at-sign", "@b.org", "a@", "a@b@c.org",
		"a\"@b.org", "",
	};
	for (size_t i = 0; i < sizeof(bad_addresses) / sizeof(bad_addresses[0]); i++) {
		struct gc_mail m = sample();
		m.to = bad_addresses[i];
		cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_EINVAL, "to %s", bad_addresses[i]);
		m = sample();
		m.from = bad_addresses[i];
		cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_EINVAL, "from %s", bad_addresses[i]);
	}
	struct gc_mail m = sample();
	m.subject = "Hello\r\nBcc: x@evil.org";
	cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_EINVAL);
	m = sample();
	m.from_name = "GCSCP\" <evil@x.org>";
	cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_EINVAL);
	m = sample();
	m.smtp_url = "http://127.0.0.1:25";
	cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_EINVAL);
	m = sample();
	char *huge = malloc(GC_MAIL_MAX_BODY + 2);
	memset(huge, 'a', GC_MAIL_MAX_BODY + 1);
	huge[GC_MAIL_MAX_BODY + 1] = '\0';
	m.text = huge;
	cr_assert_eq(gc_mail_format(&m, 0, "x@y", &msg, &len), GC_ETOOBIG);
	free(huge);
	cr_assert_null(msg);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof(a);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static bool port_open(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* The one file in dir/new, read whole; NULL when there is none. */
static char *maildir_message(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/new", dir);
	DIR *d = opendir(path);
	if (!d)
		return NULL;
	struct dirent *e;
	char *text = NULL;
	while (!text && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char file[1024];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		FILE *f = fopen(file, "rb");
		if (!f)
			continue;
		text = calloc(1, 1 << 20);
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	closedir(d);
	return text;
}

static pid_t sink_pid;

/* Runs after the test even when an assertion failed, so no server outlives it. */
static void stop_sink(void)
{
	if (sink_pid > 0) {
		kill(sink_pid, SIGTERM);
		waitpid(sink_pid, NULL, 0);
		sink_pid = 0;
	}
}

Test(mail, a_message_reaches_a_real_smtp_server, .fini = stop_sink)
{
	if (access("/usr/bin/python3", X_OK) != 0)
		cr_skip_test("no /usr/bin/python3 (scripts/setup --test installs python3-aiosmtpd)");
	char dir[] = "/tmp/gcscp-mail-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	/* aiosmtpd's Maildir creates its tmp/new/cur only in a folder it creates. */
	char maildir[64];
	snprintf(maildir, sizeof(maildir), "%s/mail", dir);
	int port = free_port();
	char listen[64];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	pid_t pid = fork();
	sink_pid = pid;
	if (pid == 0) {
		/* The server goes when this test's process does, even after a failed assertion. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen, "-c",
		      "aiosmtpd.handlers.Mailbox", maildir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !port_open(port); i++)
		usleep(50000);
	cr_assert(port_open(port), "aiosmtpd did not start (is python3-aiosmtpd installed?)");

	cr_assert_eq(gc_mail_init(), GC_OK);
	char url[128];
	snprintf(url, sizeof(url), "smtp://%s", listen);
	struct gc_mail m = sample();
	m.smtp_url = url;
	m.subject = "Invitation · приглашение";
	char err[256];
	cr_assert_eq(gc_mail_send(&m, err, sizeof(err)), GC_OK, "%s", err);

	char *got = NULL;
	for (int i = 0; i < 100 && !(got = maildir_message(maildir)); i++)
		usleep(50000);
	stop_sink();
	cr_assert_not_null(got, "no message in the Maildir");
	cr_assert_not_null(strstr(got, "X-RcptTo: amina@mfa.example.ke"));
	cr_assert_not_null(strstr(got, "X-MailFrom: noreply@cyber.example.org"));
	cr_assert_not_null(strstr(got, "Subject: =?UTF-8?B?"));
	free(got);

	/* A server that is not there: an error, quickly, naming no password. */
	snprintf(url, sizeof(url), "smtp://user:s3cret@127.0.0.1:%d", free_port());
	m.smtp_url = url;
	time_t start = time(NULL);
	cr_assert_eq(gc_mail_send(&m, err, sizeof(err)), GC_EIO);
	cr_assert_leq(time(NULL) - start, GC_MAIL_TIMEOUT_S + 1);
	cr_assert_null(strstr(err, "s3cret"));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
