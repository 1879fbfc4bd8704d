/*
 * nstrace's init: a runc-compatible nsexec constructor that writes one JSON-line trace
 * event per step. The constructor runs before main() of the `nstrace-init` executable,
 * acts only when _LIBCONTAINER_INITPIPE is set, and returns to main() only in stage-2,
 * which then calls nst_runtime_main() to read the exec request and execve the command.
 */
#pragma once

/* Reads the exec request from the init pipe and execs the command. Returns only on
 * failure, with the exit status main() should use (126/127 like a shell, 1 otherwise). */
int nst_runtime_main(void);

/* True when the constructor ran as the init (stage-2 returned to main). */
int nst_is_init(void);
