// Running the built tools from tests, and scratch files: a command's exit status, stdout and
// stderr; a per-test temporary directory that is removed afterwards.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/paths.h"

namespace pg::test {

struct RunResult {
  int status = -1;  // exit status, or -1 when the command did not exit normally
  std::string out, err;
};

// Quotes one argument for /bin/sh.
inline std::string shell_quote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') q += "'\\''";
    else q.push_back(c);
  }
  return q + "'";
}

// A scratch directory, removed when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("peregrine-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  // Writes a file below the directory and returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// Runs a /bin/sh command line and returns its standard output; `status` (if given) gets the
// raw wait status, or -1 when the command could not be started.
inline std::string shell_output(const std::string& cmd, int* status = nullptr) {
  std::string out;
  if (status) *status = -1;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  if (status) *status = st;
  return out;
}

// Starts argv (argv[0] is looked up in PATH) with stdout and stderr on /dev/null; returns its
// pid, or -1 when it could not be started. The caller waits for it.
inline pid_t spawn_quiet(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Runs argv (argv[0] is the program) with stdin from /dev/null; returns status and output.
inline RunResult run(const std::vector<std::string>& argv) {
  TempDir tmp;
  std::string err_path = tmp.path() + "/stderr";
  std::string cmd;
  for (const std::string& a : argv) cmd += shell_quote(a) + " ";
  cmd += "</dev/null 2>" + shell_quote(err_path);
  RunResult r;
  int st = -1;
  r.out = shell_output(cmd, &st);
  if (st == -1) return r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.err = read_text(err_path);
  return r;
}

// The built peregrinec.
inline std::string peregrinec() { return binary_dir() + "/compiler/peregrinec"; }

}  // namespace pg::test
