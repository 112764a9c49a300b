// Compiling the collection: Falco's rule_loader::compiler (LANGUAGE.md 1.4, 1.5, 5, 6).
//
// Order, as in Falco: lists (nested items); every macro condition substituted and parsed;
// macro references resolved (a macro sees macros whose index is below its visibility) and
// checked for loops and depth; then each rule in order: unknown source skipped, output
// checked, exceptions appended as text, lists substituted, condition parsed, macros resolved
// (all visible), compiler hints, type checks, event-type set. Unused macros and lists are
// reported last. The first error stops the compile unless opts.all_errors.
#include <algorithm>
#include <functional>

#include "compiler/check.h"
#include "compiler/format.h"
#include "compiler/lists.h"
#include "compiler/loader.h"
#include "compiler/parse.h"

namespace pg {
namespace {

// Falco's position name for a condition: the text in quotes, cut to 17 characters.
std::string condition_excerpt(const std::string& text) {
  if (text.size() <= 17) return "\"" + text + "\"";
  return "\"" + text.substr(0, 17) + "...\"";
}

class Compiler {
 public:
  Compiler(const Collection& col, const LoaderOptions& opts, FileResult& res)
      : col_(col), opts_(opts), res_(res), lists_(col) {}

  std::shared_ptr<CompiledRuleset> run();

 private:
  // Adds a diagnostic; returns true when compiling must stop.
  bool report(Diagnostic d) {
    bool err = d.is_error();
    if (err) {
      res_.errors.push_back(std::move(d));
      failed_ = true;
      return !opts_.all_errors;
    }
    res_.warnings.push_back(std::move(d));
    return false;
  }

  Diagnostic condition_diag(DiagCode code, std::string msg, const Context& cond_ctx,
                            const MappedText& text, ast::Span span) {
    Diagnostic d;
    d.code = code;
    d.message = std::move(msg);
    d.context = cond_ctx;
    d.pos = text.map(span.begin);
    d.length = std::max<uint32_t>(1, span.end - span.begin);
    d.context.push_back(
        ContextLoc{"condition expression", "", condition_excerpt(text.text()), d.pos});
    return d;
  }

  void add_via_notes(Diagnostic& d, const std::vector<const ast::Node*>& via) {
    for (size_t i = via.size(); i-- > 0;) {
      const ast::Node* ref = via[i];
      d.notes.push_back({"expanded from macro '" + ref->name + "' used here", ref->pos()});
    }
  }

  // Parses a condition, substituting lists (as tokens first, as text if that is not possible).
  // Returns null after reporting an error.
  ast::Node* parse(const MappedText& cond, const Context& cond_ctx, bool& stop) {
    for (int attempt = 0; attempt < 2; attempt++) {
      bool tokens = opts_.list_tokens && attempt == 0 &&
                    cond.text().find('\x01') == std::string::npos;
      const MappedText* text = out_->arena.keep(lists_.substitute(cond, tokens));
      ParseOptions po;
      po.max_depth = opts_.max_condition_depth;
      po.listrefs = tokens ? &lists_.refs() : nullptr;
      ParseResult r = parse_condition(text, out_->arena, po);
      if (r.listref_misplaced) continue;
      if (r.error) {
        stop = report(condition_diag(DiagCode::LOAD_ERR_COMPILE_CONDITION, r.error->message,
                                     cond_ctx, *text,
                                     {r.error->offset, r.error->offset + r.error->length}));
        return nullptr;
      }
      return r.root;
    }
    return nullptr;  // unreachable: the text attempt never sets listref_misplaced
  }

  // Links every MacroRef under `root` to a macro visible below `visibility`. Iterative, in
  // pre-order: this runs before the depth check, and `not` chains are as long as the input.
  bool resolve(ast::Node* root, uint32_t visibility, const Context& cond_ctx, bool mark_used,
               bool& stop) {
    bool ok = true;
    std::vector<ast::Node*> todo = {root};
    while (!todo.empty() && !stop) {
      ast::Node* n = todo.back();
      todo.pop_back();
      if (n->kind == ast::Kind::kMacroRef) {
        auto it = col_.macro_by_name.find(n->name);
        if (it == col_.macro_by_name.end() || col_.macros[it->second].index >= visibility) {
          Diagnostic d = condition_diag(DiagCode::LOAD_ERR_VALIDATE,
                                        "Undefined macro '" + n->name + "' used in filter.",
                                        cond_ctx, *n->text, n->span);
          if (it != col_.macro_by_name.end())
            d.notes.push_back({"macro '" + n->name +
                                   "' is defined later; a macro can only use macros defined "
                                   "before it",
                               col_.macros[it->second].ctx.back().pos});
          ok = false;
          stop = report(std::move(d));
          continue;
        }
        n->macro = static_cast<int>(it->second);
        n->target = out_->macros[it->second].root;
        if (mark_used) out_->macros[it->second].used = true;
        continue;
      }
      for (size_t i = n->children.size(); i-- > 0;) todo.push_back(n->children[i]);
    }
    return ok;
  }

  // Detects reference loops and excessive expansion depth through macros (iteratively, so
  // hostile input cannot overflow the stack here).
  bool check_macro_graph(bool& stop);

  bool compile_rule(const RuleDef& def, Checker& checker, bool& stop);

  const Collection& col_;
  const LoaderOptions& opts_;
  FileResult& res_;
  ListTable lists_;
  std::shared_ptr<CompiledRuleset> out_;
  bool failed_ = false;
  std::vector<uint32_t> macro_depth_;  // nesting depth of each macro's expansion
};

bool Compiler::check_macro_graph(bool& stop) {
  size_t n = col_.macros.size();
  // Direct references of each macro, and each body's own nesting depth.
  std::vector<std::vector<std::pair<size_t, const ast::Node*>>> refs(n);
  std::vector<uint32_t> own_depth(n, 0);
  for (size_t i = 0; i < n; i++) {
    ast::Node* root = out_->macros[i].root;
    if (!root) continue;
    std::vector<std::pair<ast::Node*, uint32_t>> st = {{root, 1}};
    while (!st.empty()) {
      auto [x, d] = st.back();
      st.pop_back();
      own_depth[i] = std::max(own_depth[i], d);
      if (x->kind == ast::Kind::kMacroRef && x->macro >= 0)
        refs[i].push_back({static_cast<size_t>(x->macro), x});
      for (ast::Node* c : x->children) st.push_back({c, d + 1});
    }
  }
  // Iterative DFS with colours; depth[i] = own depth + deepest referenced macro.
  macro_depth_.assign(n, 0);
  std::vector<uint8_t> colour(n, 0);  // 0 new, 1 on path, 2 done
  for (size_t start = 0; start < n; start++) {
    if (colour[start]) continue;
    std::vector<std::pair<size_t, size_t>> path = {{start, 0}};
    colour[start] = 1;
    while (!path.empty()) {
      auto& [m, next] = path.back();
      if (next < refs[m].size()) {
        auto [t, node] = refs[m][next++];
        if (colour[t] == 1) {
          const MacroDef& def = col_.macros[t];
          Diagnostic d = condition_diag(DiagCode::LOAD_ERR_VALIDATE,
                                        "reference loop in macro '" + def.name + "'",
                                        col_.macros[m].cond_ctx, *node->text, node->span);
          std::string chain;
          bool on = false;
          for (auto& [pm, pn] : path) {
            on |= pm == t;
            if (on) chain += "'" + col_.macros[pm].name + "' -> ";
          }
          d.notes.push_back({"macros " + chain + "'" + def.name + "' form a reference loop",
                             def.ctx.back().pos});
          d.context = col_.macros[m].cond_ctx;
          d.context.push_back(ContextLoc{"condition expression", "",
                                         condition_excerpt(node->text->text()), d.pos});
          stop = report(std::move(d));
          return false;
        }
        if (colour[t] == 0) {
          colour[t] = 1;
          path.push_back({t, 0});
        }
        continue;
      }
      uint32_t deepest = 0;
      for (auto& [t, node] : refs[m]) deepest = std::max(deepest, macro_depth_[t]);
      macro_depth_[m] = own_depth[m] + deepest;
      colour[m] = 2;
      path.pop_back();
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (macro_depth_[i] > opts_.max_condition_depth) {
      const MacroDef& def = col_.macros[i];
      Diagnostic d;
      d.code = DiagCode::LOAD_ERR_COMPILE_CONDITION;
      d.message = "exceeded max depth limit of " + std::to_string(opts_.max_condition_depth) +
                  " (macro '" + def.name + "' expands to a nesting depth of " +
                  std::to_string(macro_depth_[i]) + ")";
      d.context = def.cond_ctx;
      d.pos = def.condition.map(0);
      if (report(std::move(d))) {
        stop = true;
        return false;
      }
    }
  }
  return true;
}

// The rule condition with exceptions appended (Falco's build_rule_exception_infos).
MappedText with_exceptions(const RuleDef& r, std::set<std::string>& fields) {
  if (r.exceptions.empty()) return r.condition;
  FilePos at = r.ctx.back().pos;
  MappedText t;
  t.append_fixed("(", r.condition.map(0));
  t.append(r.condition);
  t.append_fixed(")", r.condition.map(static_cast<uint32_t>(r.condition.size())));
  auto quote = [](const std::string& v) {
    if (v.find(' ') != std::string::npos && !v.empty() && v[0] != '"' && v[0] != '\'')
      return "\"" + v + "\"";
    return v;
  };
  auto is_list_op = [](const std::string& op) {
    return op == "in" || op == "intersects" || op == "pmatch" ||
           op.find(' ') != std::string::npos;  // modifier form
  };
  for (const ExceptionDef& ex : r.exceptions) {
    FilePos ex_at = ex.ctx.empty() ? at : ex.ctx.back().pos;
    std::string icond;
    if (!ex.fields.is_list) {
      for (const ExceptionDef::Entry& v : ex.values) {
        icond += icond.empty() ? "(" + ex.fields.item + " " + ex.comps.item + " (" : ", ";
        icond += quote(v.item);
      }
      if (!icond.empty()) icond += "))";
      fields.insert(ex.fields.item);
    } else {
      std::string body;
      for (size_t vi = 0; vi < ex.tuple_values.size(); vi++) {
        const std::vector<ExceptionDef::Entry>& tuple = ex.tuple_values[vi];
        if (tuple.size() != ex.fields.items.size()) continue;
        body += body.empty() ? "(" : " or (";
        for (size_t k = 0; k < tuple.size(); k++) {
          if (k) body += " and ";
          std::string val;
          if (tuple[k].is_list) {
            val = "(";
            for (size_t j = 0; j < tuple[k].items.size(); j++) {
              if (j) val += ", ";
              val += quote(tuple[k].items[j]);
            }
            val += ")";
          } else if (is_list_op(ex.comps.items[k])) {
            val = tuple[k].item;
            if (val.empty() || val[0] != '(') val = "(" + val + ")";
          } else {
            val = quote(tuple[k].item);
          }
          body += ex.fields.items[k] + " " + ex.comps.items[k] + " " + val;
          fields.insert(ex.fields.items[k]);
        }
        body += ")";
      }
      if (!body.empty()) icond = "(" + body + ")";
    }
    if (!icond.empty()) t.append_fixed(" and not " + icond, ex_at);
  }
  return t;
}

bool Compiler::compile_rule(const RuleDef& def, Checker& checker, bool& stop) {
  if (def.unknown_source) return true;
  CompiledRule rule;
  rule.def = &def;
  rule.name = def.name;
  rule.priority = def.priority;
  rule.enabled = def.enabled;
  rule.tags = def.tags;
  rule.source = def.source;
  rule.output = def.output;

  // 1. The output format (checked first, as in Falco).
  FormatError ferr;
  FormatWarnings fw;
  std::optional<Format> fmt = parse_format(def.output, &ferr, &fw, true);
  if (!fmt) {
    Diagnostic d;
    d.message = ferr.message;
    d.context = def.output_ctx;
    d.pos = def.output_pos.valid()
                ? FilePos{def.output_pos.file, def.output_pos.offset}
                : def.ctx.back().pos;
    if (def.skip_if_unknown_filter && is_unknown_filter_error(ferr.message)) {
      d.code = DiagCode::LOAD_UNKNOWN_FILTER;
      report(std::move(d));
      return true;
    }
    d.code = DiagCode::LOAD_ERR_COMPILE_OUTPUT;
    stop = report(std::move(d));
    return false;
  }
  if (fw.container_info) {
    Diagnostic d;
    d.code = DiagCode::LOAD_DEPRECATED_ITEM;
    d.message = "%container.info is deprecated and has been removed from the rule output";
    d.context = def.output_ctx;
    d.pos = def.output_pos;
    report(std::move(d));
  }
  for (const std::string& f : fw.deprecated_fields) {
    Diagnostic d;
    d.code = DiagCode::LOAD_DEPRECATED_ITEM;
    d.message = "usage of deprecated field '" + f + "' has been detected in the rule output";
    d.context = def.output_ctx;
    d.pos = def.output_pos;
    d.deprecated_field = f;
    report(std::move(d));
  }

  // 2. Condition text, lists, parse.
  MappedText cond = with_exceptions(def, rule.exception_fields);
  ast::Node* root = parse(cond, def.cond_ctx, stop);
  if (!root) return false;

  // 3. Macros: every macro is visible to a rule.
  if (!resolve(root, UINT32_MAX, def.cond_ctx, true, stop)) return false;
  // Expansion depth of this rule: its own nesting plus the deepest macro it uses.
  {
    uint32_t depth = 0;
    std::vector<std::pair<ast::Node*, uint32_t>> st = {{root, 1}};
    while (!st.empty()) {
      auto [x, d] = st.back();
      st.pop_back();
      uint32_t here = d;
      if (x->kind == ast::Kind::kMacroRef && x->macro >= 0 &&
          static_cast<size_t>(x->macro) < macro_depth_.size())
        here += macro_depth_[x->macro];
      depth = std::max(depth, here);
      for (ast::Node* c : x->children) st.push_back({c, d + 1});
    }
    if (depth > opts_.max_condition_depth) {
      Diagnostic d = condition_diag(DiagCode::LOAD_ERR_COMPILE_CONDITION,
                                    "exceeded max depth limit of " +
                                        std::to_string(opts_.max_condition_depth),
                                    def.cond_ctx, *root->text, root->span);
      stop = report(std::move(d));
      return false;
    }
  }
  rule.condition = root->text;

  // 4. Types, constants, hints.
  std::vector<CheckIssue> errors, warnings;
  checker.check(root, errors, warnings, opts_.all_errors);
  for (const CheckIssue& w : warnings) {
    Diagnostic d = condition_diag(w.code, w.message, def.cond_ctx, *w.node->text, w.span);
    d.deprecated_field = w.deprecated_field;
    add_via_notes(d, w.via);
    report(std::move(d));
  }
  if (!errors.empty()) {
    bool all_unknown = std::all_of(errors.begin(), errors.end(), [](const CheckIssue& e) {
      return is_unknown_filter_error(e.message);
    });
    for (const CheckIssue& e : errors) {
      DiagCode code = def.skip_if_unknown_filter && all_unknown ? DiagCode::LOAD_UNKNOWN_FILTER
                                                                : e.code;
      Diagnostic d = condition_diag(code, e.message, def.cond_ctx, *e.node->text, e.span);
      add_via_notes(d, e.via);
      if (report(std::move(d))) {
        stop = true;
        return false;
      }
    }
    return def.skip_if_unknown_filter && all_unknown;
  }

  // 5. Event types.
  rule.root = root;
  rule.evttypes = checker.event_types(root);
  if (def.warn_evttypes && falco_code_count(rule.evttypes) > 100) {
    Diagnostic d;
    d.code = DiagCode::LOAD_NO_EVTTYPE;
    d.message = "Rule matches too many evt.type values. This has a significant performance "
                "penalty.";
    d.context = def.ctx;
    d.pos = def.cond_ctx.empty() ? def.ctx.back().pos : def.cond_ctx.back().pos;
    report(std::move(d));
  }
  out_->rules.push_back(std::move(rule));
  return true;
}

std::shared_ptr<CompiledRuleset> Compiler::run() {
  out_ = std::make_shared<CompiledRuleset>();
  bool stop = false;

  // Macros: parse all, then resolve (Falco's two passes).
  out_->macros.resize(col_.macros.size());
  for (size_t i = 0; i < col_.macros.size() && !stop; i++) {
    const MacroDef& m = col_.macros[i];
    out_->macros[i].name = m.name;
    out_->macros[i].root = parse(m.condition, m.cond_ctx, stop);
  }
  for (size_t i = 0; i < col_.macros.size() && !stop; i++) {
    const MacroDef& m = col_.macros[i];
    if (out_->macros[i].root) resolve(out_->macros[i].root, m.visibility, m.cond_ctx, true, stop);
  }
  if (!stop && (!failed_ || opts_.all_errors)) check_macro_graph(stop);

  // Rules, in rule order.
  Checker checker;
  if (!stop && (!failed_ || opts_.all_errors)) {
    std::vector<const RuleDef*> order;
    for (const RuleDef& r : col_.rules) order.push_back(&r);
    std::stable_sort(order.begin(), order.end(),
                     [](const RuleDef* a, const RuleDef* b) { return a->index < b->index; });
    for (const RuleDef* r : order) {
      compile_rule(*r, checker, stop);
      if (stop) break;
    }
  }

  // Unused macros and lists (only reported by a compile that got this far).
  if (!failed_ || opts_.all_errors) {
    for (size_t i = 0; i < col_.macros.size(); i++) {
      if (out_->macros[i].used) continue;
      Diagnostic d;
      d.code = DiagCode::LOAD_UNUSED_MACRO;
      d.message = "Macro not referred to by any other rule/macro";
      d.context = col_.macros[i].ctx;
      d.pos = col_.macros[i].ctx.back().pos;
      report(std::move(d));
    }
    for (size_t i : lists_.unused()) {
      Diagnostic d;
      d.code = DiagCode::LOAD_UNUSED_LIST;
      d.message = "List not referred to by any other rule/macro";
      d.context = col_.lists[i].ctx;
      d.pos = col_.lists[i].ctx.back().pos;
      report(std::move(d));
    }
  }
  out_->listrefs = lists_.refs();
  out_->list_names = lists_.ref_names();
  if (failed_ && !opts_.all_errors) return nullptr;
  return out_;
}

}  // namespace

std::shared_ptr<CompiledRuleset> compile_collection(const Collection& col,
                                                    const LoaderOptions& opts, FileResult& res) {
  return Compiler(col, opts, res).run();
}

Loader::Loader(EngineInfo engine, LoaderOptions opts)
    : engine_(std::move(engine)), opts_(opts) {}

Loader::~Loader() = default;

FileResult Loader::load(std::string name, std::string content) {
  FileResult res;
  res.name = name;
  files_.push_back(std::make_unique<SourceFile>(std::move(name), std::move(content)));
  const SourceFile& file = *files_.back();
  bool ok = read_rules_file(file, col_, engine_, opts_, res);
  if ((ok || opts_.all_errors) && opts_.compile_each_file) {
    compiled_ = compile_collection(col_, opts_, res);
  }
  res.successful = res.errors.empty();
  return res;
}

bool Loader::compile(FileResult& res) {
  compiled_ = compile_collection(col_, opts_, res);
  res.successful = res.errors.empty();
  return compiled_ != nullptr && res.successful;
}

std::vector<std::string> Loader::unsatisfied_plugin_requirements() const {
  std::vector<std::string> out;
  for (const PluginRequirement& req : col_.plugin_requirements) {
    std::vector<std::pair<std::string, Semver>> options = {{req.name, req.version}};
    options.insert(options.end(), req.alternatives.begin(), req.alternatives.end());
    bool ok = false;
    std::string mismatch;
    for (const auto& [name, ver] : options) {
      for (const auto& [have_name, have_ver] : engine_.builtin_plugins) {
        if (have_name != name) continue;
        if (have_ver.major == ver.major && !(have_ver < ver)) ok = true;
        else
          mismatch = "Plugin '" + name + "' version '" + have_ver.str() +
                     "' is not compatible with required plugin version '" + ver.str() + "'";
      }
    }
    if (ok) continue;
    if (!mismatch.empty()) {
      out.push_back(mismatch);
      continue;
    }
    std::string msg = "Plugin requirement not satisfied, must load one of: ";
    for (size_t i = 0; i < options.size(); i++) {
      if (i) msg += ", ";
      msg += options[i].first + " (>= " + options[i].second.str() + ")";
    }
    out.push_back(msg);
  }
  return out;
}

}  // namespace pg
