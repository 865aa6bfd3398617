package jcli

import (
	"strings"
	"testing"
)

// TestJCliConfigurationVisibleThroughAdminAPI: what an operator builds
// in jCli survives a restart and the admin API shows it.
func TestJCliConfigurationVisibleThroughAdminAPI(t *testing.T) {
	e := newEnv(t)
	c := e.login()
	c.ok("Successfully added Group [g1]", "group -a", "gid g1", "ok")
	c.ok("Successfully added User [u1] to Group [g1]", "user -a", "uid u1", "gid g1", "username user1", "password pw",
		"mt_messaging_cred quota balance 12.5", "ok")
	c.ok("Successfully added connector [smsc1]", "smppccm -a", "cid smsc1", "host 127.0.0.9", "submit_throughput 5", "ok")
	c.ok("Successfully added MTRoute [DefaultRoute] with order:0", "mtrouter -a", "type DefaultRoute", "connector smppc(smsc1)", "rate 0.25", "ok")

	e.reopen()
	api := startAdmin(t, e)
	get := func(path string) string {
		t.Helper()
		st, body, err := api.call("GET", path, nil)
		if err != nil || st != 200 {
			t.Fatalf("GET %s: %d %s %v", path, st, body, err)
		}
		return body
	}
	for path, want := range map[string][]string{
		"/admin/users/u1":         {`"username":"user1"`, `12.5`},
		"/admin/connectors/smsc1": {`"host":"127.0.0.9"`, `"submit_throughput":"5"`},
		"/admin/mtroutes/0":       {`DefaultRoute`, `smsc1`, `0.25`},
		"/admin/groups/g1":        {`"gid":"g1"`},
	} {
		body := get(path)
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: %s lacks %s", path, body, w)
			}
		}
	}
}
