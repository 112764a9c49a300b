// Differential test: for each shared capture, every field of a wide list (evt, proc, thread,
// user, group, fd, container) rendered by Peregrine must equal what `sysdig -r FILE -p FMT`
// (sysdig 0.29.3) prints, line for line, except for the documented differences in
// tests/capture/sysdig_known_diffs.txt. Also checks that the same events are shown (sysdig
// hides internal events such as procinfo but still counts them in evt.num).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "capture/inspector.h"
#include "tests/capture/capture_test_util.h"

namespace pg::capture {
namespace {

// The compared fields: at least 30 across evt, proc, thread, user, group, fd and container.
const char* const kFields[] = {
    "evt.num", "evt.time", "evt.rawtime", "evt.cpu", "evt.type", "evt.dir", "evt.res",
    "evt.rawres", "evt.failed", "evt.args", "evt.info", "evt.arg.fd", "evt.arg.name",
    "evt.arg[0]", "evt.arg[1]", "evt.arg.res", "evt.arg.flags", "evt.latency",
    "evt.latency.human", "evt.is_open_read", "evt.is_open_write", "evt.buflen", "evt.buffer",
    "syscall.type", "evt.category", "evt.is_io", "evt.io_dir", "evt.is_wait", "evt.count.error",
    "evt.count.exit", "evt.reltime", "evt.deltatime", "evt.time.s", "evt.datetime",
    "evt.rawtime.s", "evt.rawtime.ns", "evt.time.iso8601", "evt.is_syslog",
    "proc.name", "proc.pid", "proc.ppid", "proc.pname", "proc.pcmdline", "proc.cmdline",
    "proc.exe", "proc.exepath", "proc.exeline", "proc.args", "proc.env", "proc.cwd",
    "proc.aname[1]", "proc.aname[2]", "proc.aname[3]", "proc.apid[1]", "proc.apid[2]",
    "proc.apid[3]", "proc.sid", "proc.sname", "proc.vpgid", "proc.tty", "proc.loginshellid",
    "proc.nthreads", "proc.nchilds", "proc.fdlimit", "proc.fdopencount", "proc.vmsize",
    "proc.vmrss", "proc.duration", "proc.is_exe_writable", "proc.vpid",
    "thread.tid", "thread.vtid", "thread.ismain", "thread.pfminor", "thread.cgroups",
    "thread.cgroup.cpuacct", "thread.exectime",
    "user.uid", "user.name", "user.homedir", "user.shell", "user.loginuid", "user.loginname",
    "group.gid", "group.name",
    "fd.num", "fd.name", "fd.type", "fd.typechar", "fd.l4proto", "fd.sockfamily", "fd.sip",
    "fd.cip", "fd.sport", "fd.cport", "fd.lip", "fd.rip", "fd.lport", "fd.rport",
    "fd.directory", "fd.filename", "fd.connected", "fd.is_server", "fd.uid", "fd.name_changed",
    "fd.containername", "fd.containerdirectory",
    "container.id", "container.name", "container.image",
};

constexpr const char* kEnd = "<<END>>";

std::string format_string() {
  std::string f = "*";
  for (const char* name : kFields) {
    f += '%';
    f += name;
    f += '\x1f';
  }
  // Records end with a sentinel, so values holding newlines (proc.env) do not split them.
  return f + kEnd;
}

struct Rule {
  bool low32 = false;
  bool has_sysdig = false, has_ours = false;
  std::string sysdig, ours;
};

std::multimap<std::string, Rule> load_rules() {
  std::multimap<std::string, Rule> rules;
  std::ifstream in(::pg::test::source_dir() + "/tests/capture/sysdig_known_diffs.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t t1 = line.find('\t');
    size_t t2 = line.find('\t', t1 + 1);
    if (t1 == std::string::npos || t2 == std::string::npos) continue;
    std::string field = line.substr(0, t1);
    std::istringstream cond(line.substr(t1 + 1, t2 - t1 - 1));
    Rule r;
    std::string word;
    while (cond >> word) {
      if (word == "low32") r.low32 = true;
      if (word.rfind("sysdig=", 0) == 0) {
        r.has_sysdig = true;
        r.sysdig = word.substr(7);
      }
      if (word.rfind("ours=", 0) == 0) {
        r.has_ours = true;
        r.ours = word.substr(5);
      }
    }
    rules.emplace(field, r);
  }
  return rules;
}

bool allowed(const std::multimap<std::string, Rule>& rules, const std::string& field,
             const std::string& theirs, const std::string& ours) {
  auto [b, e] = rules.equal_range(field);
  for (auto it = b; it != e; ++it) {
    const Rule& r = it->second;
    if (r.low32) {
      char* end = nullptr;
      unsigned long long v = std::strtoull(theirs.c_str(), &end, 10);
      if (end != theirs.c_str() && *end == '\0' && std::to_string(v & 0xffffffffull) == ours)
        return true;
      continue;
    }
    if (r.has_sysdig && r.sysdig != theirs) continue;
    if (r.has_ours && r.ours != ours) continue;
    return true;
  }
  return false;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    if (p == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

// Peregrine's output for the capture, formatted like sysdig -p.
std::string peregrine_output(const std::string& path, const std::string& fmt, std::string* err) {
  Formatter f;
  if (!f.parse(fmt, err)) return {};
  Inspector insp;
  if (!insp.open(path)) {
    *err = insp.error();
    return {};
  }
  std::string out;
  for (;;) {
    ReadStatus s = insp.next();
    if (s == ReadStatus::kEof) break;
    if (s == ReadStatus::kError) {
      *err = insp.error();
      break;
    }
    if (!insp.displayable()) continue;
    if (f.format(insp.fields(), out)) out += '\n';
  }
  return out;
}

class SysdigDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
};

TEST_F(SysdigDiff, FieldsMatchSysdigOnSharedCaptures) {
  PG_REQUIRE_SHARED("captures");
  PG_REQUIRE_SYSDIG();
  const std::string fmt = format_string();
  const auto rules = load_rules();
  ASSERT_FALSE(rules.empty()) << "tests/capture/sysdig_known_diffs.txt is missing";
  auto captures = ::pg::test::shared_captures();
  ASSERT_FALSE(captures.empty());
  const size_t nfields = std::size(kFields);
  for (const std::string& path : captures) {
    SCOPED_TRACE(path);
    int status = 0;
    std::string theirs = ::pg::test::run_capture_stdout(
        "sysdig -r " + ::pg::test::shell_quote(path) + " -p " + ::pg::test::shell_quote(fmt),
        &status);
    ASSERT_EQ(status, 0) << "sysdig failed on " << path;
    std::string err;
    std::string ours = peregrine_output(path, fmt, &err);
    for (std::string* o : {&theirs, &ours}) {
      std::string r;
      size_t pos = 0;
      for (;;) {
        size_t e = o->find(std::string(kEnd) + "\n", pos);
        if (e == std::string::npos) break;
        r.append(*o, pos, e - pos);
        r += '\x01';
        pos = e + std::strlen(kEnd) + 1;
      }
      r.append(*o, pos, std::string::npos);
      *o = std::move(r);
    }
    EXPECT_EQ(err, "");
    auto tl = split(theirs, '\x01');
    auto ol = split(ours, '\x01');
    ASSERT_EQ(tl.size(), ol.size()) << "different number of output lines";
    size_t values = 0, equal = 0, known = 0, lines_equal = 0;
    std::map<std::string, size_t> known_by_field;
    size_t reported = 0;
    for (size_t i = 0; i < tl.size(); ++i) {
      if (tl[i].empty() && ol[i].empty()) continue;
      if (tl[i] == ol[i]) {
        lines_equal++;
        size_t n = std::min(split(tl[i], '\x1f').size(), nfields);
        values += n;
        equal += n;
        continue;
      }
      auto tc = split(tl[i], '\x1f');
      auto oc = split(ol[i], '\x1f');
      ASSERT_EQ(tc.size(), oc.size()) << "line " << i << ":\n sysdig: " << tl[i]
                                      << "\n ours:   " << ol[i];
      bool line_ok = true;
      for (size_t c = 0; c < tc.size() && c < nfields; ++c) {
        values++;
        if (tc[c] == oc[c]) {
          equal++;
          continue;
        }
        std::string field = c < nfields ? kFields[c] : "?";
        if (allowed(rules, field, tc[c], oc[c])) {
          known++;
          known_by_field[field]++;
          continue;
        }
        line_ok = false;
        if (reported++ < 20) {
          ADD_FAILURE() << "evt.num " << tc[0] << " field " << field << ": sysdig '" << tc[c]
                        << "' ours '" << oc[c] << "'";
        }
      }
      if (line_ok) lines_equal++;
    }
    std::string summary;
    for (auto& [f, n] : known_by_field) summary += " " + f + "=" + std::to_string(n);
    std::printf("[sysdig-diff] %s: %zu events x %zu fields; %zu/%zu values equal, %zu known "
                "diffs (%s ), %zu/%zu events equal or only known diffs\n",
                std::filesystem::path(path).filename().c_str(), tl.size() - 1, nfields, equal,
                values, known, summary.c_str(), lines_equal, tl.size() - 1);
    EXPECT_EQ(reported, 0u) << "unexplained differences";
  }
}

// sysdig's default line (`%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir
// %evt.type %evt.info`) is reproduced byte for byte.
TEST_F(SysdigDiff, DefaultLineFormatMatchesSysdig) {
  PG_REQUIRE_SHARED("captures");
  PG_REQUIRE_SYSDIG();
  for (const std::string& path : ::pg::test::shared_captures()) {
    SCOPED_TRACE(path);
    int status = 0;
    std::string theirs =
        ::pg::test::run_capture_stdout("sysdig -r " + ::pg::test::shell_quote(path), &status);
    ASSERT_EQ(status, 0);
    std::string err;
    std::string ours = peregrine_output(path, std::string(Formatter::kSysdigDefault), &err);
    EXPECT_EQ(err, "");
    EXPECT_TRUE(ours == theirs) << "default output differs";
    EXPECT_FALSE(ours.empty());
  }
}

}  // namespace
}  // namespace pg::capture
