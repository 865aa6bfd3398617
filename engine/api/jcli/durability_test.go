package jcli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gwd-project/gwd/router/ledger"
)

var persistLines = func(verb, profile string) string {
	var b strings.Builder
	for _, m := range persistModules {
		b.WriteString(m + " configuration " + verb + " (profile:" + profile + ")\n")
	}
	return b.String()
}

func TestPersistThenLoadRestores(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 5", "ok")
	c.ok("Successfully added connector [smsc1]", "smppccm -a", "cid smsc1", "ok")
	c.ok("Successfully added MTRoute [DefaultRoute] with order:0", "mtrouter -a", "type DefaultRoute", "connector smppc(smsc1)", "rate 0", "ok")
	if got := c.cmd("persist"); got != persistLines("persisted", "jcli-prod") {
		t.Fatalf("persist:\n%s", got)
	}
	if got := c.cmd("persist -p testing"); got != persistLines("persisted", "testing") {
		t.Fatalf("persist -p testing:\n%s", got)
	}
	before := listings(c)

	// Change everything, then load the snapshot back.
	c.ok("Successfully flushed MT Route table (1 flushed entries)", "mtrouter -f")
	c.ok("Successfully removed User id:u1", "user -r u1")
	c.ok("Successfully added Group [g2]", "group -a", "gid g2", "ok")
	c.ok("Successfully added connector [smsc2]", "smppccm -a", "cid smsc2", "ok")
	if listings(c) == before {
		t.Fatal("the changes changed nothing")
	}
	if got := c.cmd("load -p testing"); got != persistLines("loaded", "testing") {
		t.Fatalf("load -p testing:\n%s", got)
	}
	if after := listings(c); after != before {
		t.Fatalf("after load:\n%s\nbefore:\n%s", after, before)
	}
	got := c.cmd("load -p nosuchprofile")
	if !strings.HasPrefix(got, "Failed to load mtrouter configuration (profile:nosuchprofile)\n") ||
		!strings.Contains(got, "\nError: ") {
		t.Fatalf("load of an unknown profile:\n%s", got)
	}
	if after := listings(c); after != before {
		t.Fatalf("a failed load changed the configuration:\n%s", after)
	}
}

// listings is what the list commands show.
func listings(c *client) string {
	var b strings.Builder
	for _, cmd := range []string{"group -l", "user -l", "filter -l", "mtrouter -l", "morouter -l", "mtinterceptor -l",
		"mointerceptor -l", "smppccm -l", "httpccm -l", "user -s u1"} {
		b.WriteString("jcli : " + cmd + "\n" + c.cmd(cmd))
	}
	return b.String()
}

// A configuration built through jCli survives closing and reopening the
// gateway on the same store: nothing needed a persist.
func TestChangesSurviveRestart(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	script := filepath.Join(scriptDir(t), "i.py")
	if err := os.WriteFile(script, []byte("routable.addTag(7)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 12.5", "mt_messaging_cred quota sms_count 40", "mt_messaging_cred valuefilter dst_addr ^33",
		"smpps_cred quota max_bindings 3", "ok")
	c.ok("Successfully disabled User id:u1", "user -d u1")
	c.ok("Successfully added Filter [DestinationAddrFilter] with fid:to33", "filter -a", "type DestinationAddrFilter",
		"destination_addr ^33", "fid to33", "ok")
	c.ok("Successfully added connector [smsc1]", "smppccm -a", "cid smsc1", "host 127.0.0.9", "submit_throughput 5", "ok")
	c.ok("Successfully added Httpcc [HttpConnector] with cid:web1", "httpccm -a", "cid web1", "url http://127.0.0.1:1/mo", "method POST", "ok")
	c.ok("Successfully added MTRoute [StaticMTRoute] with order:10", "mtrouter -a", "type StaticMTRoute", "order 10",
		"filters to33", "connector smppc(smsc1)", "rate 0.25", "ok")
	c.ok("Successfully added MORoute [DefaultRoute] with order:0", "morouter -a", "type DefaultRoute", "connector http(web1)", "ok")
	c.ok("Successfully added MTInterceptor [StaticMTInterceptor] with order:5", "mtinterceptor -a", "type StaticMTInterceptor",
		"order 5", "filters to33", "script python3("+script+")", "ok")
	c.ok("Successfully updated User [u1]", "user -u u1", "mt_messaging_cred quota balance +2.5", "ok")
	before := listings(c)
	if !strings.Contains(before, "#!u1              g1               user1            15.0    40     ND/ND\n") {
		t.Fatalf("listings:\n%s", before)
	}

	e.reopen()
	c = e.login()
	if after := listings(c); after != before {
		t.Fatalf("after a restart:\n%s\nbefore:\n%s", after, before)
	}
}

// Quotas: the store's counters are the ledger. Listings show what
// charging left there, and +N / -N apply to that, not to a stale copy.
func TestQuotaLedger(t *testing.T) {
	sim, host, port := startSim(t)
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added connector [smsc1]", "smppccm -a", "cid smsc1", "host "+host, "port "+port, "submit_throughput 0", "ok")
	c.ok("Successfully started connector id:smsc1", "smppccm -1 smsc1")
	c.ok("Successfully added MTRoute [DefaultRoute] with order:0", "mtrouter -a", "type DefaultRoute", "connector smppc(smsc1)", "rate 0.5", "ok")
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 10", "mt_messaging_cred quota sms_count 5", "ok")
	waitFor(t, "the connector to bind", func() bool { return strings.Contains(c.cmd("smppccm -l"), "BOUND_TRX") })

	for i := 0; i < 2; i++ {
		if _, err := submit(t, e, "u1"); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "two messages at the SMSC", func() bool { return sim.Stats().Total.SubmitOK == 2 })
	c.replay(`
jcli : user -l
#User id          Group id         Username         Balance MT SMS Throughput
#u1               g1               user1            9.0     3      ND/ND
Total Users: 1
jcli : user -u u1
Updating User id [u1]: (ok: save, ko: exit)
> mt_messaging_cred quota balance +10
> mt_messaging_cred quota sms_count -2
> ok
Successfully updated User [u1]
jcli : user -l
#User id          Group id         Username         Balance MT SMS Throughput
#u1               g1               user1            19.0    1      ND/ND
Total Users: 1
`)
	ct, err := e.g.Counters("u1")
	if err != nil || !ct.HasBalance || ct.Balance != 19*ledger.MoneyUnit || !ct.HasSMS || ct.SMS != 1 {
		t.Fatalf("ledger: %+v %v", ct, err)
	}
	show := c.cmd("user -s u1")
	if !strings.Contains(show, "mt_messaging_cred quota balance 19.0\n") || !strings.Contains(show, "mt_messaging_cred quota sms_count 1\n") {
		t.Fatalf("user -s u1:\n%s", show)
	}
	// One message left on sms_count; a second one is refused.
	if _, err := submit(t, e, "u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := submit(t, e, "u1"); err == nil {
		t.Fatal("a message beyond sms_count was accepted")
	}
	c.ok("Successfully updated User [u1]", "user -u u1", "mt_messaging_cred quota sms_count none", "mt_messaging_cred quota balance 1", "ok")
	ct, _ = e.g.Counters("u1")
	if ct.HasSMS || !ct.HasBalance || ct.Balance != ledger.MoneyUnit {
		t.Fatalf("ledger after absolute values: %+v", ct)
	}
	// stats see the traffic.
	// The SMSC counts a submit before gwd has read its answer: wait for
	// gwd's count.
	waitFor(t, "three messages at the SMSC", func() bool { return sim.Stats().Total.SubmitOK == 3 })
	waitFor(t, "stats --smppcs to show 3/3", func() bool {
		got := c.cmd("stats --smppcs")
		return strings.Contains(got, "#smsc1") && strings.Contains(got, " 3/3 ")
	})
}
