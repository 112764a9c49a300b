#include "capture/outputs.h"

#include <curl/curl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace pg::capture {
namespace {

const char* kChannelNames[] = {"stdout", "file", "program", "http"};

size_t discard_body(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

Outputs::Outputs(OutputConfig cfg) : cfg_(std::move(cfg)) {
  // A dead program or a closed pipe must not kill the engine.
  signal(SIGPIPE, SIG_IGN);
  if (!cfg_.http_url.empty()) {
    static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)kInit;
    curl_ = curl_easy_init();
  }
  thread_ = std::thread([this] { run(); });
}

Outputs::~Outputs() {
  shutdown();
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
  if (file_) std::fclose(file_);
  if (program_) pclose(program_);
}

void Outputs::emit(std::string line, std::string json) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_) return;
    if (queue_.size() >= cfg_.queue_capacity) {
      stats_.dropped++;
      return;
    }
    queue_.push_back(Item{std::move(line), std::move(json)});
    stats_.queued++;
  }
  cv_.notify_one();
}

void Outputs::shutdown(uint32_t timeout_ms) {
  {
    std::unique_lock<std::mutex> lk(mu_);
    if (!thread_.joinable()) return;
    cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] { return queue_.empty(); });
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  thread_.join();
}

OutputStats Outputs::stats() const {
  std::lock_guard<std::mutex> lk(mu_);
  return stats_;
}

void Outputs::report(int channel, const std::string& why, bool gave_up) {
  std::fprintf(stderr, "peregrine: %s output: %s%s\n", kChannelNames[channel], why.c_str(),
               gave_up ? " (alert dropped for this output)" : "; retrying");
}

bool Outputs::deliver_stdout(const std::string& line) {
  std::string l = line + "\n";
  return std::fwrite(l.data(), 1, l.size(), stdout) == l.size() && std::fflush(stdout) == 0;
}

bool Outputs::deliver_file(const std::string& line) {
  if (!file_) {
    file_ = std::fopen(cfg_.file.c_str(), "a");
    if (!file_) return false;
  }
  std::string l = line + "\n";
  if (std::fwrite(l.data(), 1, l.size(), file_) != l.size() || std::fflush(file_) != 0) {
    std::fclose(file_);
    file_ = nullptr;
    return false;
  }
  return true;
}

bool Outputs::deliver_program(const std::string& line) {
  if (!program_) {
    program_ = popen(cfg_.program.c_str(), "w");
    if (!program_) return false;
  }
  std::string l = line + "\n";
  bool ok = std::fwrite(l.data(), 1, l.size(), program_) == l.size() && std::fflush(program_) == 0;
  if (!cfg_.program_keep_alive || !ok) {
    // Falco's default: the program runs once per alert and reads it on stdin.
    int st = pclose(program_);
    program_ = nullptr;
    if (st == -1) ok = false;
  }
  return ok;
}

bool Outputs::deliver_http(const std::string& json, std::string& err) {
  CURL* c = static_cast<CURL*>(curl_);
  if (!c) {
    err = "libcurl could not be initialised";
    return false;
  }
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_reset(c);
  curl_easy_setopt(c, CURLOPT_URL, cfg_.http_url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(json.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(cfg_.http_timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg_.http_timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
  CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    err = std::string("POST ") + cfg_.http_url + " failed: " + curl_easy_strerror(rc);
    return false;
  }
  if (status < 200 || status >= 300) {
    err = "POST " + cfg_.http_url + " answered HTTP " + std::to_string(status);
    return false;
  }
  return true;
}

void Outputs::run() {
  while (true) {
    Item item;
    uint64_t drops = 0;
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      drops = stats_.dropped;
    }
    cv_.notify_all();  // shutdown() waits for the queue to drain
    if (drops > reported_drops_) {
      std::fprintf(stderr, "peregrine: output queue full: %llu alerts dropped so far\n",
                   static_cast<unsigned long long>(drops));
      reported_drops_ = drops;
    }
    for (int ch = 0; ch < 4; ch++) {
      bool enabled = (ch == 0 && cfg_.stdout_enabled) || (ch == 1 && !cfg_.file.empty()) ||
                     (ch == 2 && !cfg_.program.empty()) || (ch == 3 && !cfg_.http_url.empty());
      if (!enabled) continue;
      bool ok = false;
      for (uint32_t attempt = 0; attempt <= cfg_.retries && !ok; attempt++) {
        std::string err;
        switch (ch) {
          case 0: ok = deliver_stdout(item.line); err = std::strerror(errno); break;
          case 1:
            ok = deliver_file(item.line);
            err = "cannot write '" + cfg_.file + "': " + std::strerror(errno);
            break;
          case 2:
            ok = deliver_program(item.line);
            err = "cannot feed '" + cfg_.program + "': " + std::strerror(errno);
            break;
          case 3: ok = deliver_http(item.json, err); break;
        }
        if (ok) break;
        bool last = attempt == cfg_.retries;
        report(ch, err, last);
        if (!last) {
          // Back off (10, 20, 40 ms ...) but stop early on shutdown.
          std::unique_lock<std::mutex> lk(mu_);
          cv_.wait_for(lk, std::chrono::milliseconds(10u << attempt), [&] { return stopping_; });
          if (stopping_) break;
        }
      }
      std::lock_guard<std::mutex> lk(mu_);
      if (ok) stats_.delivered[ch]++;
      else stats_.failed[ch]++;
    }
  }
}

}  // namespace pg::capture
