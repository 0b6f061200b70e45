/*  pbmut.h -- a structure-aware mutator for protobuf frames, without the
    schema.

    Our frames nest: a Repl holds a Batch holding LogEntry bytes holding
    an Envelope whose body is an Event whose content holds a Holder.  A
    byte-level mutation that changes a length deep inside breaks every
    length prefix around it, and the frame no longer decodes: most of the
    fuzzer's insertions and deletions would be wasted at the outer level.
    pbmut reads the wire format (tags, varints, fixed fields,
    length-delimited fields), descends into every length-delimited
    payload that itself reads as a message, picks one length-delimited
    field anywhere in that tree, lets libFuzzer mutate its payload, and
    writes the lengths on its path again.  Strings and bytes that happen
    to read as messages are descended too, harmlessly: their bytes are
    rewritten unchanged but for the mutated field.
*/
#ifndef LICREPO_PBMUT_H
#define LICREPO_PBMUT_H

#include <stddef.h>
#include <stdint.h>

//  Mutates data [0..size) in place (room for max_size bytes) and returns
//  the new size: with some probability, or when the input does not read
//  as a message, a plain LLVMFuzzerMutate of the whole; else the payload
//  of one length-delimited field chosen from seed.  For
//  LLVMFuzzerCustomMutator.
size_t
    pbmut_mutate (uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
