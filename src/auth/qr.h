/*
 * QR codes as inline SVG, for the TOTP enrolment page (the otpauth URI from
 * auth/totp.h), drawn with libqrencode.
 *
 * The output is one element the page can embed as trusted markup:
 *
 *   <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 N N" width="W" height="W"
 *        role="img" aria-label="LABEL" shape-rendering="crispEdges">
 *     <rect width="N" height="N" fill="#fff"/>
 *     <path fill="#000" d="M4 4h7v1h-7z..."/>
 *   </svg>
 *
 * (on one line). Error correction level M; a quiet zone of 4 modules on
 * every side, as ISO/IEC 18004 requires; one module is one SVG unit and
 * W = 4 px a unit by default (CSS may resize it: the viewBox keeps it
 * square and sharp). Every dark module is in the single <path>, a row's run
 * of dark modules as one rectangle; the white <rect> behind it keeps the
 * code readable on a dark page. There is no style attribute, <style> or
 * script: colours are presentation attributes, which the portal's CSP
 * allows. The label (say "Scan this code with your authenticator app", in
 * the user's language) is escaped with gc_buf_attr.
 *
 * A QR code of an otpauth URI carries the TOTP secret: the page showing it
 * must be sent with "Cache-Control: no-store", and the buffer wiped after.
 */
#ifndef GC_AUTH_QR_H
#define GC_AUTH_QR_H

#include "base/buf.h"
#include "base/status.h"

/* Pixels a module at the default size. */
#define GC_QR_MODULE_PX 4
/* Quiet zone, in modules. */
#define GC_QR_QUIET_ZONE 4

/*
 * Appends the SVG for text (NUL-terminated, encoded as 8-bit bytes) to out.
 * aria_label must be non-empty UTF-8.
 *   GC_OK        done
 *   GC_EINVAL    text or aria_label empty, or the label not acceptable text
 *   GC_ETOOBIG   text does not fit in the largest QR code (version 40-M
 *                holds 2,331 bytes), or out's maximum was reached
 *   GC_ENOMEM    out of memory
 * On failure out may hold part of the SVG: discard it.
 */
GC_MUST_CHECK gc_status gc_qr_svg(struct gc_buf *out, const char *text, const char *aria_label);

#endif
