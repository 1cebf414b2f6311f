#include "auth/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "base/text.h"

gc_status gc_qr_svg(struct gc_buf *out, const char *text, const char *aria_label)
{
	QRcode *qr = NULL;
	size_t label_len;
	int size;
	gc_status st = GC_EINVAL;

	if (!out || !text || !text[0] || !aria_label || !(label_len = strlen(aria_label)) ||
	    !gc_text_acceptable_line(aria_label, label_len))
		return GC_EINVAL;
	/* Whole-string 8-bit mode, case kept: the otpauth URI's base32 secret
	 * and percent-encoding must come back byte for byte. */
	errno = 0;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr) {
		st = errno == ERANGE ? GC_ETOOBIG : errno == EINVAL ? GC_EINVAL : GC_ENOMEM;
		goto out;
	}
	size = qr->width + 2 * GC_QR_QUIET_ZONE;
	gc_buf_printf(out,
		      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		      "role=\"img\" aria-label=\"",
		      size, size, size * GC_QR_MODULE_PX, size * GC_QR_MODULE_PX);
	gc_buf_attr(out, aria_label, label_len);
	gc_buf_printf(out, "\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", size,
		      size);
	gc_buf_lit(out, "<path fill=\"#000\" d=\"");
	for (int y = 0; y < qr->width; y++) {
		const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;
		int x = 0;
		while (x < qr->width) {
			/* Bit 0 of each byte is the module's colour; the other
			 * bits describe its role, which drawing ignores. */
			if (!(row[x] & 1)) {
				x++;
				continue;
			}
			int start = x;
			while (x < qr->width && (row[x] & 1))
				x++;
			gc_buf_printf(out, "M%d %dh%dv1h-%dz", start + GC_QR_QUIET_ZONE, y + GC_QR_QUIET_ZONE,
				      x - start, x - start);
		}
	}
	gc_buf_lit(out, "\"/></svg>");
	st = gc_buf_error(out);
out:
	if (qr)
		QRcode_free(qr);
	return st;
}
