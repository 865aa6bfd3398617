package smpp

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// HeaderLen is the length of the PDU header: command_length, command_id,
// command_status and sequence_number, four octets each.
const HeaderLen = 16

// Header is a PDU header. Length is the command_length seen on decode;
// AppendTo computes it afresh.
type Header struct {
	Length  uint32
	Command CommandID
	Status  Status
	Seq     uint32
}

// ReadHeader reads the header at the start of b, which must hold at least
// HeaderLen octets.
func ReadHeader(b []byte) Header {
	_ = b[15]
	return Header{
		Length:  binary.BigEndian.Uint32(b[0:]),
		Command: CommandID(binary.BigEndian.Uint32(b[4:])),
		Status:  Status(binary.BigEndian.Uint32(b[8:])),
		Seq:     binary.BigEndian.Uint32(b[12:]),
	}
}

// AppendHeader appends a header with the given fields to dst.
func AppendHeader(dst []byte, length uint32, cmd CommandID, st Status, seq uint32) []byte {
	dst = binary.BigEndian.AppendUint32(dst, length)
	dst = binary.BigEndian.AppendUint32(dst, uint32(cmd))
	dst = binary.BigEndian.AppendUint32(dst, uint32(st))
	return binary.BigEndian.AppendUint32(dst, seq)
}

// AppendEmpty appends a body-less PDU (enquire_link, unbind, their
// responses, generic_nack, replace_sm_resp, cancel_sm_resp).
func AppendEmpty(dst []byte, cmd CommandID, st Status, seq uint32) []byte {
	return AppendHeader(dst, HeaderLen, cmd, st, seq)
}

// Address is a (TON, NPI, address) triple.
type Address struct {
	TON  byte
	NPI  byte
	Addr []byte
}

// DestAddress is one destination of a submit_multi: an SME address (Flag 1)
// or a distribution list name (Flag 2).
type DestAddress struct {
	Flag   byte
	Addr   Address
	DLName []byte
}

// UnsuccessSME is one failed destination in a submit_multi_resp.
type UnsuccessSME struct {
	Addr   Address
	Status Status
}

// PDU is any SMPP v3.4 PDU. Which fields are meaningful depends on
// Header.Command; the others stay zero. Byte slices alias the decoded frame.
type PDU struct {
	Header

	// bind_*, bind_*_resp (SystemID), outbind (SystemID, Password).
	SystemID         []byte
	Password         []byte
	SystemType       []byte
	InterfaceVersion byte
	AddrRange        Address // addr_ton, addr_npi, address_range

	// Messages: submit_sm, deliver_sm, data_sm, submit_multi, replace_sm,
	// cancel_sm, query_sm, alert_notification (Source = source_addr,
	// Dest = esme_addr).
	ServiceType          []byte
	Source               Address
	Dest                 Address
	Dests                []DestAddress // submit_multi
	EsmClass             byte
	ProtocolID           byte
	PriorityFlag         byte
	ScheduleDeliveryTime []byte
	ValidityPeriod       []byte
	RegisteredDelivery   byte
	ReplaceIfPresent     byte
	DataCoding           byte
	SMDefaultMsgID       byte
	ShortMessage         []byte

	// Responses and query/cancel/replace requests.
	MessageID    []byte
	FinalDate    []byte         // query_sm_resp
	MessageState byte           // query_sm_resp
	ErrorCode    byte           // query_sm_resp
	Unsuccess    []UnsuccessSME // submit_multi_resp

	TLVs TLVs
}

// Reset clears p for reuse, keeping the capacity of its slices.
func (p *PDU) Reset() {
	dests, unsucc := p.Dests[:0], p.Unsuccess[:0]
	*p = PDU{}
	p.Dests, p.Unsuccess = dests, unsucc
}

// Field size limits, terminating NUL included (SMPP v3.4 section 5.2).
// system_id, password and system_type are read leniently up to 65 octets:
// deployed ESMEs use longer credentials than the specification's 16 and 9,
// and Jasmin accepts 30-character usernames.
const (
	maxSystemID     = 65
	maxPassword     = 65
	maxSystemType   = 65
	maxAddrRange    = 41
	maxServiceType  = 6
	maxAddr         = 21
	maxAddrLong     = 65 // data_sm, alert_notification
	maxTime         = 17
	maxMessageID    = 65
	maxDLName       = 21
	maxShortMessage = 254
)

// decoder reads a PDU body; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(st Status, msg string) {
	if d.err == nil {
		d.err = errorf(st, msg)
	}
}

func (d *decoder) byte1(field string) byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.fail(ESME_RINVCMDLEN, field+": body truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint32(field string) uint32 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 4 {
		d.fail(ESME_RINVCMDLEN, field+": body truncated")
		return 0
	}
	v := binary.BigEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

// cstr reads a C-octet string of at most max octets including its NUL.
func (d *decoder) cstr(field string, max int, st Status) []byte {
	if d.err != nil {
		return nil
	}
	lim := max
	if lim > len(d.b) {
		lim = len(d.b)
	}
	for i := 0; i < lim; i++ {
		if d.b[i] == 0 {
			v := d.b[:i:i]
			d.b = d.b[i+1:]
			return v
		}
	}
	if lim < max {
		d.fail(ESME_RINVCMDLEN, field+": body truncated")
	} else {
		d.fail(st, field+": longer than "+strconv.Itoa(max-1)+" octets")
	}
	return nil
}

func (d *decoder) addr(field string, max int, st Status) Address {
	var a Address
	a.TON = d.byte1(field + "_ton")
	a.NPI = d.byte1(field + "_npi")
	a.Addr = d.cstr(field, max, st)
	return a
}

func (d *decoder) octets(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail(ESME_RINVCMDLEN, field+": body truncated")
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// Decode decodes frame, a whole PDU of command_length octets, into p.
// p's slices alias frame. On error p is left partly filled and the error is
// an *Error with the command_status to answer with.
func (p *PDU) Decode(frame []byte) error {
	p.Reset()
	if len(frame) < HeaderLen {
		return errorf(ESME_RINVCMDLEN, "PDU shorter than its header")
	}
	p.Header = ReadHeader(frame)
	if int(p.Length) != len(frame) {
		return errorf(ESME_RINVCMDLEN, "command_length "+strconv.FormatUint(uint64(p.Length), 10)+" does not match "+strconv.Itoa(len(frame))+" octets")
	}
	d := decoder{b: frame[HeaderLen:]}
	switch p.Command {
	case BindReceiver, BindTransmitter, BindTransceiver:
		p.SystemID = d.cstr("system_id", maxSystemID, ESME_RINVSYSID)
		p.Password = d.cstr("password", maxPassword, ESME_RINVPASWD)
		p.SystemType = d.cstr("system_type", maxSystemType, ESME_RINVSYSTYP)
		p.InterfaceVersion = d.byte1("interface_version")
		p.AddrRange = d.addr("address_range", maxAddrRange, ESME_RINVPARLEN)
	case BindReceiverResp, BindTransmitterResp, BindTransceiverResp:
		if len(d.b) > 0 || p.Status == ESME_ROK {
			p.SystemID = d.cstr("system_id", maxSystemID, ESME_RINVSYSID)
		}
	case Outbind:
		p.SystemID = d.cstr("system_id", maxSystemID, ESME_RINVSYSID)
		p.Password = d.cstr("password", maxPassword, ESME_RINVPASWD)
	case QuerySM:
		p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
		p.Source = d.addr("source_addr", maxAddr, ESME_RINVSRCADR)
	case QuerySMResp:
		if len(d.b) > 0 || p.Status == ESME_ROK {
			p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
			p.FinalDate = d.cstr("final_date", maxTime, ESME_RINVPARLEN)
			p.MessageState = d.byte1("message_state")
			p.ErrorCode = d.byte1("error_code")
		}
	case SubmitSM, DeliverSM:
		p.ServiceType = d.cstr("service_type", maxServiceType, ESME_RINVSERTYP)
		p.Source = d.addr("source_addr", maxAddr, ESME_RINVSRCADR)
		p.Dest = d.addr("destination_addr", maxAddr, ESME_RINVDSTADR)
		p.decodeMessageTail(&d)
	case SubmitSMResp, DeliverSMResp, DataSMResp:
		if len(d.b) > 0 || p.Status == ESME_ROK {
			p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
		}
	case ReplaceSM:
		p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
		p.Source = d.addr("source_addr", maxAddr, ESME_RINVSRCADR)
		p.ScheduleDeliveryTime = d.cstr("schedule_delivery_time", maxTime, ESME_RINVSCHED)
		p.ValidityPeriod = d.cstr("validity_period", maxTime, ESME_RINVEXPIRY)
		p.RegisteredDelivery = d.byte1("registered_delivery")
		p.SMDefaultMsgID = d.byte1("sm_default_msg_id")
		p.decodeShortMessage(&d)
	case CancelSM:
		p.ServiceType = d.cstr("service_type", maxServiceType, ESME_RINVSERTYP)
		p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
		p.Source = d.addr("source_addr", maxAddr, ESME_RINVSRCADR)
		p.Dest = d.addr("destination_addr", maxAddr, ESME_RINVDSTADR)
	case SubmitMulti:
		p.ServiceType = d.cstr("service_type", maxServiceType, ESME_RINVSERTYP)
		p.Source = d.addr("source_addr", maxAddr, ESME_RINVSRCADR)
		n := int(d.byte1("number_of_dests"))
		if d.err == nil && (n == 0 || n > 254) {
			d.fail(ESME_RINVNUMDESTS, "number_of_dests must be 1 to 254")
		}
		for i := 0; i < n && d.err == nil; i++ {
			var da DestAddress
			da.Flag = d.byte1("dest_flag")
			switch da.Flag {
			case 1:
				da.Addr = d.addr("destination_addr", maxAddr, ESME_RINVDSTADR)
			case 2:
				da.DLName = d.cstr("dl_name", maxDLName, ESME_RINVDLNAME)
			default:
				d.fail(ESME_RINVDESTFLAG, "dest_flag must be 1 or 2")
			}
			p.Dests = append(p.Dests, da)
		}
		p.decodeMessageTail(&d)
	case SubmitMultiResp:
		if len(d.b) > 0 || p.Status == ESME_ROK {
			p.MessageID = d.cstr("message_id", maxMessageID, ESME_RINVMSGID)
			n := int(d.byte1("no_unsuccess"))
			for i := 0; i < n && d.err == nil; i++ {
				var u UnsuccessSME
				u.Addr = d.addr("destination_addr", maxAddr, ESME_RINVDSTADR)
				u.Status = Status(d.uint32("error_status_code"))
				p.Unsuccess = append(p.Unsuccess, u)
			}
		}
	case AlertNotification:
		p.Source = d.addr("source_addr", maxAddrLong, ESME_RINVSRCADR)
		p.Dest = d.addr("esme_addr", maxAddrLong, ESME_RINVDSTADR)
	case DataSM:
		p.ServiceType = d.cstr("service_type", maxServiceType, ESME_RINVSERTYP)
		p.Source = d.addr("source_addr", maxAddrLong, ESME_RINVSRCADR)
		p.Dest = d.addr("destination_addr", maxAddrLong, ESME_RINVDSTADR)
		p.EsmClass = d.byte1("esm_class")
		p.RegisteredDelivery = d.byte1("registered_delivery")
		p.DataCoding = d.byte1("data_coding")
	case GenericNack, Unbind, UnbindResp, EnquireLink, EnquireLinkResp, ReplaceSMResp, CancelSMResp:
	default:
		return errorf(ESME_RINVCMDID, "unknown command_id 0x"+strconv.FormatUint(uint64(p.Command), 16))
	}
	if d.err != nil {
		return d.err
	}
	// Whatever follows the mandatory body is the optional-parameter region,
	// kept verbatim so that unknown TLVs survive a relay.
	if len(d.b) > 0 {
		p.TLVs = TLVs(d.b[:len(d.b):len(d.b)])
		if err := p.TLVs.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (p *PDU) decodeMessageTail(d *decoder) {
	p.EsmClass = d.byte1("esm_class")
	p.ProtocolID = d.byte1("protocol_id")
	p.PriorityFlag = d.byte1("priority_flag")
	p.ScheduleDeliveryTime = d.cstr("schedule_delivery_time", maxTime, ESME_RINVSCHED)
	p.ValidityPeriod = d.cstr("validity_period", maxTime, ESME_RINVEXPIRY)
	p.RegisteredDelivery = d.byte1("registered_delivery")
	p.ReplaceIfPresent = d.byte1("replace_if_present_flag")
	p.DataCoding = d.byte1("data_coding")
	p.SMDefaultMsgID = d.byte1("sm_default_msg_id")
	p.decodeShortMessage(d)
}

func (p *PDU) decodeShortMessage(d *decoder) {
	n := int(d.byte1("sm_length"))
	if d.err == nil && n > maxShortMessage {
		d.fail(ESME_RINVMSGLEN, "sm_length above 254")
		return
	}
	p.ShortMessage = d.octets("short_message", n)
}

// bodyOmittedOnError reports whether a response with a non-zero status is
// sent without a body (SMPP v3.4 sections 4.1.2, 4.4.2 and 4.5.2).
func bodyOmittedOnError(id CommandID) bool {
	switch id {
	case BindReceiverResp, BindTransmitterResp, BindTransceiverResp, SubmitSMResp, SubmitMultiResp, QuerySMResp:
		return true
	}
	return false
}

// respBodyEmpty reports whether every body field a response may carry is
// zero, so that an error response can go out without a body. Every field
// counts: a query_sm_resp with only message_state set, or a
// submit_multi_resp with only unsuccess_sme entries, keeps its body.
func (p *PDU) respBodyEmpty() bool {
	return len(p.SystemID) == 0 && len(p.MessageID) == 0 && len(p.FinalDate) == 0 &&
		p.MessageState == 0 && p.ErrorCode == 0 && len(p.Unsuccess) == 0 && len(p.TLVs) == 0
}

// AppendTo encodes p (header with a computed command_length, body, TLVs)
// and appends it to dst. Strings longer than their field allows are written
// as given: limits are the caller's to check (Validate does).
func (p *PDU) AppendTo(dst []byte) []byte {
	start := len(dst)
	dst = AppendHeader(dst, 0, p.Command, p.Status, p.Seq)
	if p.Status != ESME_ROK && bodyOmittedOnError(p.Command) && p.respBodyEmpty() {
		binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start))
		return dst
	}
	switch p.Command {
	case BindReceiver, BindTransmitter, BindTransceiver:
		dst = appendCStr(dst, p.SystemID)
		dst = appendCStr(dst, p.Password)
		dst = appendCStr(dst, p.SystemType)
		dst = append(dst, p.InterfaceVersion)
		dst = appendAddr(dst, p.AddrRange)
	case BindReceiverResp, BindTransmitterResp, BindTransceiverResp:
		dst = appendCStr(dst, p.SystemID)
	case Outbind:
		dst = appendCStr(dst, p.SystemID)
		dst = appendCStr(dst, p.Password)
	case QuerySM:
		dst = appendCStr(dst, p.MessageID)
		dst = appendAddr(dst, p.Source)
	case QuerySMResp:
		dst = appendCStr(dst, p.MessageID)
		dst = appendCStr(dst, p.FinalDate)
		dst = append(dst, p.MessageState, p.ErrorCode)
	case SubmitSM, DeliverSM:
		dst = appendCStr(dst, p.ServiceType)
		dst = appendAddr(dst, p.Source)
		dst = appendAddr(dst, p.Dest)
		dst = p.appendMessageTail(dst)
	case SubmitSMResp, DeliverSMResp, DataSMResp:
		dst = appendCStr(dst, p.MessageID)
	case ReplaceSM:
		dst = appendCStr(dst, p.MessageID)
		dst = appendAddr(dst, p.Source)
		dst = appendCStr(dst, p.ScheduleDeliveryTime)
		dst = appendCStr(dst, p.ValidityPeriod)
		dst = append(dst, p.RegisteredDelivery, p.SMDefaultMsgID, byte(len(p.ShortMessage)))
		dst = append(dst, p.ShortMessage...)
	case CancelSM:
		dst = appendCStr(dst, p.ServiceType)
		dst = appendCStr(dst, p.MessageID)
		dst = appendAddr(dst, p.Source)
		dst = appendAddr(dst, p.Dest)
	case SubmitMulti:
		dst = appendCStr(dst, p.ServiceType)
		dst = appendAddr(dst, p.Source)
		dst = append(dst, byte(len(p.Dests)))
		for _, da := range p.Dests {
			dst = append(dst, da.Flag)
			if da.Flag == 2 {
				dst = appendCStr(dst, da.DLName)
			} else {
				dst = appendAddr(dst, da.Addr)
			}
		}
		dst = p.appendMessageTail(dst)
	case SubmitMultiResp:
		dst = appendCStr(dst, p.MessageID)
		dst = append(dst, byte(len(p.Unsuccess)))
		for _, u := range p.Unsuccess {
			dst = appendAddr(dst, u.Addr)
			dst = binary.BigEndian.AppendUint32(dst, uint32(u.Status))
		}
	case AlertNotification:
		dst = appendAddr(dst, p.Source)
		dst = appendAddr(dst, p.Dest)
	case DataSM:
		dst = appendCStr(dst, p.ServiceType)
		dst = appendAddr(dst, p.Source)
		dst = appendAddr(dst, p.Dest)
		dst = append(dst, p.EsmClass, p.RegisteredDelivery, p.DataCoding)
	}
	dst = append(dst, p.TLVs...)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst
}

func (p *PDU) appendMessageTail(dst []byte) []byte {
	dst = append(dst, p.EsmClass, p.ProtocolID, p.PriorityFlag)
	dst = appendCStr(dst, p.ScheduleDeliveryTime)
	dst = appendCStr(dst, p.ValidityPeriod)
	dst = append(dst, p.RegisteredDelivery, p.ReplaceIfPresent, p.DataCoding, p.SMDefaultMsgID, byte(len(p.ShortMessage)))
	return append(dst, p.ShortMessage...)
}

func appendCStr(dst, s []byte) []byte {
	dst = append(dst, s...)
	return append(dst, 0)
}

func appendAddr(dst []byte, a Address) []byte {
	dst = append(dst, a.TON, a.NPI)
	return appendCStr(dst, a.Addr)
}

// Own makes p independent of the frame it was decoded from by copying every
// field into one new buffer.
func (p *PDU) Own() {
	buf := p.AppendTo(make([]byte, 0, p.EncodedLen()))
	st, seq := p.Status, p.Seq
	// Re-decoding our own encoding cannot fail for a PDU that decoded.
	if err := p.Decode(buf); err != nil {
		panic("smpp: Own on a PDU that does not encode: " + err.Error())
	}
	p.Status, p.Seq = st, seq
}

// EncodedLen returns the number of octets AppendTo writes for p.
func (p *PDU) EncodedLen() int {
	// Small enough to compute by encoding into a stack buffer when it fits.
	var stack [512]byte
	return len(p.AppendTo(stack[:0]))
}

// Validate checks the field limits that AppendTo does not enforce, so a PDU
// built by gwd never goes out malformed: C-octet strings must fit their
// field and hold no NUL, short_message must fit sm_length, submit_multi
// needs 1 to 254 destinations with dest_flag 1 or 2, and the TLV region
// must be well formed. It returns an *Error with the status a peer would
// answer with.
func (p *PDU) Validate() error {
	if len(p.ShortMessage) > maxShortMessage {
		return errorf(ESME_RINVMSGLEN, "short_message longer than 254 octets")
	}
	maxA := maxAddr
	if p.Command == DataSM || p.Command == AlertNotification {
		maxA = maxAddrLong
	}
	cstrs := [...]struct {
		field string
		v     []byte
		max   int
		st    Status
	}{
		{"source_addr", p.Source.Addr, maxA, ESME_RINVSRCADR},
		{"destination_addr", p.Dest.Addr, maxA, ESME_RINVDSTADR},
		{"service_type", p.ServiceType, maxServiceType, ESME_RINVSERTYP},
		{"message_id", p.MessageID, maxMessageID, ESME_RINVMSGID},
		{"schedule_delivery_time", p.ScheduleDeliveryTime, maxTime, ESME_RINVSCHED},
		{"validity_period", p.ValidityPeriod, maxTime, ESME_RINVEXPIRY},
		{"system_id", p.SystemID, maxSystemID, ESME_RINVSYSID},
		{"password", p.Password, maxPassword, ESME_RINVPASWD},
		{"system_type", p.SystemType, maxSystemType, ESME_RINVSYSTYP},
		{"address_range", p.AddrRange.Addr, maxAddrRange, ESME_RINVPARLEN},
		{"final_date", p.FinalDate, maxTime, ESME_RINVPARLEN},
	}
	for _, c := range cstrs {
		if err := checkCStr(c.field, c.v, c.max, c.st); err != nil {
			return err
		}
	}
	switch {
	case len(p.Dests) > 254:
		return errorf(ESME_RINVNUMDESTS, "more than 254 destinations")
	case p.Command == SubmitMulti && len(p.Dests) == 0:
		return errorf(ESME_RINVNUMDESTS, "submit_multi without destinations")
	case len(p.Unsuccess) > 255:
		return errorf(ESME_RINVNUMDESTS, "more than 255 unsuccess_sme entries")
	}
	for _, da := range p.Dests {
		var err error
		switch da.Flag {
		case 1:
			err = checkCStr("destination_addr", da.Addr.Addr, maxAddr, ESME_RINVDSTADR)
		case 2:
			err = checkCStr("dl_name", da.DLName, maxDLName, ESME_RINVDLNAME)
		default:
			err = errorf(ESME_RINVDESTFLAG, "dest_flag must be 1 or 2")
		}
		if err != nil {
			return err
		}
	}
	for _, u := range p.Unsuccess {
		if err := checkCStr("unsuccess_sme destination_addr", u.Addr.Addr, maxAddr, ESME_RINVDSTADR); err != nil {
			return err
		}
	}
	return p.TLVs.validate()
}

// checkCStr checks that v can go out as a C-octet string field of at most
// max octets, its NUL included.
func checkCStr(field string, v []byte, max int, st Status) error {
	if len(v) >= max {
		return errorf(st, field+" longer than "+strconv.Itoa(max-1)+" octets")
	}
	if bytes.IndexByte(v, 0) >= 0 {
		return errorf(st, field+" contains a NUL octet")
	}
	return nil
}
