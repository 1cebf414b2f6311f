// A small PDF writer for the tests: real, multi-page PDF 1.4 files that
// pdftotext reads, made of uncompressed content streams with the standard
// Helvetica font, so no tool outside Node is needed. Text is ASCII.

/** Escapes a PDF literal string. */
function pdfString(s) {
	if (/[^\x20-\x7e]/.test(s)) throw new Error(`makePdf takes printable ASCII only: ${JSON.stringify(s)}`);
	return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

/**
 * A PDF with one page per entry of pages (each an array of lines of text).
 * Returns a Buffer. The cross-reference table's offsets are exact, so a
 * strict reader needs no repair.
 */
export function makePdf(pages, { title = 'Test document' } = {}) {
	const objects = []; // index i holds object i + 1
	const add = (body) => {
		objects.push(body);
		return objects.length;
	};
	const catalog = add(null);
	const pagesObj = add(null);
	const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
	const info = add(`<< /Title ${pdfString(title)} /Producer (gcscp tests) >>`);
	const kids = [];
	for (const lines of pages) {
		const ops = ['BT', '/F1 12 Tf', '14 TL', '72 760 Td'];
		for (const line of lines) ops.push(`${pdfString(line)} Tj`, 'T*');
		ops.push('ET');
		const content = ops.join('\n');
		const stream = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
		kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${stream} 0 R >>`));
	}
	objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
	objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;

	let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
	const offsets = [];
	objects.forEach((body, i) => {
		offsets.push(Buffer.byteLength(out, 'latin1'));
		out += `${i + 1} 0 obj\n${body}\nendobj\n`;
	});
	const xref = Buffer.byteLength(out, 'latin1');
	out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
	for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
	out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return Buffer.from(out, 'latin1');
}

/** The lines of a page of filler text, numbered so every page differs. */
export function fillerPage(n, lines = 40) {
	const out = [];
	for (let i = 0; i < lines; i++) out.push(`Page ${n}, line ${i + 1}: national cyber security strategy text for testing.`);
	return out;
}
