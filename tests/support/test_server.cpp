#include "support/test_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <system_error>

#include "smp/transport/certificates.h"

namespace smp::test {

namespace {

// One certificate set per process: generating keys is cheap, but there is no need to repeat it.
const transport::CertificateSet& test_certificates() {
  static const transport::CertificateSet set = [] {
    transport::CertificateOptions options;
    options.algorithm = transport::CertificateAlgorithm::ed25519;
    options.server_name = "127.0.0.1";
    return transport::generate_certificates(options).value();
  }();
  return set;
}

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "smp-server-XXXXXX").string();
  if (char* made = ::mkdtemp(pattern.data())) return made;
  return {};
}

}  // namespace

TestServer::TestServer(std::function<void(server::ServerConfig&)> adjust, bool with_store_log)
    : dir_(make_temp_dir()) {
  EXPECT_FALSE(dir_.empty());
  auto written = transport::write_certificate_files(dir_, test_certificates());
  EXPECT_TRUE(written) << written.error().message();
  config_.listeners = {{"127.0.0.1", "0", transport::TransportKind::tls}};
  config_.ca_cert_file = dir_ / transport::kCaCertFile;
  config_.server_cert_file = dir_ / transport::kServerCertFile;
  config_.server_key_file = dir_ / transport::kServerKeyFile;
  config_.threads = 2;
  if (adjust) adjust(config_);
  if (with_store_log) {
    auto log = server::StoreLog::open_for_append(store_log_path());
    EXPECT_TRUE(log) << "store log: " << log.error().message();
    if (log) log_ = std::move(*log);
  }
  server_ = std::make_unique<server::Server>(config_, queues_, messages_, log_.get());
  auto r = server_->start();
  EXPECT_TRUE(r) << "server start: " << r.error().message();
  if (r) {
    started_ = true;
    ports_ = server_->bound_ports();
    port_ = ports_.at(0);
  }
}

void TestServer::stop() {
  if (server_) server_->stop();
  started_ = false;
}

bool TestServer::restart() {
  stop();
  server_.reset();
  for (std::size_t i = 0; i < config_.listeners.size() && i < ports_.size(); ++i) {
    config_.listeners[i].port = std::to_string(ports_[i]);
  }
  server_ = std::make_unique<server::Server>(config_, queues_, messages_, log_.get());
  auto r = server_->start();
  EXPECT_TRUE(r) << "server restart: " << r.error().message();
  started_ = static_cast<bool>(r);
  return started_;
}

TestServer::~TestServer() {
  server_->stop();
  server_.reset();
  if (log_) (void)log_->close();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> TestServer::store_log_lines() const {
  std::vector<std::string> lines;
  std::ifstream in(store_log_path());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace smp::test
