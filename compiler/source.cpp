#include "compiler/source.h"

#include <algorithm>

namespace pg {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (uint32_t i = 0; i < text_.size(); i++) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineCol SourceFile::line_col(uint32_t offset) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - line_starts_.begin()) - 1;
  return {line, offset - line_starts_[line]};
}

std::string_view SourceFile::line_text(uint32_t line) const {
  if (line >= line_starts_.size()) return {};
  uint32_t b = line_starts_[line];
  uint32_t e = line + 1 < line_starts_.size() ? line_starts_[line + 1] - 1
                                               : static_cast<uint32_t>(text_.size());
  if (e > b && text_[e - 1] == '\r') e--;
  return std::string_view(text_).substr(b, e - b);
}

MappedText MappedText::identity(std::string text, const SourceFile* file, uint32_t file_off) {
  MappedText m;
  m.text_ = std::move(text);
  if (!m.text_.empty()) m.runs_.push_back({0, file, file_off, false});
  return m;
}

MappedText MappedText::fixed(std::string text, FilePos pos) {
  MappedText m;
  m.text_ = std::move(text);
  if (!m.text_.empty()) m.runs_.push_back({0, pos.file, pos.offset, true});
  return m;
}

FilePos MappedText::map(uint32_t text_off) const {
  if (runs_.empty()) return {};
  auto it = std::upper_bound(runs_.begin(), runs_.end(), text_off,
                             [](uint32_t off, const Run& r) { return off < r.text_off; });
  const Run& r = it == runs_.begin() ? runs_.front() : *(it - 1);
  if (r.fixed || text_off < r.text_off) return {r.file, r.file_off};
  return {r.file, r.file_off + (text_off - r.text_off)};
}

void MappedText::push_run(Run r) {
  if (!runs_.empty()) {
    const Run& last = runs_.back();
    // Merge a run that continues the previous one exactly.
    if (last.file == r.file && last.fixed == r.fixed) {
      if (r.fixed ? last.file_off == r.file_off
                  : last.file_off + (r.text_off - last.text_off) == r.file_off)
        return;
    }
    if (last.text_off == r.text_off) {
      runs_.back() = r;
      return;
    }
  }
  runs_.push_back(r);
}

void MappedText::append_slice(const MappedText& src, uint32_t begin, uint32_t end) {
  if (end <= begin) return;
  uint32_t base = static_cast<uint32_t>(text_.size());
  text_.append(src.text_, begin, end - begin);
  auto it = std::upper_bound(src.runs_.begin(), src.runs_.end(), begin,
                             [](uint32_t off, const Run& r) { return off < r.text_off; });
  if (it != src.runs_.begin()) --it;
  for (; it != src.runs_.end() && it->text_off < end; ++it) {
    uint32_t from = std::max(begin, it->text_off);
    uint32_t file_off = it->fixed ? it->file_off : it->file_off + (from - it->text_off);
    push_run({base + (from - begin), it->file, file_off, it->fixed});
  }
}

void MappedText::append_fixed(std::string_view s, FilePos pos) {
  if (s.empty()) return;
  uint32_t base = static_cast<uint32_t>(text_.size());
  text_.append(s);
  push_run({base, pos.file, pos.offset, true});
}

void MappedText::append_identity(std::string_view s, const SourceFile* file, uint32_t file_off) {
  if (s.empty()) return;
  uint32_t base = static_cast<uint32_t>(text_.size());
  text_.append(s);
  push_run({base, file, file_off, false});
}

}  // namespace pg
