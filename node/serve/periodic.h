/*  periodic.h -- what the main loop does on its own (periodic.c):
    checkpoints, the summary for the parent, metrics, the count of
    overdue inspections, recovery after a failed write, and a reload of
    the configuration on SIGHUP.
*/
#ifndef LICREPO_PERIODIC_H
#define LICREPO_PERIODIC_H

#include "node/serve/server_int.h"

//  Installs the SIGHUP handler; periodic_on_hangup reloads when it fired.
void
    periodic_watch_hangup (void);
void
    periodic_on_hangup (server_t *self);

//  Runs whatever is due (each task has its own period).
void
    periodic_tick (server_t *self);

#endif
