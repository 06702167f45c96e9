/*
 * runtime.h - the public interface of ocirun, a small OCI container runtime.
 *
 * ocirun is one C file (runtime.c) with no dependency beyond libc.  Built on
 * its own it is the `ocirun` command, a drop-in for runc.  A firmware project
 * can also compile runtime.c with -DOCIRUN_NO_MAIN into its own program and
 * drive containers through the calls below.
 *
 * Two rules for programs that link ocirun as a library:
 *
 *  1. ocirun starts the stages of a container (namespace setup, container
 *     init) by executing the running program again (/proc/self/exe) with
 *     argv[1] == OCIRUN_STAGE_ARG.  The host program must therefore call
 *     ocirun_stage_requested() first thing in main() and, when it returns
 *     true, hand over to ocirun_main():
 *
 *         int main(int argc, char **argv) {
 *             if (ocirun_stage_requested(argc, argv))
 *                 return ocirun_main(argc, argv);
 *             ...
 *         }
 *
 *  2. Every call returns 0 on success and -1 on failure; the failure's
 *     message (naming the file, field, syscall and errno involved) is then
 *     available from ocirun_last_error() until the next call.
 *
 * A container's state lives in <root>/<id>/ (root defaults to
 * OCIRUN_DEFAULT_ROOT).  No call leaves a process of ocirun's running after
 * it returns: the container's init is a child of the calling process (or of
 * its child subreaper once the caller exits).
 *
 * The host program's signals stay its own: for the length of a call
 * (ocirun_main's too) SIGCHLD is held and at its default, so a handler
 * that reaps every child takes no status of ocirun's stages (a SIGCHLD
 * that arrives meanwhile is delivered after the call), and SIGPIPE is
 * ignored; then the handlers and the mask are as they were.  No handler of
 * the host's runs in a child of ocirun's (which shares the host's memory
 * until it execs): signals are held across each clone, as posix_spawn
 * holds them.  A call that
 * succeeds leaves no failure behind (ocirun_last_error_code() is
 * OCIRUN_E_NONE).  The calls are not thread-safe: the error slot and the
 * state of a call are this process's; make them from one thread at a time.
 * An allocation that fails ends the process with status 125, as the
 * command does.
 */
#ifndef OCIRUN_RUNTIME_H
#define OCIRUN_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>

#define OCIRUN_VERSION "0.1.0"
#define OCIRUN_OCI_VERSION "1.2.0" /* runtime-spec version implemented */
#define OCIRUN_STAGE_ARG "__stage"
#ifndef OCIRUN_DEFAULT_ROOT
#define OCIRUN_DEFAULT_ROOT "/run/ocirun"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Options of ocirun_create(); zero-initialise, then set what you need. */
struct ocirun_create_opts {
    const char *bundle;    /* bundle directory (holds config.json); NULL = "." */
    const char *pid_file;  /* if set, init's host pid is written here */
    int no_pivot;          /* use MS_MOVE+chroot instead of pivot_root */
    int preserve_fds;      /* pass fds 3 .. 3+n-1 to the container process */
};

/* The state of a container as the OCI runtime spec defines it. */
struct ocirun_state {
    char id[256];
    char status[16];       /* "created", "running" or "stopped" */
    pid_t pid;             /* init's pid on the host, 0 when stopped */
    char bundle[4096];
};

/* The main entry point: parses a runc-style command line and runs it.
 * Returns the process exit status (for `run`, the container's). */
int ocirun_main(int argc, char **argv);

/* True when argv asks for one of ocirun's internal stages (see rule 1). */
int ocirun_stage_requested(int argc, char **argv);

/* Message of the last failure of a call in this process. */
const char *ocirun_last_error(void);

/* Kind of the last failure, for code to branch on (the message is for
 * people and may change). */
enum ocirun_error {
    OCIRUN_E_NONE = 0,
    OCIRUN_E_FAILED,       /* any other failure: the message says what */
    OCIRUN_E_NOT_FOUND,    /* no container of that id */
    OCIRUN_E_EXISTS,       /* create: the id is taken */
    OCIRUN_E_NOT_RUNNING,  /* the container has no process to act on */
    OCIRUN_E_BUSY,         /* another command held the container for too long */
    OCIRUN_E_DAMAGED,      /* its state is missing or unreadable: delete --force cleans up */
    OCIRUN_E_PEER,         /* a stage of ours died or sent garbage */
    OCIRUN_E_USAGE,        /* ocirun_main: the command line is wrong (a flag, the arguments) */
    OCIRUN_E_OUTPUT,       /* ocirun_main: stdout's reader is gone (EPIPE); nothing is printed */
};
int ocirun_last_error_code(void);

/* Lifecycle, as in the OCI runtime spec's "Operations".  `root` NULL means
 * OCIRUN_DEFAULT_ROOT. */
int ocirun_create(const char *root, const char *id,
                  const struct ocirun_create_opts *opts);
int ocirun_start(const char *root, const char *id);
int ocirun_kill(const char *root, const char *id, int sig, int all);
int ocirun_delete(const char *root, const char *id, int force);
int ocirun_state(const char *root, const char *id, struct ocirun_state *out);

#ifdef __cplusplus
}
#endif
#endif
