#include "bench/sinsp_source.h"

#ifdef PG_HAVE_LIBSINSP

// sinsp_evt::m_pevt (the raw scap event) is private; libsinsp's own tests open it up this way
// (access specifiers do not change the class layout). Used to read the generic events' ID
// parameter as cheaply as our capture side does, without sinsp_evt::load_params().
#define VISIBILITY_PRIVATE public:
#include <sinsp.h>
#include <filter.h>
#include <filterchecks.h>

#include <cstring>
#include <vector>

namespace pgb {

struct SinspSource::Impl {
  sinsp inspector;
  sinsp_evt* evt = nullptr;
  bool open = false;
  std::vector<std::unique_ptr<sinsp_filter_check>> checks;
  std::vector<std::unique_ptr<sinsp_filter>> filters;
};

SinspSource::SinspSource() : impl_(new Impl) {}
SinspSource::~SinspSource() { close(); }

bool SinspSource::available() { return true; }
std::string SinspSource::version() { return "libsinsp (Debian libfalcosecurity0 0.1.1dev+git20220316)"; }

bool SinspSource::open(const std::string& file, std::string& err) {
  close();
  try {
    impl_->inspector.open(file);
  } catch (const std::exception& e) {
    err = e.what();
    return false;
  }
  impl_->open = true;
  return true;
}

void SinspSource::close() {
  if (impl_ && impl_->open) {
    impl_->inspector.close();
    impl_->open = false;
  }
}

int SinspSource::next(std::string& err) {
  for (;;) {
    int32_t rc;
    try {
      rc = impl_->inspector.next(&impl_->evt);
    } catch (const std::exception& e) {
      err = e.what();
      return -1;
    }
    if (rc == SCAP_TIMEOUT) continue;
    if (rc == SCAP_EOF) return 0;
    if (rc != SCAP_SUCCESS) {
      err = impl_->inspector.getlasterr();
      return -1;
    }
    return 1;
  }
}

uint16_t SinspSource::type() const { return impl_->evt->get_type(); }
uint64_t SinspSource::num() const { return impl_->evt->get_num(); }

bool SinspSource::syscall_id(uint64_t& sc) const {
  const scap_evt* e = impl_->evt->m_pevt;
  if (e->type != PPME_GENERIC_E && e->type != PPME_GENERIC_X) return false;
  if (e->nparams < 1) return false;
  // Generic events have 16-bit parameter lengths (not EF_LARGE_PAYLOAD); the ID parameter
  // (PT_SYSCALLID, 2 bytes) is the first value after the length array.
  const char* lens = reinterpret_cast<const char*>(e) + sizeof(struct ppm_evt_hdr);
  uint16_t len0, v;
  std::memcpy(&len0, lens, sizeof len0);
  if (len0 != sizeof v) return false;
  std::memcpy(&v, lens + e->nparams * sizeof(uint16_t), sizeof v);
  sc = v;
  return true;
}

int SinspSource::add_field(const std::string& name, std::string& err) {
  try {
    sinsp_filter_check* c =
        g_filterlist.new_filter_check_from_fldname(name, &impl_->inspector, true);
    if (!c) {
      err = "unknown field";
      return -1;
    }
    std::unique_ptr<sinsp_filter_check> chk(c);
    int32_t n = chk->parse_field_name(name.c_str(), true, true);
    if (n != static_cast<int32_t>(name.size())) {
      err = "field name parsed as " + name.substr(0, n > 0 ? n : 0);
      return -1;
    }
    impl_->checks.push_back(std::move(chk));
  } catch (const std::exception& e) {
    err = e.what();
    return -1;
  }
  return static_cast<int>(impl_->checks.size() - 1);
}

bool SinspSource::extract(int field, const uint8_t*& p, uint32_t& len, uint8_t& type) {
  sinsp_filter_check* c = impl_->checks[field].get();
  len = 0;
  uint8_t* v = c->extract(impl_->evt, &len, false);
  if (!v) return false;
  p = v;
  type = static_cast<uint8_t>(c->get_field_info()->m_type);
  return true;
}

int SinspSource::add_filter(const std::string& text, std::string& err) {
  try {
    sinsp_filter_compiler compiler(&impl_->inspector, text);
    impl_->filters.emplace_back(compiler.compile());
  } catch (const std::exception& e) {
    err = e.what();
    return -1;
  }
  return static_cast<int>(impl_->filters.size() - 1);
}

bool SinspSource::run(int filter) { return impl_->filters[filter]->run(impl_->evt); }

std::vector<uint16_t> SinspSource::evttypes(int filter) {
  std::set<uint16_t> s = impl_->filters[filter]->evttypes();
  return std::vector<uint16_t>(s.begin(), s.end());
}

}  // namespace pgb

#else  // !PG_HAVE_LIBSINSP

namespace pgb {

struct SinspSource::Impl {};
SinspSource::SinspSource() {}
SinspSource::~SinspSource() {}
bool SinspSource::available() { return false; }
std::string SinspSource::version() { return ""; }
bool SinspSource::open(const std::string&, std::string& err) {
  err = "built without libsinsp";
  return false;
}
void SinspSource::close() {}
int SinspSource::next(std::string& err) {
  err = "built without libsinsp";
  return -1;
}
uint16_t SinspSource::type() const { return 0; }
uint64_t SinspSource::num() const { return 0; }
bool SinspSource::syscall_id(uint64_t&) const { return false; }
int SinspSource::add_field(const std::string&, std::string& err) {
  err = "built without libsinsp";
  return -1;
}
bool SinspSource::extract(int, const uint8_t*&, uint32_t&, uint8_t&) { return false; }
int SinspSource::add_filter(const std::string&, std::string& err) {
  err = "built without libsinsp";
  return -1;
}
bool SinspSource::run(int) { return false; }
std::vector<uint16_t> SinspSource::evttypes(int) { return {}; }

}  // namespace pgb

#endif
