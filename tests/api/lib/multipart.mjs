// multipart/form-data bodies for the upload tests, written by hand so a test
// controls every byte (names, filename*, declared types, truncation).

import { randomBytes } from 'node:crypto';

/**
 * parts: [{ name, value }] for fields, [{ name, filename, filenameStar, type, data }]
 * for files (data a Buffer or string; filenameStar an already percent-encoded
 * RFC 8187 value such as "UTF-8''r%C3%A9sum%C3%A9.pdf"). Returns
 * { body (Buffer), contentType, boundary }.
 */
export function multipart(parts, { boundary = `----gcscp${randomBytes(12).toString('hex')}` } = {}) {
	const chunks = [];
	for (const p of parts) {
		let disposition = `form-data; name="${p.name}"`;
		if (p.filename !== undefined) disposition += `; filename="${p.filename}"`;
		if (p.filenameStar !== undefined) disposition += `; filename*=${p.filenameStar}`;
		let head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n`;
		if (p.type) head += `Content-Type: ${p.type}\r\n`;
		head += '\r\n';
		chunks.push(Buffer.from(head, 'utf8'));
		const data = p.data ?? p.value ?? '';
		chunks.push(Buffer.isBuffer(data) ? data : Buffer.from(String(data), 'utf8'));
		chunks.push(Buffer.from('\r\n', 'latin1'));
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
	return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}`, boundary };
}
