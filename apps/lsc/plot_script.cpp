#include "plot_script.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>

#include "lsc/core/error.hpp"

namespace lsc::cli {

namespace {

// A word inside single quotes for the shell.
std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void run_plot_script(const std::string& script, const std::vector<std::string>& args, const std::filesystem::path& out) {
  std::string path = LSC_SCRIPTS_DIR;
  path.append("/").append(script);
  std::string cmd = "/usr/bin/python3 ", shown = cmd;
  cmd.append(shell_quoted(path));
  shown.append(path);
  for (const std::string& a : args) {
    cmd.append(" ").append(shell_quoted(a));
    shown.append(" ").append(a);
  }
  const int raw = std::system(cmd.c_str());
  const int status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  if (status == 0 || status == 2) return;
  if (status == 127) {
    std::fprintf(stderr, "lsc: /usr/bin/python3 is missing, so no plots were drawn; the numbers are in %s.\n",
                 out.string().c_str());
    return;
  }
  throw Error("the numbers are in " + out.string() + " but plotting failed; run " + shown + " to see why.");
}

}  // namespace lsc::cli
