package jcli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/engine/mt"
	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
	"github.com/gwd-project/gwd/smsc"
)

// startSim starts an SMSC simulator and returns it with its host and port.
func startSim(t *testing.T) (*smsc.Sim, string, string) {
	t.Helper()
	sim, err := smsc.Start(smsc.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	host, port, _ := net.SplitHostPort(sim.Addr().String())
	return sim, host, port
}

// waitFor polls cond (bounded: the test fails rather than hangs).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// submit hands the gateway one message from uid, as the HTTP API would.
func submit(t *testing.T, e *env, uid string) (string, error) {
	t.Helper()
	u := e.g.Accounts().User(uid)
	if u == nil {
		t.Fatalf("no user %s", uid)
	}
	s := &mt.Submit{User: u, Channel: router.ChannelHTTP, Received: time.Now(),
		Parts: []smpp.PDU{{Dest: smpp.Address{TON: 1, NPI: 1, Addr: []byte("06222172")}, ShortMessage: []byte("hello")}}}
	type res struct {
		id  string
		err error
	}
	ch := make(chan res, 1)
	e.g.SubmitMT(s, func(id string, err error) { ch <- res{id, err} })
	select {
	case r := <-ch:
		return r.id, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("SubmitMT never answered")
	}
	return "", nil
}

// The manual's "Sending your first SMS", typed as printed (the SMSC's
// address is the simulator's). Where the manual and the observed Jasmin
// differ, the observed strings are the expectation: the route type
// announcement is "<class 'jasmin.routing.Routes.DefaultRoute'>
// arguments:" and lists rate too. (The manual indents the group -a
// session; it is typed here without the indentation.)
func TestSendingYourFirstSMS(t *testing.T) {
	sim, host, port := startSim(t)
	e := newEnv(t)
	c := e.login()
	sub := []string{"172.16.10.67", host, "port 2775", "port " + port}
	c.replay(`
jcli : smppccm -a
Adding a new connector: (ok: save, ko: exit)
> cid DEMO_CONNECTOR
> host 172.16.10.67
> port 2775
> username smppclient1
> password password
> submit_throughput 110
> ok
Successfully added connector [DEMO_CONNECTOR]
jcli : smppccm -1 DEMO_CONNECTOR
Successfully started connector id:DEMO_CONNECTOR
`, sub...)
	waitFor(t, "the connector to bind", func() bool { return strings.Contains(c.cmd("smppccm -l"), "BOUND_TRX") })
	c.replay(`
jcli : smppccm --list
#Connector id                        Service Session          Starts Stops
#DEMO_CONNECTOR                      started BOUND_TRX        1      0
Total connectors: 1
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> type defaultroute
<class 'jasmin.routing.Routes.DefaultRoute'> arguments:
connector, rate
> connector smppc(DEMO_CONNECTOR)
> rate 0.00
> ok
Successfully added MTRoute [DefaultRoute] with order:0
jcli : group -a
Adding a new Group: (ok: save, ko: exit)
> gid foogroup
> ok
Successfully added Group [foogroup]
jcli : user -a
Adding a new User: (ok: save, ko: exit)
> username foo
> password bar
> gid foogroup
> uid foo
> ok
Successfully added User [foo] to Group [foogroup]
`)
	// 5. Send SMS: the configuration is live.
	if id, err := submit(t, e, "foo"); err != nil || id == "" {
		t.Fatalf("submit: %q %v", id, err)
	}
	waitFor(t, "the SMSC to get the message", func() bool { return sim.Stats().Total.SubmitOK == 1 })

	// The observed listings of that configuration.
	c.replay(`
jcli : group -l
#Group id
#foogroup
Total Groups: 1
jcli : user -l
#User id          Group id         Username         Balance MT SMS Throughput
#foo              foogroup         foo              ND (!)  ND (!) ND/ND
Total Users: 1
jcli : mtrouter -l
#Order Type                    Rate       Connector ID(s)                                  Filter(s)
#0     DefaultRoute            0 (!)      smppc(DEMO_CONNECTOR)
Total MT Routes: 1
jcli : morouter -l
Total MO Routes: 0
jcli : user -s foo
uid foo
gid foogroup
username foo
mt_messaging_cred authorization http_send True
mt_messaging_cred authorization http_balance True
mt_messaging_cred authorization http_rate True
mt_messaging_cred authorization http_bulk False
mt_messaging_cred authorization smpps_send True
mt_messaging_cred authorization http_long_content True
mt_messaging_cred authorization dlr_level True
mt_messaging_cred authorization http_dlr_method True
mt_messaging_cred authorization src_addr True
mt_messaging_cred authorization priority True
mt_messaging_cred authorization validity_period True
mt_messaging_cred authorization schedule_delivery_time True
mt_messaging_cred authorization hex_content True
mt_messaging_cred valuefilter dst_addr .*
mt_messaging_cred valuefilter src_addr .*
mt_messaging_cred valuefilter priority ^[0-3]$
mt_messaging_cred valuefilter validity_period ^\d+$
mt_messaging_cred valuefilter content .*
mt_messaging_cred defaultvalue src_addr None
mt_messaging_cred quota balance ND
mt_messaging_cred quota early_percent ND
mt_messaging_cred quota sms_count ND
mt_messaging_cred quota http_throughput ND
mt_messaging_cred quota smpps_throughput ND
smpps_cred authorization bind True
smpps_cred authorization ip 0.0.0.0/0
smpps_cred quota max_bindings ND
`)
	// smppccm -s: the observed keys, in the observed order, then gwd's own.
	observed := strings.Fields(`cid host port username logrotate password systype logfile loglevel logprivacy
		bind_to elink_interval res_to con_loss_retry bind_npi con_loss_delay con_fail_delay pdu_red_to bind bind_ton
		src_ton src_npi dst_ton addr_range src_addr proto_id priority validity ripf def_msg_id coding requeue_delay
		submit_throughput dlr_expiry dlr_msgid con_fail_retry dst_npi trx_to ssl custom_tlvs`)
	show := strings.Split(strings.TrimSuffix(c.cmd("smppccm -s DEMO_CONNECTOR"), "\n"), "\n")
	if len(show) < len(observed) {
		t.Fatalf("smppccm -s: %q", show)
	}
	for i, k := range observed {
		if f := strings.Fields(show[i]); len(f) == 0 || f[0] != k {
			t.Errorf("smppccm -s line %d = %q, want key %s", i, show[i], k)
		}
	}
	for _, want := range []string{"cid DEMO_CONNECTOR", "username smppclient1", "password password", "submit_throughput 110",
		"logfile /var/log/jasmin/default-DEMO_CONNECTOR.log"} {
		if !contains(show, want) {
			t.Errorf("smppccm -s lacks %q: %q", want, show)
		}
	}
	// Changing a key that needs a restart restarts a running connector.
	c.replay(`
jcli : smppccm -u DEMO_CONNECTOR
Updating connector id [DEMO_CONNECTOR]: (ok: save, ko: exit)
> cid other
Connector id can not be modified !
> password secret
> ok
Restarting connector [DEMO_CONNECTOR] for updates to take effect ...
Successfully updated connector [DEMO_CONNECTOR]
`)
	waitFor(t, "the connector to bind again", func() bool {
		return strings.Contains(c.cmd("smppccm -l"), "#DEMO_CONNECTOR                      started BOUND_TRX        2      1\n")
	})
	if cfg := e.g.Connector("DEMO_CONNECTOR").Config(); cfg.Password != "secret" {
		t.Fatalf("password not updated: %+v", cfg)
	}
	stats := c.cmd("stats --smppc DEMO_CONNECTOR")
	for _, want := range []string{"#Item                      Value\n", "#submit_sm_request_count   1\n",
		"#submit_sm_count           1\n", "#connected_count           2\n", "#created_at                2",
		"#interceptor_count         0\n"} {
		if !strings.Contains(stats, want) {
			t.Errorf("stats --smppc lacks %q:\n%s", want, stats)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// The filter manager's examples, typed as printed. The manual's TAB
// output line ("type fid") is not typed; the observed order of the
// mandatory keys ("fid, type, source_addr") is expected.
func TestManualFilterExamples(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> type transparentfilter
> fid TF
> ok
Successfully added Filter [TransparentFilter] with fid:TF
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> type sourceaddrfilter
<class 'jasmin.routing.Filters.SourceAddrFilter'> arguments:
source_addr
> source_addr ^20\d+
> ok
You must set these options before saving: fid, type, source_addr
> fid From20*
> ok
Successfully added Filter [SourceAddrFilter] with fid:From20*
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> fid WorkingHours
> type timeintervalfilter
<class 'jasmin.routing.Filters.TimeIntervalFilter'> arguments:
timeInterval
> timeInterval 08:00:00;18:00:00
> ok
Successfully added Filter [TimeIntervalFilter] with fid:WorkingHours
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> type DateIntervalFilter
<class 'jasmin.routing.Filters.DateIntervalFilter'> arguments:
dateInterval
> dateInterval 2014-09-01;2014-09-30
> fid September2014
> ok
Successfully added Filter [DateIntervalFilter] with fid:September2014
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> type destinationaddrfilter
<class 'jasmin.routing.Filters.DestinationAddrFilter'> arguments:
destination_addr
> destination_addr ^85111$
> fid To85111
> ok
Successfully added Filter [DestinationAddrFilter] with fid:To85111
jcli : filter -l
#Filter id        Type                   Routes Description
#From20*          SourceAddrFilter       MO MT  <SourceAddrFilter (src_addr=^20\d+)>
#September2014    DateIntervalFilter     MO MT  <DateIntervalFilter (2014-09-01,2014-09-30)>
#TF               TransparentFilter      MO MT  <TransparentFilter>
#To85111          DestinationAddrFilter  MO MT  <DestinationAddrFilter (dst_addr=^85111$)>
#WorkingHours     TimeIntervalFilter     MO MT  <TimeIntervalFilter (08:00:00,18:00:00)>
Total Filters: 5
jcli : filter -s September2014
DateIntervalFilter:
Left border = 2014-09-01
Right border = 2014-09-30
jcli : filter -r TF
Successfully removed Filter id:TF
jcli : filter -s TF
Unknown Filter: TF
`)
	// EvalPyFilter from a script file, as in "External business logic".
	path := filepath.Join(scriptDir(t), "abc-connector.py")
	if err := os.WriteFile(path, []byte("result = routable.connector == 'abc'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.replay(`
jcli : filter -a
Adding a new Filter: (ok: save, ko: exit)
> type EvalPyFilter
<class 'jasmin.routing.Filters.EvalPyFilter'> arguments:
pyCode
> pyCode /opt/jasmin-scripts/routing/abc-connector.py
> fid SimpleThirdParty
> ok
Successfully added Filter [EvalPyFilter] with fid:SimpleThirdParty
`, "/opt/jasmin-scripts/routing/abc-connector.py", path)
}

// setupMO creates the filters, HTTP connectors and SMPP server user the
// manual's MO routing examples assume ("Filters and Connectors were
// created before creating these routes").
func setupMO(c *client) {
	for _, fid := range []string{"filter_1", "filter_2", "filter_3", "filter_4"} {
		c.ok("Successfully added Filter [TransparentFilter] with fid:"+fid, "filter -a", "type TransparentFilter", "fid "+fid, "ok")
	}
	for _, cid := range []string{"http_default", "http_1", "http_2", "http_3", "http_4", "http_5"} {
		c.ok("Successfully added Httpcc [HttpConnector] with cid:"+cid, "httpccm -a", "url http://10.10.20.125/receive-sms/mo.php",
			"method POST", "cid "+cid, "ok")
	}
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [user_1] to Group [g1]", "user -a", "uid user_1", "gid g1", "username user_1", "password pw", "ok")
}

// The MO router manager's examples, typed as printed (the manual's last
// confirmation says order:20 for the route added at order 30: gwd says
// 30; its listing counts 5 routes, not 3).
func TestManualMORouterExamples(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	setupMO(c)
	c.replay(`
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type DefaultRoute
<class 'jasmin.routing.Routes.DefaultRoute'> arguments:
connector
> connector http(http_default)
> ok
Successfully added MORoute [DefaultRoute] with order:0
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type StaticMORoute
<class 'jasmin.routing.Routes.StaticMORoute'> arguments:
filters, connector
> order 10
> filters filter_1
> connector http(http_1)
> ok
Successfully added MORoute [StaticMORoute] with order:10
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type StaticMORoute
<class 'jasmin.routing.Routes.StaticMORoute'> arguments:
filters, connector
> order 15
> filters filter_2
> connector smpps(user_1)
> ok
Successfully added MORoute [StaticMORoute] with order:15
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type RandomRoundrobinMORoute
<class 'jasmin.routing.Routes.RandomRoundrobinMORoute'> arguments:
filters, connectors
> filters filter_3;filter_1
> connectors http(http_2);http(http_3)
> order 20
> ok
Successfully added MORoute [RandomRoundrobinMORoute] with order:20
jcli : morouter -a
Adding a new MO Route: (ok: save, ko: exit)
> type FailoverMORoute
<class 'jasmin.routing.Routes.FailoverMORoute'> arguments:
filters, connectors
> filters filter_4
> connectors http(http_4);http(http_5)
> order 30
> ok
Successfully added MORoute [FailoverMORoute] with order:30
jcli : morouter -l
#Order Type                    Connector ID(s)                                  Filter(s)
#30    FailoverMORoute         http(http_4), http(http_5)                       <TransparentFilter>
#20    RandomRoundrobinMORoute http(http_2), http(http_3)                       <TransparentFilter>, <TransparentFilter>
#15    StaticMORoute           smpps(user_1)                                    <TransparentFilter>
#10    StaticMORoute           http(http_1)                                     <TransparentFilter>
#0     DefaultRoute            http(http_default)
Total MO Routes: 5
jcli : morouter -s 20
RandomRoundrobinMORoute to 2 connectors:
   - http(http_2)
   - http(http_3)
jcli : morouter -s 10
StaticMORoute to http(http_1)
jcli : morouter -s 0
DefaultRoute to http(http_default)
jcli : morouter -r 15
Successfully removed MO Route with order:15
jcli : morouter -s 15
Unknown MO Route: 15
jcli : morouter -f
Successfully flushed MO Route table (4 flushed entries)
jcli : morouter -l
Total MO Routes: 0
`)
}

// The MT router manager's examples, typed as printed.
func TestManualMTRouterExamples(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	for _, fid := range []string{"filter_1", "filter_2", "filter_3", "filter_4"} {
		c.ok("Successfully added Filter [TransparentFilter] with fid:"+fid, "filter -a", "type TransparentFilter", "fid "+fid, "ok")
	}
	for _, cid := range []string{"smppcc_default", "smppcc_1", "smppcc_2", "smppcc_3", "smppcc_4", "smppcc_5"} {
		c.ok("Successfully added connector ["+cid+"]", "smppccm -a", "cid "+cid, "ok")
	}
	c.replay(`
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> type DefaultRoute
<class 'jasmin.routing.Routes.DefaultRoute'> arguments:
connector, rate
> connector smppc(smppcc_default)
> rate 0.0
> ok
Successfully added MTRoute [DefaultRoute] with order:0
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> type StaticMTRoute
<class 'jasmin.routing.Routes.StaticMTRoute'> arguments:
filters, connector, rate
> filters filter_1;filter_2
> order 10
> connector smppc(smppcc_1)
> rate 0.0
> ok
Successfully added MTRoute [StaticMTRoute] with order:10
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> order 20
> type RandomRoundrobinMTRoute
<class 'jasmin.routing.Routes.RandomRoundrobinMTRoute'> arguments:
filters, connectors, rate
> filters filter_3
> connectors smppc(smppcc_2);smppc(smppcc_3)
> rate 0.0
> ok
Successfully added MTRoute [RandomRoundrobinMTRoute] with order:20
jcli : mtrouter -a
Adding a new MT Route: (ok: save, ko: exit)
> order 30
> type FailoverMTRoute
<class 'jasmin.routing.Routes.FailoverMTRoute'> arguments:
filters, connectors, rate
> filters filter_4
> connectors smppc(smppcc_4);smppc(smppcc_5)
> rate 0.0
> ok
Successfully added MTRoute [FailoverMTRoute] with order:30
jcli : mtrouter -l
#Order Type                    Rate       Connector ID(s)                                  Filter(s)
#30    FailoverMTRoute         0 (!)      smppc(smppcc_4), smppc(smppcc_5)                 <TransparentFilter>
#20    RandomRoundrobinMTRoute 0 (!)      smppc(smppcc_2), smppc(smppcc_3)                 <TransparentFilter>
#10    StaticMTRoute           0 (!)      smppc(smppcc_1)                                  <TransparentFilter>, <TransparentFilter>
#0     DefaultRoute            0 (!)      smppc(smppcc_default)
Total MT Routes: 4
jcli : mtrouter -s 20
RandomRoundrobinMTRoute to 2 connectors:
   - smppc(smppcc_2)
   - smppc(smppcc_3)
NOT RATED
jcli : mtrouter -s 10
StaticMTRoute to smppc(smppcc_1) NOT RATED
jcli : mtrouter -s 0
DefaultRoute to smppc(smppcc_default) NOT RATED
`)
}

// The user manager's examples: credentials at creation, as printed.
func TestManualUserExamples(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : group -a
Adding a new Group: (ok: save, ko: exit)
> gid marketing
> ok
Successfully added Group [marketing]
jcli : user -a
Adding a new User: (ok: save, ko: exit)
> username foo
> password bar
> gid marketing
> uid foo
> mt_messaging_cred valuefilter src_addr ^JASMIN$
> mt_messaging_cred quota balance 44.2
> mt_messaging_cred quota sms_count none
> mt_messaging_cred quota smpps_throughput 2
> ok
Successfully added User [foo] to Group [marketing]
jcli : user -a
Adding a new User: (ok: save, ko: exit)
> username bar
> password bar
> gid marketing
> uid bar
> smpps_cred authorization bind yes
> smpps_cred quota max_bindings 2
> ok
Successfully added User [bar] to Group [marketing]
jcli : user -l
#User id          Group id         Username         Balance MT SMS Throughput
#foo              marketing        foo              44.2    ND     ND/2.0
#bar              marketing        bar              ND (!)  ND (!) ND/ND
Total Users: 2
jcli : user -l marketing
#User id          Group id         Username         Balance MT SMS Throughput
#foo              marketing        foo              44.2    ND     ND/2.0
#bar              marketing        bar              ND (!)  ND (!) ND/ND
Total Users in group [marketing]: 2
jcli : user -d bar
Successfully disabled User id:bar
jcli : group -d marketing
Successfully disabled Group id:marketing
jcli : user -l
#User id          Group id         Username         Balance MT SMS Throughput
#foo              !marketing       foo              44.2    ND     ND/2.0
#!bar             !marketing       bar              ND (!)  ND (!) ND/ND
Total Users: 2
jcli : group -l
#Group id
#!marketing
Total Groups: 1
jcli : group -e marketing
Successfully enabled Group id:marketing
jcli : user -e bar
Successfully enabled User id:bar
`)
	show := c.cmd("user -s foo")
	for _, want := range []string{"mt_messaging_cred valuefilter src_addr ^JASMIN$\n", "mt_messaging_cred quota balance 44.2\n",
		"mt_messaging_cred quota sms_count ND\n", "mt_messaging_cred quota smpps_throughput 2.0\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user -s foo lacks %q:\n%s", want, show)
		}
	}
	show = c.cmd("user -s bar")
	for _, want := range []string{"smpps_cred authorization bind True\n", "smpps_cred quota max_bindings 2\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("user -s bar lacks %q:\n%s", want, show)
		}
	}
	// The ledger holds the balance given at creation.
	if ct, err := e.g.Counters("foo"); err != nil || !ct.HasBalance || ct.BalanceString() != "44.2" || ct.HasSMS {
		t.Fatalf("store counters of foo: %+v %v", ct, err)
	}
}

// The interceptor managers' examples (Starlark scripts in gwd).
func TestManualInterceptorExamples(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	dir := scriptDir(t)
	for _, n := range []string{"mt-interceptor.py", "mo-interceptor.py"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("routable.addTag(1)\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.ok("Successfully added Filter [TransparentFilter] with fid:filter_1", "filter -a", "type TransparentFilter", "fid filter_1", "ok")
	c.replay(`
jcli : mtinterceptor -a
Adding a new MT Interceptor: (ok: save, ko: exit)
> type DefaultInterceptor
<class 'jasmin.routing.Interceptors.DefaultInterceptor'> arguments:
script
> script python3(/opt/jasmin-scripts/interception/mt-interceptor.py)
> ok
Successfully added MTInterceptor [DefaultInterceptor] with order:0
jcli : mtinterceptor -a
Adding a new MT Interceptor: (ok: save, ko: exit)
> type StaticMTInterceptor
<class 'jasmin.routing.Interceptors.StaticMTInterceptor'> arguments:
filters, script
> order 10
> filters filter_1
> script python3(/opt/jasmin-scripts/interception/mt-interceptor.py)
> ok
Successfully added MTInterceptor [StaticMTInterceptor] with order:10
jcli : mointerceptor -a
Adding a new MO Interceptor: (ok: save, ko: exit)
> type DefaultInterceptor
<class 'jasmin.routing.Interceptors.DefaultInterceptor'> arguments:
script
> script python3(/opt/jasmin-scripts/interception/mo-interceptor.py)
> ok
Successfully added MOInterceptor [DefaultInterceptor] with order:0
jcli : mtinterceptor -r 10
Successfully removed MT Interceptor with order:10
jcli : mtinterceptor -s 10
Unknown MT Interceptor: 10
jcli : mtinterceptor -f
Successfully flushed MT Interceptor table (1 flushed entries)
`, "/opt/jasmin-scripts/interception/", dir+"/")
	list := c.cmd("mointerceptor -l")
	if !strings.HasPrefix(list, "#Order    Type                    Script                    Filter(s)\n#0        DefaultInterceptor      <MOIS (pyCode=") ||
		!strings.HasSuffix(list, "Total MO Interceptors: 1\n") {
		t.Fatalf("mointerceptor -l:\n%s", list)
	}
	if got := c.cmd("mointerceptor -s 0"); !strings.HasPrefix(got, "DefaultInterceptor/<MOIS (pyCode=") {
		t.Fatalf("mointerceptor -s 0: %q", got)
	}
}

// The HTTP client connector manager's example, as printed.
func TestManualHTTPCCExample(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : httpccm -a
Adding a new Httpcc: (ok: save, ko: exit)
> url http://10.10.20.125/receive-sms/mo.php
> method GET
> cid HTTP-01
> ok
Successfully added Httpcc [HttpConnector] with cid:HTTP-01
jcli : httpccm -s HTTP-01
HttpConnector:
cid = HTTP-01
baseurl = http://10.10.20.125/receive-sms/mo.php
method = GET
jcli : httpccm -l
#Httpcc id        Type                   Method URL
#HTTP-01          HttpConnector          GET    http://10.10.20.125/receive-sms/mo.php
Total Httpccs: 1
jcli : httpccm -r HTTP-01
Successfully removed Httpcc id:HTTP-01
jcli : httpccm -l
Total Httpccs: 0
`)
}

// The smppccm manual example: a transmitter connector, updated.
func TestManualSMPPCCExample(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.replay(`
jcli : smppccm -a
Adding a new connector: (ok: save, ko: exit)
> cid Demo
> bind transmitter
> ok
Successfully added connector [Demo]
jcli : smppccm -u Demo
Updating connector id [Demo]: (ok: save, ko: exit)
> host 10.10.1.2
> ok
Successfully updated connector [Demo]
jcli : smppccm -l
#Connector id                        Service Session          Starts Stops
#Demo                                stopped None             0      0
Total connectors: 1
`)
	show := c.cmd("smppccm -s Demo")
	for _, want := range []string{"bind transmitter\n", "host 10.10.1.2\n", "cid Demo\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("smppccm -s Demo lacks %q:\n%s", want, show)
		}
	}
	if cfg := e.g.Connector("Demo").Config(); cfg.Host != "10.10.1.2" || cfg.Bind != "transmitter" {
		t.Fatalf("connector config %+v", cfg)
	}
}
