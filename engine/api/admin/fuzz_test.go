package admin

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzCreateUser feeds POST /admin/users bodies to the decoder and the
// draft builder: no panic; every refusal is a 400 (or 409 at the API) that
// names a field unless the body is not a JSON object at all; an accepted
// body gives the user it describes.
func FuzzCreateUser(f *testing.F) {
	f.Add([]byte(`{"uid":"foo","gid":"g1","username":"foo","password":"bar"}`))
	f.Add([]byte(`{"uid":"foo","gid":"g1","username":"foo","password":"bar","enabled":false,` +
		`"mt_messaging_cred":{"quota":{"balance":44.2,"sms_count":null,"smpps_throughput":2},` +
		`"valuefilter":{"src_addr":"^JASMIN$"},"authorization":{"http_bulk":true}},` +
		`"smpps_cred":{"authorization":{"bind":"yes","ip":"10.0.0.0/8"},"quota":{"max_bindings":2}}}`))
	f.Add([]byte(`{"uid":"foo","uid":"bar"}`))
	f.Add([]byte(`{"mt_messaging_cred":{"quota":[1]}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		sp, err := parseUser(body)
		if err != nil {
			checkRefusal(t, body, err)
			return
		}
		u, err := sp.draft()
		if err != nil {
			checkRefusal(t, body, err)
			return
		}
		if u.UID != sp.uid || u.GID != sp.gid || u.Username != sp.username {
			t.Fatalf("%q: draft %s/%s/%s, body %s/%s/%s", body, u.UID, u.GID, u.Username, sp.uid, sp.gid, sp.username)
		}
		if sp.enabled != nil && u.Enabled != *sp.enabled {
			t.Fatalf("%q: enabled %v, body %v", body, u.Enabled, *sp.enabled)
		}
		if len(u.ShowLines(u.InitialCounters())) == 0 {
			t.Fatalf("%q: a draft with nothing to show", body)
		}
	})
}

func checkRefusal(t *testing.T, body []byte, err error) {
	t.Helper()
	ae := toAPIError(err)
	if ae.status != 400 || ae.msg == "" {
		t.Fatalf("%q: refused with %d %q (%v)", body, ae.status, ae.msg, err)
	}
	var direct *apiError
	if ae.field == "" && !(errors.As(err, &direct) && direct.field == "") {
		t.Fatalf("%q: a refusal that names no field: %v", body, err)
	}
}

// FuzzDeadLetterIDs feeds the "ids" of POST /admin/deadletters/{kind}/replay
// to its parser: no panic; a refusal names the field; accepted ids are
// exactly the items, each a decimal id as a JSON string or number.
func FuzzDeadLetterIDs(f *testing.F) {
	f.Add([]byte(`["1733616000000000001", 2]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`["x"]`))
	f.Add([]byte(`{"ids": 1}`))
	f.Add([]byte(`[18446744073709551616]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ids, err := deadLetterIDs(raw)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.field != "ids" || ae.status != 400 {
				t.Fatalf("refusal %v of %q is not a 400 naming ids", err, raw)
			}
			return
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil || len(items) != len(ids) {
			t.Fatalf("%q: accepted %d ids from %d items", raw, len(ids), len(items))
		}
	})
}
