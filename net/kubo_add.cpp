#include "net/kubo_add.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace mantle {
namespace {

bool parse_bool(const std::string& v, bool& out) {
  if (v.empty() || v == "true" || v == "1") {
    out = true;
    return true;
  }
  if (v == "false" || v == "0") {
    out = false;
    return true;
  }
  return false;
}

std::string top_component(const std::string& path) {
  auto slash = path.find('/');
  return slash == std::string::npos ? path : path.substr(0, slash);
}

// Progress events are throttled: Kubo's clients redraw on each, one per MiB is plenty.
constexpr uint64_t progress_step = 1 << 20;

} // namespace

result<add_params> parse_add_params(
  const std::function<std::optional<std::string>(const std::string&)>& get) {
  add_params p;
  auto flag = [&](const char* name, bool& out) -> status {
    if (auto v = get(name)) {
      if (!parse_bool(*v, out))
        return make_error(errc::invalid_input, std::string("invalid value for ") + name +
                                                 ": '" + *v + "' (expected true or false)");
    }
    return {};
  };
  bool raw_leaves_set = false;
  if (auto v = get("cid-version")) {
    if (*v == "0")
      p.import.cid_version = 0;
    else if (*v == "1")
      p.import.cid_version = 1;
    else
      return make_error(errc::invalid_input, "unsupported cid-version '" + *v + "' (0 or 1)");
  }
  if (auto v = get("raw-leaves")) {
    raw_leaves_set = true;
    if (!parse_bool(*v, p.import.raw_leaves))
      return make_error(errc::invalid_input, "invalid value for raw-leaves: '" + *v + "'");
  }
  if (auto v = get("chunker")) {
    const std::string& c = *v;
    if (c == "size") {
      p.import.chunk_size = 262144;
    } else if (c.rfind("size-", 0) == 0) {
      auto digits = c.substr(5);
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
        return make_error(errc::invalid_input, "invalid chunker '" + c + "' (expected size-N)");
      auto n = std::stoull(digits);
      if (n == 0 || n > (1u << 20) * 2)
        return make_error(errc::invalid_input,
                          "chunk size must be between 1 and 2097152 bytes (got " + digits + ")");
      p.import.chunk_size = n;
    } else {
      return make_error(errc::unsupported, "unsupported chunker '" + c +
                                             "': only size-N is available");
    }
  }
  if (auto v = get("hash"); v && *v != "sha2-256")
    return make_error(errc::unsupported, "unsupported hash function '" + *v + "': only sha2-256");
  if (auto v = get("trickle")) {
    bool t = false;
    if (parse_bool(*v, t) && t)
      return make_error(errc::unsupported, "the trickle layout is not supported; use balanced");
  }
  if (auto v = get("max-links")) {
    auto& s = *v;
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), ::isdigit) || std::stoul(s) < 2)
      return make_error(errc::invalid_input, "invalid max-links '" + s + "' (an integer >= 2)");
    p.import.width = std::stoul(s);
  }
  if (auto s = flag("wrap-with-directory", p.wrap); !s)
    return s.err();
  if (auto s = flag("only-hash", p.only_hash); !s)
    return s.err();
  if (auto s = flag("pin", p.pin); !s)
    return s.err();
  if (auto s = flag("progress", p.progress); !s)
    return s.err();
  if (auto v = get("pin-name"))
    p.pin_name = *v;
  if (auto v = get("cid-base"); v && !v->empty()) {
    auto b = multibase::parse_base(*v);
    if (!b)
      return b.err();
    p.cid_base = *b;
    p.cid_base_set = true;
    if (*b != multibase::base::base58btc && p.import.cid_version == 0)
      p.import.cid_version = 1; // as Kubo: a v0 CID cannot be shown in another base
  }
  if (p.import.cid_version == 1 && !raw_leaves_set)
    p.import.raw_leaves = true; // Kubo's default for v1
  return p;
}

add_operation::add_operation(block_sink& sink, add_params params, emit_fn emit)
  : sink_(sink), params_(std::move(params)), emit_(std::move(emit)) {}

add_operation::~add_operation() = default;

std::string add_operation::format(const cid& c) const {
  if (params_.cid_base_set && c.version == 1)
    if (auto s = c.str(params_.cid_base))
      return *s;
  return c.str();
}

status add_operation::emit_entry(const std::string& name, const unixfs::imported& f) {
  nlohmann::json j{{"Name", name}, {"Hash", format(f.root)}, {"Size", std::to_string(f.tsize)}};
  return emit_(j.dump());
}

status add_operation::emit_progress(bool force) {
  if (!params_.progress || !file_)
    return {};
  auto now = file_->bytes_written();
  if (!force && now - file_bytes_reported_ < progress_step)
    return {};
  file_bytes_reported_ = now;
  nlohmann::json j{{"Name", file_path_}, {"Bytes", now}};
  return emit_(j.dump());
}

status add_operation::begin_file(const std::string& path) {
  if (file_)
    return make_error(errc::internal, "begin_file while another file is open");
  file_ = std::make_unique<unixfs::file_importer>(sink_, params_.import);
  file_path_ = path;
  file_bytes_reported_ = 0;
  return {};
}

status add_operation::write(std::string_view bytes) {
  if (!file_)
    return make_error(errc::internal, "write without an open file");
  if (auto s = file_->write(bytes); !s)
    return s;
  total_bytes_ += bytes.size();
  return emit_progress(false);
}

status add_operation::end_file() {
  if (!file_)
    return make_error(errc::internal, "end_file without an open file");
  if (auto s = emit_progress(true); !s)
    return s;
  auto f = file_->finish();
  file_.reset();
  if (!f)
    return f.err();
  // Announce a file only once its blocks are committed, so "added <cid>" is never printed for
  // something a full store refused.
  if (auto s = sink_.flush(); !s)
    return s;
  std::string name = file_path_.empty() ? format(f->root) : file_path_;
  if (auto s = emit_entry(name, *f); !s)
    return s;
  if (file_path_.find('/') == std::string::npos && !params_.wrap) {
    top_files_.emplace_back(name, *f);
  } else {
    if (!dirs_)
      dirs_ = std::make_unique<unixfs::directory_builder>(sink_, params_.import);
    any_nested_ = true;
    if (auto s = dirs_->add_file(file_path_, *f); !s)
      return s;
    auto top = top_component(file_path_);
    if (top != file_path_ && std::find(top_dirs_.begin(), top_dirs_.end(), top) == top_dirs_.end())
      top_dirs_.push_back(top);
  }
  return {};
}

status add_operation::add_directory(const std::string& path) {
  if (!dirs_)
    dirs_ = std::make_unique<unixfs::directory_builder>(sink_, params_.import);
  if (auto s = dirs_->add_directory(path); !s)
    return s;
  auto top = top_component(path);
  if (std::find(top_dirs_.begin(), top_dirs_.end(), top) == top_dirs_.end())
    top_dirs_.push_back(top);
  return {};
}

result<std::vector<cid>> add_operation::finish() {
  if (file_)
    return make_error(errc::internal, "finish while a file is open");
  std::vector<cid> roots;
  for (auto& [name, f] : top_files_)
    roots.push_back(f.root);
  if (params_.wrap && !dirs_) // wrapping a single file, or nothing at all
    dirs_ = std::make_unique<unixfs::directory_builder>(sink_, params_.import);
  if (dirs_) {
    auto built = dirs_->finish();
    if (!built)
      return built.err();
    for (auto& [path, d] : *built) {
      if (path.empty()) {
        if (!params_.wrap)
          continue; // the implicit root only exists when wrapping
        roots.push_back(d.root);
      } else if (!params_.wrap && path.find('/') == std::string::npos) {
        roots.push_back(d.root);
      }
      if (auto s = emit_entry(path, d); !s)
        return s.err();
    }
  }
  if (auto s = sink_.flush(); !s)
    return s.err();
  return roots;
}

} // namespace mantle
