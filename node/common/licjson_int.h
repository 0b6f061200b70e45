/*  licjson_int.h -- helpers shared by licjson.c (events and views),
    licjson_catalogue.c (license types and the lateness report),
    licjson_status.c (status, digests, proofs) and licjson_entry.c (log
    entries), defined in licjson.c.  Not for use outside licjson.
*/
#ifndef LICREPO_LICJSON_INT_H
#define LICREPO_LICJSON_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "node/common/licjson.h"

//  Where a parse reports why it failed.
typedef struct {
    char *text;                         //  caller's buffer, may be NULL
    size_t size;                        //  its size
} licjson_why_t;

//  Writes the formatted explanation into w (if it has a buffer) and
//  returns rc.
int
    licjson_fail (licjson_why_t *w, int rc, const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Refuses any member of obj not named in allowed (NULL-terminated).
int
    licjson_check_keys (licjson_why_t *w, json_t *obj,
                        const char *const *allowed, const char *where);

//  Borrows the optional string member key into *dst (absent or null
//  leaves *dst alone).
int
    licjson_string (licjson_why_t *w, json_t *obj, const char *key,
                    char **dst);

//  Adds value under key; clears *ok if value is NULL or adding fails.
void
    licjson_set (json_t *obj, const char *key, json_t *value, bool *ok);

//  A JSON string of text; bytes that are not valid UTF-8 (which a peer
//  can send in a proto3 string) become '?' rather than failing.
json_t *
    licjson_str (const char *text);

//  Binary as a lower-case hex string.
json_t *
    licjson_hex (const uint8_t *data, size_t len);

//  An integer.
json_t *
    licjson_int (int64_t v);

//  Adds value under key, a string a peer sent (not UTF-8: '?'); clears
//  *ok as licjson_set does.
void
    licjson_set_text_key (json_t *obj, const char *key, json_t *value, bool *ok);

//  A CURVE key as Z85 (what key files hold); hex if not 32 bytes.
json_t *
    licjson_z85 (ProtobufCBinaryData key);

//  A list of CURVE keys, each as licjson_z85; NULL if out of memory.
json_t *
    licjson_z85_list (const ProtobufCBinaryData *keys, size_t n);

#endif
