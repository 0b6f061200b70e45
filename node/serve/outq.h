/*  outq.h -- replies on a client-facing ROUTER with a bound on the bytes
    queued for each peer (README "Bounded resources": a client that read none of
    its 10,000 blob replies drove a node from 23 MiB to 1.9 GiB).

    libzmq bounds a peer's queue in messages (SNDHWM), not in bytes, and
    cannot say how many bytes one peer's queue holds.  So:

    - the socket's SNDHWM is OUTQ_SNDHWM and no reply is larger than
      CODEC_REPLY_MAX (the server refuses to send one that is): libzmq
      holds at most OUTQ_SNDHWM x CODEC_REPLY_MAX = 8 MiB for one peer
      (16 blob replies of 192 KiB: 3 MiB);
    - ZMQ_ROUTER_MANDATORY makes a send to a peer whose queue is full fail
      at once (EAGAIN) instead of blocking or dropping in silence;
    - such a reply waits here, parked, up to OUTQ_PARK_PEER bytes for the
      peer and OUTQ_PARK_MAX in all, and goes out in order as soon as the
      peer's queue has room (outq_flush, every turn of the server loop):
      a burst of small replies (a publisher's window of 256) is not lost
      because the I/O thread had not drained the pipe yet;
    - past that the reply is dropped, counted and logged (at most once a
      minute per peer), and the peer is congested: the server answers its
      requests ERR_BUSY without serving them until a reply to it goes out
      again (it read something).

    So a peer holds at most 9 MiB of replies in the node (8 MiB in
    libzmq, 1 MiB parked).  Runs in the server's thread.
*/
#ifndef LICREPO_OUTQ_H
#define LICREPO_OUTQ_H

#include <czmq.h>
#include "proto/codec.h"

#define OUTQ_SNDHWM 16                      //  replies libzmq queues per peer
#define OUTQ_RCVHWM 16                      //  requests libzmq queues per peer, inbound
#define OUTQ_PARK_PEER (1024 * 1024)        //  bytes parked for one peer
#define OUTQ_PARK_MAX (64 * 1024 * 1024)    //  bytes parked in all
#define OUTQ_PEERS_MAX 4096                 //  peers with replies parked, or congested
#define OUTQ_IDLE_MS 60000                  //  a congested peer forgotten after this long silent

typedef struct outq_t outq_t;

//  Replies on sock (a ROUTER with ZMQ_ROUTER_MANDATORY and SNDHWM
//  OUTQ_SNDHWM, borrowed: it outlives the queue); name is the socket's,
//  for log lines.  NULL if out of memory.
outq_t *
    outq_new (zsock_t *sock, const char *name);

//  Drops whatever is parked.
void
    outq_destroy (outq_t **self_p);

typedef enum {
    OUTQ_SENT = 0,                  //  in libzmq's queue for the peer
    OUTQ_PARKED = 1,                //  waiting here for room
    OUTQ_DROPPED = 2,               //  over the peer's budget: dropped, the peer congested
    OUTQ_GONE = 3                   //  no such peer (it disconnected): dropped
} outq_result_t;

//  Sends the reply (data, size: copied) to the peer of *route_p (taken:
//  destroyed and nulled).
outq_result_t
    outq_send (outq_t *self, zframe_t **route_p, const uint8_t *data, size_t size);

//  True if a reply to the peer of route was dropped and none has gone
//  out since: its requests are to be answered ERR_BUSY.
bool
    outq_congested (outq_t *self, zframe_t *route);

//  Sends what is parked, in order, as far as the peers' queues take it;
//  forgets congested peers silent for OUTQ_IDLE_MS.  Never blocks.
void
    outq_flush (outq_t *self);

//  Bytes parked now (the server polls sooner while any are).
size_t
    outq_parked (outq_t *self);

typedef struct {
    uint64_t parked;                //  replies that had to wait here
    uint64_t dropped;               //  replies dropped over a peer's budget
    uint64_t gone;                  //  replies to peers that had left
} outq_stats_t;

void
    outq_stats (outq_t *self, outq_stats_t *stats);

#endif
