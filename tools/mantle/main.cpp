// mantle: command-line client for a node's Kubo-compatible RPC API. It speaks the API exactly
// as Kubo defines it, so it works against a Kubo daemon too.
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <map>
#include "net/http_client.hpp"
#include "net/multipart_writer.hpp"
#include "net/ndjson.hpp"
#include "net/peer_tls.hpp"
#include "net/query_args.hpp"
#include "tools/mantle/chain_commands.hpp"
#include "tools/mantle/order_commands.hpp"
#include "tools/mantle/cli_args.hpp"
#include "tools/mantle/console_client.hpp"
#include "tools/mantle/rpc_session.hpp"
#include "tools/mantle/bitswap_text.hpp"
#include "tools/mantle/credit_table.hpp"
#include "tools/mantle/tar_extract.hpp"

using namespace mantle;
using cli::session;
using nlohmann::json;

namespace {

constexpr int exit_ok = 0, exit_node = 1, exit_usage = 2;

int fail(const std::string& msg) {
  std::cerr << "Error: " << msg << "\n";
  return exit_node;
}

// Walks a path the way `ipfs add -r` does: the directory first, then entries sorted by name.
status collect(const std::string& disk, const std::string& rel, bool recursive,
               std::vector<multipart_entry>& out, uint64_t& total) {
  struct stat sb;
  if (::lstat(disk.c_str(), &sb) != 0) return error{errc::not_found, disk + ": no such file or directory"};
  if (S_ISLNK(sb.st_mode)) {
    std::vector<char> buf(4096);
    ssize_t n = ::readlink(disk.c_str(), buf.data(), buf.size());
    if (n < 0) return error{errc::io_error, "cannot read link " + disk};
    out.push_back({multipart_entry::kind::symlink, rel, std::string(buf.data(), n), ""});
    return status::success();
  }
  if (S_ISDIR(sb.st_mode)) {
    if (!recursive) return error{errc::invalid_input, disk + " is a directory, use the '-r' flag to specify directories"};
    out.push_back({multipart_entry::kind::directory, rel, "", ""});
    DIR* d = ::opendir(disk.c_str());
    if (!d) return error{errc::io_error, "cannot open directory " + disk};
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
      auto s = collect(disk + "/" + n, rel + "/" + n, recursive, out, total);
      if (!s.ok()) return s;
    }
    return status::success();
  }
  total += static_cast<uint64_t>(sb.st_size);
  out.push_back({multipart_entry::kind::file, rel, disk, ""});
  return status::success();
}

std::string base_name(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto s = p.rfind('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}


status to_stdout(session& s) {
  return s.pump([](std::string_view d) {
    if (std::fwrite(d.data(), 1, d.size(), stdout) != d.size())
      return status(error{errc::io_error, "writing to stdout failed"});
    return status::success();
  });
}

std::string human(uint64_t b) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int i = 0;
  while (v >= 1024 && i < 4) { v /= 1024; ++i; }
  char buf[32];
  snprintf(buf, sizeof buf, i ? "%.2f %s" : "%.0f %s", v, u[i]);
  return buf;
}

int run(const cli::invocation& inv) {
  const std::string& cmd = inv.cmd->path;
  if (cli::is_chain_command(cmd))
    return cli::run_chain_command(inv);
  if (cli::is_order_command(cmd))
    return cli::run_order_command(inv);
  if (cmd == "console")
    return cli::run_console(inv);
  session s;
  s.api = inv.api;
  query_args q;
  for (auto& a : inv.args) {
    if (cmd != "add" && cmd != "dag import" && cmd != "block put") q.add("arg", a);
  }
  status st;
  std::string added; // the CID `add` printed (one file with --order)
  if (cmd == "add") {
    bool recursive = inv.flag("recursive", false), quiet = inv.flag("quiet", false);
    if (inv.flag("order", false)) {
      if (int rc = cli::check_order_options(inv); rc != exit_ok)
        return rc;
      if (inv.flag("only-hash", false)) {
        std::cerr << "Error: --order needs the file stored on the node (not --only-hash)\n";
        return exit_usage;
      }
      // Orders are per file: the root of a directory or of -w is not orderable.
      if (inv.args.size() != 1 || recursive || inv.flag("wrap-with-directory", false)) {
        std::cerr << "Error: --order orders one file: give one file path (no -r, no -w)\n";
        return exit_usage;
      }
    }
    bool progress = inv.flag("progress", isatty(2) != 0 && !quiet);
    std::vector<multipart_entry> entries;
    uint64_t total = 0;
    for (auto& p : inv.args) {
      auto c = collect(p, base_name(p), recursive, entries, total);
      if (!c.ok()) {
        std::cerr << "Error: " << c.err().message << "\n";
        return exit_usage;
      }
    }
    q.add("stream-channels", "true");
    if (progress) q.add("progress", "true");
    for (const char* o : {"cid-version", "chunker"})
      if (auto v = inv.value(o)) q.add(o, *v);
    for (const char* o : {"raw-leaves", "wrap-with-directory", "only-hash", "pin", "quiet"})
      if (auto v = inv.value(o)) q.add(o, *v);
    multipart_body body(std::move(entries));
    st = s.start("add", q, &body);
    if (!st.ok()) return fail(st.err().message);
    bool bar = false;
    st = s.values([&](const json& j) {
      if (j.contains("Hash")) {
        if (bar) { std::cerr << "\r\033[K"; bar = false; }
        std::string name = j.value("Name", "");
        added = j["Hash"].get<std::string>();
        if (quiet) std::cout << j["Hash"].get<std::string>() << "\n";
        else std::cout << "added " << j["Hash"].get<std::string>() << " " << name << "\n";
      } else if (progress && j.contains("Bytes") && total > 0) {
        uint64_t done = j["Bytes"].get<uint64_t>();
        int pct = static_cast<int>(std::min<uint64_t>(100, done * 100 / total));
        std::string b(pct / 4, '#');
        b.resize(25, ' ');
        std::cerr << "\r" << human(done) << " / " << human(total) << " [" << b << "] " << pct << "%" << std::flush;
        bar = true;
      }
      return status::success();
    });
    if (bar) std::cerr << "\r\033[K";
    if (st.ok() && inv.flag("order", false)) {
      if (added.empty()) return fail("add printed no CID to order");
      std::cout << std::flush;
      return cli::order_added(inv, added);
    }
  } else if (cmd == "cat" || cmd == "block get" || cmd == "dag export") {
    for (const char* o : {"offset", "length"})
      if (auto v = inv.value(o)) q.add(o, *v);
    std::string path = cmd == "cat" ? "cat" : cmd == "block get" ? "block/get" : "dag/export";
    st = s.start(path, q, nullptr);
    if (st.ok()) st = to_stdout(s);
    std::fflush(stdout);
  } else if (cmd == "get") {
    std::string out = inv.value("output").value_or("");
    std::string parent = ".", top;
    if (!out.empty()) {
      auto sl = out.rfind('/');
      parent = sl == std::string::npos ? "." : (sl == 0 ? "/" : out.substr(0, sl));
      top = sl == std::string::npos ? out : out.substr(sl + 1);
    }
    st = s.start("get", q, nullptr);
    cli::tar_extractor tx(parent, top);
    if (st.ok()) st = s.pump([&](std::string_view d) { return tx.feed(d); });
    if (st.ok()) st = tx.finish();
    if (st.ok()) std::cerr << "Saved " << (out.empty() ? inv.args[0] : out) << "\n";
  } else if (cmd == "ls") {
    st = s.start("ls", q, nullptr);
    if (st.ok()) st = s.values([](const json& j) {
      for (auto& o : j.value("Objects", json::array()))
        for (auto& l : o.value("Links", json::array())) {
          std::string name = l.value("Name", "");
          if (l.value("Type", uint64_t{0}) == 1) name += "/";
          std::cout << l.value("Hash", "") << " " << l.value("Size", uint64_t{0}) << " " << name << "\n";
        }
      return status::success();
    });
  } else if (cmd == "pin add" || cmd == "pin rm") {
    st = s.start(cmd == "pin add" ? "pin/add" : "pin/rm", q, nullptr);
    if (st.ok()) st = s.values([&](const json& j) {
      for (auto& p : j.value("Pins", json::array()))
        std::cout << (cmd == "pin add" ? "pinned " : "unpinned ") << p.get<std::string>()
                  << (cmd == "pin add" ? " recursively" : "") << "\n";
      return status::success();
    });
  } else if (cmd == "pin ls") {
    if (auto v = inv.value("type")) q.add("type", *v);
    q.add("stream", "true");
    bool quiet = inv.flag("quiet", false);
    st = s.start("pin/ls", q, nullptr);
    auto print = [&](const std::string& c, const std::string& t) {
      if (quiet) std::cout << c << "\n";
      else std::cout << c << " " << t << "\n";
    };
    if (st.ok()) st = s.values([&](const json& j) {
      if (j.contains("Keys")) {
        for (auto& [k, v] : j["Keys"].items()) print(k, v.value("Type", ""));
      } else if (j.contains("Cid")) {
        print(j["Cid"].get<std::string>(), j.value("Type", ""));
      }
      return status::success();
    });
  } else if (cmd == "block put" || cmd == "dag import") {
    std::vector<multipart_entry> entries;
    for (auto& a : inv.args) entries.push_back({multipart_entry::kind::file, base_name(a), a, ""});
    if (auto v = inv.value("cid-codec")) q.add("cid-codec", *v);
    if (auto v = inv.value("pin-roots")) q.add("pin-roots", *v);
    for (auto& a : inv.args) {
      struct stat sb;
      if (::stat(a.c_str(), &sb) != 0) {
        std::cerr << "Error: " << a << ": no such file\n";
        return exit_usage;
      }
    }
    multipart_body body(std::move(entries));
    st = s.start(cmd == "block put" ? "block/put" : "dag/import", q, &body);
    if (st.ok()) st = s.values([&](const json& j) {
      if (cmd == "block put") {
        std::cout << j.value("Key", "") << "\n";
      } else if (j.contains("Root")) {
        auto& r = j["Root"];
        std::string c = r.contains("Cid") && r["Cid"].is_object() ? r["Cid"].value("/", "") : "";
        std::string err = r.value("PinErrorMsg", "");
        std::cout << "pinned root\t" << c << "\t" << (err.empty() ? "success" : err) << "\n";
      }
      return status::success();
    });
  } else if (cmd == "block stat") {
    st = s.start("block/stat", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      std::cout << "Key: " << j->value("Key", "") << "\nSize: " << j->value("Size", uint64_t{0}) << "\n";
    }
  } else if (cmd == "repo stat") {
    st = s.start("repo/stat", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      std::cout << "NumObjects: " << j->value("NumObjects", uint64_t{0}) << "\nRepoSize:   " << j->value("RepoSize", uint64_t{0})
                << "\nStorageMax: " << j->value("StorageMax", uint64_t{0}) << "\nRepoPath:   " << j->value("RepoPath", "")
                << "\nVersion:    " << j->value("Version", "") << "\n";
    }
  } else if (cmd == "repo gc") {
    bool quiet = inv.flag("quiet", false);
    q.add("stream-errors", "true");
    st = s.start("repo/gc", q, nullptr);
    if (st.ok()) st = s.values([&](const json& j) {
      if (j.contains("Error") && j["Error"].is_string() && !j["Error"].get<std::string>().empty())
        return status(error{errc::unavailable, j["Error"].get<std::string>()});
      if (!quiet && j.contains("Key") && j["Key"].is_object())
        std::cout << "removed " << j["Key"].value("/", "") << "\n";
      return status::success();
    });
  } else if (cmd == "id") {
    st = s.start("id", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      std::cout << j->dump(2) << "\n";
    }
  } else if (cmd == "peers" || cmd == "swarm peers") {
    st = s.start("swarm/peers", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      auto peers = j->value("Peers", json::array());
      for (auto& p : peers)
        std::cout << p.value("Addr", "") << "/p2p/" << p.value("Peer", "") << "  "
                  << (p.value("Direction", 0) == 1 ? "inbound " : "outbound") << "  " << p.value("Latency", "") << "\n";
      if (peers.empty()) std::cerr << "no connected peers\n";
    }
  } else if (cmd == "swarm connect") {
    st = s.start("swarm/connect", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      for (auto& line : j->value("Strings", json::array())) std::cout << line.get<std::string>() << "\n";
    }
  } else if (cmd == "tls init-network") {
    st = peer_tls::create_network_ca(inv.args[0]);
    if (st.ok())
      std::cout << "network CA created: " << inv.args[0] << "/ca.crt (share it), " << inv.args[0]
                << "/ca.key (keep it private)\nstart each node with --peer-tls-ca " << inv.args[0]
                << "/ca.crt --peer-tls-ca-key " << inv.args[0] << "/ca.key, or issue its certificate with `mantle tls issue "
                << inv.args[0] << " NODE_DATA_DIR/tls`\n";
  } else if (cmd == "tls issue") {
    const std::string& ca = inv.args[0], & out = inv.args[1];
    st = peer_tls::issue_node_certificate(ca + "/ca.crt", ca + "/ca.key", out + "/node.crt", out + "/node.key", "mantle node");
    if (st.ok()) {
      std::ifstream in(ca + "/ca.crt", std::ios::binary);
      std::ofstream copy(out + "/ca.crt", std::ios::binary | std::ios::trunc);
      copy << in.rdbuf();
      if (!in || !copy) return fail("cannot copy " + ca + "/ca.crt to " + out);
      std::cout << "issued " << out << "/node.crt and " << out << "/node.key (with " << out << "/ca.crt)\n";
    }
  } else if (cmd == "version") {
    st = s.start("version", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      std::cout << "mantle version " << j->value("Version", "") << "\n";
    }
  } else if (cmd == "token create" || cmd == "token list" || cmd == "token revoke") {
    std::string path = cmd == "token create" ? "mantle/token/create"
                       : cmd == "token list" ? "mantle/token/list" : "mantle/token/revoke";
    st = s.start(path, q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      if (cmd == "token create") {
        std::cout << "id:      " << j->value("Id", "") << "\nname:    " << j->value("Name", "")
                  << "\ncreated: " << j->value("Created", "") << "\nsecret:  " << j->value("Secret", "")
                  << "\n";
        std::cerr << "Store the secret now: the node keeps only its hash and cannot show it again.\n"
                  << "Use it as: Authorization: Bearer <secret>\n";
      } else if (cmd == "token list") {
        for (auto& t : j->value("Tokens", json::array()))
          std::cout << t.value("Id", "") << "  " << t.value("Created", "") << "  " << t.value("Name", "") << "\n";
      } else {
        std::cout << "revoked " << j->value("Id", "") << " " << j->value("Name", "") << "\n";
      }
    }
  } else if (cmd == "bitswap stat" || cmd == "bitswap wantlist") {
    st = s.start(cmd == "bitswap stat" ? "bitswap/stat" : "bitswap/wantlist", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      std::cout << (cmd == "bitswap stat" ? cli::format_bitswap_stat(*j, inv.flag("verbose", false))
                                          : cli::format_bitswap_wantlist(*j));
    }
  } else if (cmd == "credit") {
    // One peer: Kubo's bitswap/ledger receipt; none: Mantle's listing of every known peer.
    st = s.start(inv.args.empty() ? "mantle/credit/ls" : "bitswap/ledger", q, nullptr);
    if (st.ok()) {
      auto j = s.single();
      if (!j.ok()) return fail(j.err().message);
      if (inv.args.empty()) {
        std::cout << cli::format_credit_table(*j);
      } else {
        // The text `ipfs bitswap ledger` prints.
        char ratio[64];
        std::snprintf(ratio, sizeof ratio, "%f", j->value("Value", 0.0));
        std::cout << "Ledger for " << j->value("Peer", "") << "\nDebt ratio:\t" << ratio << "\nExchanges:\t"
                  << j->value("Exchanged", uint64_t{0}) << "\nBytes sent:\t" << j->value("Sent", uint64_t{0})
                  << "\nBytes received:\t" << j->value("Recv", uint64_t{0}) << "\n";
      }
    }
  } else {
    std::cerr << "Error: command '" << cmd << "' is not implemented\n";
    return exit_usage;
  }
  if (!st.ok()) return fail(st.err().message);
  return exit_ok;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto inv = cli::parse(args);
  if (!inv.ok()) {
    std::cerr << "Error: " << inv.err().message << "\n\n" << cli::global_help();
    return exit_usage;
  }
  if (inv->help) {
    std::cout << (inv->cmd ? cli::command_help(*inv->cmd) : cli::global_help());
    return exit_ok;
  }
  try {
    return run(inv.value());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
