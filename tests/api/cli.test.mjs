// The command line: help, version, migrate, demo, routes, configuration precedence,
// and refusing to start on a database newer than the binary.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { getJson } from './lib/http.mjs';
import { createDatabase, freePort, ROOT, runCli, startServer, tableCounts } from './lib/server.mjs';

let version;
// A scratch directory: the working directory and --data of commands that should fail
// before touching anything, so that a bug cannot leave files in the source tree.
let scratch;
before(async () => {
	const meson = await readFile(`${ROOT}/meson.build`, 'utf8');
	version = /version\s*:\s*'([^']+)'/.exec(meson)[1];
	scratch = await mkdtemp(path.join(tmpdir(), 'gcscp-cli-'));
});
after(async () => {
	if (scratch) await rm(scratch, { recursive: true, force: true });
});

const dbArgs = (db) => ['--db', db.url, '--data', db.dataDir];

describe('help and version', () => {
	test('--version prints the version and exits 0', async () => {
		const r = await runCli(['--version']);
		assert.equal(r.code, 0, r.stderr);
		assert.ok(r.stdout.includes(version), `--version: ${r.stdout}`);
	});

	test('--help lists the commands and exits 0', async () => {
		const r = await runCli(['--help']);
		assert.equal(r.code, 0, r.stderr);
		for (const cmd of ['serve', 'migrate', 'demo', 'routes']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`), `--help mentions ${cmd}`);
	});

	test('help serve lists its options and exits 0', async () => {
		const r = await runCli(['help', 'serve']);
		assert.equal(r.code, 0, r.stderr);
		for (const opt of ['--listen', '--db', '--data', '--insecure-cookies', '--metrics-listen', '--metrics-token']) {
			assert.ok(r.stdout.includes(opt), `help serve mentions ${opt}`);
		}
		for (const env of ['GCSCP_LISTEN', 'GCSCP_DB', 'GCSCP_DATA']) assert.ok(r.stdout.includes(env), `help serve mentions ${env}`);
	});

	test('help migrate and help demo exit 0', async () => {
		for (const cmd of ['migrate', 'demo']) {
			const r = await runCli(['help', cmd]);
			assert.equal(r.code, 0, `help ${cmd}: ${r.stderr}`);
			assert.ok(r.stdout.includes('--db'), `help ${cmd} mentions --db`);
		}
	});

	test('an unknown command fails with a message on stderr', async () => {
		const r = await runCli(['no-such-command'], { cwd: scratch });
		assert.notEqual(r.code, 0);
		assert.ok(r.stderr.length > 0);
	});

	test('help for an unknown command fails', async () => {
		const r = await runCli(['help', 'no-such-command']);
		assert.notEqual(r.code, 0);
	});

	test('an unknown option fails without starting anything', async () => {
		const r = await runCli(['serve', '--no-such-option', '--data', scratch], { cwd: scratch, timeoutMs: 10000 });
		assert.equal(r.timedOut, false, 'serve returned at once');
		assert.notEqual(r.code, 0);
		assert.ok(r.stderr.includes('--no-such-option'), r.stderr);
	});

	test('a malformed --listen fails', async () => {
		for (const listen of ['127.0.0.1:99999', '127.0.0.1:abc', '127.0.0.1:-1', ':']) {
			const r = await runCli(['serve', '--listen', listen, '--data', scratch], { cwd: scratch, timeoutMs: 10000 });
			assert.equal(r.timedOut, false, `--listen ${listen}: returned at once`);
			assert.notEqual(r.code, 0, `--listen ${listen}`);
		}
	});
});

describe('routes', () => {
	test('gcscp routes prints the route table as JSON', async () => {
		const r = await runCli(['routes']);
		assert.equal(r.code, 0, r.stderr);
		const routes = JSON.parse(r.stdout);
		const show = routes.find((x) => x.name === 'countries.show');
		assert.equal(show.method, 'GET');
		assert.equal(show.pattern, '/countries/{iso3}');
		assert.equal(show.access, 'public');
		assert.equal(show.api_only, false);
		assert.ok(routes.some((x) => x.method === 'GET' && x.pattern === '/healthz'));
	});
});

describe('migrate', () => {
	let db;
	before(async () => {
		db = await createDatabase();
	});
	after(async () => {
		await db?.drop();
	});

	test('migrate creates the schema and exits 0', async () => {
		const r = await runCli(['migrate', ...dbArgs(db)]);
		assert.equal(r.code, 0, r.stderr);
		const rows = await db.sql("SELECT version FROM schema_migrations WHERE component = 'core'");
		assert.ok(rows.trim().length > 0, 'schema_migrations has the core component');
	});

	test('migrate again changes nothing', async () => {
		const list = () => db.sql('SELECT component, version, applied_at FROM schema_migrations ORDER BY component, version');
		const before1 = await list();
		const counts = await tableCounts(db);
		const r = await runCli(['migrate', ...dbArgs(db)]);
		assert.equal(r.code, 0, r.stderr);
		assert.equal(await list(), before1);
		assert.deepEqual(await tableCounts(db), counts);
	});

	test('a database newer than the binary is refused', async () => {
		await db.sql("INSERT INTO schema_migrations (component, version, applied_at) VALUES ('core', 999, '2026-01-01T00:00:00Z')");
		const port = await freePort();
		const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, ...dbArgs(db), '--insecure-cookies'], { timeoutMs: 20000 });
		assert.equal(r.timedOut, false, 'serve refused at once instead of starting');
		assert.notEqual(r.code, 0, 'non-zero exit');
		assert.match(r.stderr, /newer/, `stderr says why: ${r.stderr}`);
	});

	test('migrate refuses the newer database too, and leaves it alone', async () => {
		const counts = await tableCounts(db);
		const r = await runCli(['migrate', ...dbArgs(db)]);
		assert.notEqual(r.code, 0);
		assert.match(r.stderr, /newer/);
		assert.deepEqual(await tableCounts(db), counts);
	});
});

describe('demo', () => {
	let db;
	before(async () => {
		db = await createDatabase();
	});
	after(async () => {
		await db?.drop();
	});

	test('demo loads the demo data and exits 0', async () => {
		const r = await runCli(['demo', ...dbArgs(db)]);
		assert.equal(r.code, 0, r.stderr);
		const counts = await tableCounts(db);
		assert.ok(Object.values(counts).some((n) => n > 0), 'something was loaded');
	});

	test('demo again adds nothing', async () => {
		const counts = await tableCounts(db);
		const r = await runCli(['demo', ...dbArgs(db)]);
		assert.equal(r.code, 0, r.stderr);
		assert.deepEqual(await tableCounts(db), counts);
	});

	test('the server starts on the demo database', async () => {
		const server = await startServer({ db });
		try {
			const res = await getJson(server, '/healthz');
			assert.equal(res.status, 200);
		} finally {
			await server.stop();
		}
	});
});

describe('configuration', () => {
	test('GCSCP_DB and GCSCP_DATA configure migrate', async () => {
		const db = await createDatabase();
		try {
			const r = await runCli(['migrate'], { env: { GCSCP_DB: db.url, GCSCP_DATA: db.dataDir } });
			assert.equal(r.code, 0, r.stderr);
			assert.ok((await db.sql("SELECT count(*) FROM schema_migrations WHERE component = 'core'")).trim() !== '0');
		} finally {
			await db.drop();
		}
	});

	test('GCSCP_LISTEN sets the address', async () => {
		const port = await freePort();
		const server = await startServer({ listen: false, port, env: { GCSCP_LISTEN: `127.0.0.1:${port}` } });
		try {
			assert.equal((await getJson(server, '/healthz')).status, 200);
		} finally {
			await server.stop();
		}
	});

	test('--listen wins over GCSCP_LISTEN', async () => {
		const envPort = await freePort();
		const server = await startServer({ env: { GCSCP_LISTEN: `127.0.0.1:${envPort}` } });
		try {
			assert.notEqual(server.port, envPort);
			assert.equal((await getJson(server, '/healthz')).status, 200);
			await assert.rejects(getJson({ port: envPort }, '/healthz'), /ECONNREFUSED/);
		} finally {
			await server.stop();
		}
	});

	test('--db wins over GCSCP_DB', async () => {
		const other = await createDatabase();
		const server = await startServer({ env: { GCSCP_DB: other.url } });
		try {
			assert.equal((await getJson(server, '/healthz')).status, 200);
			assert.ok((await tableCounts(server.db)).schema_migrations > 0, 'the --db database was migrated');
			assert.equal((await tableCounts(other)).schema_migrations, undefined, 'the GCSCP_DB database was not touched');
		} finally {
			await server.stop();
			await other.drop();
		}
	});

	test('a database that cannot be reached stops serve with a message', async () => {
		const port = await freePort();
		const deadPort = await freePort();
		const r = await runCli(['serve', '--listen', `127.0.0.1:${port}`, '--db', `postgresql://postgres@127.0.0.1:${deadPort}/gcscp`,
			'--data', scratch], { cwd: scratch, timeoutMs: 30000 });
		assert.equal(r.timedOut, false, 'serve gave up instead of hanging');
		assert.notEqual(r.code, 0);
		assert.ok(r.stderr.length > 0);
	});

	test('a port in use stops serve with a message', async () => {
		const server = await startServer();
		try {
			const db = await createDatabase();
			try {
				const r = await runCli(['serve', '--listen', `127.0.0.1:${server.port}`, ...dbArgs(db), '--insecure-cookies'], { timeoutMs: 20000 });
				assert.equal(r.timedOut, false, 'serve gave up instead of hanging');
				assert.notEqual(r.code, 0);
			} finally {
				await db.drop();
			}
		} finally {
			await server.stop();
		}
	});
});
