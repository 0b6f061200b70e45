/*  proofdoc.h -- a proof document (licjson.h) from a real tree, for the
    differential property of fuzz_proof and for its seeds.

    The tree's leaves are LogEntry bytes of the county (seq 1..n), their
    envelope bodies cut from the given bytes; the checkpoint is signed by
    the county's fixed test key and cosigned by the city's (a receipt),
    as licctl prove --witnessed writes it.
*/
#ifndef LICREPO_FUZZ_PROOFDOC_H
#define LICREPO_FUZZ_PROOFDOC_H

#include <stddef.h>
#include <stdint.h>
#include "tests/fuzz/fuzz.h"
#include "replication/merkle.h"
#include "proto/msg.h"

#define PROOFDOC_LEAVES_MAX 48
#define PROOFDOC_NAME       "licrepo/" FUZZ_DIV_COUNTY  //  the county's log and key name
#define PROOFDOC_WITNESS    "licrepo/" FUZZ_DIV_CITY    //  the city: its receipts

typedef struct {
    Lic__ProofResult proof;     //  points into the members below
    char origin [64];           //  PROOFDOC_NAME
    char *checkpoint;           //  the receipt: county's note, city's cosignature
    char *since;                //  the county's note at old_size ("" if none)
    uint8_t *leaves [PROOFDOC_LEAVES_MAX];  //  LogEntry bytes
    size_t leaf_lens [PROOFDOC_LEAVES_MAX];
    uint8_t root [MERKLE_HASH_BYTES];
    uint8_t old_root [MERKLE_HASH_BYTES];
    uint8_t inclusion [MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
    uint8_t consistency [MERKLE_PATH_MAX][MERKLE_HASH_BYTES];
    ProtobufCBinaryData inclusion_bin [MERKLE_PATH_MAX];
    ProtobufCBinaryData consistency_bin [MERKLE_PATH_MAX];
} proofdoc_t;

//  Builds the tree and the proofs described by data: leaves
//  1 + data [0] % PROOFDOC_LEAVES_MAX, inclusion of leaf data [1] % n,
//  consistency from size data [2] % (n + 1) (0: none), the receipt's
//  time from data [3..10] (big-endian, top bit cleared), envelope
//  bodies from the rest.  Needs at least 11 bytes; returns false
//  otherwise.  Aborts on any failure of the code building it.
bool
    proofdoc_make (proofdoc_t *self, const uint8_t *data, size_t size);

//  The document as licctl prove writes it (licjson_proof_to_json), as a
//  malloc'd JSON text.
char *
    proofdoc_json (const proofdoc_t *self);

//  Frees what proofdoc_make allocated.
void
    proofdoc_fini (proofdoc_t *self);

#endif
