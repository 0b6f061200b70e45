/*  replay.c -- main for a harness built without libFuzzer: runs
    LLVMFuzzerTestOneInput once on each file named, or on each file of
    each folder named (sorted, not recursive).  A property that fails
    aborts, as under libFuzzer.  meson test fuzz_<harness> runs it over
    tests/fuzz/corpus/<harness>, so the seeds, and any crash input added
    there as a regression, run in every build (gcc, ASan, valgrind).
*/
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "tests/fuzz/fuzz.h"

#define S_INPUT_MAX (16 * 1024 * 1024)

static int
s_run_file (const char *path)
{
    FILE *fp = fopen (path, "rb");
    uint8_t *data = malloc (S_INPUT_MAX);
    size_t size = fp && data? fread (data, 1, S_INPUT_MAX, fp): 0;
    bool ok = fp && data && !ferror (fp) && size < S_INPUT_MAX;
    if (fp)
        fclose (fp);
    if (!ok) {
        fprintf (stderr, "replay: cannot read %s\n", path);
        free (data);
        return -1;
    }
    //  An exact copy, so ASan sees a read past the input's end
    uint8_t *exact = malloc (size? size: 1);
    if (!exact)
        abort ();
    memcpy (exact, data, size);
    free (data);
    LLVMFuzzerTestOneInput (exact, size);
    free (exact);
    return 0;
}

static int
s_by_name (const struct dirent **a, const struct dirent **b)
{
    return strcmp ((*a)->d_name, (*b)->d_name);
}

int
main (int argc, char **argv)
{
    int runs = 0, errors = 0;
    LLVMFuzzerInitialize (&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat (argv [i], &st) != 0) {
            fprintf (stderr, "replay: %s: %s\n", argv [i], strerror (errno));
            errors++;
            continue;
        }
        if (!S_ISDIR (st.st_mode)) {
            errors += s_run_file (argv [i]) != 0;
            runs++;
            continue;
        }
        struct dirent **names;
        int n = scandir (argv [i], &names, NULL, s_by_name);
        if (n < 0) {
            fprintf (stderr, "replay: %s: %s\n", argv [i], strerror (errno));
            errors++;
            continue;
        }
        for (int k = 0; k < n; k++) {
            char path [4096];
            snprintf (path, sizeof path, "%s/%s", argv [i], names [k]->d_name);
            if (names [k]->d_name [0] != '.' && stat (path, &st) == 0 && S_ISREG (st.st_mode)) {
                errors += s_run_file (path) != 0;
                runs++;
            }
            free (names [k]);
        }
        free (names);
    }
    fprintf (stderr, "replayed %d inputs, %d unreadable\n", runs, errors);
    return errors || runs == 0? 1: 0;
}
