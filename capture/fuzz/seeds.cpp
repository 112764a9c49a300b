// fuzz_scap_reader_seeds: writes the seed corpus of fuzz_scap_reader: every capture given on
// the command line, decompressed and cut to the fuzzer's maximum input length, plus a small
// synthetic capture made by the writer.
//
//   fuzz_scap_reader_seeds OUT_DIR MAX_LEN CAPTURE...
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "capture/scap_writer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR MAX_LEN CAPTURE...\n", argv[0]);
    return 2;
  }
  std::filesystem::path out = argv[1];
  size_t max_len = std::strtoull(argv[2], nullptr, 10);
  std::filesystem::create_directories(out);
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::FILE* f = std::fopen((out / name).c_str(), "wb");
    if (f == nullptr) return false;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return true;
  };
  for (int i = 3; i < argc; ++i) {
    gzFile g = gzopen(argv[i], "rb");
    if (g == nullptr) continue;
    std::string bytes(max_len, '\0');
    int n = gzread(g, bytes.data(), static_cast<unsigned>(max_len));
    gzclose(g);
    if (n <= 0) continue;
    bytes.resize(static_cast<size_t>(n));
    write(std::filesystem::path(argv[i]).stem().string() + ".raw", bytes);
  }
  pg::capture::Metadata m;
  m.machine.present = true;
  m.machine.num_cpus = 1;
  pg::capture::ThreadEntry t;
  t.tid = t.pid = 1;
  t.comm = "init";
  t.cwd = "/";
  pg::capture::FdEntry fd;
  fd.fd = 0;
  fd.type = pg::capture::FdType::kFileV2;
  fd.name = "/dev/null";
  t.fds.push_back(fd);
  m.threads.push_back(t);
  return write("synthetic.raw", pg::capture::serialize_metadata(m)) ? 0 : 1;
}
