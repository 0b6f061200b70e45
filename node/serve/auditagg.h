/*  auditagg.h -- refused requests counted per key per window and written
    as one aggregated audit record (README "Bounded resources").

    Every query is recorded (regulation Art. 14), but a refusal that
    reads nothing must not cost a node-signed, synced, replicated log
    entry each: 6,000 garbage frames in 2 s became 6,000 entries in every
    level's log.  The query module counts here the refusals it does not
    record one by one (frames that do not decode, requests over a key's
    rate, queries of keys that are not application bodies, a body's
    refusals past its own rate); each key's window opens with its first
    refusal and, once it is `window_ms` old, becomes one AuditRecord with
    count > 0: the key, the application body if it is one, when the
    window opened (window_start_ms), the number of each code
    (refusals) and the first refusal's code and reason.

    Pure bookkeeping: no I/O; time (unix ms) is an argument.  Memory is
    bounded: AUDITAGG_KEYS keys at once, past that one shared count.
*/
#ifndef LICREPO_AUDITAGG_H
#define LICREPO_AUDITAGG_H

#include <stdbool.h>
#include <stdint.h>
#include "proto/msg.h"

#define AUDITAGG_KEYS 4096          //  keys counted at once; past that, one shared count
#define AUDITAGG_WHY_MAX 256        //  bytes of the first refusal's reason kept

typedef struct auditagg_t auditagg_t;

//  Counts in windows of window_ms (>= 1).  NULL if out of memory.
auditagg_t *
    auditagg_new (int64_t window_ms);

//  Frees the counts not written (flush them first).
void
    auditagg_destroy (auditagg_t **self_p);

//  Counts one refused request at now_ms (unix ms) of CURVE key `key` (32
//  bytes, NULL if none), the application body body_code (NULL or "" if
//  the key is not one), refused with err_t `code` for reason `why` (kept
//  for the window's first refusal, cut at AUDITAGG_WHY_MAX on a
//  character boundary; it must be text).
void
    auditagg_count (auditagg_t *self, const uint8_t *key, const char *body_code, int code,
                    const char *why, int64_t now_ms);

//  Takes *rec_p (an aggregated record, all members malloc'd: free with
//  codec_audit_record_free) and nulls it, or returns false, leaving it,
//  when it cannot take it now (the pipeline is full).
typedef bool (auditagg_fn) (void *arg, Lic__AuditRecord **rec_p);

//  Hands fn the record of every window closed at now_ms (of every window
//  if all).  A window fn does not take stays, and keeps
//  counting, until a later flush: counts are never lost, a record may
//  be late.
void
    auditagg_flush (auditagg_t *self, int64_t now_ms, bool all, auditagg_fn *fn, void *arg);

//  Refusals counted and not yet handed out.
uint64_t
    auditagg_pending (auditagg_t *self);

#endif
