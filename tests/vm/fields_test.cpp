// Tests for the field catalogue (vm/fields.def) and field-name resolution (vm/fields.cpp).
#include "vm/fields.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace pg {
namespace {

FieldLookup look(std::string_view name) { return lookup_field(name, nullptr); }
FieldLookup look(std::string_view name, const std::string& arg) { return lookup_field(name, &arg); }

// Resolves `token` and returns the catalogue name it resolved to, or "ERROR: msg".
std::string resolves_to(std::string_view name, const char* arg = nullptr) {
  std::string a = arg ? arg : "";
  FieldLookup r = lookup_field(name, arg ? &a : nullptr);
  if (!r.ref) return "ERROR: " + r.error;
  return std::string(r.ref->info->name);
}

std::string_view type_of(std::string_view name) {
  const FieldInfo* f = find_field(name);
  return f ? param_type_name(f->type) : "<missing>";
}

TEST(FieldCatalogue, TableIsConsistent) {
  auto all = all_fields();
  ASSERT_EQ(all.size(), kFieldCount);
  for (size_t i = 0; i < all.size(); ++i) {
    const FieldInfo& f = all[i];
    EXPECT_EQ(static_cast<size_t>(f.id), i);
    EXPECT_EQ(&field_info(f.id), &f);
    EXPECT_EQ(find_field(f.name), &f) << f.name;
    EXPECT_NE(f.needs, 0) << f.name;
    EXPECT_FALSE(f.description.empty()) << f.name;
    EXPECT_LE(f.description.size(), 100u) << f.name;
    EXPECT_NE(f.description.back(), '.') << f.name;
  }
  EXPECT_EQ(find_field("proc.nosuch"), nullptr);
  EXPECT_EQ(find_field(""), nullptr);
}

// The 77 fields used by the official rules (LANGUAGE.md section 3), with their types.
TEST(FieldCatalogue, OfficialRuleFieldsAndTypes) {
  struct Row {
    const char* name;
    const char* type;
  };
  const Row rows[] = {
      {"evt.type", "CHARBUF"}, {"evt.arg", "CHARBUF"}, {"evt.args", "CHARBUF"},
      {"evt.res", "CHARBUF"}, {"evt.rawres", "INT64"}, {"evt.num", "UINT64"},
      {"evt.is_open_read", "BOOL"}, {"evt.is_open_write", "BOOL"}, {"evt.is_open_exec", "BOOL"},
      {"evt.buffer", "BYTEBUF"},
      {"proc.name", "CHARBUF"}, {"proc.exe", "CHARBUF"}, {"proc.exepath", "CHARBUF"},
      {"proc.args", "CHARBUF"}, {"proc.cmdline", "CHARBUF"}, {"proc.pname", "CHARBUF"},
      {"proc.pexe", "CHARBUF"}, {"proc.pexepath", "CHARBUF"}, {"proc.pcmdline", "CHARBUF"},
      {"proc.aname", "CHARBUF"}, {"proc.aexe", "CHARBUF"}, {"proc.aexepath", "CHARBUF"},
      {"proc.sname", "CHARBUF"}, {"proc.cwd", "CHARBUF"}, {"proc.env", "CHARBUF"},
      {"proc.tty", "UINT32"}, {"proc.vpid", "INT64"}, {"proc.duration", "RELTIME"},
      {"proc.is_vpgid_leader", "BOOL"}, {"proc.is_exe_upper_layer", "BOOL"},
      {"proc.is_exe_from_memfd", "BOOL"}, {"proc.exe_ino.ctime", "ABSTIME"},
      {"proc.exe_ino.mtime", "ABSTIME"}, {"proc.exe_ino.ctime_duration_proc_start", "ABSTIME"},
      {"thread.cap_effective", "CHARBUF"}, {"thread.cap_permitted", "CHARBUF"},
      {"user.uid", "UINT32"}, {"user.name", "CHARBUF"}, {"user.loginuid", "INT64"},
      {"user.loginname", "CHARBUF"}, {"group.gid", "UINT32"}, {"group.name", "CHARBUF"},
      {"fd.num", "INT64"}, {"fd.name", "CHARBUF"}, {"fd.nameraw", "CHARBUF"},
      {"fd.directory", "CHARBUF"}, {"fd.filename", "CHARBUF"}, {"fd.type", "CHARBUF"},
      {"fd.typechar", "CHARBUF"}, {"fd.sockfamily", "CHARBUF"}, {"fd.l4proto", "CHARBUF"},
      {"fd.connected", "BOOL"}, {"fd.name_changed", "BOOL"}, {"fd.sip", "IPADDR"},
      {"fd.cip", "IPADDR"}, {"fd.rip", "IPADDR"}, {"fd.ip", "IPADDR"}, {"fd.net", "IPNET"},
      {"fd.snet", "IPNET"}, {"fd.cnet", "IPNET"}, {"fd.rnet", "IPNET"}, {"fd.sport", "PORT"},
      {"fd.lport", "PORT"}, {"fd.rport", "PORT"}, {"fd.port", "PORT"},
      {"fd.sip.name", "CHARBUF"}, {"fd.cip.name", "CHARBUF"}, {"fd.lip.name", "CHARBUF"},
      {"fd.rip.name", "CHARBUF"},
      {"container.id", "CHARBUF"}, {"container.image.repository", "CHARBUF"},
      {"container.privileged", "BOOL"}, {"container.mount.dest", "CHARBUF"},
      {"container.mounts", "CHARBUF"}, {"container.start_ts", "ABSTIME"},
      {"k8s.ns.name", "CHARBUF"}, {"k8s.pod.name", "CHARBUF"},
  };
  EXPECT_EQ(std::size(rows), 77u);
  for (const Row& r : rows) EXPECT_EQ(type_of(r.name), r.type) << r.name;
  EXPECT_EQ(type_of("evt.rawarg"), "DYN");
}

TEST(FieldCatalogue, Flags) {
  auto flags = [](const char* n) { return find_field(n)->flags; };
  for (const char* n : {"proc.aname", "proc.aexe", "proc.aexepath", "proc.acmdline", "proc.apid"}) {
    EXPECT_EQ(flags(n) & (FF_ANCESTOR | FF_NO_TRANSFORMER | FF_NO_RHS),
              FF_ANCESTOR | FF_NO_TRANSFORMER | FF_NO_RHS) << n;
  }
  for (const char* n : {"fd.ip", "fd.port", "fd.proto", "fd.net", "fd.cnet", "fd.snet", "fd.lnet",
                        "fd.rnet", "evt.around"}) {
    EXPECT_EQ(flags(n) & (FF_FILTER_ONLY | FF_NO_TRANSFORMER | FF_NO_RHS),
              FF_FILTER_ONLY | FF_NO_TRANSFORMER | FF_NO_RHS) << n;
  }
  for (const char* n : {"fd.cip.name", "fd.sip.name", "fd.lip.name", "fd.rip.name", "evt.rawarg",
                        "proc.aenv"}) {
    EXPECT_TRUE(flags(n) & FF_NO_TRANSFORMER) << n;
    EXPECT_TRUE(flags(n) & FF_NO_RHS) << n;
    EXPECT_FALSE(flags(n) & FF_FILTER_ONLY) << n;
  }
  EXPECT_EQ(flags("fd.types") & (FF_LIST | FF_NO_RHS | FF_NO_TRANSFORMER), FF_LIST | FF_NO_RHS);
  for (const char* n : {"evt.dir", "evt.latency", "evt.latency.s", "evt.latency.ns",
                        "evt.latency.human", "evt.wait_latency"}) {
    EXPECT_TRUE(flags(n) & FF_DEPRECATED) << n;
  }
  EXPECT_FALSE(flags("proc.name") & (FF_DEPRECATED | FF_NO_RHS | FF_NO_TRANSFORMER | FF_LIST));
}

TEST(FieldLookup, PlainAndBracketArguments) {
  EXPECT_EQ(resolves_to("proc.name"), "proc.name");
  EXPECT_EQ(resolves_to("proc.aname"), "proc.aname");
  EXPECT_EQ(resolves_to("proc.aname", "2"), "proc.aname");
  EXPECT_EQ(resolves_to("proc.aexepath", "2"), "proc.aexepath");
  EXPECT_EQ(resolves_to("proc.env"), "proc.env");
  EXPECT_EQ(resolves_to("proc.env", "HOME"), "proc.env");
  EXPECT_EQ(resolves_to("evt.arg", "0"), "evt.arg");
  EXPECT_EQ(resolves_to("fd.types"), "fd.types");
  EXPECT_EQ(resolves_to("fd.types", "1"), "fd.types");
  EXPECT_EQ(resolves_to("container.mount.dest", "/var/run/docker.sock"), "container.mount.dest");
  EXPECT_EQ(resolves_to("fd.sip.name"), "fd.sip.name");
  EXPECT_EQ(resolves_to("evt.abspath.dst"), "evt.abspath.dst");

  FieldLookup r = look("proc.aname", "3");
  ASSERT_TRUE(r.ref);
  EXPECT_TRUE(r.ref->has_arg);
  EXPECT_EQ(r.ref->arg, "3");
  EXPECT_EQ(r.ref->index, 3);

  r = look("container.mount.dest", "12");
  ASSERT_TRUE(r.ref);
  EXPECT_EQ(r.ref->index, 12);
  r = look("container.mount.dest", "/proc*");
  ASSERT_TRUE(r.ref);
  EXPECT_EQ(r.ref->index, -1);
  EXPECT_EQ(r.ref->arg, "/proc*");

  r = look("proc.name");
  ASSERT_TRUE(r.ref);
  EXPECT_FALSE(r.ref->has_arg);
  EXPECT_EQ(r.ref->index, -1);
}

TEST(FieldLookup, DottedArguments) {
  FieldLookup r = look("evt.arg.flags");
  ASSERT_TRUE(r.ref) << r.error;
  EXPECT_EQ(r.ref->info->name, "evt.arg");
  EXPECT_EQ(r.ref->arg, "flags");
  EXPECT_EQ(r.ref->index, -1);

  r = look("evt.rawarg.fd");
  ASSERT_TRUE(r.ref) << r.error;
  EXPECT_EQ(r.ref->info->name, "evt.rawarg");
  EXPECT_EQ(r.ref->arg, "fd");

  r = look("container.label.com.docker.compose.project");
  ASSERT_TRUE(r.ref) << r.error;
  EXPECT_EQ(r.ref->info->name, "container.label");
  EXPECT_EQ(r.ref->arg, "com.docker.compose.project");

  EXPECT_EQ(resolves_to("container.label", "app"), "container.label");
  EXPECT_EQ(resolves_to("k8s.pod.label.app"), "k8s.pod.label");
  EXPECT_EQ(resolves_to("evt.type.is.open"), "evt.type.is");
  EXPECT_EQ(resolves_to("thread.cgroup.cpuacct"), "thread.cgroup");
}

TEST(FieldLookup, Errors) {
  EXPECT_EQ(resolves_to("proc.name.foo"),
            "ERROR: filter_check called with nonexistent field proc.name.foo");
  EXPECT_EQ(resolves_to("proc.nosuch", "1"),
            "ERROR: filter_check called with nonexistent field proc.nosuch[1]");
  EXPECT_EQ(resolves_to("evt.type.foo"),
            "ERROR: filter_check called with nonexistent field evt.type.foo");
  EXPECT_EQ(resolves_to("proc"), "ERROR: filter_check called with nonexistent field proc");
  EXPECT_EQ(resolves_to("container.label.app", "x"),
            "ERROR: filter_check called with nonexistent field container.label.app[x]");
  EXPECT_EQ(resolves_to("evt.arg.nosuchparam"), "ERROR: unknown event argument nosuchparam");
  EXPECT_EQ(resolves_to("evt.rawarg.nosuchparam"), "ERROR: unknown event argument nosuchparam");
  EXPECT_EQ(resolves_to("proc.name", "1"), "ERROR: field 'proc.name' does not take an argument");
  EXPECT_EQ(resolves_to("proc.aname", "x"),
            "ERROR: field 'proc.aname' requires a numeric index argument, got 'x'");
  EXPECT_EQ(resolves_to("proc.aname", "-1"),
            "ERROR: field 'proc.aname' requires a numeric index argument, got '-1'");
  EXPECT_EQ(resolves_to("evt.arg", "fd"),
            "ERROR: field 'evt.arg' requires a numeric index argument, got 'fd'");
  EXPECT_EQ(resolves_to("evt.arg"), "ERROR: field 'evt.arg' requires an argument");
  EXPECT_EQ(resolves_to("container.label"), "ERROR: field 'container.label' requires an argument");
  EXPECT_EQ(resolves_to("container.mount.dest"),
            "ERROR: field 'container.mount.dest' requires an argument");
  EXPECT_EQ(resolves_to("evt.rawarg", "0"), "ERROR: evt.arg fields must be expressed explicitly");
}

}  // namespace
}  // namespace pg
