package script

import (
	"fmt"
	"strconv"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"

	"github.com/gwd-project/gwd/smpp"
)

// Param is one of the PDU parameters a script sees in
// routable.pdu.params, by its python-smpp name (Param.String).
type Param uint8

// The parameters: submit_sm / deliver_sm mandatory fields in PDU order,
// then optional parameters (TLVs) by their python-smpp names: present in
// routable.pdu.params only when the PDU carries them; a script adds one
// by setting it and drops one by deleting its key.
const (
	ParamServiceType          Param = iota // service_type
	ParamSourceAddrTON                     // source_addr_ton
	ParamSourceAddrNPI                     // source_addr_npi
	ParamSourceAddr                        // source_addr
	ParamDestAddrTON                       // dest_addr_ton
	ParamDestAddrNPI                       // dest_addr_npi
	ParamDestinationAddr                   // destination_addr
	ParamEsmClass                          // esm_class
	ParamProtocolID                        // protocol_id
	ParamPriorityFlag                      // priority_flag
	ParamScheduleDeliveryTime              // schedule_delivery_time
	ParamValidityPeriod                    // validity_period
	ParamRegisteredDelivery                // registered_delivery
	ParamReplaceIfPresentFlag              // replace_if_present_flag
	ParamDataCoding                        // data_coding
	ParamSMDefaultMsgID                    // sm_default_msg_id
	ParamShortMessage                      // short_message
	ParamMessagePayload                    // message_payload (TLV 0x0424)
	ParamUserMessageReference              // user_message_reference (0x0204, 2 octets)
	ParamSourcePort                        // source_port (0x020A, 2 octets)
	ParamDestinationPort                   // destination_port (0x020B, 2 octets)
	ParamSarMsgRefNum                      // sar_msg_ref_num (0x020C, 2 octets)
	ParamSarTotalSegments                  // sar_total_segments (0x020E)
	ParamSarSegmentSeqnum                  // sar_segment_seqnum (0x020F)
	ParamPayloadType                       // payload_type (0x0019)
	ParamLanguageIndicator                 // language_indicator (0x020D)
	ParamPrivacyIndicator                  // privacy_indicator (0x0201)
	ParamUserResponseCode                  // user_response_code (0x0205)
	ParamCallbackNum                       // callback_num (0x0381, 4 to 19 octets)
	ParamUssdServiceOp                     // ussd_service_op (0x0501)
	numParams
)

// paramSpec says how a parameter is typed: an octet (0..255), a 2-octet
// integer (u16: 0..65535) or a string of at most max octets (cstr: a
// C-octet string, no NUL inside). tag is the TLV of an optional one.
type paramSpec struct {
	name  string
	octet bool
	u16   bool
	max   int
	cstr  bool
	tag   smpp.Tag
}

// integer reports whether the parameter is an int in scripts.
func (s paramSpec) integer() bool { return s.octet || s.u16 }

var paramSpecs = [numParams]paramSpec{
	ParamServiceType:          {name: "service_type", max: 5, cstr: true},
	ParamSourceAddrTON:        {name: "source_addr_ton", octet: true},
	ParamSourceAddrNPI:        {name: "source_addr_npi", octet: true},
	ParamSourceAddr:           {name: "source_addr", max: 20, cstr: true},
	ParamDestAddrTON:          {name: "dest_addr_ton", octet: true},
	ParamDestAddrNPI:          {name: "dest_addr_npi", octet: true},
	ParamDestinationAddr:      {name: "destination_addr", max: 20, cstr: true},
	ParamEsmClass:             {name: "esm_class", octet: true},
	ParamProtocolID:           {name: "protocol_id", octet: true},
	ParamPriorityFlag:         {name: "priority_flag", octet: true},
	ParamScheduleDeliveryTime: {name: "schedule_delivery_time", max: 16, cstr: true},
	ParamValidityPeriod:       {name: "validity_period", max: 16, cstr: true},
	ParamRegisteredDelivery:   {name: "registered_delivery", octet: true},
	ParamReplaceIfPresentFlag: {name: "replace_if_present_flag", octet: true},
	ParamDataCoding:           {name: "data_coding", octet: true},
	ParamSMDefaultMsgID:       {name: "sm_default_msg_id", octet: true},
	ParamShortMessage:         {name: "short_message", max: 254},
	ParamMessagePayload:       {name: "message_payload", max: 0xFFFF, tag: smpp.TagMessagePayload},
	ParamUserMessageReference: {name: "user_message_reference", u16: true, tag: smpp.TagUserMessageReference},
	ParamSourcePort:           {name: "source_port", u16: true, tag: smpp.TagSourcePort},
	ParamDestinationPort:      {name: "destination_port", u16: true, tag: smpp.TagDestinationPort},
	ParamSarMsgRefNum:         {name: "sar_msg_ref_num", u16: true, tag: smpp.TagSarMsgRefNum},
	ParamSarTotalSegments:     {name: "sar_total_segments", octet: true, tag: smpp.TagSarTotalSegments},
	ParamSarSegmentSeqnum:     {name: "sar_segment_seqnum", octet: true, tag: smpp.TagSarSegmentSeqnum},
	ParamPayloadType:          {name: "payload_type", octet: true, tag: smpp.TagPayloadType},
	ParamLanguageIndicator:    {name: "language_indicator", octet: true, tag: smpp.TagLanguageIndicator},
	ParamPrivacyIndicator:     {name: "privacy_indicator", octet: true, tag: smpp.TagPrivacyIndicator},
	ParamUserResponseCode:     {name: "user_response_code", octet: true, tag: smpp.TagUserResponseCode},
	ParamCallbackNum:          {name: "callback_num", max: 19, tag: smpp.TagCallbackNum},
	ParamUssdServiceOp:        {name: "ussd_service_op", octet: true, tag: smpp.TagUssdServiceOp},
}

// String is the python-smpp name ("destination_addr").
func (p Param) String() string {
	if p < numParams {
		return paramSpecs[p].name
	}
	return "Param(" + strconv.Itoa(int(p)) + ")"
}

// ParseParam finds a parameter by its python-smpp name.
func ParseParam(name string) (Param, bool) {
	for p := Param(0); p < numParams; p++ {
		if paramSpecs[p].name == name {
			return p, true
		}
	}
	return 0, false
}

// ParamNames lists every parameter name in PDU order.
func ParamNames() []string {
	out := make([]string, numParams)
	for p := Param(0); p < numParams; p++ {
		out[p] = paramSpecs[p].name
	}
	return out
}

// ParamSet is a set of parameters (a bit per Param). The zero set is empty.
type ParamSet uint32

// Has reports whether p is in the set.
func (s ParamSet) Has(p Param) bool { return p < numParams && s&(1<<p) != 0 }

// HasName reports whether the parameter called name is in the set.
func (s ParamSet) HasName(name string) bool {
	p, ok := ParseParam(name)
	return ok && s.Has(p)
}

// With returns the set with p added.
func (s ParamSet) With(p Param) ParamSet {
	if p >= numParams {
		return s
	}
	return s | 1<<p
}

// Names lists the set's parameter names in PDU order.
func (s ParamSet) Names() []string {
	var out []string
	for p := Param(0); p < numParams; p++ {
		if s.Has(p) {
			out = append(out, paramSpecs[p].name)
		}
	}
	return out
}

// paramValue reads parameter p of pdu as the script sees it; ok is false
// for an absent optional parameter (or one whose length does not fit its
// type: the script does not see it, and the PDU keeps it as it is).
func paramValue(pdu *smpp.PDU, p Param) (str []byte, num int, ok bool) {
	if p < numParams && paramSpecs[p].tag != 0 {
		spec := paramSpecs[p]
		v, ok := pdu.TLVs.Get(spec.tag)
		switch {
		case !ok:
			return nil, 0, false
		case spec.octet:
			if len(v) != 1 {
				return nil, 0, false
			}
			return nil, int(v[0]), true
		case spec.u16:
			if len(v) != 2 {
				return nil, 0, false
			}
			return nil, int(v[0])<<8 | int(v[1]), true
		}
		return v, 0, true
	}
	switch p {
	case ParamServiceType:
		return pdu.ServiceType, 0, true
	case ParamSourceAddrTON:
		return nil, int(pdu.Source.TON), true
	case ParamSourceAddrNPI:
		return nil, int(pdu.Source.NPI), true
	case ParamSourceAddr:
		return pdu.Source.Addr, 0, true
	case ParamDestAddrTON:
		return nil, int(pdu.Dest.TON), true
	case ParamDestAddrNPI:
		return nil, int(pdu.Dest.NPI), true
	case ParamDestinationAddr:
		return pdu.Dest.Addr, 0, true
	case ParamEsmClass:
		return nil, int(pdu.EsmClass), true
	case ParamProtocolID:
		return nil, int(pdu.ProtocolID), true
	case ParamPriorityFlag:
		return nil, int(pdu.PriorityFlag), true
	case ParamScheduleDeliveryTime:
		return pdu.ScheduleDeliveryTime, 0, true
	case ParamValidityPeriod:
		return pdu.ValidityPeriod, 0, true
	case ParamRegisteredDelivery:
		return nil, int(pdu.RegisteredDelivery), true
	case ParamReplaceIfPresentFlag:
		return nil, int(pdu.ReplaceIfPresent), true
	case ParamDataCoding:
		return nil, int(pdu.DataCoding), true
	case ParamSMDefaultMsgID:
		return nil, int(pdu.SMDefaultMsgID), true
	case ParamShortMessage:
		return pdu.ShortMessage, 0, true
	}
	return nil, 0, false
}

// pduParams builds routable.pdu.params: a dict of every parameter (the
// optional message_payload only when present). Strings are str holding
// the octets as they are.
func pduParams(pdu *smpp.PDU) *starlark.Dict {
	if pdu == nil {
		pdu = &smpp.PDU{}
	}
	d := starlark.NewDict(int(numParams))
	for p := Param(0); p < numParams; p++ {
		str, num, ok := paramValue(pdu, p)
		if !ok {
			continue
		}
		var v starlark.Value
		switch {
		case paramSpecs[p].integer():
			v = starlark.MakeInt(num)
		case len(str) == 0:
			v = emptyString
		default:
			v = starlark.String(str)
		}
		_ = d.SetKey(paramKeys[p], v)
	}
	return d
}

// Boxed once: the dict's keys and the empty string.
var (
	paramKeys = func() (k [numParams]starlark.Value) {
		for p := Param(0); p < numParams; p++ {
			k[p] = starlark.String(paramSpecs[p].name)
		}
		return k
	}()
	emptyString starlark.Value = starlark.String("")
)

// PDUEdits are the parameter changes an interceptor script made, checked
// and ready to be written into the PDU (Apply). Each changed string field
// gets a new byte slice: the PDU's original frame is never written.
type PDUEdits struct {
	pdu     *smpp.PDU
	changed ParamSet
	str     [numParams][]byte
	num     [numParams]int
	drop    ParamSet // optional parameters the script deleted
}

// Changed is the set of parameters whose value differs from the PDU's.
func (e *PDUEdits) Changed() ParamSet {
	if e == nil {
		return 0
	}
	return e.changed
}

// Apply writes the changes into the PDU the script ran against. It is a
// no-op on a nil or empty PDUEdits.
func (e *PDUEdits) Apply() {
	if e == nil || e.changed == 0 || e.pdu == nil {
		return
	}
	p := e.pdu
	for q := Param(0); q < numParams; q++ {
		if !e.changed.Has(q) {
			continue
		}
		s, n := e.str[q], e.num[q]
		o := byte(n)
		if spec := paramSpecs[q]; spec.tag != 0 {
			// Without builds a new region, so the frame's TLVs stay as
			// they were.
			t := p.TLVs.Without(spec.tag)
			switch {
			case e.drop.Has(q):
			case spec.octet:
				t = t.AppendUint8(spec.tag, o)
			case spec.u16:
				t = t.AppendUint16(spec.tag, uint16(n))
			default:
				t = t.Append(spec.tag, s)
			}
			p.TLVs = t
			continue
		}
		switch q {
		case ParamServiceType:
			p.ServiceType = s
		case ParamSourceAddrTON:
			p.Source.TON = o
		case ParamSourceAddrNPI:
			p.Source.NPI = o
		case ParamSourceAddr:
			p.Source.Addr = s
		case ParamDestAddrTON:
			p.Dest.TON = o
		case ParamDestAddrNPI:
			p.Dest.NPI = o
		case ParamDestinationAddr:
			p.Dest.Addr = s
		case ParamEsmClass:
			p.EsmClass = o
		case ParamProtocolID:
			p.ProtocolID = o
		case ParamPriorityFlag:
			p.PriorityFlag = o
		case ParamScheduleDeliveryTime:
			p.ScheduleDeliveryTime = s
		case ParamValidityPeriod:
			p.ValidityPeriod = s
		case ParamRegisteredDelivery:
			p.RegisteredDelivery = o
		case ParamReplaceIfPresentFlag:
			p.ReplaceIfPresent = o
		case ParamDataCoding:
			p.DataCoding = o
		case ParamSMDefaultMsgID:
			p.SMDefaultMsgID = o
		case ParamShortMessage:
			p.ShortMessage = s
		}
	}
}

// diffParams compares the dict a script left behind with pdu and returns
// the checked changes. A key that is not a known parameter, a removed
// mandatory parameter, or a value of the wrong type or size is an error
// naming the parameter; the PDU is then left as it is.
func diffParams(d *starlark.Dict, pdu *smpp.PDU) (*PDUEdits, error) {
	e := &PDUEdits{pdu: pdu}
	var seen ParamSet
	for _, it := range d.Items() {
		k, ok := it[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("pdu param key %s is not a string", it[0].String())
		}
		p, ok := ParseParam(string(k))
		if !ok {
			return nil, fmt.Errorf("pdu param %q is not a submit_sm/deliver_sm parameter a script can set", string(k))
		}
		seen = seen.With(p)
		spec := paramSpecs[p]
		cur, curNum, present := paramValue(pdu, p)
		v := it[1]
		if spec.integer() {
			hi := 255
			if spec.u16 {
				hi = 0xFFFF
			}
			n, err := intValue(spec.name, v, hi)
			if err != nil {
				return nil, err
			}
			if !present || n != curNum {
				e.num[p] = n
				e.changed = e.changed.With(p)
			}
			continue
		}
		var s string
		switch x := v.(type) {
		case starlark.String:
			s = string(x)
		case starlark.Bytes:
			s = string(x)
		default:
			return nil, fmt.Errorf("pdu param %s must be a str or bytes, got %s", spec.name, v.Type())
		}
		if present && s == string(cur) {
			continue
		}
		if len(s) > spec.max {
			return nil, fmt.Errorf("pdu param %s is %d octets long, at most %d fit", spec.name, len(s), spec.max)
		}
		if spec.cstr {
			for i := 0; i < len(s); i++ {
				if s[i] == 0 {
					return nil, fmt.Errorf("pdu param %s must not contain a NUL character", spec.name)
				}
			}
		}
		e.str[p] = []byte(s)
		e.changed = e.changed.With(p)
	}
	for p := Param(0); p < numParams; p++ {
		if seen.Has(p) {
			continue
		}
		if paramSpecs[p].tag == 0 {
			return nil, fmt.Errorf("pdu param %s was removed (set it to an empty value instead)", paramSpecs[p].name)
		}
		if _, _, present := paramValue(pdu, p); present {
			e.drop = e.drop.With(p)
			e.changed = e.changed.With(p)
		}
	}
	return e, nil
}

func intValue(name string, v starlark.Value, hi int) (int, error) {
	i, ok := v.(starlark.Int)
	if !ok {
		return 0, fmt.Errorf("pdu param %s must be an int, got %s", name, v.Type())
	}
	n, ok := i.Int64()
	if !ok || n < 0 || n > int64(hi) {
		return 0, fmt.Errorf("pdu param %s must be in 0..%d, got %s", name, hi, i.String())
	}
	return int(n), nil
}

// python-smpp's constants, predeclared so that Jasmin scripts that import
// them from smpp.pdu.pdu_types run once the import line is removed:
// AddrTon.ALPHANUMERIC, AddrNpi.ISDN,
// RegisteredDelivery(RegisteredDeliveryReceipt.SMSC_DELIVERY_RECEIPT_REQUESTED).
// They are plain ints.
var pduTypes = func() starlark.StringDict {
	ints := func(kv ...any) *starlarkstruct.Struct {
		d := starlark.StringDict{}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i].(string)] = starlark.MakeInt(kv[i+1].(int))
		}
		s := starlarkstruct.FromStringDict(starlarkstruct.Default, d)
		s.Freeze()
		return s
	}
	d := starlark.StringDict{
		"AddrTon": ints("UNKNOWN", 0, "INTERNATIONAL", 1, "NATIONAL", 2, "NETWORK_SPECIFIC", 3,
			"SUBSCRIBER_NUMBER", 4, "ALPHANUMERIC", 5, "ABBREVIATED", 6),
		"AddrNpi": ints("UNKNOWN", 0, "ISDN", 1, "DATA", 3, "TELEX", 4, "LAND_MOBILE", 6,
			"NATIONAL", 8, "PRIVATE", 9, "ERMES", 10, "INTERNET", 14, "WAP_CLIENT_ID", 18),
		"RegisteredDeliveryReceipt": ints("NO_SMSC_DELIVERY_RECEIPT_REQUESTED", 0,
			"SMSC_DELIVERY_RECEIPT_REQUESTED", 1, "SMSC_DELIVERY_RECEIPT_REQUESTED_FOR_FAILURE", 2),
		"RegisteredDeliverySmeOriginatedAcks": ints("SME_DELIVERY_ACK_REQUESTED", 4,
			"SME_MANUAL_ACK_REQUESTED", 8),
		"RegisteredDelivery": starlark.NewBuiltin("RegisteredDelivery", registeredDelivery),
	}
	d.Freeze()
	return d
}()

// registeredDelivery is python-smpp's RegisteredDelivery(receipt,
// smeOriginatedAcks=[], intermediateNotification=False) as the
// registered_delivery octet.
func registeredDelivery(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var receipt int
	var acks starlark.Iterable
	var inter bool
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "receipt", &receipt,
		"smeOriginatedAcks?", &acks, "intermediateNotification?", &inter); err != nil {
		return nil, err
	}
	if receipt < 0 || receipt > 3 {
		return nil, fmt.Errorf("%s: receipt must be 0..3, got %d", b.Name(), receipt)
	}
	v := receipt
	if acks != nil {
		it := acks.Iterate()
		defer it.Done()
		var a starlark.Value
		for it.Next(&a) {
			n, err := starlark.AsInt32(a)
			if err != nil || (n != 4 && n != 8) {
				return nil, fmt.Errorf("%s: smeOriginatedAcks holds %s, not an SME ack (4 or 8)", b.Name(), a.String())
			}
			v |= n
		}
	}
	if inter {
		v |= 0x10
	}
	return starlark.MakeInt(v), nil
}
