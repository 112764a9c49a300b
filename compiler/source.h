// Source text and positions.
//
// A SourceFile is one loaded file (a rules YAML file) with its line table. Conditions are not
// files of their own: they are MappedText, a string whose every byte maps back to a byte of some
// SourceFile. The mapping is a sorted list of runs; inside a run, text offsets and file offsets
// advance together (a plain or quoted YAML scalar on one line), or every text byte maps to one
// fixed file offset (text the loader generated: list substitutions, exception clauses, the
// space joining appended conditions). Appends across files keep each part's own file.
//
// Invariants: runs are sorted by text_off, the first run starts at 0 when the text is not
// empty, and a run's file pointer outlives the MappedText (files live in the Workspace).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pg {

// 0-based line and column (byte based), as Falco and yaml-cpp report them.
struct LineCol {
  uint32_t line = 0;
  uint32_t column = 0;
};

// One loaded file.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  // Line and column of a byte offset (clamped to the end of the text).
  LineCol line_col(uint32_t offset) const;

  // The text of a 0-based line, without its line terminator.
  std::string_view line_text(uint32_t line) const;

  uint32_t line_count() const { return static_cast<uint32_t>(line_starts_.size()); }

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

// A position inside a file.
struct FilePos {
  const SourceFile* file = nullptr;
  uint32_t offset = 0;

  bool valid() const { return file != nullptr; }
  LineCol line_col() const { return file ? file->line_col(offset) : LineCol{}; }
};

// Text whose bytes map back into source files (see the file comment).
class MappedText {
 public:
  struct Run {
    uint32_t text_off;         // first text byte of the run
    const SourceFile* file;    // file the run maps into
    uint32_t file_off;         // file offset of text_off
    bool fixed;                // every byte of the run maps to file_off
  };

  MappedText() = default;

  // Text that maps 1:1 onto file[file_off, file_off + text.size()).
  static MappedText identity(std::string text, const SourceFile* file, uint32_t file_off);

  // Text whose bytes all map to one file position.
  static MappedText fixed(std::string text, FilePos pos);

  const std::string& text() const { return text_; }
  const std::vector<Run>& runs() const { return runs_; }
  bool empty() const { return text_.empty(); }
  size_t size() const { return text_.size(); }

  // The file position of a text offset (offset == size() maps just past the last byte).
  FilePos map(uint32_t text_off) const;

  // Appends bytes [begin, end) of another mapped text, keeping their mapping.
  void append_slice(const MappedText& src, uint32_t begin, uint32_t end);
  void append(const MappedText& src) { append_slice(src, 0, static_cast<uint32_t>(src.size())); }

  // Appends generated text that maps to one fixed position.
  void append_fixed(std::string_view s, FilePos pos);

  // Appends text that maps 1:1 onto a file range starting at file_off.
  void append_identity(std::string_view s, const SourceFile* file, uint32_t file_off);

 private:
  void push_run(Run r);

  std::string text_;
  std::vector<Run> runs_;
};

}  // namespace pg
