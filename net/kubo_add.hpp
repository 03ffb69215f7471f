// Kubo's `add` semantics over the UnixFS importer, independent of HTTP: files and directories
// arrive one part at a time (as multipart parts do), are streamed through the importer, and
// events go out as Kubo prints them ({"Name","Hash","Size"} and progress {"Name","Bytes"}).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/block_io.hpp"
#include "storage/unixfs_importer.hpp"

namespace mantle {

struct add_params {
  unixfs::import_options import;
  bool pin = true;
  bool wrap = false;
  bool only_hash = false;
  bool progress = false;
  std::string pin_name;
  multibase::base cid_base = multibase::base::base32;
  bool cid_base_set = false; // Kubo upgrades v0 to v1 when a base other than base58btc is asked
};

// Parses Kubo's query arguments (cid-version, raw-leaves, chunker, hash, wrap-with-directory,
// only-hash, pin, progress, trickle, cid-base ...). `get` returns the value of an argument if
// present ("" for a bare flag).
result<add_params> parse_add_params(const std::function<std::optional<std::string>(const std::string&)>& get);

class add_operation {
public:
  using emit_fn = std::function<status(const std::string& json_line)>;

  add_operation(block_sink& sink, add_params params, emit_fn emit);
  ~add_operation();

  // Paths are as the client sent them ("dir/a.txt"), already percent-decoded.
  status begin_file(const std::string& path);
  status write(std::string_view bytes);
  status end_file();
  status add_directory(const std::string& path);

  // Builds directories, emits their events, and returns the roots to pin.
  result<std::vector<cid>> finish();

  uint64_t total_bytes() const { return total_bytes_; }

private:
  std::string format(const cid& c) const;
  status emit_entry(const std::string& name, const unixfs::imported& f);
  status emit_progress(bool force);

  block_sink& sink_;
  add_params params_;
  emit_fn emit_;
  std::unique_ptr<unixfs::file_importer> file_;
  std::string file_path_;
  uint64_t file_bytes_reported_ = 0;
  uint64_t total_bytes_ = 0;
  // Everything added, so directories can be built at the end (files keep only their CID).
  std::unique_ptr<unixfs::directory_builder> dirs_;
  std::vector<std::pair<std::string, unixfs::imported>> top_files_; // top-level files
  std::vector<std::string> top_dirs_;
  bool any_nested_ = false;
};

} // namespace mantle
