/*
 * pause.c - the sandbox ("pause") process of tests/cri: built static with
 * musl-gcc -static -Os by tests/cri/cri.sh and shipped alone at /pause in a
 * hand-made OCI image.  As pid 1 of the pod it holds the pod's namespaces,
 * reaps every child (orphans of a shared pid namespace land here) and exits 0
 * on SIGTERM or SIGINT.  All signals are blocked and taken with sigwaitinfo,
 * so nothing races a handler.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	sigset_t set;
	siginfo_t si;

	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		switch (si.si_signo) {
		case SIGCHLD:
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			break;
		case SIGTERM:
		case SIGINT:
			return 0;
		default:
			break;
		}
	}
}
