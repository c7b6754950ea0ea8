/*
 * format.h -- what a stored object's bytes are: the :format attribute
 * derived from content, the headers of an RFC 822 / RFC 5322 message, and
 * the civil-date arithmetic the store's dates share.
 *
 * The store (store/store.c) calls lo_format_detect() when an object is put
 * without a :format, and lo_format_is_message() / lo_message_headers() to
 * fill :author (From:), :title (Subject:) and :date of a mail
 * (docs/store-design.md, section 1).  Everything here is pure C over a
 * byte buffer: it reads only bytes[0 .. len), allocates nothing, never
 * touches the heap and calls nothing but the freestanding string
 * functions, so it is safe to run on any content a user stores (and
 * tests/unit/store_format.c runs it on random bytes under the sanitizers).
 */
#ifndef LO_STORE_FORMAT_H
#define LO_STORE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- formats ------------------------------------------------------------ */

/* How much of a buffer the text check reads (the rest is not looked at). */
#define LO_FORMAT_TEXT_PREFIX (64u * 1024u)

/*
 * The format of BYTES, as the name of its keyword in upper case without
 * the colon -- "PDF", "PNG", "JPEG", "GIF", "OGG", "FLAC", "MP3", "MP4",
 * "ZIP", "GZIP", "ELF", "HTML", "TEXT" -- or NULL when it is none of them
 * (an empty buffer, or binary data of an unknown kind).  The strings are
 * constants.
 *
 * Binary formats are recognised by their magic numbers at the start
 * (checked first, so "%PDF-1.4" is a PDF and not text), then HTML (markup
 * at the start, in any ASCII-compatible encoding), then TEXT: the first
 * LO_FORMAT_TEXT_PREFIX bytes are valid UTF-8 with no NUL and at most 1%
 * control characters other than tab, newline, carriage return and form
 * feed.  A mail is TEXT here (use lo_format_is_message to tell).
 *
 * A buffer longer than LO_FORMAT_TEXT_PREFIX may be a prefix of something
 * longer: a UTF-8 sequence cut by its end is accepted.  A buffer of at
 * most that size is taken as the whole content: a sequence cut by its end
 * makes it not text.
 */
const char *lo_format_detect(const unsigned char *bytes, size_t len);

/*
 * True when BYTES look like an RFC 822 / RFC 5322 message: they start
 * with header fields ("Name: value" lines, folded continuation lines
 * allowed; LF or CRLF line ends; an mbox "From " separator line first is
 * allowed) and, before the first empty line (or the end of the buffer),
 * at least two different ones of From:, Date:, Subject:, To:, Message-ID:,
 * Received:, Return-Path:, MIME-Version:.  Only the first
 * LO_MESSAGE_HEADER_MAX bytes are read.
 */
bool lo_format_is_message(const unsigned char *bytes, size_t len);

/* ---- message headers -------------------------------------------------- */

#define LO_MESSAGE_HEADER_MAX (256u * 1024u)
/* The size of a field's buffer, its terminating NUL included. */
#define LO_MESSAGE_FIELD_SIZE 512

/*
 * The headers a store entry takes from a message.  The text fields are
 * copies (they do not point into the input): NUL-terminated, unfolded,
 * trimmed of white space at both ends, RFC 2047 encoded-words decoded when
 * their charset is UTF-8, US-ASCII or ISO-8859-1 (converted to UTF-8;
 * other charsets, and words that decode to bad UTF-8 or control
 * characters, are kept as written), and cut at LO_MESSAGE_FIELD_SIZE - 1
 * bytes without splitting a UTF-8 sequence.
 */
struct lo_message_headers {
    bool has_sender;                      /* a From: field was found */
    char sender[LO_MESSAGE_FIELD_SIZE];   /* its value ("" without one) */
    size_t sender_len;                    /* strlen(sender) */
    bool has_subject;                     /* a Subject: field was found */
    char subject[LO_MESSAGE_FIELD_SIZE];
    size_t subject_len;
    bool has_date;          /* a Date: field was found */
    bool date_valid;        /* ... and it parsed (RFC 5322 section 3.3) */
    int64_t date;           /* then: seconds since 1970-01-01T00:00:00Z */
    int zone_minutes;       /* the zone as written, minutes east of UTC */
    bool zone_known;        /* false for -0000 and the military zones */
};

/*
 * Fill OUT from the first From:, Subject: and Date: fields of the message
 * BYTES.  Returns LO_OK, or LO_EINVAL (OUT cleared) when the content is
 * not a message (lo_format_is_message).  A missing or unparsable field is
 * not an error: its flags say so.
 */
int lo_message_headers(const unsigned char *bytes, size_t len,
                       struct lo_message_headers *out);

/*
 * Parse an RFC 5322 date-time (a Date: field's value, folding and
 * comments allowed): "[Fri,] 17 May 2013 14:30:05 +0200", seconds
 * optional, the obsolete forms of section 4.3 (two- and three-digit
 * years: 00-49 -> 2000-2049, 50-999 -> +1900; zones UT, GMT, EST, EDT,
 * CST, CDT, MST, MDT, PST, PDT; a one-letter military zone means -0000,
 * as the RFC says).  The names are case-insensitive; a day of the week
 * that does not match the date is not checked.  On success stores the
 * instant in *SECONDS (seconds since the epoch, UTC), the zone in
 * *ZONE_MINUTES (east of UTC) and whether the writer's zone is known in
 * *ZONE_KNOWN (false for -0000 and military zones), and returns true;
 * returns false (outputs untouched) for anything else.
 */
bool lo_message_parse_date(const unsigned char *s, size_t len,
                           int64_t *seconds, int *zone_minutes,
                           bool *zone_known);

/* ---- civil dates ------------------------------------------------------ */

/*
 * Days from 1970-01-01 to the date Y-M-D of the proleptic Gregorian
 * calendar (negative before; year 0 is 1 BC, -1 is 2 BC, ...).  M is
 * 1..12 and D is 1..31 (not checked against the month: D past the end
 * counts on into the next month).  Exact for |Y| < 2^40.
 */
int64_t lo_days_from_civil(int64_t y, unsigned m, unsigned d);

/* The inverse: the date DAYS after 1970-01-01 (|DAYS| < 2^45). */
void lo_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Days in month M (1..12) of year Y: 28 to 31; 0 for a bad month. */
unsigned lo_days_in_month(int64_t y, unsigned m);

#endif
