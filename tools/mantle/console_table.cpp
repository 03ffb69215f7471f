#include "tools/mantle/console_table.hpp"

#include <algorithm>
#include <vector>

namespace mantle::cli {

using json = nlohmann::ordered_json;

namespace {

bool is_table(const json& j) {
  return j.is_array() && !j.empty() && std::all_of(j.begin(), j.end(), [](const json& x) { return x.is_object(); });
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width)
    s.append(width - s.size(), ' ');
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string table(const json& rows) {
  std::vector<std::string> cols;
  for (const auto& r : rows)
    for (auto it = r.begin(); it != r.end(); ++it)
      if (std::find(cols.begin(), cols.end(), it.key()) == cols.end())
        cols.push_back(it.key());
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width;
  for (const auto& c : cols)
    width.push_back(c.size());
  for (const auto& r : rows) {
    std::vector<std::string> line;
    for (size_t k = 0; k < cols.size(); ++k) {
      line.push_back(r.contains(cols[k]) ? console_cell(r[cols[k]]) : "");
      width[k] = std::max(width[k], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto row_text = [&](const std::vector<std::string>& line) {
    std::string out;
    for (size_t k = 0; k < line.size(); ++k)
      out += k + 1 == line.size() ? line[k] : pad(line[k], width[k]) + "  ";
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + "\n";
  };
  std::vector<std::string> header;
  for (const auto& c : cols)
    header.push_back(upper(c));
  std::string out = row_text(header);
  for (const auto& line : cells)
    out += row_text(line);
  return out;
}

} // namespace

std::string console_cell(const json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_null())
    return "-";
  return v.dump();
}

std::string render_console_json(const json& j) {
  if (j.is_array()) {
    if (j.empty())
      return "(none)\n";
    if (is_table(j))
      return table(j);
    std::string out;
    for (const auto& x : j)
      out += console_cell(x) + "\n";
    return out;
  }
  if (j.is_object()) {
    size_t width = 0;
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!is_table(it.value()))
        width = std::max(width, it.key().size());
    std::string out, below;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (is_table(it.value()))
        below += "\n" + it.key() + ":\n" + table(it.value());
      else
        out += pad(it.key() + ":", width + 1) + " " + console_cell(it.value()) + "\n";
    }
    return out + below;
  }
  return console_cell(j) + "\n";
}

} // namespace mantle::cli
