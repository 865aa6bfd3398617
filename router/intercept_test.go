package router

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwd-project/gwd/router/script"
	"github.com/gwd-project/gwd/smpp"
)

var icLim = script.Limits{Timeout: time.Minute} // generous: -race on a busy machine

// icWire returns r with a PDU decoded from a frame (slices alias the
// frame, as on the wire) and the frame.
func icWire(t testing.TB, r *Routable) (*Routable, []byte) {
	t.Helper()
	cmd := smpp.SubmitSM
	if r.Dir == MO {
		cmd = smpp.DeliverSM
	}
	r.PDU.Header = smpp.Header{Command: cmd, Seq: 1}
	frame := r.PDU.AppendTo(nil)
	var p smpp.PDU
	if err := p.Decode(frame); err != nil {
		t.Fatal(err)
	}
	r.PDU = &p
	return r, frame
}

func icMust(t testing.TB, d Direction, typ InterceptorType, order int, fl []Filter, src string) *Interceptor {
	t.Helper()
	var ic *Interceptor
	var err error
	if d == MT {
		ic, err = NewMTInterceptor(typ, order, fl, src, icLim)
	} else {
		ic, err = NewMOInterceptor(typ, order, fl, src, icLim)
	}
	if err != nil {
		t.Fatalf("new interceptor: %v", err)
	}
	return ic
}

// The manual's "Scripting examples" (Interception chapter) and its FAQ
// lock example, each as printed and then ported with the edits listed.
func TestInterceptorManualExamples(t *testing.T) {
	tests := []struct {
		name  string
		dir   Direction
		edits string // what the port changed
		src   string
		check func(t *testing.T, r *Routable, v Verdict)
	}{
		{
			name: "HLR lookup routing", dir: MT,
			edits: "no import/requests (no I/O): the lookup's answer comes from a table in the script, and r.json is that answer (r_json)",
			src: `"This script will call HLR lookup api to get the MCC/MNC of the destination number"
hlr = {'34600000001': {'mnc': '214', 'mcc': '01'}, '34600000003': {'mnc': '214', 'mcc': '03'},
       '34600000025': {'mnc': '214', 'mcc': '25'}}
r_json = hlr.get(routable.pdu.params['destination_addr'], {'mnc': '', 'mcc': ''})
if r_json['mnc'] == '214':
    # Spain
    if r_json['mcc'] == '01':
        # Vodaphone
        routable.addTag(21401)
    elif r_json['mcc'] == '03':
        # Orange
        routable.addTag(21403)
    elif r_json['mcc'] == '25':
        # Lyca mobile
        routable.addTag(21425)
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				if v.Reject || v.Bypass || !slices.Equal(r.Tags, []int64{21403}) {
					t.Errorf("verdict %+v tags %v", v, r.Tags)
				}
			},
		},
		{
			name: "Overriding source address", dir: MT, edits: "none",
			src: `"This script will override sender-id"
routable.pdu.params['source_addr'] = '123456789'
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				if v.Reject || v.Bypass || string(r.PDU.Source.Addr) != "123456789" || !v.Changed.Has(script.ParamSourceAddr) {
					t.Errorf("verdict %+v source %q", v, r.PDU.Source.Addr)
				}
			},
		},
		{
			name: "Changing TON or NPI", dir: MT,
			edits: "import line removed; `;;` (a syntax error in Python too) made `;`",
			src: `routable.pdu.params['source_addr_ton'] = AddrTon.ALPHANUMERIC;
routable.lockPduParam('source_addr_ton');
routable.pdu.params['source_addr_npi'] = AddrNpi.ISDN;
routable.lockPduParam('source_addr_npi');
routable.pdu.params['dest_addr_ton'] = AddrTon.INTERNATIONAL;
routable.lockPduParam('dest_addr_ton');
routable.pdu.params['dest_addr_npi'] = AddrNpi.ISDN;
routable.lockPduParam('dest_addr_npi');
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				p := r.PDU
				if p.Source.TON != 5 || p.Source.NPI != 1 || p.Dest.TON != 1 || p.Dest.NPI != 1 {
					t.Errorf("ton/npi %+v %+v", p.Source, p.Dest)
				}
				if got := strings.Join(v.Locked.Names(), ","); got != "source_addr_ton,source_addr_npi,dest_addr_ton,dest_addr_npi" {
					t.Errorf("locked %s", got)
				}
			},
		},
		{
			name: "Activate logging", dir: MT,
			edits: "no logging module (no I/O): print(), whose output is discarded",
			src: `"This is how logging is done inside interception script"
print('Got pdu: %s' % routable.pdu)
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				if v != (Verdict{}) {
					t.Errorf("verdict %+v", v)
				}
			},
		},
		{
			name: "Enforcing DLR", dir: MT, edits: "import line removed",
			src: `"This script will enforce sending message while asking for DLR"
routable.pdu.params['registered_delivery'] = RegisteredDelivery(
    RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED)
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				if r.PDU.RegisteredDelivery != 1 || !v.Changed.Has(script.ParamRegisteredDelivery) {
					t.Errorf("registered_delivery %d", r.PDU.RegisteredDelivery)
				}
			},
		},
		{
			name: "FAQ: PDU params keep resetting to connector defaults", dir: MT, edits: "none",
			src: `# Set pdu param:
routable.pdu.params['sm_default_msg_id'] = 10
# Lock it:
routable.lockPduParam('sm_default_msg_id')
`,
			check: func(t *testing.T, r *Routable, v Verdict) {
				if r.PDU.SMDefaultMsgID != 10 || !v.Locked.Has(script.ParamSMDefaultMsgID) {
					t.Errorf("sm_default_msg_id %d locked %v", r.PDU.SMDefaultMsgID, v.Locked.Names())
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, frame := icWire(t, rtTestMT("u1", "g1", "2012", "34600000003", "hello", rtNoon))
			before := bytes.Clone(frame)
			ic := icMust(t, MT, InterceptorDefault, 0, nil, tc.src)
			v, err := ic.Run(r, ChannelSMPPS)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r, v)
			if !bytes.Equal(frame, before) {
				t.Error("the script's changes were written into the frame")
			}
		})
	}
}

// The manual's "MO Charging" example: ESME_ROK when the balance allows,
// ESME_RDELIVERYFAILURE when not. Ported: no socket/json/datetime (no
// I/O), no try/except; the CGRateS answer comes from a table; `call` is a
// function returning the result.
func TestInterceptorManualMOCharging(t *testing.T) {
	src := `"""This script will receive Mobile-Originated messages and
ask CGRateS for authorization through ApierV2.GetMaxUsage call.
"""
BALANCES = {'33600000001': 5, '33600000002': 0}
def call(name, params):
    return BALANCES.get(params[0]['Destination'])
name = "ApierV2.GetMaxUsage"
params = [{
    "Category": "sms-mt",
    "Usage": "1",
    "Direction": "*outbound",
    "ReqType": "*subscribers",
    "TOR": "*sms-mt",
    "ExtraFields": {"Cli": routable.pdu.params['source_addr']},
    "Destination": routable.pdu.params['destination_addr'],
    "Account": "*subscribers",
    "Tenant": "*subscribers"}]
result = call(name, params)
if result == None:
    # We got an error when calling for charging
    # Return ESME_RDELIVERYFAILURE
    smpp_status = 254
elif type(result) == 'int' and result >= 1:
    # Return ESME_ROK
    smpp_status = 0
else:
    # Return ESME_RDELIVERYFAILURE
    smpp_status = 254
`
	ic := icMust(t, MO, InterceptorDefault, 0, nil, src)
	for _, tc := range []struct {
		dst    string
		bypass bool
		status smpp.Status
	}{
		{"33600000001", true, smpp.ESME_ROK},
		{"33600000002", false, smpp.ESME_RDELIVERYFAILURE},
		{"33699999999", false, smpp.ESME_RDELIVERYFAILURE},
	} {
		r, _ := icWire(t, rtTestMO("smsc1", "2012", tc.dst, "hi", rtNoon))
		v, err := ic.Run(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v.Bypass != tc.bypass || v.Reject == tc.bypass || v.SMPPStatus != tc.status {
			t.Errorf("%s: %+v", tc.dst, v)
		}
		if !tc.bypass {
			ref, ok := v.Refusal().(*InterceptRejection)
			if !ok || ref.Kind() != RefusedIntercepted || ref.SMPP != smpp.ESME_RDELIVERYFAILURE || ref.HTTP != 520 {
				t.Errorf("%s: refusal %v", tc.dst, ref)
			}
		}
	}
}

// The manual's "Controlling response" rules, read for each channel.
func TestInterceptorVerdicts(t *testing.T) {
	tests := []struct {
		src        string
		smpps      Verdict // MT from the SMPP server (and MO)
		httpv      Verdict // MT from the HTTP API
		refSMPP    smpp.Status
		refHTTP    int
		refHTTPMsg string
	}{
		{src: "x = 1", smpps: Verdict{}, httpv: Verdict{}},
		{src: "http_status = 0", smpps: Verdict{}, httpv: Verdict{}},
		{src: "smpp_status = None\nhttp_status = None", smpps: Verdict{}, httpv: Verdict{}},
		// smpp_status ≠ 0 alone: http_status becomes 520.
		{src: "smpp_status = 11",
			smpps:   Verdict{Reject: true, SMPPStatus: 11, HTTPStatus: 520},
			httpv:   Verdict{Reject: true, SMPPStatus: 11, HTTPStatus: 520},
			refSMPP: smpp.ESME_RINVDSTADR, refHTTP: 520, refHTTPMsg: "Interception specific error code 520"},
		// http_status alone: smpp_status becomes 255.
		{src: "http_status = 403",
			smpps:   Verdict{Reject: true, SMPPStatus: 255, HTTPStatus: 403},
			httpv:   Verdict{Reject: true, SMPPStatus: 255, HTTPStatus: 403},
			refSMPP: smpp.ESME_RUNKNOWNERR, refHTTP: 403, refHTTPMsg: "Interception specific error code 403"},
		// Both set: each channel gets its own.
		{src: "smpp_status = 20\nhttp_status = 429",
			smpps:   Verdict{Reject: true, SMPPStatus: 20, HTTPStatus: 429},
			httpv:   Verdict{Reject: true, SMPPStatus: 20, HTTPStatus: 429},
			refSMPP: smpp.ESME_RMSGQFUL, refHTTP: 429, refHTTPMsg: "Interception specific error code 429"},
		// smpp_status 0: routing bypassed, ESME_ROK.
		{src: "smpp_status = 0",
			smpps: Verdict{Bypass: true},
			httpv: Verdict{Bypass: true, HTTPStatus: 200}},
		{src: "smpp_status = 0\nhttp_status = 500",
			smpps: Verdict{Bypass: true, HTTPStatus: 500},
			httpv: Verdict{Reject: true, HTTPStatus: 500}, refHTTP: 500, refHTTPMsg: "Interception specific error code 500"},
		{src: "http_status = 202",
			smpps: Verdict{Reject: true, SMPPStatus: 255, HTTPStatus: 202},
			httpv: Verdict{Bypass: true, SMPPStatus: 255, HTTPStatus: 202}, refSMPP: smpp.ESME_RUNKNOWNERR},
		// Read before the script's own assignment: 0, as documented.
		{src: "x = smpp_status + http_status + 1\nsmpp_status = x",
			smpps:   Verdict{Reject: true, SMPPStatus: 1, HTTPStatus: 520},
			httpv:   Verdict{Reject: true, SMPPStatus: 1, HTTPStatus: 520},
			refSMPP: smpp.ESME_RINVMSGLEN, refHTTP: 520, refHTTPMsg: "Interception specific error code 520"},
	}
	for _, tc := range tests {
		ic := icMust(t, MT, InterceptorDefault, 0, nil, tc.src+"\n")
		for _, ch := range []Channel{ChannelSMPPS, ChannelHTTP} {
			want := tc.smpps
			if ch == ChannelHTTP {
				want = tc.httpv
			}
			r, _ := icWire(t, rtTestMT("u1", "g1", "2012", "33600000001", "hi", rtNoon))
			v, err := ic.Run(r, ch)
			if err != nil {
				t.Fatalf("%q: %v", tc.src, err)
			}
			if v != want {
				t.Errorf("%q on %s: %+v, want %+v", tc.src, ch, v, want)
			}
			ref := v.Refusal()
			if (ref != nil) != v.Reject {
				t.Errorf("%q: Refusal %v for %+v", tc.src, ref, v)
			}
			if ref == nil {
				continue
			}
			rej, ok := ref.(*InterceptRejection)
			if !ok || rej.Kind() != RefusedIntercepted {
				t.Fatalf("%q: Refusal %T", tc.src, ref)
			}
			if ch == ChannelSMPPS && rej.SMPP != tc.refSMPP {
				t.Errorf("%q: SMPP %v, want %v", tc.src, rej.SMPP, tc.refSMPP)
			}
			if ch == ChannelHTTP && (rej.HTTP != tc.refHTTP || rej.Text() != tc.refHTTPMsg) {
				t.Errorf("%q: HTTP %d %q", tc.src, rej.HTTP, rej.Text())
			}
		}
		// MO answers with smpp_status, whatever the channel argument.
		mo := icMust(t, MO, InterceptorDefault, 0, nil, tc.src+"\n")
		r, _ := icWire(t, rtTestMO("smsc1", "2012", "33600000001", "hi", rtNoon))
		if v, err := mo.Run(r, ChannelHTTP); err != nil || v != tc.smpps {
			t.Errorf("MO %q: %+v %v, want %+v", tc.src, v, err, tc.smpps)
		}
	}
}

// A rejected or bypassed message keeps its PDU and tags: Jasmin discards
// the script's routable then.
func TestInterceptorRejectLeavesMessage(t *testing.T) {
	ic := icMust(t, MT, InterceptorDefault, 0, nil, "routable.pdu.params['destination_addr'] = '999'\nroutable.addTag(7)\nroutable.removeTag(1)\nsmpp_status = 8\n")
	r, _ := icWire(t, rtTestMT("u1", "g1", "2012", "33600000001", "hi", rtNoon))
	r.Tags = []int64{1, 2}
	v, err := ic.Run(r, ChannelSMPPS)
	if err != nil || !v.Reject {
		t.Fatalf("%+v %v", v, err)
	}
	if string(r.PDU.Dest.Addr) != "33600000001" || !slices.Equal(r.Tags, []int64{1, 2}) || v.Changed != 0 {
		t.Errorf("dest %q tags %v changed %v", r.PDU.Dest.Addr, r.Tags, v.Changed)
	}
}

func TestInterceptorRunErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"routable.addTag(9)\nx = 1 // 0\n", "division by zero"},
		{"routable.addTag(9)\nwhile True:\n    pass\n", "too many steps"},
		{"routable.pdu.params['destination_addr'] = 5\n", "destination_addr must be a str or bytes"},
		{"smpp_status = -1\n", "smpp_status -1 is not an SMPP command_status"},
		{"smpp_status = 1 << 32\n", "smpp_status 4294967296 is not an SMPP command_status"},
		{"http_status = 42\n", "http_status 42 is not an HTTP status code"},
		{"http_status = 'x'\n", "http_status must be an int or None"},
		{"routable.user.uid = 'x'\n", "can't assign"},
		{"def f():\n    return smpp_status\nf()\nsmpp_status = 3\n", "referenced before assignment"},
	}
	for _, tc := range tests {
		ic, err := NewMTInterceptor(InterceptorStaticMT, 100, []Filter{rtMustFilter(t, "UserFilter", "U-foo", map[string]string{"uid": "u1"})},
			tc.src, script.Limits{MaxSteps: 10_000, Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		r, frame := icWire(t, rtTestMT("u1", "g1", "2012", "33600000001", "hi", rtNoon))
		r.Tags = []int64{3}
		before := bytes.Clone(frame)
		v, err := ic.Run(r, ChannelHTTP)
		var ie *InterceptError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an InterceptError with %q", tc.src, err, tc.want)
			continue
		}
		if v != (Verdict{}) || ie.Order != 100 || ie.Dir != MT || !strings.HasPrefix(err.Error(), "MT interceptor 100: script failed: ") {
			t.Errorf("%q: verdict %+v err %v", tc.src, v, err)
		}
		var ref Refusal = ie
		if ref.Kind() != RefusedInterceptFailed || ref.Text() != "Failed running interception script, check log for details" {
			t.Errorf("%q: refusal %v %q", tc.src, ref.Kind(), ref.Text())
		}
		if !slices.Equal(r.Tags, []int64{3}) || string(r.PDU.Dest.Addr) != "33600000001" || !bytes.Equal(frame, before) {
			t.Errorf("%q: message changed: tags %v dest %q", tc.src, r.Tags, r.PDU.Dest.Addr)
		}
	}
	ic := icMust(t, MT, InterceptorDefault, 0, nil, "x = 1\n")
	if _, err := ic.Run(&Routable{Dir: MT}, ChannelHTTP); err == nil {
		t.Error("a routable without a PDU ran")
	}
}

func TestInterceptorUserAndConnector(t *testing.T) {
	mt := icMust(t, MT, InterceptorDefault, 0, nil, "if routable.user.uid != 'u1' or routable.user.group.gid != 'g1' or routable.connector != None:\n    smpp_status = 8\n")
	r, _ := icWire(t, rtTestMT("u1", "g1", "2012", "336", "hi", rtNoon))
	if v, err := mt.Run(r, ChannelSMPPS); err != nil || v.Reject {
		t.Errorf("MT: %+v %v", v, err)
	}
	mo := icMust(t, MO, InterceptorDefault, 0, nil, "if routable.connector.cid != 'smsc1' or routable.user != None:\n    smpp_status = 8\n")
	r, _ = icWire(t, rtTestMO("smsc1", "2012", "336", "hi", rtNoon))
	if v, err := mo.Run(r, 0); err != nil || v.Reject {
		t.Errorf("MO: %+v %v", v, err)
	}
}

func TestInterceptorTable(t *testing.T) {
	fs := NewFilterSet()
	mk := func(typ, fid string, p map[string]string) Filter {
		f := rtMustFilter(t, typ, fid, p)
		if err := fs.Add(f); err != nil {
			t.Fatal(err)
		}
		return f
	}
	ufoo := mk("UserFilter", "U-foo", map[string]string{"uid": "foo"})
	da33 := mk("DestinationAddrFilter", "DA-33", map[string]string{"destination_addr": `^33\d+`})
	tf := mk("TransparentFilter", "TF", nil)
	cf := mk("ConnectorFilter", "CF", map[string]string{"cid": "smsc1"})

	tab := NewMTInterceptorTable()
	if _, ok := tab.Lookup(rtTestMT("foo", "g", "1", "336", "", rtNoon)); ok || tab.Len() != 0 {
		t.Fatal("empty table intercepted")
	}
	if got := tab.ListLines(); !slices.Equal(got, []string{"Total MT Interceptors: 0"}) {
		t.Errorf("empty listing %q", got)
	}
	// Out of order on purpose.
	for _, ic := range []*Interceptor{
		icMust(t, MT, InterceptorDefault, 0, nil, "x = 'default'\n"),
		icMust(t, MT, InterceptorStaticMT, 100, []Filter{ufoo, da33}, "x = 100\n"),
		icMust(t, MT, InterceptorStaticMT, 50, []Filter{da33}, "x = 50\n"),
	} {
		if err := tab.Add(ic); err != nil {
			t.Fatal(err)
		}
	}
	look := func(uid, dst string) int {
		ic, ok := tab.Lookup(rtTestMT(uid, "g", "1", dst, "", rtNoon))
		if !ok {
			return -1
		}
		return ic.Order
	}
	if a, b, c := look("foo", "33612"), look("bar", "33612"), look("foo", "44612"); a != 100 || b != 50 || c != 0 {
		t.Errorf("lookups %d %d %d, want 100 50 0", a, b, c)
	}
	var orders []int
	for _, ic := range tab.Interceptors() {
		orders = append(orders, ic.Order)
	}
	if !slices.Equal(orders, []int{100, 50, 0}) {
		t.Errorf("orders %v", orders)
	}
	// The manual's listing layout.
	want := []string{
		"#Order    Type                    Script                    Filter(s)",
		"#100      StaticMTInterceptor     <MTIS (pyCode=x = 100 ..)> <UserFilter (uid=foo)>, <DestinationAddrFilter (dst_addr=^33\\d+)>",
		"#50       StaticMTInterceptor     <MTIS (pyCode=x = 50 ..)> <DestinationAddrFilter (dst_addr=^33\\d+)>",
		"#0        DefaultInterceptor      <MTIS (pyCode=x = 'default' ..)>",
		"Total MT Interceptors: 3",
	}
	if got := tab.ListLines(); !slices.Equal(got, want) {
		t.Errorf("listing:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ic, ok := tab.Get(50); !ok || ic.Show() != "StaticMTInterceptor/<MTIS (pyCode=x = 50 ..)>" {
		t.Errorf("show %v", ic)
	}
	if got := tab.FilterUsedBy("DA-33"); !slices.Equal(got, []string{"MT interceptor 100", "MT interceptor 50"}) {
		t.Errorf("used by %v", got)
	}
	if err := fs.Remove("DA-33", tab); err == nil || !strings.Contains(err.Error(), "MT interceptor 100") {
		t.Errorf("removing a used filter: %v", err)
	}
	// Replacing at an order.
	if err := tab.Add(icMust(t, MT, InterceptorStaticMT, 50, []Filter{tf}, "x = 'new 50'\n")); err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 3 || look("bar", "44") != 50 {
		t.Errorf("replace: len %d, lookup %d", tab.Len(), look("bar", "44"))
	}

	// Refused, table unchanged.
	snapshot := strings.Join(tab.ListLines(), "\n")
	bad := []struct {
		build func() (*Interceptor, error)
		field string
	}{
		{func() (*Interceptor, error) { return NewMTInterceptor(InterceptorDefault, 5, nil, "x=1", icLim) }, "order"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, 0, []Filter{tf}, "x=1", icLim)
		}, "order"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, -3, []Filter{tf}, "x=1", icLim)
		}, "order"},
		{func() (*Interceptor, error) { return NewMTInterceptor(InterceptorStaticMT, 10, nil, "x=1", icLim) }, "filters"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorDefault, 0, []Filter{tf}, "x=1", icLim)
		}, "filters"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, 10, []Filter{cf}, "x=1", icLim)
		}, "filters"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMO, 10, []Filter{tf}, "x=1", icLim)
		}, "type"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, 10, []Filter{tf}, "x = = 1", icLim)
		}, "script"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, 10, []Filter{tf}, "  \n", icLim)
		}, "script"},
		{func() (*Interceptor, error) {
			return NewMTInterceptor(InterceptorStaticMT, 10, []Filter{tf}, "load('x', 'y')\n", icLim)
		}, "script"},
	}
	for i, b := range bad {
		ic, err := b.build()
		if err == nil {
			err = tab.Add(ic)
		}
		if rtErrField(err) != b.field {
			t.Errorf("case %d: %v, want a refusal naming %s", i, err, b.field)
		}
	}
	// An MO interceptor cannot go into the MT table, nor UserFilter in MO.
	mo := icMust(t, MO, InterceptorStaticMO, 10, []Filter{cf}, "x=1\n")
	if err := tab.Add(mo); rtErrField(err) != "type" {
		t.Errorf("MO interceptor in the MT table: %v", err)
	}
	if _, err := NewMOInterceptor(InterceptorStaticMO, 10, []Filter{ufoo}, "x=1", icLim); rtErrField(err) != "filters" || !strings.Contains(err.Error(), "UserFilter U-foo cannot be used in an MO interceptor") {
		t.Errorf("UserFilter in MO: %v", err)
	}
	if err := tab.Remove(77); rtErrField(err) != "order" {
		t.Errorf("remove missing: %v", err)
	}
	if err := tab.Load([]*Interceptor{
		icMust(t, MT, InterceptorStaticMT, 10, []Filter{tf}, "x=1\n"),
		icMust(t, MT, InterceptorStaticMT, 10, []Filter{ufoo}, "x=2\n"),
	}); rtErrField(err) != "order" {
		t.Errorf("load with a duplicate order: %v", err)
	}
	if got := strings.Join(tab.ListLines(), "\n"); got != snapshot {
		t.Errorf("a refused change changed the table:\n%s", got)
	}

	if err := tab.Remove(100); err != nil || tab.Len() != 2 {
		t.Errorf("remove: %v %d", err, tab.Len())
	}
	if err := tab.Load([]*Interceptor{icMust(t, MT, InterceptorStaticMT, 7, []Filter{ufoo}, "x=1\n")}); err != nil || tab.Len() != 1 {
		t.Errorf("load: %v %d", err, tab.Len())
	}
	if look("bar", "33") != -1 || look("foo", "1") != 7 {
		t.Error("after load")
	}
	tab.Flush()
	if tab.Len() != 0 {
		t.Error("flush")
	}
	// A table keeps its own copy.
	ic := icMust(t, MT, InterceptorStaticMT, 9, []Filter{ufoo}, "x=1\n")
	_ = tab.Add(ic)
	ic.Order = 99
	if _, ok := tab.Get(9); !ok {
		t.Error("the table shares the caller's interceptor")
	}

	motab := NewMOInterceptorTable()
	if err := motab.Add(mo); err != nil {
		t.Fatal(err)
	}
	if x, ok := motab.Lookup(rtTestMO("smsc1", "1", "2", "", rtNoon)); !ok || x.Order != 10 {
		t.Error("MO lookup")
	}
	if _, ok := motab.Lookup(rtTestMO("smsc2", "1", "2", "", rtNoon)); ok {
		t.Error("MO lookup of another connector")
	}
	if got := motab.ListLines(); got[len(got)-1] != "Total MO Interceptors: 1" || !strings.Contains(got[1], "<MOIS (pyCode=x=1 ..)>") {
		t.Errorf("MO listing %q", got)
	}
}

func TestInterceptorScriptDescribe(t *testing.T) {
	src := "\"This script will override sender-id\"\nroutable.pdu.params['source_addr'] = '123456789'\n"
	ic := icMust(t, MT, InterceptorDefault, 0, nil, src)
	// Jasmin: pyCode[:30] with newlines removed.
	if got := ic.ScriptDescribe(); got != `<MTIS (pyCode="This script will override sen ..)>` {
		t.Errorf("%s", got)
	}
	ic = icMust(t, MT, InterceptorDefault, 0, nil, "# é\n"+strings.Repeat("é", 40)+" = 1\n")
	if got := ic.ScriptDescribe(); got != "<MTIS (pyCode=# é"+strings.Repeat("é", 26)+" ..)>" {
		t.Errorf("%s", got)
	}
}

func TestBuildInterceptor(t *testing.T) {
	fs := NewFilterSet()
	for _, f := range []Filter{
		rtMustFilter(t, "UserFilter", "U-foo", map[string]string{"uid": "foo"}),
		rtMustFilter(t, "DestinationAddrFilter", "DA-33", map[string]string{"destination_addr": "^33"}),
		rtMustFilter(t, "TransparentFilter", "filter_1", nil),
	} {
		_ = fs.Add(f)
	}
	dir := t.TempDir()
	useScriptDir(t, dir)
	path := filepath.Join(dir, "mt-interceptor.py")
	src := "routable.addTag(1)\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	// The manual's jCli sessions.
	ic, err := BuildInterceptor(MT, map[string]string{"type": "StaticMTInterceptor", "script": "python3(" + path + ")",
		"filters": "U-foo;DA-33", "order": "100"}, fs)
	if err != nil || ic.Order != 100 || len(ic.Filters) != 2 || ic.Source() != src {
		t.Fatalf("%v %v", ic, err)
	}
	ic, err = BuildInterceptor(MO, map[string]string{"type": "DefaultInterceptor", "script": "python3(file://" + path + ")"}, fs)
	if err != nil || ic.Order != 0 || ic.Type != InterceptorDefault || ic.Direction() != MO {
		t.Fatalf("%v %v", ic, err)
	}
	ic, err = BuildInterceptor(MO, map[string]string{"Type": "staticmointerceptor", "order": "10", "filters": "filter_1",
		"script": "python3(file:/" + path + ")"}, fs)
	if err != nil || ic.Type != InterceptorStaticMO {
		t.Fatalf("%v %v", ic, err)
	}
	// The file is read once: changing it afterwards changes nothing.
	_ = os.WriteFile(path, []byte("x = = 1\n"), 0o600)
	if ic.Source() != src {
		t.Error("source re-read")
	}
	badPy := filepath.Join(dir, "bad.py")
	_ = os.WriteFile(badPy, []byte("x = 1\ny = (\n"), 0o600)
	empty := filepath.Join(dir, "empty.py")
	_ = os.WriteFile(empty, []byte("\n\n"), 0o600)
	bad := []struct {
		p     map[string]string
		field string
		msg   string
	}{
		{map[string]string{"order": "1", "filters": "U-foo", "script": "python3(" + path + ")"}, "type", "missing"},
		{map[string]string{"type": "StaticMTRoute", "order": "1", "filters": "U-foo", "script": "x"}, "type", "unknown interceptor type"},
		{map[string]string{"type": "StaticMOInterceptor", "order": "1", "filters": "filter_1", "script": "python3(" + path + ")"}, "type", "not an MT interceptor type"},
		{map[string]string{"type": "StaticMTInterceptor", "filters": "U-foo", "script": "python3(" + path + ")"}, "order", "missing"},
		{map[string]string{"type": "StaticMTInterceptor", "order": "x", "filters": "U-foo", "script": "python3(" + path + ")"}, "order", "not an integer"},
		{map[string]string{"type": "StaticMTInterceptor", "order": "1", "script": "python3(" + path + ")"}, "filters", "missing"},
		{map[string]string{"type": "StaticMTInterceptor", "order": "1", "filters": "nope", "script": "python3(" + path + ")"}, "filters", "unknown filter id nope"},
		{map[string]string{"type": "DefaultInterceptor", "filters": "U-foo", "script": "python3(" + path + ")"}, "filters", "takes no filters"},
		{map[string]string{"type": "StaticMTInterceptor", "order": "1", "filters": "U-foo"}, "script", "missing"},
		{map[string]string{"type": "DefaultInterceptor", "script": path}, "script", "expected python3("},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(scripts/x.py)"}, "script", "not an absolute path"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(https://example.com/x.py)"}, "script", "remote scripts (https://) are not supported"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(" + filepath.Join(dir, "missing.py") + ")"}, "script", "cannot read script file"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(" + dir + ")"}, "script", "not a regular file"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(" + empty + ")"}, "script", "is empty"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(" + badPy + ")"}, "script", "line 3"},
		{map[string]string{"type": "DefaultInterceptor", "script": "python3(" + path + ")", "rate": "0"}, "rate", "unknown MT interceptor key"},
	}
	for _, b := range bad {
		_, err := BuildInterceptor(MT, b.p, fs)
		if rtErrField(err) != b.field || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%v: %v, want %s: …%s…", b.p, err, b.field, b.msg)
		}
	}
	// A value holding a newline is the script itself (admin API).
	ic, err = BuildInterceptor(MT, map[string]string{"type": "DefaultInterceptor", "script": "x = 1\nsmpp_status = 0\n"}, fs)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := icWire(t, rtTestMT("u", "g", "1", "2", "", rtNoon))
	if v, err := ic.Run(r, ChannelSMPPS); err != nil || !v.Bypass {
		t.Errorf("%+v %v", v, err)
	}
}

// The index gives what the linear walk gives.
func TestInterceptorIndexMatchesLinear(t *testing.T) {
	tab, msgs := icBenchTable(t, 100)
	s := tab.t.cur()
	for _, r := range msgs {
		a, aok := s.lookup(r)
		b, bok := s.lookupLinear(r)
		if a != b || aok != bok {
			t.Fatalf("index %v %v, linear %v %v for %s/%s", a, aok, b, bok, r.UID, r.PDU.Dest.Addr)
		}
	}
}

func TestInterceptorLookupAllocs(t *testing.T) {
	tab, msgs := icBenchTable(t, 100)
	r := msgs[0]
	if n := testing.AllocsPerRun(100, func() { tab.Lookup(r) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

// Lookups run while the table changes (run with -race).
func TestInterceptorTableConcurrent(t *testing.T) {
	tab, msgs := icBenchTable(t, 20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			tab.Lookup(msgs[i%len(msgs)])
		}
	}()
	for i := 0; i < 50; i++ {
		_ = tab.Add(icMust(t, MT, InterceptorDefault, 0, nil, "x = 1\n"))
		_ = tab.Remove(0)
	}
	<-done
}
