#include "tools/mantle/credit_table.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace mantle::cli {

std::string format_credit_table(const nlohmann::json& list) {
  std::vector<std::vector<std::string>> rows{{"PEER", "SENT", "RECV", "RATIO", "EXCHANGED", "STATUS"}};
  if (list.contains("Peers") && list["Peers"].is_array())
    for (const auto& p : list["Peers"]) {
      char ratio[32];
      std::snprintf(ratio, sizeof ratio, "%.2f", p.value("Ratio", 0.0));
      std::string status = p.value("Cut", false) ? "cut" : p.value("Trusted", false) ? "trusted" : "-";
      rows.push_back({p.value("Peer", ""), std::to_string(p.value("Sent", uint64_t{0})),
                      std::to_string(p.value("Recv", uint64_t{0})), ratio,
                      std::to_string(p.value("Exchanged", uint64_t{0})), status});
    }
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      // The peer column is left-aligned text, the numbers right-aligned, status last.
      bool left = i == 0 || i + 1 == r.size();
      std::string pad(width[i] - r[i].size(), ' ');
      line += left ? r[i] + (i + 1 == r.size() ? "" : pad) : pad + r[i];
      if (i + 1 != r.size())
        line += "  ";
    }
    out += line + "\n";
  }
  return out;
}

} // namespace mantle::cli
