// Alert outputs: stdout, a file, a program, and HTTP POST of Falco's JSON alert (the format
// falcosidekick accepts), fed through one bounded queue by a dedicated thread.
//
// Guarantees:
// - emit() never blocks the caller (the capture loop): when the queue is full the alert is
//   dropped and counted, and the drop is reported;
// - a failing output (unwritable file, dead program, unreachable URL, HTTP error status) is
//   retried with backoff, reported on stderr with the reason, and never stops the others or
//   crashes the engine;
// - shutdown() delivers what is queued (bounded by a timeout) and joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pg::capture {

struct OutputConfig {
  bool stdout_enabled = true;
  std::string file;            // file_output.filename ("" = off)
  std::string program;         // program_output.program ("" = off)
  bool program_keep_alive = false;  // one long-running program instead of one per alert
  std::string http_url;        // http_output.url ("" = off)
  uint32_t http_timeout_ms = 2000;
  uint32_t retries = 3;        // attempts per alert and output after the first failure
  size_t queue_capacity = 10000;
};

struct OutputStats {
  uint64_t queued = 0;
  uint64_t dropped = 0;  // queue full
  uint64_t delivered[4] = {};  // stdout, file, program, http
  uint64_t failed[4] = {};     // alerts given up after retries
};

class Outputs {
 public:
  explicit Outputs(OutputConfig cfg);
  ~Outputs();

  // Queues one alert: `line` for stdout/file/program, `json` for HTTP. Never blocks.
  void emit(std::string line, std::string json);

  // Delivers what is queued (up to `timeout_ms`), stops the thread. Idempotent.
  void shutdown(uint32_t timeout_ms = 5000);

  OutputStats stats() const;

 private:
  struct Item {
    std::string line, json;
  };
  void run();
  bool deliver_stdout(const std::string& line);
  bool deliver_file(const std::string& line);
  bool deliver_program(const std::string& line);
  bool deliver_http(const std::string& json, std::string& err);
  void report(int channel, const std::string& why, bool gave_up);

  OutputConfig cfg_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
  OutputStats stats_;
  FILE* file_ = nullptr;
  FILE* program_ = nullptr;
  void* curl_ = nullptr;
  uint64_t reported_drops_ = 0;
};

}  // namespace pg::capture
