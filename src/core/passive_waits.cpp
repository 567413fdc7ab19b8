// OpenMP threads that sleep when they wait (issue 19), linked into each of lsc's executables (the
// lsc command, the benchmarks, the tests; the Python package does the same in lsc/__init__.py).
//
// libgomp's default is to spin for about 3 ms at every barrier and at the end of every parallel
// region before it blocks. On a machine whose cores other processes share, the spinning thread
// takes the time slice the thread it waits for needs. OMP_WAIT_POLICY=passive makes the threads
// block at once.
//
// libgomp reads its environment once, in its library constructor, before main() and before any
// constructor of this program. A function in .preinit_array runs before the libraries'
// constructors, but setenv() there does not last: libc's own constructor, which runs next, resets
// environ to the environment the process started with (glibc 2.36: libgomp still reported
// GOMP_SPINCOUNT 300000). So where the user chose neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, the
// program starts itself again, from .preinit_array (nothing has run yet, about 15 ms), with
// OMP_WAIT_POLICY=passive added; child processes inherit it. Without /proc it runs on with
// libgomp's default.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

bool has_variable(char** envp, const char* name) {
  const std::size_t n = std::strlen(name);
  for (char** e = envp; *e; ++e)
    if (std::strncmp(*e, name, n) == 0 && (*e)[n] == '=') return true;
  return false;
}

// Runs before libc is initialized: only malloc, string functions and the system call.
void passive_openmp_waits(int, char** argv, char** envp) {
  if (!envp || has_variable(envp, "OMP_WAIT_POLICY") || has_variable(envp, "GOMP_SPINCOUNT")) return;
  std::size_t n = 0;
  while (envp[n]) ++n;
  char** env = static_cast<char**>(std::malloc((n + 2) * sizeof(char*)));
  if (!env) return;
  std::memcpy(env, envp, n * sizeof(char*));
  env[n] = const_cast<char*>("OMP_WAIT_POLICY=passive");
  env[n + 1] = nullptr;
  execve("/proc/self/exe", argv, env);
  std::free(env);
}

}  // namespace

__attribute__((section(".preinit_array"), used)) static void (*const lsc_passive_openmp_waits)(int, char**,
                                                                                               char**) =
    passive_openmp_waits;
