/*  fuzz.c -- what the fuzz harnesses share (see fuzz.h).  */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tests/fuzz/fuzz.h"

#define S_SLOTS 4

void
fuzz_fail (const char *file, int line, const char *cond)
{
    fprintf (stderr, "%s:%d: property does not hold: %s\n", file, line, cond);
    abort ();
}

const fuzz_key_t *
fuzz_key (fuzz_key_id_t which)
{
    static fuzz_key_t keys [FUZZ_KEYS];
    static bool made;
    static const char *const divisions [FUZZ_KEYS] = {
        [FUZZ_KEY_PROVINCE] = FUZZ_DIV_PROVINCE, [FUZZ_KEY_CITY] = FUZZ_DIV_CITY,
        [FUZZ_KEY_COUNTY] = FUZZ_DIV_COUNTY, [FUZZ_KEY_COUNTY2] = FUZZ_DIV_COUNTY2,
    };
    if (!made) {
        for (int i = 0; i < FUZZ_KEYS; i++) {
            char label [64];
            uint8_t seed [SEAL_SEED_BYTES];
            int n = snprintf (label, sizeof label, "licrepo fuzz test key %d", i);
            seal_sha256 (seed, (const uint8_t *) label, (size_t) n);
            seal_keypair_seed (keys [i].pk, keys [i].sk, seed);
            keys [i].division = divisions [i];
        }
        made = true;
    }
    return which < FUZZ_KEYS? &keys [which]: NULL;
}

const fuzz_key_t *
fuzz_key_find (const uint8_t *pk, size_t len)
{
    for (int i = 0; pk && len == SEAL_PUBLIC_BYTES && i < FUZZ_KEYS; i++)
        if (memcmp (fuzz_key ((fuzz_key_id_t) i)->pk, pk, len) == 0)
            return fuzz_key ((fuzz_key_id_t) i);
    return NULL;
}

const char *
fuzz_file (int slot, const uint8_t *data, size_t size)
{
    static int fds [S_SLOTS] = { -1, -1, -1, -1 };
    static char paths [S_SLOTS][64];
    if (slot < 0 || slot >= S_SLOTS)
        abort ();
    if (fds [slot] < 0) {
        fds [slot] = memfd_create ("licrepo-fuzz", MFD_CLOEXEC);
        if (fds [slot] < 0 || fchmod (fds [slot], 0600) != 0) {
            perror ("memfd_create");
            abort ();
        }
        snprintf (paths [slot], sizeof paths [slot], "/proc/self/fd/%d", fds [slot]);
    }
    if (ftruncate (fds [slot], 0) != 0
    ||  (size && pwrite (fds [slot], data, size, 0) != (ssize_t) size)) {
        perror ("memfd write");
        abort ();
    }
    return paths [slot];
}

char *
fuzz_strndup (const uint8_t *data, size_t size)
{
    char *s = malloc (size + 1);
    if (!s)
        abort ();
    if (size)
        memcpy (s, data, size);
    s [size] = 0;
    return s;
}

void
fuzz_quiet_stdout (void)
{
    int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || dup2 (fd, STDOUT_FILENO) < 0)
        abort ();
    close (fd);
}
