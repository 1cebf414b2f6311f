// A real SMTP server for the tests: Debian's aiosmtpd (python3-aiosmtpd), writing every
// message it accepts into a Maildir. startSmtpSink() resolves with {url, messages(), stop()}.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort } from './server.mjs';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-aiosmtpd lives

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function portOpen(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port }, () => {
			socket.destroy();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});
}

/** A message from the Maildir: its headers (lower-case names) and its body decoded. */
function parse(text) {
	const split = text.indexOf('\n\n');
	const head = text.slice(0, split).replace(/\r/g, '');
	const headers = {};
	for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}
	let body = text.slice(split + 2);
	if (/base64/i.test(headers['content-transfer-encoding'] ?? '')) {
		body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	}
	const subject = (headers.subject ?? '').replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi,
		(_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
	return { headers, subject, body };
}

/** port: listen there (default: a free port), e.g. where a server was told a sink would be. */
export async function startSmtpSink({ port: wanted } = {}) {
	const dir = await mkdtemp(path.join(tmpdir(), 'gcscp-smtp-'));
	const maildir = path.join(dir, 'mail');
	const port = wanted ?? await freePort();
	const child = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
		{ stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	child.stderr.on('data', (d) => { stderr += d; });
	for (let i = 0; i < 200 && !(await portOpen(port)); i++) await sleep(25);
	assert.ok(await portOpen(port), `aiosmtpd did not start (is python3-aiosmtpd installed?): ${stderr}`);
	return {
		url: `smtp://127.0.0.1:${port}`,
		/** Every message received so far, oldest first. */
		async messages() {
			let names;
			try {
				names = (await readdir(path.join(maildir, 'new'))).sort();
			} catch {
				return [];
			}
			return Promise.all(names.map(async (n) => parse(await readFile(path.join(maildir, 'new', n), 'utf8'))));
		},
		async stop() {
			child.kill('SIGTERM');
			await rm(dir, { recursive: true, force: true });
		},
	};
}
