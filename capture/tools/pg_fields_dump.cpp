// pg_fields_dump: prints the events of a capture the way `sysdig -r FILE -p FORMAT` does
// (default: sysdig's default line), one line per displayed event. The differential test
// (tests/capture/sysdig_diff_test.cpp) compares its output with sysdig's.
//
//   pg_fields_dump -r FILE [-p FORMAT] [-n MAX_EVENTS] [-w OUT.scap [-z]] [-q]
//
// -w writes every event read (shown or not) with the file's metadata to OUT.scap, gzip'ed
// with -z (the round-trip test reads it back with sysdig); -q prints nothing.
//
// Exit status: 0 after the last event, 1 on a read error (the lines before it are printed;
// the error goes to stderr), 2 on usage errors.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "capture/inspector.h"
#include "capture/scap_writer.h"

int main(int argc, char** argv) {
  std::string file;
  std::string fmt(pg::capture::Formatter::kSysdigDefault);
  long long max_events = -1;
  std::string out_path;
  bool gzip = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
      out_path = argv[++i];
      continue;
    }
    if (std::strcmp(argv[i], "-z") == 0) {
      gzip = true;
      continue;
    }
    if (std::strcmp(argv[i], "-q") == 0) {
      quiet = true;
      continue;
    }
    if (std::strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
      file = argv[++i];
    } else if (std::strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
      fmt = argv[++i];
    } else if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      max_events = std::atoll(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s -r FILE [-p FORMAT] [-n MAX_EVENTS]\n", argv[0]);
      return 2;
    }
  }
  if (file.empty()) {
    std::fprintf(stderr, "usage: %s -r FILE [-p FORMAT] [-n MAX_EVENTS]\n", argv[0]);
    return 2;
  }
  pg::capture::Formatter formatter;
  std::string err;
  if (!formatter.parse(fmt, &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  pg::capture::Inspector insp;
  if (!insp.open(file)) {
    std::fprintf(stderr, "%s\n", insp.error().c_str());
    return 1;
  }
  pg::capture::ScapWriter writer;
  uint64_t written_gen = 0;
  if (!out_path.empty() && !writer.open(out_path, gzip)) {
    std::fprintf(stderr, "%s\n", writer.error().c_str());
    return 1;
  }
  std::string line;
  long long shown = 0;
  int rc = 0;
  for (;;) {
    pg::capture::ReadStatus s = insp.next();
    if (s == pg::capture::ReadStatus::kEof) break;
    if (s == pg::capture::ReadStatus::kError) {
      std::fflush(stdout);
      std::fprintf(stderr, "%s\n", insp.error().c_str());
      rc = 1;
      break;
    }
    if (!out_path.empty()) {
      if (insp.reader().metadata_generation() != written_gen) {
        written_gen = insp.reader().metadata_generation();
        if (!writer.write_metadata(insp.reader().metadata())) break;
      }
      if (!writer.write_event(insp.event())) break;
    }
    if (quiet || !insp.displayable()) continue;
    line.clear();
    if (!formatter.format(insp.fields(), line)) continue;
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    if (max_events >= 0 && ++shown >= max_events) break;
  }
  if (!out_path.empty() && !writer.close()) {
    std::fprintf(stderr, "%s\n", writer.error().c_str());
    return 1;
  }
  return rc;
}
