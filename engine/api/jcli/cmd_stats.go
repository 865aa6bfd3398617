package jcli

import (
	"strconv"
	"strings"
	"time"

	"github.com/gwd-project/gwd/engine/smppc"
)

func statsCommand() *command {
	return &command{name: "stats", doc: "Stats management",
		opts: []option{
			{long: "--user", metavar: "UID", help: "Show user stats using it's UID"},
			{long: "--users", help: "Show all users stats"},
			{long: "--smppc", metavar: "CID", help: "Show smpp connector stats using it's CID"},
			{long: "--smppcs", help: "Show all smpp connectors stats"},
			{long: "--httpapi", help: "Show HTTP API stats"},
			{long: "--smppsapi", help: "Show SMPP Server API stats"},
		},
		actions: []action{
			{"user", statsUser},
			{"users", statsUsers},
			{"smppc", statsSMPPC},
			{"smppcs", statsSMPPCs},
			{"httpapi", statsHTTPAPI},
			{"smppsapi", statsSMPPSAPI},
		}}
}

const nd = "ND"

// fmtTime shows a unix time as Jasmin does, ND when unset.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return nd
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func nanos(ns int64) time.Time {
	if ns <= 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func secs(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }
func i64(v int64) string  { return strconv.FormatInt(v, 10) }

// item shows m[name]: a time for *_at names, a number otherwise, ND when
// absent.
func item(m map[string]int64, name string) string {
	v, ok := m[name]
	if !ok {
		return nd
	}
	if strings.HasSuffix(name, "_at") {
		return fmtTime(secs(v))
	}
	return i64(v)
}

// itemTable is the "#Item Value" table of the stats views.
func itemTable(items [][2]string) []string {
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = []string{"#" + it[0], it[1]}
	}
	return tabulate([]string{"#Item", "Value"}, rows)
}

var (
	userSMPPItems = []string{"last_activity_at", "bind_count", "bound_connections_count", "submit_sm_request_count",
		"submit_sm_count", "throttling_error_count", "other_submit_error_count", "elink_count", "deliver_sm_count",
		"data_sm_count", "qos_last_submit_sm_at", "unbind_count"}
	userHTTPItems = []string{"qos_last_submit_sm_at", "connects_count", "last_activity_at", "submit_sm_request_count",
		"rate_request_count", "balance_request_count"}
)

// userStats returns the per-user counters (empty maps if none are kept)
// with the live bound connections filled in.
func userStats(d Deps, uid string) (smpps, httpapi map[string]int64) {
	if d.Users != nil {
		smpps, httpapi = d.Users.UserStats(uid)
	}
	if smpps == nil {
		smpps = map[string]int64{}
	}
	if httpapi == nil {
		httpapi = map[string]int64{}
	}
	if srv := d.SMPP; srv != nil {
		if _, ok := smpps["bound_connections_count"]; !ok {
			smpps["bound_connections_count"] = int64(srv.Binds(uid))
		}
		if _, ok := smpps["last_activity_at"]; !ok {
			if t := srv.LastReceived(uid); !t.IsZero() {
				smpps["last_activity_at"] = t.Unix()
			}
		}
	}
	return smpps, httpapi
}

func statsUser(s *session, o opts) {
	uid := o.get("user")
	if !userExists(s, uid) {
		return
	}
	smpps, httpapi := userStats(s.srv.d, uid)
	var rows [][]string
	for _, k := range userSMPPItems {
		rows = append(rows, []string{"#" + k, "SMPP Server", item(smpps, k)})
	}
	for _, k := range userHTTPItems {
		rows = append(rows, []string{"#" + k, "HTTP Api", item(httpapi, k)})
	}
	s.lines(tabulate([]string{"#Item", "Type", "Value"}, rows))
}

func statsUsers(s *session, _ opts) {
	users := s.srv.m.Accounts().Users("")
	var rows [][]string
	for _, u := range users {
		smpps, httpapi := userStats(s.srv.d, u.UID)
		rows = append(rows, []string{"#" + u.UID, item(smpps, "bound_connections_count"), "-",
			item(smpps, "last_activity_at"), item(httpapi, "connects_count"), item(httpapi, "last_activity_at")})
	}
	s.lines(tabulate([]string{"#User id", "SMPP Bound connections", "SMPP Peer IPs", "SMPP L.A.",
		"HTTP requests counter", "HTTP L.A."}, rows))
	s.println("Total users: " + strconv.Itoa(len(rows)))
}

// smppcItems are `stats --smppc`'s items from a connector's counters;
// those it does not keep show ND.
func smppcItems(c *smppc.Connector) [][2]string {
	st := &c.Stats
	connected := fmtTime(nanos(st.LastConnect.Load()))
	return [][2]string{
		{"created_at", fmtTime(nanos(st.Created.Load()))},
		{"last_received_pdu_at", fmtTime(c.LastReceived())},
		{"last_sent_pdu_at", nd},
		{"last_received_elink_at", nd},
		{"last_sent_elink_at", fmtTime(c.LastElinkSent())},
		{"last_seqNum_at", nd},
		{"last_seqNum", nd},
		{"connected_at", connected},
		{"bound_at", connected}, // gwd counts a connection once bound
		{"disconnected_at", fmtTime(nanos(st.LastDisconnect.Load()))},
		{"connected_count", u64(st.Connected.Load())},
		{"bound_count", u64(st.Connected.Load())},
		{"disconnected_count", u64(st.Disconnected.Load())},
		{"submit_sm_request_count", u64(st.SubmitSent.Load())},
		{"submit_sm_count", u64(st.SubmitOK.Load())},
		{"deliver_sm_count", u64(st.DeliverSM.Load())},
		{"data_sm_count", u64(st.DataSM.Load())},
		{"elink_count", u64(st.Elinks.Load())},
		{"throttling_error_count", u64(st.Throttled.Load())},
		{"other_submit_error_count", u64(st.SubmitErr.Load())},
		{"interceptor_error_count", u64(st.InterceptorErrorCount.Load())},
		{"interceptor_count", u64(st.InterceptorCount.Load())},
	}
}

func statsSMPPC(s *session, o opts) {
	c := connectorExists(s, o.get("smppc"))
	if c == nil {
		return
	}
	s.lines(itemTable(smppcItems(c)))
}

func statsSMPPCs(s *session, _ opts) {
	cs := s.srv.m.Connectors()
	var rows [][]string
	for _, c := range cs {
		st := &c.Stats
		connected := fmtTime(nanos(st.LastConnect.Load()))
		rows = append(rows, []string{"#" + c.CID(), connected, connected, fmtTime(nanos(st.LastDisconnect.Load())),
			u64(st.SubmitSent.Load()) + "/" + u64(st.SubmitOK.Load()),
			u64(st.DeliverSM.Load()) + "/" + u64(st.DataSM.Load()),
			u64(st.Throttled.Load()), u64(st.SubmitErr.Load())})
	}
	s.lines(tabulate([]string{"#Connector id", "Connected at", "Bound at", "Disconnected at", "Submits",
		"Delivers", "QoS errs", "Other errs"}, rows))
	s.println("Total connectors: " + strconv.Itoa(len(rows)))
}

var httpAPIItems = []string{"created_at", "last_request_at", "last_success_at", "request_count", "success_count",
	"auth_error_count", "route_error_count", "throughput_error_count", "charging_error_count",
	"server_error_count", "interceptor_count", "interceptor_error_count"}

func statsHTTPAPI(s *session, _ opts) {
	var m map[string]int64
	if h := s.srv.d.HTTPAPI; h != nil {
		m = h.HTTPAPIStats()
	}
	items := make([][2]string, len(httpAPIItems))
	for i, k := range httpAPIItems {
		items[i] = [2]string{k, item(m, k)}
	}
	s.lines(itemTable(items))
}

func statsSMPPSAPI(s *session, _ opts) {
	srv := s.srv.d.SMPP
	if srv == nil {
		s.println("Error: the SMPP server API is not running")
		return
	}
	st := srv.Counters()
	connected := st.ConnectCount.Load() - st.DisconnectCount.Load()
	s.lines(itemTable([][2]string{
		{"created_at", fmtTime(nanos(st.Created.Load()))},
		{"last_received_pdu_at", fmtTime(srv.LastReceived(""))},
		{"last_sent_pdu_at", nd},
		{"last_received_elink_at", nd},
		{"connected_count", i64(max(connected, 0))},
		{"connect_count", i64(st.ConnectCount.Load())},
		{"disconnect_count", i64(st.DisconnectCount.Load())},
		{"bind_trx_count", u64(st.BindTRXCount.Load())},
		{"bound_trx_count", i64(st.BoundTRX.Load())},
		{"bind_rx_count", u64(st.BindRXCount.Load())},
		{"bound_rx_count", i64(st.BoundRX.Load())},
		{"bind_tx_count", u64(st.BindTXCount.Load())},
		{"bound_tx_count", i64(st.BoundTX.Load())},
		{"submit_sm_request_count", u64(st.SubmitSMRequest.Load())},
		{"submit_sm_count", u64(st.SubmitSMCount.Load())},
		{"deliver_sm_count", u64(st.DeliverSMCount.Load())},
		{"data_sm_count", u64(st.DataSMCount.Load())},
		{"elink_count", u64(st.ElinkCount.Load())},
		{"throttling_error_count", u64(st.ThroughputErrorCount.Load())},
		{"other_submit_error_count", u64(st.OtherSubmitErrorCount.Load())},
		{"interceptor_count", u64(st.InterceptorCount.Load())},
		{"interceptor_error_count", u64(st.InterceptorErrorCount.Load())},
		{"bind_count", u64(st.BindCount.Load())},
		{"unbind_count", u64(st.UnbindCount.Load())},
	}))
}
