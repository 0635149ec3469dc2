/*
 * asan_shim.c — preloaded after libasan into Debian's postgres.
 *
 * libgpg-error's constructor calls bindtextdomain(), which takes glibc's
 * _nl_state_lock and then calls malloc().  If that malloc is the first call
 * into ASan, ASan initialises under the lock and deadlocks on it.  This
 * shim interposes bindtextdomain() and finishes ASan's initialisation
 * before the real one runs, so the lock is never held during it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

extern void __asan_init(void);

char	   *bindtextdomain(const char *domainname, const char *dirname);

char *
bindtextdomain(const char *domainname, const char *dirname)
{
	static char *(*real) (const char *, const char *);

	__asan_init();
	if (real == NULL)
		real = (char *(*) (const char *, const char *)) dlsym(RTLD_NEXT, "bindtextdomain");
	return real == NULL ? NULL : real(domainname, dirname);
}
