/*
 * ipc/protocol.h -- the tranche wire protocol: version, endpoints, topics and
 * the command catalogue.  Bump TRANCHE_PROTO_VERSION when anything below
 * changes in a way an older peer would misread.  tranche-protocol(7) is the
 * prose version of this file and must change with it.
 *
 * Two NNG sockets per engine:
 *
 *   control  REP on the listen URL; consoles and `tranche ctl` talk REQ.
 *   events   pair1 (polyamorous) on the listen URL's event twin
 *            (ipc_events_url()); each client dials it with pair1.
 *
 * Events are confidential (version 3; version 2 used PUB/SUB, which
 * cannot tell who subscribes).  A client's first message on each events
 * connection is a hello -- {"cmd":"hello","id","v","client"?,"token"?},
 * checked as the control hello is: the version, then a token the engine
 * knows, of any role; an ipc:// peer of the engine's own uid needs none.
 * The engine's first message back is the answer, one reply object
 *   {"ok":true,"id","v","role","seq" (last published)}  or
 *   {"ok":false,"id","error":{"code":"auth|version|field|parse",...}},
 * which a client tells from events by its leading '{'.  Only an admitted
 * connection receives events; a refused one is closed a second after its
 * answer, a silent one after 2 s, and a SUB socket is refused by NNG's
 * protocol check before any data.
 *
 * Over tls+tcp:// both are TLS with the engine's certificate, which clients
 * verify (ipc/tls.h); the messages are the same as on any transport.
 *
 * An events message holds one or more events separated by '\n' (version 2;
 * version 1 sent one event a message): the engine sends what one pass of
 * its loop produced together, because every NNG message costs a subscriber
 * thread hand-offs inside NNG, and at 10,000 events a second those alone
 * took 10% of a core.  Each event is TOPIC '\0' JSON, the JSON compact (JSON
 * has no raw newline inside a string, so '\n' cannot occur in an event).
 * The JSON object always carries
 *   "v"    protocol version (number)
 *   "seq"  per-engine sequence number, gap-free as published (number)
 *   "t"    simulated time in nanoseconds since the session epoch (string)
 * plus the topic's payload (see the catalogue below).  The events channel
 * drops messages for a peer that does not keep up (it never waits for
 * one), so a subscriber tracks "seq" and asks for a `snapshot` when it sees
 * a gap.
 *
 * Every command is one JSON object with "cmd" and "id" (a client-chosen
 * string, never reused by the same principal -- uid or token, role and
 * client name: the engine executes a change's id at most once per
 * principal within ten minutes and answers a repeat of the same request
 * with the first answer, another request under it with id_reused; reads
 * are not remembered).  Commands that change anything
 * also carry "reason" (free text, journaled).  Commands are read strictly
 * (ipc_json_strict(), tranche-protocol(7)): one RFC 8259 value and nothing
 * after it, decimal finite numbers, no key twice, valid UTF-8, no \u0000,
 * and no control character outside the free text of "reason" and "client".
 * Every reply is either
 *   {"ok":true, "id":..., ...}  or
 *   {"ok":false, "id":..., "error":{"code":"...","message":"..."}}.
 *
 * An engine trades one symbol or several ("syms" in hello, status and
 * snapshot; one tick for all).  Events of one symbol carry its "sym"; book
 * events come per symbol.  The members added for several symbols are new
 * members only: a one-symbol engine's stream reads the same as before.
 *
 * Prices travel as integer ticks; "tick" (dollars per tick) comes in the
 * hello and snapshot replies.  Averages travel as fractional ticks.  Order
 * ids, block ids and times travel as strings (cJSON keeps numbers as
 * doubles).  Quantities are whole shares, below 2^53, as numbers.
 */
#ifndef TRANCHE_IPC_PROTOCOL_H
#define TRANCHE_IPC_PROTOCOL_H

#define TRANCHE_PROTO_VERSION 3

/* The oldest protocol whose journals this build reads (tca, both replays).
 * A journal holds events, and events mean the same from version 2 on: 3
 * changed only how a peer is admitted to the events channel.  Raise it
 * when an event's meaning changes; a header naming a version outside
 * [TRANCHE_PROTO_JOURNAL_MIN, TRANCHE_PROTO_VERSION] is refused. */
#define TRANCHE_PROTO_JOURNAL_MIN 2
#define TRANCHE_PROTO_JOURNAL_OK(v) \
	((v) >= TRANCHE_PROTO_JOURNAL_MIN && (v) <= TRANCHE_PROTO_VERSION && \
	 (v) == (double)(int)(v))

/* Event and journal record times: simulated nanoseconds since the
 * midnight of the session's day.  A time outside it cannot be one of a
 * session's (a record with a whole checksum may still say one). */
#define TRANCHE_DAY_NS (86400LL * 1000000000LL)
#define TRANCHE_TIME_OK(t) ((t) >= 0 && (t) < TRANCHE_DAY_NS)

/* Largest message either side accepts (NNG_OPT_RECVMAXSZ). */
#define TRANCHE_MAX_MSG (256 * 1024)
/* Deepest JSON nesting the command decoder accepts. */
#define TRANCHE_MAX_JSON_DEPTH 16
/* Longest reason / client name kept (longer text is cut, not refused). */
#define TRANCHE_MAX_TEXT 256

/*
 * Event topics and their payloads (besides v, seq, t):
 *
 * book       {"sym","bids":[[px,qty,orders]...],"asks":[[px,qty,orders]...],
 *             "last":px,"ours":[{"id","side":"buy"|"sell","px","qty","ahead",
 *             "block","venue":"lit|dark|rfq","since" (ns string),
 *             "manual"?}]}  (a dark or rfq order rests outside the book:
 *             its px is the mid it was sent at, ahead 0)
 *            at most 10 levels a side, conflated to at most 20 per second
 *            per symbol (one book event per symbol).
 * block      {"id","sym","side","qty","filled","working","remaining",
 *             "state":"NEW|WORKING|PAUSED|DONE|CANCELLED|HALTED|
 *             JOURNAL-HALTED|EXPIRED" (EXPIRED: the window ended with
 *             shares unfilled; such a block is never DONE),
 *             "algo","start","end" (ns strings),"arrival_px","avg_px",
 *             "sched_qty" (what the schedule wants filled by now),
 *             "pct_sched" (filled / sched_qty * 100),
 *             "is_bps","is_cash" (shortfall so far against arrival, in
 *             basis points and in dollars; positive is a cost),
 *             "max_pov" (participation cap, percent),"mkt_vol" (shares
 *             printed since start),"pov" (our share of them, percent),
 *             "passive_filled","max_child" (0: none),"aggression" (the
 *             cap: passive|neutral|aggressive),"limit_px" (0: none),
 *             "at_end":"cross|leave" (what the end of the window does to
 *             an unfilled rest; a paused or halted block never crosses),
 *             "forced","forced_until" (a style override in force, absent
 *             when none),"is_spread","is_temp","is_timing","is_opp"
 *             (the shortfall's parts in dollars, engine/tca; the first
 *             three add up to is_cash, is_opp values the unfilled rest at
 *             the mid now),"shadow"? (tranched --shadow: the shadow
 *             model's totals),"ended","end_mid" (once DONE or
 *             CANCELLED: the simulated time it ended, a string, and the
 *             mid then in fractional ticks),"origin"? ({"kind":
 *             "fix|ctl|console","session"?,"clordid"?}: where the block
 *             came from; for fix the FIX session and the order's latest
 *             ClOrdID),"venues" ("lit,dark,rfq"),"venue_filled"?
 *             ({"lit","dark","rfq"}: shares filled in each),
 *             "venue_working"?,"dealers"?,"dark_sent"? (shares sent to
 *             the dark pool),"leak_vol"? (the market's shares traded
 *             ahead by the predator and dealers who lost a request;
 *             these five when the set is more than lit),
 *             "plan"? (while the block's algorithm follows a re-planned
 *             remainder: {"since","end" (ns strings),"from",
 *             "lump","urgency" (when made, over the time left then) or
 *             "shape":"own","half_qty","half_t","base_half_t" (ns
 *             strings: when the plan and the algorithm's own schedule
 *             each have half_qty due, half of what the own schedule
 *             leaves now),"points":[[t (ns string),due]...] (12 samples
 *             of the plan from now to the end),"base_points" (the
 *             algorithm's own schedule at the same times)})}  the
 *             block's whole state: absent is not in force
 * child      {"block","id","sym","side","px","qty","filled","status":
 *             "new|partial|filled|cancelled|rejected","style":
 *             "passive|inside|cross","mid","half_spread" (ticks, when the
 *             child was sent: the TCA's reference for its spread and
 *             impact),"venue":"lit|dark|rfq","reason"?}  one per change
 *             of a child order
 * fill       {"block","child","sym","px","qty","liq":"passive|aggressive",
 *             "venue":"lit|dark|rfq","filled","remaining"}
 * trade      {"sym","px","qty","aggr":"buy|sell"}  (market prints)
 * mid        {"sym","mid"}  the symbol's mid in (fractional) ticks, on a
 *            one-second grid of simulated time, sent only when it changed
 *            since the symbol's last: the exact series the journal's TCA
 *            reads (book events are conflated by wall time)
 * decision   {"block","sym","action","qty","px","style","sched_qty","filled",
 *             "reason"}  (one per algorithm decision, with its reason);
 *             the router's actions are dark, dark-cond, dark-firm,
 *             dark-firm-fail, rfq, rfq-accept, rfq-reject and rfq-outcome
 *             (150 s after a request; its "dealer_obs" object is the
 *             request's record for tranched train-dealers);
 *             a re-plan adds "plan" ({"from","lump","urgency"|"shape"}),
 *             "plan_before" and "plan_after" ({"kind":"base|ac|own",
 *             "urgency"?,"lump","due","half_qty","half_t"}: what changed,
 *             also said in the reason) and an adaptive rule its trigger
 *             values as "rule" (ais-*: "z","z_max","adapt","urgency_ac";
 *             event: "move","k","flow","flow_min","win_s","f","left")
 * alert      {"sev":"info|warn|crit","code","text","block"?,"sym"?}; the
 *             alert detector's also "id" (the same for every change of
 *             one alert),"state":"raised|escalated|cleared","action" (a
 *             suggestion),"blocks":[...] (the blocks it concerns),"since"
 *             (ns string: when raised); codes move, spread, depth, vol,
 *             volume, flow, news (a symbol's market) and cost, behind,
 *             ahead (a block's); a cleared alert has "sev":"info"; in a
 *             snapshot, an acknowledged alert also has "acked":true,
 *             "acked_by" (the user) and "acked_at" (ns string)
 * audit      {"client","role","cmd","reason","ok","code"? (when refused),
 *             "result","acked"? (an accepted ack's seq strings: every
 *             console marks them)}; a refusal that is not a trusted session's
 *             intervention also has "peer" (and "count" when it sums up
 *             an interval's refusals: "cmd":"refused")
 * status     {"state","speed"}  when the engine's state or speed changes
 * news       {"sym","headline","sentiment" (-1..1, a scorer's: its sign
 *             is sometimes wrong),"src":"sim|file","at" (ns string)}  one
 *             per news item, at its time (engine/exec/exec-news.c); also
 *             raises a news alert
 * rfq        {"id" ("r17"),"block","sym","side","qty","by":"trader|router",
 *             "asked","deadline" (ns strings),"mid0" (the mid when asked,
 *             ticks),"dealers":[{"dealer","status":"pending|quoted|
 *             declined|none","px"?,"size"?,"at"? (when quoted)}],"state":
 *             "live|accepted|rejected|expired|cancelled","dealer"?,"px"?
 *             (the quote taken),"filled","ended"? (ns string),"reason"?}
 *             one per change of a request for quotes: asked, a quote or a
 *             refusal, the end (a trader's request waits for rfq_accept
 *             or rfq_reject and expires at its deadline; the router's
 *             takes the best quote or none there)
 * heartbeat  {"speed" (string: "60", "max" ...),"state":"LIVE|PAUSED|
 *             HALTED|JOURNAL-HALTED|DONE" (the engine's, see below),"subs",
 *             "util" (loop busy fraction 0..1),"name","journal":"ok|halted",
 *             "journal_error"?,"journal_errno"? (when halted)}   once a
 *             second of wall time
 *
 * The engine's state is JOURNAL-HALTED while its journal cannot be written
 * (blocks JOURNAL-HALTED, no child orders, the clock stopped, a crit alert
 * with code "journal"; changes refused with journal_unavailable until
 * journal_resume), DONE when every block is finished, PAUSED when some
 * block is paused and none is working, LIVE otherwise; each block's own
 * state is in its block payload.
 */
#define TOPIC_BOOK      "book"
#define TOPIC_BLOCK     "block"
#define TOPIC_CHILD     "child"
#define TOPIC_FILL      "fill"
#define TOPIC_TRADE     "trade"
#define TOPIC_DECISION  "decision"
#define TOPIC_ALERT     "alert"
#define TOPIC_AUDIT     "audit"
#define TOPIC_HEARTBEAT "heartbeat"
#define TOPIC_STATUS    "status"
#define TOPIC_MID       "mid"
#define TOPIC_NEWS      "news"
#define TOPIC_RFQ       "rfq"

/*
 * Commands (request fields beyond cmd and id; reply fields beyond ok and id).
 * Roles: viewer may only hello/status/snapshot/estimate; trader also steers blocks
 * (submit, pause, resume, throttle, override, cancel, ack); supervisor also
 * kill, release, speed, journal_resume and throttle's at_end.  Every command that changes
 * anything requires a
 * non-empty "reason"; it is journaled and published on "audit".
 *
 * hello     {"client","role":"viewer|trader|supervisor","token"?,"v"} ->
 *           {"engine","v","tick","sym" (the first),"syms":[...],
 *           "events":URL,"role","algos":[...] (every algorithm the engine
 *           has: what a console checks a switch against),"session" (16 hex
 *           digits, the same for as long as the journal's session goes on,
 *           restarts included)}
 *           a different "v" is refused naming both versions.
 * status    {} -> {"state","t","speed","syms","blocks":[block payloads],
 *           "limits":{"max_pov"},"venues_off":[names of the venues and
 *           dealers a supervisor turned off],"journal":"ok|halted",
 *           "journal_error"?,"journal_errno"?}
 * snapshot  {} -> {"seq" (last seq published),"t","tick","sym","syms",
 *           "state","book":{...} (the first symbol's),"books":[{...}...]
 *           (every symbol's),"blocks":[...],"decisions":[...],"alerts":[...],
 *           "audit":[...],"children":[...],"news":[...],"rfqs":[...]
 *           (the recent requests for quotes, rfq payloads)}  decisions, alerts,
 *           audit records and news items are the last 200 of each, as
 *           whole events (with v,
 *           seq and t): a console attaching mid-session shows who did
 *           what, and skips by seq records it already holds.
 * submit    {"sym" (one of "syms"),"side":"buy|sell","qty","algo","start"?
 *           (ns string, default now),"end"? (ns string) or "duration_s",
 *           "limit_px"? (ticks),
 *           "max_pov"?,"urgency"? ("low|medium|high"),"at_end"?
 *           ("cross|leave", default cross),"params"? {...},
 *           "venues"? ("lit", "lit,dark", "lit,dark,rfq"; default lit),
 *           "dealers"? ("all", "random:K", "top:K", "learned:K"; default
 *           all),"dark_cond"? (true|false, default false: the dark child
 *           as a conditional order),
 *           "origin"? {"kind":"fix|ctl|console","session","clordid"}
 *           (session and clordid with fix only), "reason"} -> {"block"}
 * amend     {"block","qty"?,"limit_px"?,"end"? (ns string),"clordid"? (a FIX
 *           block's new ClOrdID),"reason"} -> {"block","qty","limit_px",
 *           "end","state"}   trader: a live block's terms, all checked
 *           first; qty never below what is filled
 * fix_status {} -> {"sessions":[{"name","sender","target","version","role",
 *           "state","next_in","next_out","heartbeat"}],"port","store",
 *           "orders":[{"block","session","clordid","sym","side","qty","cum",
 *           "leaves","ord_status","state","reports"}],"reports_sent",
 *           "reports_waiting"}   any role; state error without --fix-listen
 * pause     {"block"?,"reason"} -> {"state" (the engine's),"seq"}    no new
 *           children, working children cancelled, until resume; "seq" is
 *           the last event the pause caused.  No "block": every block.
 * resume    {"block"?,"reason"} -> {"state","seq"}
 * throttle  {"block"?,"pct"?,"max_child"?,"aggression"?:"passive|neutral|
 *           aggressive","at_end"?:"cross|leave","reason"} ->
 *           {"max_pov","max_child","aggression","at_end"}
 *           at least one of pct (0 < pct <= 100, counted from now on: over
 *           the market's volume since the throttle), max_child (shares >
 *           0), aggression (the most aggressive style the tactic may use),
 *           at_end (supervisor only).
 * override  {"block","action","reason", ...} -> {"block", ...}
 *             action "style": "style":"passive|neutral|aggressive",
 *               "for_s" (seconds of simulated time, > 0)
 *             action "limit": "px" (ticks; 0 clears the limit)
 *             action "algo":  "algo" (switch the scheduler mid-flight)
 *             action "child": "px","qty","tif"?:"day|ioc" -- a manual child
 *               order, checked against the risk limits and the fat-finger
 *               bound before it reaches the market; a day order's rest
 *               stays working until filled or cancelled
 *             action "cancel_child": "child" ("c17") -- cancel that one
 *             action "cancel_children": cancel every working child
 *             action "cost_limit": "bps" -- supervisor: the shortfall in
 *               basis points beyond which the block's cost alert is raised
 *               (0: the scenario's alerts.cost_bps)
 * cancel    {"block","reason"} -> {"state"}   cancel the parent order
 * kill      {"reason"} -> {"state":"HALTED"}   supervisor: nothing new,
 *           everything working cancelled, every block HALTED
 * release   {"reason"} -> {"state"}   supervisor: blocks resume
 * journal_resume {"reason"} -> {"state","written_again","unjournaled_seq":
 *           [first,last]}   supervisor, after JOURNAL-HALTED: reopen the
 *           journal, write again what the failed write lost, sync, trade
 *           on; journal_unavailable (nothing changed) while it still
 *           cannot be written, state when not halted
 * speed     {"speed":"1|10|60|max|N","reason"} -> {"speed"}   supervisor,
 *           simulated markets only
 * ack       {"alert" (seq of the alert event),"reason"?} or {"all":true,
 *           "reason"?} (every alert the engine holds, the last 200) ->
 *           {"acked":[seq strings],"already":[seq strings]}   the engine
 *           marks each alert acknowledged (the snapshot's alerts then carry
 *           "acked":true,"acked_by","acked_at"); one already acknowledged
 *           is accepted again, keeps its first acknowledgement and is named
 *           in "already" as well as "acked"; the audit event repeats
 *           "acked" so that every console marks them
 * estimate  {"block","pct"} -> {"throttle":{"block","pct","end","expected_volume",
 *           "expected_fill","filled_pct","unfilled","at_end"}}   a throttle
 *           preview: where the block gets to by its end at pct; or
 *           {"block"? or "sym"?,"side"? ("buy|sell"; default the block's),
 *           "qty"} -> {"sym","side","qty","mid" (ticks),"impact_bps",
 *           "impact_usd","sqrt_bps","sqrt_usd" (the square-root law's),
 *           "volume_5min" (shares),"sigma_bps","adv","model","extrapolated"
 *           (qty beyond the model's training range: half the far top-10
 *           depth)}   read-only,
 *           any role: what a marketable child of qty would cost now by the
 *           impact model; "state" error when the engine has no impact model
 *           or the book is one-sided.
 * venue     {"venue":"dark|rfq" or "dealer" (a dealer's name),"enabled":
 *           true|false,"reason"} -> {"venue" or "dealer","enabled",
 *           "cancelled" (children cancelled)}   supervisor: turn the dark
 *           pool, RFQ or one dealer off or on in every market; off cancels
 *           the venue's live children and the router sends it nothing
 * rfq       {"block","qty","dealers"? ("all" or "D1,D3"; default all),
 *           "deadline_s"? (1..600; default the venue's),"reason"} ->
 *           {"rfq" ("r17"),"block","qty","deadline" (ns string)}   trader:
 *           ask dealers for part of a block whose venues include rfq; qty
 *           at most what is neither filled nor working; it waits for the
 *           trader's decision and expires at its deadline
 * rfq_accept {"rfq","dealer","reason"} -> {"rfq","dealer","px","filled"}
 *           trader: take that dealer's quote (it must have quoted, the
 *           request must be live and the price inside the limit and the
 *           collar); the fill is booked at once
 * rfq_reject {"rfq","reason"} -> {"rfq","state"}   trader: take none;
 *           the request ends (a router's request too)
 */
#define CMD_HELLO    "hello"
/* The audit's `cmd` for a hello refused on the events socket. */
#define AUDIT_EVENTS_HELLO "events hello"
/* The audit "cmd" of the engine's count of refusals it did not record one
 * by one (a peer's, over an interval). */
#define AUDIT_REFUSED "refused"
#define CMD_STATUS   "status"
#define CMD_SNAPSHOT "snapshot"
#define CMD_PAUSE    "pause"
#define CMD_RESUME   "resume"
#define CMD_THROTTLE "throttle"
#define CMD_CANCEL   "cancel"
#define CMD_SUBMIT   "submit"
#define CMD_OVERRIDE "override"
#define CMD_KILL     "kill"
#define CMD_RELEASE  "release"
#define CMD_SPEED    "speed"
#define CMD_ACK      "ack"
#define CMD_ESTIMATE "estimate"
#define CMD_JOURNAL_RESUME "journal_resume"
#define CMD_VENUE    "venue"
#define CMD_AMEND    "amend"
#define CMD_FIX_STATUS "fix_status"
#define CMD_RFQ      "rfq"
#define CMD_RFQ_ACCEPT "rfq_accept"
#define CMD_RFQ_REJECT "rfq_reject"

/* Error codes carried in error.code. */
#define ERR_PARSE     "parse"      /* not JSON, or not an object */
#define ERR_TOO_BIG   "too_big"    /* over TRANCHE_MAX_MSG or too deep */
#define ERR_UNKNOWN   "unknown"    /* unknown command */
#define ERR_FIELD     "field"      /* a field missing, of the wrong type or out of range */
#define ERR_STATE     "state"      /* not possible in the current state */
#define ERR_NOT_FOUND "not_found"  /* no such block */
#define ERR_VERSION   "version"    /* protocol version mismatch */
#define ERR_ROLE      "role"       /* not allowed for this role */
#define ERR_AUTH      "auth"       /* missing or wrong token */
#define ERR_RISK      "risk"       /* refused by a risk limit (which, values) */
#define ERR_HALTED    "halted"     /* the kill switch is on */
#define ERR_JOURNAL   "journal_unavailable" /* the journal cannot be written
                                              (the message names the errno):
                                              JOURNAL-HALTED, nothing done */
#define ERR_ID_REUSED "id_reused"  /* an id this principal used for another request */
#define ERR_SESSIONS_FULL "sessions_full" /* the engine's session table is full */

#endif
