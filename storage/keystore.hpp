// Chain account keys of a node operator: named Ed25519 keys in one file in the data dir
// (`<data-dir>/keystore`, mode 0600, JSON {"accounts":[{"name","seed"}]} with hex seeds).
// The node signs transactions for these accounts on the operator's behalf (`mantle account`,
// `mantle stake`); anyone else submits transactions they signed themselves.
//
// Writes go to a temporary file that is fsynced and renamed over the old one, so a crash leaves
// either the old or the new keystore, never a half-written one.
#pragma once
#include <string>
#include <vector>

#include "storage/identity.hpp"
#include "storage/result.hpp"

namespace mantle {

class keystore {
public:
  struct account {
    std::string name;
    node_identity key;
  };

  // Reads `path`; a missing file is an empty keystore. Refuses a file readable by group or
  // others, or one that does not parse, naming the problem.
  static result<keystore> open(const std::string& path);

  // Creates `name` with a fresh key (or from `seed` when given, 32 bytes) and saves the file.
  // Names are 1-64 characters of [A-Za-z0-9_.-]; an existing name is errc::conflict.
  result<const account*> create(const std::string& name, const std::string& seed = {});
  const account* find(const std::string& name) const;
  // Finds by name, by hex public key, or returns the only/first account for an empty selector.
  result<const account*> select(const std::string& name_or_key) const;
  const std::vector<account>& accounts() const { return accounts_; }
  const std::string& path() const { return path_; }

private:
  status save() const;
  std::string path_;
  std::vector<account> accounts_;
};

} // namespace mantle
