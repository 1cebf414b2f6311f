// Starts and stops a real `gcscp serve` for the API tests, on a database of its own.
//
// Environment:
//   GCSCP_BIN          the binary under test (default: build/gcscp)
//   GCSCP_TEST_ENGINE  sqlite (default) or postgres
//   GCSCP_TEST_PG      postgresql://user@127.0.0.1:PORT/postgres, a cluster on which the
//                      tests may CREATE and DROP databases (needed for postgres)
//
// One server per test file: startServer() in a before() hook, server.stop() in after().
// stop() sends SIGTERM and asserts exit code 0 and no sanitizer report on stderr, so an
// ASan/UBSan/LSan finding anywhere in the file's run fails the file.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.resolve(ROOT, process.env.GCSCP_BIN || 'build/gcscp');
export const ENGINE = process.env.GCSCP_TEST_ENGINE || 'sqlite';

if (ENGINE !== 'sqlite' && ENGINE !== 'postgres') {
	throw new Error(`GCSCP_TEST_ENGINE must be sqlite or postgres, not ${JSON.stringify(ENGINE)}`);
}

// What ASan, LSan and UBSan print when they find something.
const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|WARNING: ThreadSanitizer/;

/** Fails when text holds a sanitizer report; what names the program for the message. */
export function assertNoSanitizerReport(text, what = 'gcscp') {
	const match = SANITIZER_REPORT.exec(text);
	if (match) {
		const from = Math.max(0, match.index - 200);
		assert.fail(`${what}: sanitizer report on stderr:\n${text.slice(from, from + 4000)}`);
	}
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a program to completion. Resolves with { code, signal, stdout, stderr, timedOut };
 * never rejects for a non-zero exit (the caller asserts what it expects).
 */
export function run(cmd, args, { env = {}, input, timeoutMs = 60000, cwd = ROOT } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			cwd,
			env: { ...process.env, ...env },
			stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
		});
		const out = [];
		const err = [];
		let timedOut = false;
		child.stdout.on('data', (d) => out.push(d));
		child.stderr.on('data', (d) => err.push(d));
		const timer = setTimeout(() => {
			timedOut = true;
			child.kill('SIGKILL');
		}, timeoutMs);
		child.on('error', (e) => {
			clearTimeout(timer);
			reject(new Error(`cannot run ${cmd}: ${e.message}`));
		});
		child.on('close', (code, signal) => {
			clearTimeout(timer);
			resolve({
				code,
				signal,
				timedOut,
				stdout: Buffer.concat(out).toString('utf8'),
				stderr: Buffer.concat(err).toString('utf8'),
			});
		});
		if (input !== undefined) child.stdin.end(input);
	});
}

/** Runs a program and fails unless it exits 0; resolves with its stdout. */
export async function runChecked(cmd, args, opts) {
	const r = await run(cmd, args, opts);
	if (r.code !== 0) {
		throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}:\n${r.stderr}${r.stdout}`);
	}
	return r.stdout;
}

/**
 * Runs `gcscp ARGS...`. Like run(), plus: a sanitizer report on stderr fails the
 * caller whatever the exit code (a refused start-up must be clean too).
 */
export async function runCli(args, opts = {}) {
	const r = await run(BIN, args, opts);
	assertNoSanitizerReport(r.stderr, `gcscp ${args.join(' ')}`);
	return r;
}

/** The route table from `gcscp routes`. */
export async function loadRoutes() {
	const r = await runCli(['routes']);
	assert.equal(r.code, 0, `gcscp routes exited ${r.code}: ${r.stderr}`);
	const routes = JSON.parse(r.stdout);
	assert.ok(Array.isArray(routes), 'gcscp routes prints a JSON array');
	return routes;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
	});
}

// --- databases -------------------------------------------------------------

function pgAdminUrl() {
	const url = process.env.GCSCP_TEST_PG;
	if (!url) {
		throw new Error('GCSCP_TEST_ENGINE=postgres needs GCSCP_TEST_PG=postgresql://user@127.0.0.1:PORT/postgres '
			+ '(scripts/test starts a throw-away cluster with tests/pg-cluster)');
	}
	return url;
}

/** The same server URL with another database name. */
function withDatabase(url, name) {
	const m = /^(postgres(?:ql)?:\/\/[^/?#]*)(?:\/[^?#]*)?(\?[^#]*)?$/.exec(url);
	if (!m) throw new Error(`GCSCP_TEST_PG is not a postgresql:// URL: ${url}`);
	return `${m[1]}/${name}${m[2] ?? ''}`;
}

/** Runs SQL with psql; resolves with its unaligned, tuples-only output. */
export function psql(url, sqlText) {
	return runChecked('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sqlText], {
		env: { PGCONNECT_TIMEOUT: '10' },
	});
}

/**
 * A fresh, empty database for one test file (or one test), with a data directory.
 * Returns { engine, url, dataDir, file (SQLite), name (PostgreSQL), sql(text), drop() }.
 * sql() runs text with the engine's command-line client and resolves with rows as
 * '|'-separated lines.
 */
export async function createDatabase({ engine = ENGINE } = {}) {
	const dataDir = await mkdtemp(path.join(tmpdir(), 'gcscp-test-'));
	if (engine === 'sqlite') {
		const file = path.join(dataDir, 'gcscp.db');
		return {
			engine,
			url: `sqlite:${file}`,
			dataDir,
			file,
			sql: (text) => runChecked('sqlite3', ['-batch', '-bail', '-noheader', '-list', file, text]),
			drop: () => rm(dataDir, { recursive: true, force: true }),
		};
	}
	const admin = pgAdminUrl();
	const name = `gcscp_test_${randomBytes(6).toString('hex')}`;
	await psql(admin, `CREATE DATABASE ${name}`);
	const url = withDatabase(admin, name);
	return {
		engine,
		url,
		dataDir,
		name,
		sql: (text) => psql(url, text),
		drop: async () => {
			try {
				await psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			} finally {
				await rm(dataDir, { recursive: true, force: true });
			}
		},
	};
}

/** Table name → row count, for every table of the database (to compare states). */
export async function tableCounts(db) {
	const listSql = db.engine === 'sqlite'
		? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
		: "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name";
	const names = (await db.sql(listSql)).split('\n').map((s) => s.trim()).filter(Boolean);
	// One statement for all tables (one client process, not one per table). Table names
	// come from the catalogue and are quoted as identifiers; the index names each row.
	const counts = {};
	if (names.length === 0) return counts;
	const parts = names.map((name, i) => `SELECT ${i}, count(*) FROM "${name.replaceAll('"', '""')}"`);
	for (const line of (await db.sql(parts.join(' UNION ALL '))).split('\n')) {
		if (!line.trim()) continue;
		const [index, count] = line.trim().split('|');
		counts[names[Number(index)]] = Number(count);
	}
	return counts;
}

// --- the server ----------------------------------------------------------------

function probe(port, pathName, timeoutMs) {
	return new Promise((resolve) => {
		const req = http.request({
			host: '127.0.0.1', port, path: pathName, method: 'GET', agent: false,
			headers: { Accept: 'application/json' },
		}, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
			res.on('error', () => resolve(0));
		});
		req.setTimeout(timeoutMs, () => req.destroy());
		req.on('error', () => resolve(0));
		req.end();
	});
}

const running = new Set();
process.on('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `gcscp serve` on a free port of 127.0.0.1 and waits until /healthz answers 200.
 *
 * Options:
 *   db        a database from createDatabase(); the caller then owns it (drops it).
 *             Without one, the server gets a fresh one, dropped by stop().
 *   args      extra arguments after the usual ones
 *   env       extra environment
 *   listen    false: pass no --listen (the caller sets GCSCP_LISTEN); then port is required
 *   port      the port to use (default: a free one)
 *   demo      run `gcscp migrate` and `gcscp demo` first
 *   waitMs    how long to wait for /healthz (default 30 s: ASan and PostgreSQL are slower)
 *
 * The result has url, port, db, logs (stderr lines parsed as JSON; null for a line that
 * is not JSON), lines (raw stderr lines), stdout(), stderr(), exited (a promise), waitForLog(),
 * and stop().
 */
export async function startServer(opts = {}) {
	const { args = [], env = {}, listen = true, demo = false, waitMs = 30000 } = opts;
	const ownsDb = !opts.db;
	const db = opts.db ?? await createDatabase();
	try {
		if (demo) {
			for (const cmd of ['migrate', 'demo']) {
				const r = await runCli([cmd, '--db', db.url, '--data', db.dataDir], { env });
				assert.equal(r.code, 0, `gcscp ${cmd} exited ${r.code}: ${r.stderr}`);
			}
		}
		let lastError;
		for (let attempt = 0; attempt < 3; attempt++) {
			const port = opts.port ?? await freePort();
			try {
				return await launch({ db, ownsDb, port, args, env, listen, waitMs });
			} catch (e) {
				lastError = e;
				// Only a lost race for the port is worth another try.
				if (opts.port || !/address already in use|EADDRINUSE|bind/i.test(e.message)) break;
			}
		}
		throw lastError;
	} catch (e) {
		if (ownsDb) await db.drop().catch(() => {});
		throw e;
	}
}

async function launch({ db, ownsDb, port, args, env, listen, waitMs }) {
	const argv = ['serve'];
	if (listen) argv.push('--listen', `127.0.0.1:${port}`);
	argv.push('--db', db.url, '--data', db.dataDir, '--insecure-cookies', ...args);

	const child = spawn(BIN, argv, { cwd: db.dataDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	running.add(child);
	const lines = [];
	const logs = [];
	const stdoutChunks = [];
	const stderrChunks = [];
	let partial = '';
	child.stdout.on('data', (d) => stdoutChunks.push(d));
	child.stderr.on('data', (d) => {
		stderrChunks.push(d);
		partial += d.toString('utf8');
		let nl;
		while ((nl = partial.indexOf('\n')) >= 0) {
			const line = partial.slice(0, nl);
			partial = partial.slice(nl + 1);
			lines.push(line);
			let parsed = null;
			try {
				parsed = JSON.parse(line);
			} catch {
				parsed = null;
			}
			logs.push(parsed);
		}
	});
	let exitInfo = null;
	const exited = new Promise((resolve) => {
		child.on('error', (e) => {
			exitInfo = { code: null, signal: null, error: e };
			running.delete(child);
			resolve(exitInfo);
		});
		child.on('close', (code, signal) => {
			exitInfo = { code, signal };
			running.delete(child);
			resolve(exitInfo);
		});
	});
	const stderr = () => Buffer.concat(stderrChunks).toString('utf8');

	const deadline = Date.now() + waitMs;
	for (;;) {
		if (exitInfo) {
			throw new Error(`gcscp serve exited (${exitInfo.error?.message ?? exitInfo.code ?? exitInfo.signal}) before answering /healthz:\n${stderr()}`);
		}
		if ((await probe(port, '/healthz', 2000)) === 200) break;
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			await exited;
			throw new Error(`gcscp serve did not answer GET /healthz with 200 within ${waitMs} ms:\n${stderr()}`);
		}
		await sleep(50);
	}

	let stopped = false;
	const server = {
		url: `http://127.0.0.1:${port}`,
		host: '127.0.0.1',
		port,
		db,
		child,
		lines,
		logs,
		exited,
		stderr,
		stdout: () => Buffer.concat(stdoutChunks).toString('utf8'),
		/** Log lines (parsed) since index from, optionally filtered. */
		since: (from, pred = () => true) => logs.slice(from).filter((l) => l && pred(l)),
		/** Waits until a parsed log line satisfies pred; resolves with it. */
		async waitForLog(pred, timeoutMs = 5000) {
			const end = Date.now() + timeoutMs;
			for (;;) {
				const hit = logs.find((l) => l && pred(l));
				if (hit) return hit;
				if (Date.now() > end) assert.fail(`no log line matched within ${timeoutMs} ms; stderr:\n${stderr().slice(-4000)}`);
				await sleep(20);
			}
		},
		/**
		 * Sends signal (SIGTERM) and waits for the exit. Asserts exit code 0 (or
		 * expectCode) within timeoutMs and no sanitizer report, then drops the
		 * database unless the caller owns it or keepDb is set. Safe to call twice.
		 */
		async stop({ signal = 'SIGTERM', expectCode = 0, timeoutMs = 15000, keepDb = false } = {}) {
			if (stopped) return exitInfo;
			stopped = true;
			try {
				if (!exitInfo) child.kill(signal);
				let timer;
				const timeout = new Promise((resolve) => {
					timer = setTimeout(() => resolve('timeout'), timeoutMs);
				});
				const outcome = await Promise.race([exited, timeout]);
				clearTimeout(timer);
				if (outcome === 'timeout') {
					child.kill('SIGKILL');
					await exited;
					assert.fail(`gcscp serve did not exit within ${timeoutMs} ms of ${signal}; stderr:\n${stderr().slice(-4000)}`);
				}
				assertNoSanitizerReport(stderr(), 'gcscp serve');
				assert.equal(exitInfo.signal, null, `gcscp serve died of ${exitInfo.signal}; stderr:\n${stderr().slice(-4000)}`);
				assert.equal(exitInfo.code, expectCode, `gcscp serve exited ${exitInfo.code} after ${signal}; stderr:\n${stderr().slice(-4000)}`);
				return exitInfo;
			} finally {
				if (ownsDb && !keepDb) await db.drop().catch(() => {});
			}
		},
	};
	return server;
}
