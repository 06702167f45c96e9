/* subreaper CMD...: becomes a child subreaper (as containerd-shim and conmon
 * are), runs CMD (an `ocirun create`), then reports the parent of the pid
 * CMD wrote to $PIDFILE, and reaps every orphan until none is left,
 * printing "reaped PID STATUS" for each.  Used by test.sh to check that a
 * container's init ends up a child of the caller's subreaper. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2 || !getenv("PIDFILE")) { fprintf(stderr, "usage: PIDFILE=f subreaper cmd...\n"); return 2; }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) { perror("prctl"); return 2; }
    pid_t c = fork();
    if (c == 0) { execvp(argv[1], argv + 1); perror("exec"); _exit(127); }
    int st;
    if (waitpid(c, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) { fprintf(stderr, "create failed\n"); return 1; }
    FILE *f = fopen(getenv("PIDFILE"), "r");
    int pid = 0;
    if (!f || fscanf(f, "%d", &pid) != 1) { fprintf(stderr, "no pid file\n"); return 1; }
    fclose(f);
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (!(f = fopen(path, "r"))) { perror(path); return 1; }
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "PPid:", 5)) printf("init %d parent %d self %d\n", pid, atoi(line + 5), (int)getpid());
    fclose(f);
    fflush(stdout);
    /* the caller kills the container now; reap it */
    pid_t w;
    while ((w = wait(&st)) > 0)
        printf("reaped %d %s %d\n", (int)w, WIFSIGNALED(st) ? "signal" : "exit",
               WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)), fflush(stdout);
    return 0;
}
