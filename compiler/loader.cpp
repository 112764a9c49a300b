// Reading rules files into the Collection: Falco's rule_loader reader and collector.
//
// Each top-level item is decoded and applied to the shared Collection at once (define, append,
// override, enable). The first error stops the file, as in Falco; with all_errors the
// offending item is skipped and reading goes on. Messages, item types and the order of checks
// follow Falco's rule_loader_reader.cpp / rule_loader_collector.cpp (LANGUAGE.md section 1).
#include <algorithm>
#include <cstring>
#include <set>

#include "compiler/loader.h"
#include "compiler/yaml.h"

namespace pg {

std::string_view priority_name(Priority p) {
  static constexpr std::string_view kNames[] = {"Emergency", "Alert",  "Critical",
                                                "Error",     "Warning", "Notice",
                                                "Informational", "Debug"};
  return kNames[static_cast<size_t>(p)];
}

std::optional<Priority> parse_priority(std::string_view s) {
  auto lower = [](std::string_view v) {
    std::string r(v);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
  };
  std::string l = lower(s);
  for (int i = 0; i <= static_cast<int>(Priority::kDebug); i++) {
    if (l == lower(priority_name(static_cast<Priority>(i)))) return static_cast<Priority>(i);
  }
  if (l == "info") return Priority::kInformational;
  return std::nullopt;
}

std::optional<Semver> Semver::parse(std::string_view s) {
  Semver v;
  uint32_t* parts[3] = {&v.major, &v.minor, &v.patch};
  size_t i = 0;
  for (int k = 0; k < 3; k++) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return std::nullopt;
    uint64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s[i++] - '0');
      if (n > 0xffffffffu) return std::nullopt;
    }
    *parts[k] = static_cast<uint32_t>(n);
    if (k < 2) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      i++;
    }
  }
  // Pre-release and build suffixes are accepted and ignored.
  if (i < s.size() && s[i] != '-' && s[i] != '+') return std::nullopt;
  return v;
}

std::string Semver::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

namespace {

using yaml::Kind;
using yaml::Node;

// An error that stops the current item (or file).
struct Failure {
  DiagCode code;
  std::string message;
  Context ctx;
  FilePos pos;
};

class Reader {
 public:
  Reader(const SourceFile& file, const yaml::Document& doc, Collection& col,
         const EngineInfo& engine, const LoaderOptions& opts, FileResult& res)
      : file_(file), doc_(doc), col_(col), engine_(engine), opts_(opts), res_(res) {}

  // Reads every item of the document. Returns false if an error stopped reading.
  bool read_document(const Context& content_ctx);

 private:
  // ---- context helpers --------------------------------------------------------------------
  ContextLoc loc(const Node& n, std::string type, std::string name = "") const {
    return ContextLoc{std::move(type), std::move(name), file_.name(), FilePos{&file_, n.offset}};
  }
  Context child(const Context& parent, const Node& n, std::string type,
                std::string name = "") const {
    Context c = parent;
    c.push_back(loc(n, std::move(type), std::move(name)));
    return c;
  }
  FilePos pos(const Node& n) const { return FilePos{&file_, n.offset}; }

  void warn(DiagCode code, std::string msg, const Context& ctx, FilePos at) {
    Diagnostic d;
    d.code = code;
    d.message = std::move(msg);
    d.context = ctx;
    d.pos = at;
    res_.warnings.push_back(std::move(d));
  }

  // ---- decoding (Falco's decode_val / decode_seq) -----------------------------------------
  const Node* get(const Node& map, std::string_view key) const { return doc_.find(map, key); }

  // A required (or present optional) non-empty scalar. Sets `fail` and returns null on error.
  const Node* scalar(const Node& item, const char* key, const Context& ctx, bool optional,
                     std::optional<Failure>& fail) {
    const Node* v = get(item, key);
    if (!v) {
      if (!optional)
        fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                       std::string("Item has no mapping for key '") + key + "'", ctx, pos(item)};
      return nullptr;
    }
    Context vctx = child(ctx, *v, "value for", key);
    if (v->kind == Kind::kNull) {
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     std::string("Mapping for key '") + key + "' is empty", ctx, pos(*v)};
      return nullptr;
    }
    if (v->kind != Kind::kScalar) {
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a scalar value", vctx,
                     pos(*v)};
      return nullptr;
    }
    if (v->value.empty()) {
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value must be non-empty", vctx, pos(*v)};
      return nullptr;
    }
    return v;
  }

  static std::optional<bool> decode_bool(std::string_view s) {
    static const char* kTrue[] = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                                  "on", "On", "ON"};
    static const char* kFalse[] = {"n", "N", "no", "No", "NO", "false", "False", "FALSE",
                                   "off", "Off", "OFF"};
    for (const char* t : kTrue)
      if (s == t) return true;
    for (const char* f : kFalse)
      if (s == f) return false;
    return std::nullopt;
  }

  // Optional boolean; leaves `out` unchanged when the key is absent.
  bool opt_bool(const Node& item, const char* key, bool& out, const Context& ctx,
                std::optional<Failure>& fail) {
    const Node* v = scalar(item, key, ctx, true, fail);
    if (fail) return false;
    if (!v) return true;
    std::optional<bool> b = decode_bool(v->value);
    if (!b) {
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Can't decode YAML scalar value",
                     child(ctx, *v, "value for", key), pos(*v)};
      return false;
    }
    out = *b;
    return true;
  }

  static std::optional<uint64_t> decode_uint(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t n = 0;
    size_t i = s[0] == '+' ? 1 : 0;
    if (i >= s.size()) return std::nullopt;
    for (; i < s.size(); i++) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      uint64_t next = n * 10 + static_cast<uint64_t>(s[i] - '0');
      if (next < n) return std::nullopt;
      n = next;
    }
    return n;
  }

  // A sequence of scalars (items, tags). Null elements are errors, as in Falco.
  bool scalar_seq(const Node& item, const char* key, const Context& ctx, bool optional,
                  std::vector<std::string>& out, std::optional<Failure>& fail) {
    const Node* v = get(item, key);
    if (!v) {
      if (optional) return true;
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     std::string("Item has no mapping for key '") + key + "'", ctx, pos(item)};
      return false;
    }
    Context vctx = child(ctx, *v, "value for", key);
    if (v->kind != Kind::kSequence) {
      fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a sequence", vctx, pos(*v)};
      return false;
    }
    out.reserve(out.size() + v->count);
    for (uint32_t i = 0; i < v->count; i++) {
      const Node& e = doc_.item(*v, i);
      if (e.kind != Kind::kScalar) {
        fail = Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "sequence value is not scalar",
                       child(vctx, e, "list item"), pos(e)};
        return false;
      }
      out.push_back(e.value);
    }
    return true;
  }

  // Unknown keys (Falco 0.44+): a warning per key, the key is ignored.
  void check_keys(const Node& item, std::initializer_list<const char*> known, const Context& ctx) {
    for (uint32_t i = 0; i < item.count; i++) {
      const Node& k = doc_.key(item, i);
      std::string_view name = k.kind == Kind::kScalar ? std::string_view(k.value) : "";
      bool ok = false;
      for (const char* kn : known)
        if (name == kn) ok = true;
      if (!ok)
        warn(DiagCode::LOAD_UNKNOWN_KEY,
             "Unknown key '" + std::string(name) + "'. The key will be ignored.", ctx, pos(k));
    }
  }

  // ---- items ---------------------------------------------------------------------------
  std::optional<Failure> read_item(const Node& item, const Context& content_ctx);
  std::optional<Failure> read_engine_version(const Node& item, const Context& parent);
  std::optional<Failure> read_plugin_versions(const Node& item, const Context& parent);
  std::optional<Failure> read_list(const Node& item, const Context& parent);
  std::optional<Failure> read_macro(const Node& item, const Context& parent);
  std::optional<Failure> read_rule(const Node& item, const Context& parent);
  std::optional<Failure> read_exceptions(const Node& item, const Context& ctx, bool append,
                                         std::vector<ExceptionDef>& out);
  std::optional<Failure> decode_overrides(const Node& item, const std::set<std::string>& app,
                                          const std::set<std::string>& rep,
                                          std::set<std::string>& out_app,
                                          std::set<std::string>& out_rep, const Context& ctx);
  std::optional<Failure> validate_exception(const RuleDef& rule, ExceptionDef& ex);
  std::optional<Failure> merge_exceptions(RuleDef& rule, std::vector<ExceptionDef>& add);

  const SourceFile& file_;
  const yaml::Document& doc_;
  Collection& col_;
  const EngineInfo& engine_;
  const LoaderOptions& opts_;
  FileResult& res_;
};

bool Reader::read_document(const Context& content_ctx) {
  const Node& root = doc_.root();
  if (root.kind == Kind::kNull) return true;
  auto doc_fail = [&](const char* msg) {
    Diagnostic d;
    d.code = DiagCode::LOAD_ERR_YAML_VALIDATE;
    d.message = msg;
    d.context = content_ctx;
    d.pos = pos(root);
    res_.errors.push_back(std::move(d));
    return false;
  };
  if (root.kind == Kind::kScalar) return doc_fail("Rules content is not yaml");
  if (root.kind != Kind::kSequence) return doc_fail("Rules content is not yaml array of objects");
  bool ok = true;
  for (uint32_t i = 0; i < root.count; i++) {
    const Node& item = doc_.item(root, i);
    if (item.kind == Kind::kNull) continue;
    std::optional<Failure> f = read_item(item, content_ctx);
    if (f) {
      Diagnostic d;
      d.code = f->code;
      d.message = std::move(f->message);
      d.context = std::move(f->ctx);
      d.pos = f->pos;
      res_.errors.push_back(std::move(d));
      ok = false;
      if (!opts_.all_errors) return false;
    }
  }
  return ok;
}

std::optional<Failure> Reader::read_item(const Node& item, const Context& parent) {
  if (item.kind != Kind::kMap) {
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   "Unexpected element type. Each element should be a yaml associative array.",
                   child(parent, item, "rules content item"), pos(item)};
  }
  if (get(item, "required_engine_version")) return read_engine_version(item, parent);
  if (get(item, "required_plugin_versions")) return read_plugin_versions(item, parent);
  if (get(item, "list")) return read_list(item, parent);
  if (get(item, "macro")) return read_macro(item, parent);
  if (get(item, "rule")) return read_rule(item, parent);
  Context ctx = child(parent, item, "rules content item");
  warn(DiagCode::LOAD_UNKNOWN_ITEM, "Unknown top level item", ctx, pos(item));
  return std::nullopt;
}

std::optional<Failure> Reader::read_engine_version(const Node& item, const Context& parent) {
  Context ctx = child(parent, item, "required_engine_version");
  check_keys(item, {"required_engine_version"}, ctx);
  std::optional<Failure> fail;
  const Node* v = scalar(item, "required_engine_version", ctx, false, fail);
  if (fail) return fail;
  std::optional<Semver> ver;
  if (std::optional<uint64_t> n = decode_uint(v->value); n && *n <= 0xffffffffu) {
    ver = Semver{0, static_cast<uint32_t>(*n), 0};
  } else {
    ver = Semver::parse(v->value);
    if (!ver)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     "Unable to parse engine version '" + v->value +
                         "' as a semver string. Expected \"x.y.z\" semver format.",
                     ctx, pos(*v)};
  }
  const Semver& have = engine_.engine_version;
  if (have.major != ver->major || have < *ver)
    return Failure{DiagCode::LOAD_ERR_VALIDATE,
                   "Rules require engine version " + ver->str() + ", but engine version is " +
                       have.str(),
                   ctx, pos(*v)};
  if (!col_.required_engine_version || *col_.required_engine_version < *ver)
    col_.required_engine_version = ver;
  return std::nullopt;
}

std::optional<Failure> Reader::read_plugin_versions(const Node& item, const Context& parent) {
  Context ctx = child(parent, item, "required plugin versions");
  check_keys(item, {"required_plugin_versions"}, ctx);
  const Node* seq = get(item, "required_plugin_versions");
  if (seq->kind == Kind::kNull)
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   "Mapping for key 'required_plugin_versions' is empty", ctx, pos(*seq)};
  if (seq->kind != Kind::kSequence)
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a sequence",
                   child(ctx, *seq, "value for", "required_plugin_versions"), pos(*seq)};
  auto read_pair = [&](const Node& n, const Context& c, std::string& name,
                       Semver& ver) -> std::optional<Failure> {
    std::optional<Failure> fail;
    if (n.kind != Kind::kMap)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     "Unexpected element type. Each element should be a yaml associative array.",
                     c, pos(n)};
    const Node* nm = scalar(n, "name", c, false, fail);
    if (fail) return fail;
    const Node* vv = scalar(n, "version", c, false, fail);
    if (fail) return fail;
    name = nm->value;
    std::optional<Semver> sv = Semver::parse(vv->value);
    if (!sv)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     "Unable to parse plugin version '" + vv->value +
                         "' as a semver string. Expected \"x.y.z\" semver format.",
                     child(c, *vv, "value for", "version"), pos(*vv)};
    ver = *sv;
    return std::nullopt;
  };
  for (uint32_t i = 0; i < seq->count; i++) {
    const Node& e = doc_.item(*seq, i);
    Context ectx = child(ctx, e, "required plugin versions entry");
    PluginRequirement req;
    if (auto f = read_pair(e, ectx, req.name, req.version)) return f;
    std::set<std::string> names{req.name};
    if (const Node* alts = get(e, "alternatives")) {
      if (alts->kind != Kind::kSequence)
        return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a sequence",
                       child(ectx, *alts, "value for", "alternatives"), pos(*alts)};
      for (uint32_t j = 0; j < alts->count; j++) {
        const Node& a = doc_.item(*alts, j);
        Context actx = child(ectx, a, "required plugin versions alternative");
        std::pair<std::string, Semver> alt;
        if (auto f = read_pair(a, actx, alt.first, alt.second)) return f;
        if (!names.insert(alt.first).second)
          return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                         "Plugin '" + alt.first +
                             "' is listed more than once in the same requirement",
                         actx, pos(a)};
        req.alternatives.push_back(std::move(alt));
      }
    }
    col_.plugin_requirements.push_back(std::move(req));
  }
  return std::nullopt;
}

std::optional<Failure> Reader::decode_overrides(const Node& item, const std::set<std::string>& app,
                                                const std::set<std::string>& rep,
                                                std::set<std::string>& out_app,
                                                std::set<std::string>& out_rep,
                                                const Context& ctx) {
  const Node* ov = get(item, "override");
  if (!ov) return std::nullopt;
  Context octx = child(ctx, item, "overrides");
  if (ov->kind != Kind::kMap)
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a map",
                   child(ctx, *ov, "value for", "override"), pos(*ov)};
  for (uint32_t i = 0; i < ov->count; i++) {
    const Node& k = doc_.key(*ov, i);
    const Node& v = doc_.value(*ov, i);
    if (k.kind != Kind::kScalar || v.kind != Kind::kScalar)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Value is not a scalar value",
                     child(octx, v, "value for", k.value), pos(v)};
    const std::string& key = k.value;
    bool can_app = app.count(key) > 0;
    bool can_rep = rep.count(key) > 0;
    if (v.value == "append") {
      if (!can_app)
        return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                       "Key '" + key + "' cannot be appended to, use 'replace' instead",
                       child(octx, k, "overrides", key), pos(k)};
      out_app.insert(key);
    } else if (v.value == "replace") {
      if (!can_rep)
        return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Key '" + key + "' cannot be replaced",
                       child(octx, k, "overrides", key), pos(k)};
      out_rep.insert(key);
    } else {
      std::string msg = "Invalid override operation for key '" + key + "': '" + v.value +
                        "'. Allowed values are: ";
      if (can_app) msg += "append ";
      if (can_rep) msg += "replace ";
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, msg, child(octx, v, "value for", key),
                     pos(v)};
    }
  }
  return std::nullopt;
}

std::optional<Failure> Reader::read_list(const Node& item, const Context& parent) {
  std::optional<Failure> fail;
  const Node* name_node = scalar(item, "list", child(parent, item, "list"), false, fail);
  if (fail) return fail;
  const std::string& name = name_node->value;
  Context ctx = child(parent, item, "list", name);
  check_keys(item, {"list", "items", "append", "override"}, ctx);

  // Falco's bare-string rule for list names: [^()"'[:space:]=,]+
  bool valid_name = !name.empty() && std::none_of(name.begin(), name.end(), [](char c) {
    return std::strchr("()\"'=, \t\n\r\f\v", c) != nullptr;
  });
  if (!valid_name)
    warn(DiagCode::LOAD_INVALID_LIST_NAME,
         "List has an invalid name. List names should match a regular expression: "
         "^[^()\"'[:space:]=,]+$",
         ctx, pos(*name_node));

  ListDef def;
  def.name = name;
  def.ctx = ctx;
  if (!scalar_seq(item, "items", ctx, false, def.items, fail)) return fail;

  bool append = false;
  if (!opt_bool(item, "append", append, ctx, fail)) return fail;
  if (append)
    warn(DiagCode::LOAD_DEPRECATED_ITEM,
         "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "
         "'override' instead.",
         ctx, pos(item));
  std::set<std::string> oa, orp;
  if (auto f = decode_overrides(item, {"items"}, {"items"}, oa, orp, ctx)) return f;
  if (append && (!oa.empty() || !orp.empty()))
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   "Keys 'override' and 'append: true' cannot be used together. Add an 'append' "
                   "entry (e.g. 'condition: append') under 'override' instead.",
                   ctx, pos(item)};
  append |= oa.count("items") > 0;

  auto it = col_.list_by_name.find(name);
  if (append) {
    if (it == col_.list_by_name.end())
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "List uses 'append' or 'override.items: append' but no list by that name "
                     "already exists",
                     ctx, pos(item)};
    ListDef& prev = col_.lists[it->second];
    prev.items.insert(prev.items.end(), def.items.begin(), def.items.end());
    return std::nullopt;
  }
  def.visibility = ++col_.next_index;
  if (it != col_.list_by_name.end()) {
    ListDef& prev = col_.lists[it->second];
    def.index = prev.index;
    prev = std::move(def);
  } else {
    def.index = def.visibility - 1;
    col_.list_by_name.emplace(name, col_.lists.size());
    col_.lists.push_back(std::move(def));
  }
  return std::nullopt;
}

std::optional<Failure> Reader::read_macro(const Node& item, const Context& parent) {
  std::optional<Failure> fail;
  const Node* name_node = scalar(item, "macro", child(parent, item, "macro"), false, fail);
  if (fail) return fail;
  const std::string& name = name_node->value;
  Context ctx = child(parent, item, "macro", name);
  check_keys(item, {"macro", "condition", "append", "override"}, ctx);

  // Falco's identifier rule for macro names: [a-zA-Z]+[a-zA-Z0-9_]*
  bool valid_name = !name.empty() && std::isalpha(static_cast<unsigned char>(name[0])) &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                    });
  if (!valid_name)
    warn(DiagCode::LOAD_INVALID_MACRO_NAME,
         "Macro has an invalid name. Macro names should match a regular expression: "
         "^[a-zA-Z]+[a-zA-Z0-9_]*$",
         ctx, pos(*name_node));

  const Node* cond = scalar(item, "condition", ctx, false, fail);
  if (fail) return fail;
  MacroDef def;
  def.name = name;
  def.ctx = ctx;
  def.cond_ctx = child(ctx, *cond, "macro condition");
  def.condition = yaml::scalar_text(file_, *cond);

  bool append = false;
  if (!opt_bool(item, "append", append, ctx, fail)) return fail;
  if (append)
    warn(DiagCode::LOAD_DEPRECATED_ITEM,
         "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "
         "'override' instead.",
         ctx, pos(item));
  std::set<std::string> oa, orp;
  if (auto f = decode_overrides(item, {"condition"}, {"condition"}, oa, orp, ctx)) return f;
  if (append && (!oa.empty() || !orp.empty()))
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   "Keys 'override' and 'append: true' cannot be used together. Add an 'append' "
                   "entry (e.g. 'condition: append') under 'override' instead.",
                   ctx, pos(item)};
  append |= oa.count("condition") > 0;

  auto it = col_.macro_by_name.find(name);
  if (append) {
    if (it == col_.macro_by_name.end())
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "Macro uses 'append' or 'override.condition: append' but no macro by that "
                     "name already exists",
                     ctx, pos(item)};
    MacroDef& prev = col_.macros[it->second];
    prev.condition.append_fixed(" ", def.condition.map(0));
    prev.condition.append(def.condition);
    return std::nullopt;
  }
  def.visibility = ++col_.next_index;
  if (it != col_.macro_by_name.end()) {
    MacroDef& prev = col_.macros[it->second];
    def.index = prev.index;
    prev = std::move(def);
  } else {
    def.index = def.visibility - 1;
    col_.macro_by_name.emplace(name, col_.macros.size());
    col_.macros.push_back(std::move(def));
  }
  return std::nullopt;
}

// ---- exceptions -----------------------------------------------------------------------------

std::optional<Failure> Reader::read_exceptions(const Node& item, const Context& parent,
                                               bool append, std::vector<ExceptionDef>& out) {
  const Node* exs = get(item, "exceptions");
  if (!exs || exs->kind == Kind::kNull) return std::nullopt;
  Context exs_ctx = child(parent, *exs, "exceptions");
  if (exs->kind != Kind::kSequence)
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Rule exceptions must be a sequence",
                   exs_ctx, pos(*exs)};
  auto entry = [&](const Node& n, ExceptionDef::Entry& e, const Context& c,
                   const char* what) -> std::optional<Failure> {
    if (n.kind == Kind::kScalar) {
      e.is_list = false;
      e.item = n.value;
      return std::nullopt;
    }
    if (n.kind == Kind::kSequence) {
      e.is_list = true;
      for (uint32_t i = 0; i < n.count; i++) {
        const Node& x = doc_.item(n, i);
        if (x.kind != Kind::kScalar)
          return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                         std::string("Expected ") + what + " to contain a list of strings",
                         c, pos(x)};
        e.items.push_back(x.value);
      }
      return std::nullopt;
    }
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   std::string("Expected ") + what + " to be a string or a list of strings", c,
                   pos(n)};
  };
  for (uint32_t i = 0; i < exs->count; i++) {
    const Node& ex = doc_.item(*exs, i);
    Context tmp = child(exs_ctx, ex, "exception");
    if (ex.kind != Kind::kMap)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Rule exception must be a mapping", tmp,
                     pos(ex)};
    std::optional<Failure> fail;
    const Node* nm = scalar(ex, "name", tmp, false, fail);
    if (fail) return fail;
    ExceptionDef def;
    def.name = nm->value;
    def.ctx = child(parent, ex, "exception", def.name);
    for (const ExceptionDef& prev : out) {
      if (prev.name == def.name)
        warn(DiagCode::LOAD_EXCEPTION_NAME_NOT_UNIQUE,
             "Multiple definitions of exception '" + def.name + "' in the same rule", def.ctx,
             pos(ex));
    }
    if (const Node* f = get(ex, "fields")) {
      def.has_fields = true;
      if (auto e = entry(*f, def.fields, def.ctx, "fields")) return e;
    } else if (!append) {
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     "Rule exception item must have fields property with a list of fields",
                     def.ctx, pos(ex)};
    }
    if (const Node* c = get(ex, "comps")) {
      def.has_comps = true;
      if (auto e = entry(*c, def.comps, def.ctx, "comps")) return e;
    }
    if (const Node* vals = get(ex, "values")) {
      Context vctx = child(def.ctx, *vals, "exception values");
      if (vals->kind != Kind::kSequence)
        return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Rule exception values must be a sequence",
                       vctx, pos(*vals)};
      for (uint32_t j = 0; j < vals->count; j++) {
        const Node& v = doc_.item(*vals, j);
        Context ectx = child(vctx, v, "exception value");
        if (v.kind == Kind::kScalar) {
          ExceptionDef::Entry e;
          e.item = v.value;
          def.values.push_back(std::move(e));
          def.tuple_values.emplace_back();
        } else if (v.kind == Kind::kSequence) {
          // A tuple: one element per field; an element may itself be a list.
          std::vector<ExceptionDef::Entry> tuple;
          for (uint32_t k = 0; k < v.count; k++) {
            ExceptionDef::Entry e;
            if (auto f = entry(doc_.item(v, k), e, ectx, "values array")) return f;
            tuple.push_back(std::move(e));
          }
          ExceptionDef::Entry marker;
          marker.is_list = true;
          def.values.push_back(std::move(marker));
          def.tuple_values.push_back(std::move(tuple));
        } else {
          return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                         "Expected values array to contain a list of strings", ectx, pos(v)};
        }
      }
    } else if (append) {
      warn(DiagCode::LOAD_APPEND_NO_VALUES, "Overriding/appending exception with no values",
           def.ctx, pos(ex));
    }
    out.push_back(std::move(def));
  }
  return std::nullopt;
}

// Falco's validate_exception_info: default comps, lengths, operators and fields.
std::optional<Failure> Reader::validate_exception(const RuleDef& rule, ExceptionDef& ex) {
  static const std::set<std::string> kOps = {
      "=", "==", "!=", "<", "<=", ">", ">=", "contains", "icontains", "bcontains", "startswith",
      "bstartswith", "endswith", "glob", "iglob", "regex", "in", "intersects", "pmatch",
      "exists"};
  auto valid_op = [&](const std::string& op) {
    if (kOps.count(op)) return true;
    // Current libs also accept the modifier form, e.g. "startswith oneof".
    size_t sp = op.find(' ');
    if (sp == std::string::npos) return false;
    std::string base = op.substr(0, sp), mod = op.substr(sp + 1);
    return kOps.count(base) && (mod == "oneof" || mod == "anyof" || mod == "allof");
  };
  auto valid_field = [&](const std::string& f) {
    if (rule.unknown_source) return true;
    // A transformer expression such as tolower(proc.name) is accepted: check the inner field.
    std::string_view s = f;
    while (!s.empty() && s.back() == ')') {
      size_t open = s.find('(');
      if (open == std::string_view::npos) break;
      s = s.substr(open + 1, s.size() - open - 2);
    }
    std::string name(s);
    std::string arg;
    const std::string* argp = nullptr;
    if (size_t br = name.find('['); br != std::string::npos && name.back() == ']') {
      arg = name.substr(br + 1, name.size() - br - 2);
      name = name.substr(0, br);
      argp = &arg;
    }
    return lookup_field(name, argp).ref.has_value();
  };
  if (ex.fields.is_list) {
    if (!ex.has_comps) {
      ex.comps.is_list = true;
      ex.comps.items.assign(ex.fields.items.size(), "=");
      ex.has_comps = true;
    }
    if (!ex.comps.is_list || ex.fields.items.size() != ex.comps.items.size())
      return Failure{DiagCode::LOAD_ERR_VALIDATE, "Fields and comps lists must have equal length",
                     ex.ctx, ex.ctx.back().pos};
    for (const std::string& c : ex.comps.items)
      if (!valid_op(c))
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "'" + c + "' is not a supported comparison operator", ex.ctx,
                       ex.ctx.back().pos};
    for (const std::string& f : ex.fields.items)
      if (!valid_field(f))
        return Failure{DiagCode::LOAD_ERR_VALIDATE, "'" + f + "' is not a supported filter field",
                       ex.ctx, ex.ctx.back().pos};
    for (size_t i = 0; i < ex.values.size(); i++) {
      if (!ex.values[i].is_list || ex.tuple_values[i].size() != ex.fields.items.size())
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Fields and values lists must have equal length", ex.ctx,
                       ex.ctx.back().pos};
    }
  } else {
    if (!ex.has_comps) {
      ex.comps.is_list = false;
      ex.comps.item = "in";
      ex.has_comps = true;
    }
    if (ex.comps.is_list)
      return Failure{DiagCode::LOAD_ERR_VALIDATE, "Fields and comps must both be strings", ex.ctx,
                     ex.ctx.back().pos};
    const std::string& c = ex.comps.item;
    bool list_op = c == "in" || c == "pmatch" || c == "intersects";
    if (!list_op && !(valid_op(c) && c.find(' ') != std::string::npos))
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "When fields is a single value, comps must be one of (in, pmatch, "
                     "intersects)",
                     ex.ctx, ex.ctx.back().pos};
    if (!valid_field(ex.fields.item))
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "'" + ex.fields.item + "' is not a supported filter field", ex.ctx,
                     ex.ctx.back().pos};
    for (const ExceptionDef::Entry& v : ex.values)
      if (v.is_list)
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Expected values array to contain a list of strings", ex.ctx,
                       ex.ctx.back().pos};
  }
  return std::nullopt;
}

std::optional<Failure> Reader::merge_exceptions(RuleDef& rule, std::vector<ExceptionDef>& add) {
  for (ExceptionDef& ex : add) {
    auto prev = std::find_if(rule.exceptions.begin(), rule.exceptions.end(),
                             [&](const ExceptionDef& e) { return e.name == ex.name; });
    if (prev != rule.exceptions.end()) {
      if (ex.has_fields)
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Can not append exception fields to existing exception, only values",
                       ex.ctx, ex.ctx.back().pos};
      if (ex.has_comps)
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Can not append exception comps to existing exception, only values",
                       ex.ctx, ex.ctx.back().pos};
      for (size_t i = 0; i < ex.values.size(); i++) {
        prev->values.push_back(ex.values[i]);
        prev->tuple_values.push_back(ex.tuple_values[i]);
      }
      if (auto f = validate_exception(rule, *prev)) return f;
    } else {
      if (!ex.has_fields)
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Rule exception must have fields property with a list of fields", ex.ctx,
                       ex.ctx.back().pos};
      if (ex.values.empty())
        return Failure{DiagCode::LOAD_ERR_VALIDATE,
                       "Rule exception must have values property with a list of values", ex.ctx,
                       ex.ctx.back().pos};
      if (auto f = validate_exception(rule, ex)) return f;
      rule.exceptions.push_back(std::move(ex));
    }
  }
  return std::nullopt;
}

std::optional<Failure> Reader::read_rule(const Node& item, const Context& parent) {
  std::optional<Failure> fail;
  const Node* name_node = scalar(item, "rule", child(parent, item, "rule"), false, fail);
  if (fail) return fail;
  const std::string name = name_node->value;
  Context ctx = child(parent, item, "rule", name);
  check_keys(item,
             {"rule", "condition", "output", "desc", "priority", "source", "enabled", "tags",
              "exceptions", "warn_evttypes", "skip-if-unknown-filter", "capture",
              "capture_duration", "append", "override"},
             ctx);

  bool append_flag = false;
  if (!opt_bool(item, "append", append_flag, ctx, fail)) return fail;
  if (append_flag)
    warn(DiagCode::LOAD_DEPRECATED_ITEM,
         "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "
         "'override' instead.",
         ctx, pos(item));

  static const std::set<std::string> kAppendable = {"condition", "output", "desc", "tags",
                                                    "exceptions"};
  static const std::set<std::string> kReplaceable = {
      "condition", "output", "desc", "priority", "tags", "exceptions", "enabled",
      "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"};
  std::set<std::string> oa, orp;
  if (auto f = decode_overrides(item, kAppendable, kReplaceable, oa, orp, ctx)) return f;
  bool has_overrides = !oa.empty() || !orp.empty();
  if (append_flag && has_overrides)
    return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                   "Keys 'override' and 'append: true' cannot be used together. Add an 'append' "
                   "entry (e.g. 'condition: append') under 'override' instead.",
                   ctx, pos(item)};

  auto prev_it = col_.rule_by_name.find(name);
  RuleDef* prev = prev_it == col_.rule_by_name.end() ? nullptr : &col_.rules[prev_it->second];

  auto read_condition = [&](MappedText& out, Context& cond_ctx) -> std::optional<Failure> {
    std::optional<Failure> f;
    const Node* c = scalar(item, "condition", ctx, false, f);
    if (f) return f;
    cond_ctx = child(ctx, *c, "rule condition");
    out = yaml::scalar_text(file_, *c);
    return std::nullopt;
  };
  auto read_string = [&](const char* key, std::string& out) -> std::optional<Failure> {
    std::optional<Failure> f;
    const Node* v = scalar(item, key, ctx, false, f);
    if (f) return f;
    out = v->value;
    return std::nullopt;
  };
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::string();
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
  };
  auto read_priority = [&](Priority& out) -> std::optional<Failure> {
    std::optional<Failure> f;
    const Node* v = scalar(item, "priority", ctx, false, f);
    if (f) return f;
    std::optional<Priority> p = parse_priority(v->value);
    if (!p)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Invalid priority",
                     child(ctx, *v, "rule priority"), pos(*v)};
    out = *p;
    return std::nullopt;
  };
  auto read_tags = [&](std::set<std::string>& out) -> std::optional<Failure> {
    std::vector<std::string> tags;
    std::optional<Failure> f;
    if (!scalar_seq(item, "tags", ctx, true, tags, f)) return f;
    out.insert(tags.begin(), tags.end());
    return std::nullopt;
  };
  auto read_uint = [&](const char* key, uint64_t& out) -> std::optional<Failure> {
    std::optional<Failure> f;
    const Node* v = scalar(item, key, ctx, false, f);
    if (f) return f;
    std::optional<uint64_t> n = decode_uint(v->value);
    if (!n)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Can't decode YAML scalar value",
                     child(ctx, *v, "value for", key), pos(*v)};
    out = *n;
    return std::nullopt;
  };

  if (has_overrides) {
    // Every overridable key present must be listed under `override`, and vice versa.
    std::set<std::string> expected;
    for (const auto* set : {&kAppendable, &kReplaceable})
      for (const std::string& k : *set)
        if (get(item, k)) expected.insert(k);
    auto take = [&](const std::set<std::string>& ops, const char* op,
                    const std::string& key) -> std::optional<Failure> {
      if (!ops.count(key)) return std::nullopt;
      if (!expected.count(key))
        return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                       std::string(op[0] == 'a' ? "An " : "A ") + op + " override for '" + key +
                           "' was specified but '" + key + "' is not defined",
                       ctx, pos(item)};
      expected.erase(key);
      return std::nullopt;
    };
    for (const std::string& k : oa)
      if (auto f = take(oa, "append", k)) return f;
    for (const std::string& k : orp)
      if (auto f = take(orp, "replace", k)) return f;
    for (const std::string& k : expected) {
      const Node* kn = get(item, k);
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE,
                     "Unexpected key '" + k + "': no corresponding entry under 'override' is "
                     "defined.",
                     child(ctx, *kn, "overrides", k), pos(*kn)};
    }
    if (!prev)
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     !oa.empty() ? "Rule uses 'append' or 'override.<key>: append' but no rule by "
                                   "that name already exists"
                                 : "An 'override.<key>: replace' to a rule was requested but no "
                                   "rule by that name already exists",
                     ctx, pos(item)};
    // Appends first, then replaces (Falco applies them in this order).
    if (oa.count("condition")) {
      MappedText c;
      Context cc;
      if (auto f = read_condition(c, cc)) return f;
      prev->condition.append_fixed(" ", c.map(0));
      prev->condition.append(c);
    }
    if (oa.count("exceptions")) {
      std::vector<ExceptionDef> exs;
      if (auto f = read_exceptions(item, ctx, true, exs)) return f;
      if (auto f = merge_exceptions(*prev, exs)) return f;
    }
    if (oa.count("output")) {
      std::string s;
      if (auto f = read_string("output", s)) return f;
      prev->output = trim(prev->output + " " + s);
    }
    if (oa.count("desc")) {
      std::string s;
      if (auto f = read_string("desc", s)) return f;
      prev->desc += " " + s;
    }
    if (oa.count("tags")) {
      if (auto f = read_tags(prev->tags)) return f;
    }
    if (orp.count("condition")) {
      if (auto f = read_condition(prev->condition, prev->cond_ctx)) return f;
    }
    if (orp.count("exceptions")) {
      std::vector<ExceptionDef> exs;
      if (auto f = read_exceptions(item, ctx, false, exs)) return f;
      for (ExceptionDef& ex : exs)
        if (auto f = validate_exception(*prev, ex)) return f;
      prev->exceptions = std::move(exs);
    }
    if (orp.count("output")) {
      if (auto f = read_string("output", prev->output)) return f;
      prev->output = trim(prev->output);
      prev->output_pos = pos(*get(item, "output"));
    }
    if (orp.count("desc")) {
      if (auto f = read_string("desc", prev->desc)) return f;
    }
    if (orp.count("tags")) {
      prev->tags.clear();
      if (auto f = read_tags(prev->tags)) return f;
    }
    if (orp.count("priority")) {
      if (auto f = read_priority(prev->priority)) return f;
    }
    if (orp.count("enabled") && !opt_bool(item, "enabled", prev->enabled, ctx, fail)) return fail;
    if (orp.count("warn_evttypes") &&
        !opt_bool(item, "warn_evttypes", prev->warn_evttypes, ctx, fail))
      return fail;
    if (orp.count("skip-if-unknown-filter") &&
        !opt_bool(item, "skip-if-unknown-filter", prev->skip_if_unknown_filter, ctx, fail))
      return fail;
    if (orp.count("capture") && !opt_bool(item, "capture", prev->capture, ctx, fail)) return fail;
    if (orp.count("capture_duration")) {
      if (auto f = read_uint("capture_duration", prev->capture_duration)) return f;
    }
    return std::nullopt;
  }

  if (append_flag) {
    bool has_cond = get(item, "condition") != nullptr;
    bool has_ex = get(item, "exceptions") != nullptr;
    if (!has_cond && !has_ex)
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "Appended rule must have exceptions or condition property", ctx, pos(item)};
    if (!prev)
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "Rule uses 'append' or 'override.<key>: append' but no rule by that name "
                     "already exists",
                     ctx, pos(item)};
    if (has_cond) {
      MappedText c;
      Context cc;
      if (auto f = read_condition(c, cc)) return f;
      prev->condition.append_fixed(" ", c.map(0));
      prev->condition.append(c);
    }
    if (has_ex) {
      std::vector<ExceptionDef> exs;
      if (auto f = read_exceptions(item, ctx, true, exs)) return f;
      if (auto f = merge_exceptions(*prev, exs)) return f;
    }
    return std::nullopt;
  }

  bool full = get(item, "condition") || get(item, "output") || get(item, "desc") ||
              get(item, "priority");
  if (!full) {
    // The deprecated standalone `enabled` form.
    const Node* en = scalar(item, "enabled", ctx, false, fail);
    if (fail) return fail;
    std::optional<bool> b = decode_bool(en->value);
    if (!b)
      return Failure{DiagCode::LOAD_ERR_YAML_VALIDATE, "Can't decode YAML scalar value",
                     child(ctx, *en, "value for", "enabled"), pos(*en)};
    warn(DiagCode::LOAD_DEPRECATED_ITEM,
         "The standalone 'enabled' key usage is deprecated. The correct approach requires also "
         "a 'replace' entry under the 'override' key (i.e. 'enabled: replace').",
         ctx, pos(item));
    if (!prev)
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "Rule has 'enabled' key but no rule by that name already exists", ctx,
                     pos(item)};
    prev->enabled = *b;
    return std::nullopt;
  }

  RuleDef def;
  def.name = name;
  def.ctx = ctx;
  if (auto f = read_condition(def.condition, def.cond_ctx)) return f;
  {
    const Node* o = scalar(item, "output", ctx, false, fail);
    if (fail) return fail;
    def.output_ctx = child(ctx, *o, "rule output");
    def.output = trim(o->value);
    def.output_pos = pos(*o);
  }
  if (auto f = read_string("desc", def.desc)) return f;
  if (auto f = read_priority(def.priority)) return f;
  {
    const Node* s = scalar(item, "source", ctx, true, fail);
    if (fail) return fail;
    if (s) {
      def.source = s->value;
      def.has_source = true;
    }
  }
  if (!opt_bool(item, "enabled", def.enabled, ctx, fail)) return fail;
  if (!opt_bool(item, "warn_evttypes", def.warn_evttypes, ctx, fail)) return fail;
  if (!opt_bool(item, "skip-if-unknown-filter", def.skip_if_unknown_filter, ctx, fail))
    return fail;
  if (!opt_bool(item, "capture", def.capture, ctx, fail)) return fail;
  if (get(item, "capture_duration")) {
    if (auto f = read_uint("capture_duration", def.capture_duration)) return f;
  }
  if (auto f = read_tags(def.tags)) return f;
  std::vector<ExceptionDef> exs;
  if (auto f = read_exceptions(item, ctx, false, exs)) return f;

  // collector::define
  if (def.source != "syscall") {
    def.unknown_source = true;
    warn(DiagCode::LOAD_UNKNOWN_SOURCE, "Unknown source " + def.source + ", skipping", ctx,
         pos(item));
  }
  for (ExceptionDef& ex : exs)
    if (auto f = validate_exception(def, ex)) return f;
  def.exceptions = std::move(exs);
  if (prev) {
    if (prev->has_source && def.has_source && prev->source != def.source)
      return Failure{DiagCode::LOAD_ERR_VALIDATE,
                     "Rule has been re-defined with a different source", ctx, pos(item)};
    def.index = prev->index;
    *prev = std::move(def);
  } else {
    def.index = col_.next_index++;
    col_.rule_by_name.emplace(name, col_.rules.size());
    col_.rules.push_back(std::move(def));
  }
  return std::nullopt;
}

}  // namespace

void check_schema(const yaml::ParseResult& parsed, bool& valid, std::vector<std::string>& warnings) {
  auto fail = [&](const std::string& path, const std::string& why) {
    valid = false;
    if (warnings.size() < 100) warnings.push_back("failed for " + path + ": " + why);
  };
  if (parsed.error) {
    valid = false;
    return;
  }
  static const char* kPriorities[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING",
                                      "NOTICE",    "INFO",  "INFORMATIONAL", "DEBUG"};
  static const char* kBools[] = {"true", "false", "True", "False", "TRUE", "FALSE",
                                 "yes", "no", "on", "off"};
  for (const yaml::Document& doc : parsed.documents) {
    const yaml::Node& root = doc.root();
    if (root.kind == yaml::Kind::kNull) continue;
    if (root.kind != yaml::Kind::kSequence) {
      fail("/", "the rules content must be an array");
      continue;
    }
    for (uint32_t i = 0; i < root.count; i++) {
      const yaml::Node& item = doc.item(root, i);
      std::string path = "/" + std::to_string(i);
      if (item.kind == yaml::Kind::kNull) continue;
      if (item.kind != yaml::Kind::kMap) {
        fail(path, "an item must be an object");
        continue;
      }
      if (const yaml::Node* p = doc.find(item, "priority")) {
        bool ok = p->kind == yaml::Kind::kScalar &&
                  std::any_of(std::begin(kPriorities), std::end(kPriorities),
                              [&](const char* s) { return p->value == s; });
        if (!ok) fail(path + "/priority", "must be one of the upper-case priority names");
      }
      for (const char* k : {"enabled", "append", "warn_evttypes", "skip-if-unknown-filter"}) {
        if (const yaml::Node* b = doc.find(item, k)) {
          bool ok = b->kind == yaml::Kind::kScalar && b->style == yaml::ScalarStyle::kPlain &&
                    std::any_of(std::begin(kBools), std::end(kBools),
                                [&](const char* s) { return b->value == s; });
          if (!ok) fail(path + "/" + k, "must be a boolean");
        }
      }
      for (const char* k : {"tags", "items"}) {
        if (const yaml::Node* s = doc.find(item, k)) {
          if (s->kind != yaml::Kind::kSequence) fail(path + "/" + k, "must be an array");
        }
      }
      for (const char* k : {"condition", "output", "desc", "rule", "macro", "list"}) {
        if (const yaml::Node* s = doc.find(item, k)) {
          if (s->kind != yaml::Kind::kScalar) fail(path + "/" + k, "must be a string");
        }
      }
    }
  }
}

bool read_rules_file(const SourceFile& file, Collection& col, const EngineInfo& engine,
                     const LoaderOptions& opts, FileResult& res) {
  Context content_ctx = {ContextLoc{"rules content", "", file.name(), FilePos{&file, 0}}};
  yaml::ParseResult parsed = yaml::parse(file);
  check_schema(parsed, res.schema_valid, res.schema_warnings);
  if (parsed.error) {
    Diagnostic d;
    d.code = DiagCode::LOAD_ERR_YAML_PARSE;
    d.message = parsed.error->message;
    d.context = content_ctx;
    d.pos = FilePos{&file, parsed.error->offset};
    res.errors.push_back(std::move(d));
    return false;
  }
  bool ok = true;
  for (const yaml::Document& doc : parsed.documents) {
    Reader reader(file, doc, col, engine, opts, res);
    if (!reader.read_document(content_ctx)) {
      ok = false;
      if (!opts.all_errors) return false;
    }
  }
  return ok;
}

}  // namespace pg
