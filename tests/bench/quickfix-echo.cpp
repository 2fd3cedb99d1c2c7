/*
 * quickfix-echo.cpp -- QuickFIX's own acceptor with an echo application:
 * the peer that scripts/fix-echo-bench --peer measures beside
 * `tranched fix-echo`, so that the FIX session layer's figures have a
 * known engine next to them.
 *
 *   quickfix-echo --fix-listen tcp://127.0.0.1:PORT --fix-sessions FILE
 *                 --fix-store DIR [--single-thread] [--sync]
 *
 * It takes the same arguments and the same JSON sessions file as
 * `tranched fix-echo` ({"sessions": [{"name", "version", "sender",
 * "target", optional "dictionary", optional "reset_on_disconnect"}]}) and
 * prints "listening tcp://127.0.0.1:PORT" once it accepts.  Port 0 picks a
 * free port first (QuickFIX 1.15 cannot say which port it bound), with the
 * small race that implies.  QuickFIX 1.15 has no SocketAcceptAddress: it
 * listens on every address; the bench connects to 127.0.0.1 only.
 *
 * The application does what QuickFIX's test server (the one its
 * acceptance definitions are written against) does: every application
 * message goes back to its sender as it came, except an order with
 * PossResend=Y whose ClOrdID this session has already seen, which is
 * dropped.  No message log is kept (tranched fix-echo keeps none either).
 *
 * Choices, and why:
 *  - ThreadedSocketAcceptor by default: one thread per connection with
 *    blocking sockets, the acceptor QuickFIX's examples and most users
 *    run; a peer that never reads blocks only its own thread.
 *    --single-thread uses SocketAcceptor (one thread polling every
 *    socket), the design that matches tranched's single libuv loop.
 *  - FileStore: QuickFIX's durable store.  QuickFIX 1.15 offers no more
 *    durability than it has: each sent message is fwrite'n and fflush'ed
 *    to DIR (body, header and sequence-number files) before it goes to the
 *    socket, and the library calls fsync nowhere (libquickfix imports no
 *    fsync/fdatasync).  So a message QuickFIX sent survives a kill -9 of
 *    the process (it is in the kernel's page cache) but not a power loss
 *    or kernel crash.  tranched fdatasyncs every outgoing message before
 *    its bytes are written to the socket (one fdatasync per batch).
 *  - --sync adds that guarantee to QuickFIX, as far as it can be added
 *    from outside: a MessageStore that wraps FileStore and, after every
 *    set() and sequence-number change, calls syncfs() on the store
 *    directory (FileStore's FILE*s are private, so fdatasync on its files
 *    is not reachable; syncfs flushes the whole file system, a superset,
 *    and so costs at least as much as an fdatasync).  Unlike tranched it
 *    syncs once per message, not once per batch: QuickFIX has no batch.
 *
 * Exits 0 on SIGTERM or SIGINT after stopping the acceptor.
 */
#include <cjson/cJSON.h>
#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/ThreadedSocketAcceptor.h>

#include <arpa/inet.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

class Echo : public FIX::Application {
      public:
	void onCreate(const FIX::SessionID &) override {}
	void onLogon(const FIX::SessionID &) override {}
	void onLogout(const FIX::SessionID &) override {}
	void toAdmin(FIX::Message &, const FIX::SessionID &) override {}
	void toApp(FIX::Message &, const FIX::SessionID &) throw(FIX::DoNotSend) override {}
	void fromAdmin(const FIX::Message &, const FIX::SessionID &) throw(
	    FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
	    FIX::RejectLogon) override
	{
	}
	void fromApp(const FIX::Message &message, const FIX::SessionID &sid) throw(
	    FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
	    FIX::UnsupportedMessageType) override
	{
		FIX::PossResend possResend(false);
		if (message.getHeader().isSetField(possResend))
			message.getHeader().getField(possResend);
		FIX::ClOrdID clOrdID;
		if (message.isSetField(clOrdID)) {
			message.getField(clOrdID);
			std::lock_guard<std::mutex> lk(mu_);
			auto key = std::make_pair(clOrdID.getValue(), sid.toString());
			if (possResend && seen_.count(key))
				return;
			seen_.insert(key);
		}
		FIX::Message echo = message;
		FIX::Session::sendToTarget(echo, sid);
	}

      private:
	std::mutex mu_;
	std::set<std::pair<std::string, std::string>> seen_;
};

/* FileStore, then syncfs() on the store directory after every change. */
class SyncStore : public FIX::MessageStore {
      public:
	SyncStore(FIX::MessageStore *inner, int dirfd) : in_(inner), fd_(dirfd) {}
	~SyncStore() override { delete in_; }
	bool set(int seq, const std::string &msg) throw(FIX::IOException) override
	{
		bool r = in_->set(seq, msg);
		sync();
		return r;
	}
	void get(int b, int e, std::vector<std::string> &out) const
	    throw(FIX::IOException) override
	{
		in_->get(b, e, out);
	}
	int getNextSenderMsgSeqNum() const throw(FIX::IOException) override
	{
		return in_->getNextSenderMsgSeqNum();
	}
	int getNextTargetMsgSeqNum() const throw(FIX::IOException) override
	{
		return in_->getNextTargetMsgSeqNum();
	}
	void setNextSenderMsgSeqNum(int v) throw(FIX::IOException) override
	{
		in_->setNextSenderMsgSeqNum(v);
		sync();
	}
	void setNextTargetMsgSeqNum(int v) throw(FIX::IOException) override
	{
		in_->setNextTargetMsgSeqNum(v);
		sync();
	}
	void incrNextSenderMsgSeqNum() throw(FIX::IOException) override
	{
		in_->incrNextSenderMsgSeqNum();
		sync();
	}
	void incrNextTargetMsgSeqNum() throw(FIX::IOException) override
	{
		in_->incrNextTargetMsgSeqNum();
		sync();
	}
	FIX::UtcTimeStamp getCreationTime() const throw(FIX::IOException) override
	{
		return in_->getCreationTime();
	}
	void reset() throw(FIX::IOException) override
	{
		in_->reset();
		sync();
	}
	void refresh() throw(FIX::IOException) override { in_->refresh(); }

      private:
	void sync()
	{
		if (syncfs(fd_) < 0)
			throw FIX::IOException(std::string("syncfs: ") + std::strerror(errno));
	}
	FIX::MessageStore *in_;
	int fd_;
};

class SyncStoreFactory : public FIX::MessageStoreFactory {
      public:
	SyncStoreFactory(const FIX::SessionSettings &s, const std::string &dir)
	    : files_(s), fd_(open(dir.c_str(), O_RDONLY | O_DIRECTORY))
	{
		if (fd_ < 0)
			throw FIX::ConfigError("open " + dir + ": " + std::strerror(errno));
	}
	FIX::MessageStore *create(const FIX::SessionID &sid) override
	{
		return new SyncStore(files_.create(sid), fd_);
	}
	void destroy(FIX::MessageStore *s) override { delete s; }

      private:
	FIX::FileStoreFactory files_;
	int fd_;
};

std::string slurp(const std::string &path)
{
	std::ifstream f(path);
	if (!f)
		throw std::runtime_error("cannot read " + path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

/* The sessions file's objects, each as key -> value (strings, numbers and
 * booleans as text), read with cJSON as tranched reads it.  (std::regex
 * did this first; GCC 12's <regex> does not build with -Werror under the
 * sanitizers' optimisation.) */
std::vector<std::map<std::string, std::string>> parse_sessions(const std::string &text)
{
	std::vector<std::map<std::string, std::string>> out;
	cJSON *root = cJSON_Parse(text.c_str());
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "sessions");
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(root);
		throw std::runtime_error("no \"sessions\" list in the sessions file");
	}
	const cJSON *o;
	cJSON_ArrayForEach(o, list) {
		std::map<std::string, std::string> m;
		const cJSON *v;
		cJSON_ArrayForEach(v, o) {
			if (cJSON_IsString(v))
				m[v->string] = v->valuestring;
			else if (cJSON_IsBool(v))
				m[v->string] = cJSON_IsTrue(v) ? "true" : "false";
			else if (cJSON_IsNumber(v))
				m[v->string] = std::to_string((long long)v->valuedouble);
		}
		out.push_back(m);
	}
	cJSON_Delete(root);
	return out;
}

int free_port()
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t n = sizeof a;
	if (fd < 0 || bind(fd, (sockaddr *)&a, sizeof a) < 0 || getsockname(fd, (sockaddr *)&a, &n) < 0)
		throw std::runtime_error(std::string("free port: ") + std::strerror(errno));
	int port = ntohs(a.sin_port);
	close(fd);
	return port;
}

volatile sig_atomic_t stop_flag = 0;
void on_signal(int) { stop_flag = 1; }

int usage()
{
	std::fprintf(stderr, "usage: quickfix-echo --fix-listen tcp://127.0.0.1:PORT --fix-sessions FILE"
	                     " --fix-store DIR [--single-thread] [--sync]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::string listen, sessions, store;
	bool single = false, sync = false;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--single-thread")
			single = true;
		else if (a == "--sync")
			sync = true;
		else if (i + 1 < argc && a == "--fix-listen")
			listen = argv[++i];
		else if (i + 1 < argc && a == "--fix-sessions")
			sessions = argv[++i];
		else if (i + 1 < argc && a == "--fix-store")
			store = argv[++i];
		else
			return usage();
	}
	if (listen.empty() || sessions.empty() || store.empty())
		return usage();
	try {
		size_t colon = listen.rfind(':');
		if (listen.compare(0, 6, "tcp://") || colon == std::string::npos)
			throw std::runtime_error("--fix-listen takes tcp://HOST:PORT");
		int port = std::atoi(listen.c_str() + colon + 1);
		if (port == 0)
			port = free_port();
		mkdir(store.c_str(), 0755);

		std::stringstream cfg;
		cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port
		    << "\nSocketReuseAddress=Y\nSocketNodelay=Y\nStartTime=00:00:00\nEndTime=00:00:00"
		    << "\nFileStorePath=" << store << "\nCheckLatency=N\nValidateUserDefinedFields=N\n";
		for (auto &s : parse_sessions(slurp(sessions))) {
			cfg << "[SESSION]\nBeginString=" << s["version"] << "\nSenderCompID=" << s["sender"]
			    << "\nTargetCompID=" << s["target"];
			if (!s["dictionary"].empty())
				cfg << "\nUseDataDictionary=Y\nDataDictionary=" << s["dictionary"];
			else
				cfg << "\nUseDataDictionary=N";
			cfg << "\nResetOnDisconnect=" << (s["reset_on_disconnect"] == "false" ? "N" : "Y")
			    << "\n";
		}
		FIX::SessionSettings settings(cfg);
		Echo app;
		std::unique_ptr<FIX::MessageStoreFactory> stores;
		if (sync)
			stores.reset(new SyncStoreFactory(settings, store));
		else
			stores.reset(new FIX::FileStoreFactory(settings));
		std::unique_ptr<FIX::Acceptor> acc;
		if (single)
			acc.reset(new FIX::SocketAcceptor(app, *stores, settings));
		else
			acc.reset(new FIX::ThreadedSocketAcceptor(app, *stores, settings));
		std::signal(SIGTERM, on_signal);
		std::signal(SIGINT, on_signal);
		acc->start();
		std::printf("listening tcp://127.0.0.1:%d\n", port);
		std::fflush(stdout);
		while (!stop_flag)
			usleep(50000);
		acc->stop(true);
	} catch (std::exception &e) {
		std::fprintf(stderr, "quickfix-echo: %s\n", e.what());
		return 1;
	}
	return 0;
}
