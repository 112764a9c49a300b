// Alert outputs against real peers: an HTTP server on loopback (every alert arrives once, as
// Falco JSON), a real program, a file, and an unreachable URL (reported and retried, never
// blocking the engine or losing the other outputs).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/support/paths.h"
#include "tests/support/run.h"

namespace pg {
namespace {

std::string peregrine() { return test::binary_dir() + "/capture/peregrine"; }

// A tiny HTTP/1.1 server: reads each request (headers + Content-Length body), stores the
// body, answers 200 and closes.
class HttpSink {
 public:
  HttpSink() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 64);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    th_ = std::thread([this] { serve(); });
  }
  ~HttpSink() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    th_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lk(mu_);
    return bodies_;
  }

 private:
  void serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        size_t h = req.find("\r\n\r\n");
        if (h != std::string::npos && need == std::string::npos) {
          size_t cl = req.find("Content-Length: ");
          need = h + 4 + (cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16)));
        }
        if (need != std::string::npos && req.size() >= need) break;
      }
      size_t h = req.find("\r\n\r\n");
      if (h != std::string::npos) {
        std::lock_guard<std::mutex> lk(mu_);
        bodies_.push_back(req.substr(h + 4));
      }
      const char* resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, resp, strlen(resp));
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread th_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

std::string rules_file() {
  std::string rules = test::binary_dir() + "/outputs_rules.yaml";
  std::ofstream(rules) << "- rule: cat opens\n  desc: d\n  condition: evt.type = open and proc.name = cat\n"
                          "  output: \"cat opened %fd.name\"\n  priority: WARNING\n  tags: [t]\n";
  return rules;
}

TEST(Outputs, HttpFileAndProgram) {
  PG_REQUIRE_SHARED("captures");
  HttpSink sink;
  std::string cap = test::shared_dir() + "/captures/cat_write.scap";
  std::string file = test::binary_dir() + "/outputs_file.txt";
  std::string prog = test::binary_dir() + "/outputs_prog.txt";
  std::remove(file.c_str());
  std::remove(prog.c_str());
  std::string out = test::shell_output(peregrine() + " run -r " + rules_file() + " -e " + cap +
                       " -o http_output.url=http://127.0.0.1:" + std::to_string(sink.port()) +
                       "/alerts -o file_output.filename=" + file +
                       " -o 'program_output.program=cat >> " + prog + "' 2>&1");
  size_t alerts = 4;
  EXPECT_NE(out.find("alerts=4"), std::string::npos) << out;
  std::vector<std::string> bodies = sink.bodies();
  ASSERT_EQ(bodies.size(), alerts) << "every alert is posted exactly once";
  for (const std::string& b : bodies) {
    EXPECT_EQ(b.rfind("{\"hostname\":", 0), 0u) << b;
    EXPECT_NE(b.find("\"output_fields\":{"), std::string::npos) << b;
    EXPECT_NE(b.find("\"rule\":\"cat opens\""), std::string::npos) << b;
    EXPECT_NE(b.find("\"priority\":\"Warning\""), std::string::npos) << b;
  }
  std::string f = test::read_text(file), p = test::read_text(prog);
  EXPECT_EQ(std::count(f.begin(), f.end(), '\n'), static_cast<long>(alerts)) << f;
  EXPECT_EQ(std::count(p.begin(), p.end(), '\n'), static_cast<long>(alerts)) << p;
  EXPECT_NE(f.find("Warning cat opened /dev/null"), std::string::npos);
}

TEST(Outputs, UnreachableUrlIsReportedRetriedAndNeverBlocks) {
  PG_REQUIRE_SHARED("captures");
  std::string cap = test::shared_dir() + "/captures/cat_write.scap";
  auto t0 = std::chrono::steady_clock::now();
  std::string out = test::shell_output(peregrine() + " run -r " + rules_file() + " -e " + cap +
                       " -o http_output.url=http://127.0.0.1:1/ 2>&1");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // stdout still gets every alert; the failure is reported with retries; the run completes.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n') >= 4, true) << out;
  EXPECT_NE(out.find("http output: POST http://127.0.0.1:1/ failed"), std::string::npos) << out;
  EXPECT_NE(out.find("retrying"), std::string::npos) << out;
  EXPECT_NE(out.find("alert dropped for this output"), std::string::npos) << out;
  EXPECT_NE(out.find("events=345 drops=0 alerts=4"), std::string::npos) << out;
  EXPECT_LT(secs, 30.0);
}

}  // namespace
}  // namespace pg
