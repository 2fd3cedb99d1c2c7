/*
 * oms-client.cpp -- an order management system built on QuickFIX itself, to
 * judge the engine's FIX application layer from the outside.
 *
 * QuickFIX is the FIX engine most OMSs embed; if tranched's acceptor and
 * order handling satisfy a QuickFIX initiator, with QuickFIX's own session
 * rules, store and reconnect logic, they will satisfy a real counterparty.
 * This program is only that initiator and a recorder: it logs on, sends
 * what its standard input tells it to (one command a line), and writes
 * every ExecutionReport, OrderCancelReject, Reject and BusinessMessageReject
 * it hears as one JSON object a line to --out, flushed at once, so that the
 * test script (oms.sh) can check them against the engine's journal while
 * the client still runs, and across a kill -9 of the engine, after which
 * QuickFIX reconnects by itself and resumes at the stored sequence numbers.
 *
 * Commands (stdin):
 *   order CLORDID SYMBOL SIDE QTY [TAG=VALUE...]   NewOrderSingle, market
 *   replace CLORDID ORIGCLORDID SYMBOL SIDE QTY     OrderCancelReplaceRequest
 *   cancel CLORDID ORIGCLORDID SYMBOL SIDE QTY      OrderCancelRequest
 *   status CLORDID SYMBOL SIDE                      OrderStatusRequest
 *   wait-logon SECONDS                              block until logged on
 *   quit                                            log out and exit
 * SIDE is 1 (buy) or 2 (sell).  Each command is acknowledged on stdout
 * ("ok order ORD1", or "error ..."), as are logons and logouts.
 *
 * The tranched binary never links QuickFIX; only this test does.  The
 * callbacks carry the dynamic exception specifications of Debian's QuickFIX
 * headers, which is why this builds as C++14.
 */
#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/* A string as a JSON string literal (control characters escaped). */
std::string json_str(const std::string &s)
{
	std::string o = "\"";
	for (unsigned char c : s) {
		if (c == '"' || c == '\\') {
			o += '\\';
			o += (char)c;
		} else if (c < 0x20) {
			char b[8];
			std::snprintf(b, sizeof b, "\\u%04x", c);
			o += b;
		} else {
			o += (char)c;
		}
	}
	return o + "\"";
}

std::string utc_now()
{
	char b[32];
	std::time_t t = std::time(nullptr);
	std::tm tm;
	gmtime_r(&t, &tm);
	std::strftime(b, sizeof b, "%Y%m%d-%H:%M:%S", &tm);
	return b;
}

class Oms : public FIX::Application {
public:
	explicit Oms(std::FILE *out) : out_(out) {}

	std::atomic<bool> logged_on{false};
	FIX::SessionID sid;

	void onCreate(const FIX::SessionID &s) override { sid = s; }
	void onLogon(const FIX::SessionID &) override
	{
		logged_on = true;
		say("logon");
	}
	void onLogout(const FIX::SessionID &) override
	{
		logged_on = false;
		say("logout");
	}
	void toAdmin(FIX::Message &, const FIX::SessionID &) override {}
	void toApp(FIX::Message &, const FIX::SessionID &) throw(FIX::DoNotSend) override {}
	void fromAdmin(const FIX::Message &m, const FIX::SessionID &) throw(
	    FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override
	{
		std::string type = m.getHeader().getField(35);
		if (type == "3")
			record(m, "reject");
		else if (type == "5" && m.isSetField(58))
			say("logout text: " + m.getField(58));
	}
	void fromApp(const FIX::Message &m, const FIX::SessionID &) throw(FIX::FieldNotFound,
	    FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::UnsupportedMessageType) override
	{
		std::string type = m.getHeader().getField(35);
		record(m, type == "8" ? "er" : type == "9" ? "cancel_reject" : type == "j" ? "business_reject"
		                                                                              : "other");
	}

	void say(const std::string &s)
	{
		std::lock_guard<std::mutex> g(mu_);
		std::cout << s << std::endl;
	}

private:
	std::FILE *out_;
	std::mutex mu_;

	/* One line per message: the tags a test needs by name, and the whole
	 * message with '|' for SOH. */
	void record(const FIX::Message &m, const char *kind)
	{
		static const struct {
			int tag;
			const char *name;
		} tags[] = {{17, "exec_id"},    {150, "exec_type"}, {39, "ord_status"}, {11, "cl_ord_id"},
		            {41, "orig_cl_ord_id"}, {37, "order_id"}, {32, "last_qty"},  {31, "last_px"},
		            {30, "last_mkt"},   {14, "cum_qty"},    {151, "leaves_qty"}, {6, "avg_px"},
		            {38, "order_qty"},  {58, "text"},       {103, "ord_rej_reason"},
		            {434, "cxl_rej_response_to"}, {45, "ref_seq_num"}, {373, "reject_reason"}};
		std::ostringstream o;
		o << "{\"kind\":" << json_str(kind);
		o << ",\"seq\":" << m.getHeader().getField(34);
		o << ",\"poss_dup\":" << (m.getHeader().isSetField(43) && m.getHeader().getField(43) == "Y"
		                               ? "true"
		                               : "false");
		for (const auto &t : tags)
			if (m.isSetField(t.tag))
				o << ",\"" << t.name << "\":" << json_str(m.getField(t.tag));
		std::string raw = m.toString();
		for (char &c : raw)
			if (c == '\001')
				c = '|';
		o << ",\"raw\":" << json_str(raw) << "}\n";
		std::lock_guard<std::mutex> g(mu_);
		std::fputs(o.str().c_str(), out_);
		std::fflush(out_);
	}
};

FIX::Message order_base(const std::string &version, const char *type)
{
	FIX::Message m;
	m.getHeader().setField(8, version);
	m.getHeader().setField(35, type);
	return m;
}

int usage()
{
	std::cerr << "usage: oms-client --port PORT --store DIR --out FILE [--host H] [--sender TW]\n"
	             "                  [--target ISLD] [--version FIX.4.4] [--heartbeat 5]\n"
	             "                  [--dictionary FIX44.xml]\n"
	             "Commands on stdin: order, replace, cancel, status, wait-logon, quit.\n";
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	std::string host = "127.0.0.1", port, store, out, sender = "TW", target = "ISLD",
	            version = "FIX.4.4", heartbeat = "5", dictionary;

	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (i + 1 >= argc)
			return usage();
		std::string v = argv[++i];
		if (a == "--host")
			host = v;
		else if (a == "--port")
			port = v;
		else if (a == "--store")
			store = v;
		else if (a == "--out")
			out = v;
		else if (a == "--sender")
			sender = v;
		else if (a == "--target")
			target = v;
		else if (a == "--version")
			version = v;
		else if (a == "--heartbeat")
			heartbeat = v;
		else if (a == "--dictionary")
			dictionary = v;
		else
			return usage();
	}
	if (port.empty() || store.empty() || out.empty())
		return usage();
	std::FILE *f = std::fopen(out.c_str(), "a");
	if (!f) {
		std::cerr << "oms-client: " << out << ": " << std::strerror(errno) << "\n";
		return 1;
	}

	/* A session that is always on (StartTime = EndTime), reconnecting every
	 * second, its sequence numbers in a file store that outlives the
	 * engine's restarts. */
	std::ostringstream cfg;
	cfg << "[DEFAULT]\nConnectionType=initiator\nReconnectInterval=1\nStartTime=00:00:00\n"
	    << "EndTime=00:00:00\nFileStorePath=" << store << "/store\nFileLogPath=" << store
	    << "/log\nSocketNodelay=Y\nLogonTimeout=5\n";
	if (dictionary.empty())
		cfg << "UseDataDictionary=N\n";
	else
		cfg << "UseDataDictionary=Y\nDataDictionary=" << dictionary
		    << "\nValidateUserDefinedFields=N\nAllowUnknownMsgFields=Y\n";
	cfg << "[SESSION]\nBeginString=" << version << "\nSenderCompID=" << sender
	    << "\nTargetCompID=" << target << "\nHeartBtInt=" << heartbeat
	    << "\nSocketConnectHost=" << host << "\nSocketConnectPort=" << port << "\n";

	try {
		std::istringstream in(cfg.str());
		FIX::SessionSettings settings(in);
		Oms app(f);
		FIX::FileStoreFactory stores(settings);
		FIX::FileLogFactory logs(settings);
		FIX::SocketInitiator initiator(app, stores, settings, logs);
		initiator.start();

		std::string line;
		while (std::getline(std::cin, line)) {
			std::istringstream ls(line);
			std::string cmd;
			ls >> cmd;
			if (cmd.empty() || cmd[0] == '#')
				continue;
			if (cmd == "quit")
				break;
			if (cmd == "wait-logon") {
				double secs = 10;
				ls >> secs;
				auto until = std::chrono::steady_clock::now() +
				             std::chrono::milliseconds((long)(secs * 1000));
				while (!app.logged_on && std::chrono::steady_clock::now() < until)
					std::this_thread::sleep_for(std::chrono::milliseconds(20));
				app.say(app.logged_on ? "ok wait-logon" : "error wait-logon: not logged on");
				continue;
			}
			std::string id, orig, sym, side, qty;
			FIX::Message m;
			if (cmd == "order") {
				ls >> id >> sym >> side >> qty;
				m = order_base(version, "D");
				m.setField(11, id);
				if (version == "FIX.4.2")
					m.setField(21, "1");
				m.setField(55, sym);
				m.setField(54, side);
				m.setField(38, qty);
				m.setField(40, "1");
				m.setField(59, "0");
				m.setField(60, utc_now());
				std::string kv;
				while (ls >> kv) {
					auto eq = kv.find('=');
					if (eq == std::string::npos) {
						app.say("error order: " + kv + ": not TAG=VALUE");
						goto next;
					}
					m.setField(std::stoi(kv.substr(0, eq)), kv.substr(eq + 1));
				}
			} else if (cmd == "replace" || cmd == "cancel") {
				ls >> id >> orig >> sym >> side >> qty;
				m = order_base(version, cmd == "replace" ? "G" : "F");
				m.setField(11, id);
				m.setField(41, orig);
				m.setField(55, sym);
				m.setField(54, side);
				m.setField(38, qty);
				if (cmd == "replace") {
					if (version == "FIX.4.2")
						m.setField(21, "1");
					m.setField(40, "1");
				}
				m.setField(60, utc_now());
			} else if (cmd == "status") {
				ls >> id >> sym >> side;
				m = order_base(version, "H");
				m.setField(11, id);
				m.setField(55, sym);
				m.setField(54, side);
			} else {
				app.say("error unknown command: " + cmd);
				continue;
			}
			if (id.empty() || (cmd != "status" && (sym.empty() || side.empty() || qty.empty()))) {
				app.say("error " + cmd + ": missing arguments: " + line);
				continue;
			}
			/* Sent now if logged on, else queued by QuickFIX's store and
			 * resent on the next logon's resend request. */
			if (FIX::Session::sendToTarget(m, app.sid))
				app.say("ok " + cmd + " " + id);
			else
				app.say("error " + cmd + " " + id + ": not sent");
		next:;
		}
		initiator.stop();
	} catch (const std::exception &e) {
		std::cerr << "oms-client: " << e.what() << "\n";
		std::fclose(f);
		return 1;
	}
	std::fclose(f);
	return 0;
}
