package smpp

import (
	"errors"
	"time"
)

// SMPP v3.4 message_state values (section 5.2.28), carried by the
// message_state TLV of a delivery receipt and by query_sm_resp.
const (
	MessageStateEnroute       byte = 1
	MessageStateDelivered     byte = 2
	MessageStateExpired       byte = 3
	MessageStateDeleted       byte = 4
	MessageStateUndeliverable byte = 5
	MessageStateAccepted      byte = 6
	MessageStateUnknown       byte = 7
	MessageStateRejected      byte = 8
)

// statWords maps the stat words of SMPP v3.4 Appendix B to message_state.
// Index i holds the words for message_state i+1: the seven-letter word the
// appendix defines, then the full state name some SMSCs write instead.
var statWords = [8][2]string{
	{"ENROUTE", "ENROUTE"},
	{"DELIVRD", "DELIVERED"},
	{"EXPIRED", "EXPIRED"},
	{"DELETED", "DELETED"},
	{"UNDELIV", "UNDELIVERABLE"},
	{"ACCEPTD", "ACCEPTED"},
	{"UNKNOWN", "UNKNOWN"},
	{"REJECTD", "REJECTED"},
}

// MessageStateFromStat returns the message_state for a receipt's stat word
// (DELIVRD, UNDELIV, ...), ignoring case. The full state names (DELIVERED,
// UNDELIVERABLE, ACCEPTED, REJECTED) are accepted too. It reports false for
// any other word.
func MessageStateFromStat(stat []byte) (byte, bool) {
	for i, w := range statWords {
		if equalFoldASCII(stat, w[0]) || equalFoldASCII(stat, w[1]) {
			return byte(i + 1), true
		}
	}
	return 0, false
}

// StatFromMessageState returns the Appendix B stat word for message_state
// s: ENROUTE, DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN or
// REJECTD. Values outside 1 to 8 give UNKNOWN.
func StatFromMessageState(s byte) string {
	if s < 1 || int(s) > len(statWords) {
		return "UNKNOWN"
	}
	return statWords[s-1][0]
}

// ReceiptTextLen is how many octets of text AppendTo writes: receipts
// customarily quote the first 20 characters of the original message.
const ReceiptTextLen = 20

// Receipt is the text of a delivery receipt in the de-facto format of SMPP
// v3.4 Appendix B:
//
//	id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
//
// Fields are raw bytes. ParseReceipt makes them alias its input; a field
// that is absent is nil.
type Receipt struct {
	ID         []byte // message id the SMSC returned in submit_sm_resp
	Sub        []byte // number of messages originally submitted
	Dlvrd      []byte // number of messages delivered
	SubmitDate []byte // YYMMDDhhmm or YYMMDDhhmmss, see ReceiptTime
	DoneDate   []byte // YYMMDDhhmm or YYMMDDhhmmss, see ReceiptTime
	Stat       []byte // final state word, see MessageStateFromStat
	Err        []byte // network-specific error code
	Text       []byte // start of the original message
}

// Errors returned by ParseReceipt for text that is not a delivery receipt.
var (
	ErrReceiptNoID   = errors.New("smpp: delivery receipt without id")
	ErrReceiptNoStat = errors.New("smpp: delivery receipt without stat")
)

// Receipt field keys.
const (
	rkOther = iota // a key ParseReceipt does not know: its value is dropped
	rkID
	rkSub
	rkDlvrd
	rkSubmitDate
	rkDoneDate
	rkStat
	rkErr
	rkText
)

// ParseReceipt parses a delivery receipt, leniently, without allocating:
// the fields of the result alias b.
//
// A key is a word that starts the text or follows white space, then a colon;
// "submit date" and "done date" may be written with any run of white space,
// an underscore or nothing between the words. Keys are matched ignoring
// case and may come in any order. A value is everything from its key's colon
// up to the next key, with surrounding white space removed, so values are
// not checked (ids need not be hex; dates may have 10 or 12 digits or be
// malformed). Keys other than the eight of Appendix B (some SMSCs add mcc:,
// mnc: and the like) end the value before them and are otherwise ignored.
// The first non-empty occurrence of a key wins.
//
// text: must come last: Text is everything after its colon to the end of b,
// verbatim. id and stat are required: without a non-empty value for either,
// ParseReceipt returns ErrReceiptNoID or ErrReceiptNoStat.
func ParseReceipt(b []byte) (Receipt, error) {
	var r Receipt
	cur, start := -1, 0 // the key whose value is being read, and where it starts
	for i := 0; i < len(b); i++ {
		if i > 0 && !isSpace(b[i-1]) || !isLetter(b[i]) {
			continue
		}
		k, next, ok := receiptKeyAt(b, i)
		if !ok {
			continue
		}
		if cur >= 0 {
			r = r.with(cur, trimSpace(b[start:i]))
		}
		if k == rkText {
			r.Text = b[next:len(b):len(b)]
			cur = -1
			break
		}
		cur, start = k, next
		i = next - 1
	}
	if cur >= 0 {
		r = r.with(cur, trimSpace(b[start:]))
	}
	if len(r.ID) == 0 {
		return r, ErrReceiptNoID
	}
	if len(r.Stat) == 0 {
		return r, ErrReceiptNoStat
	}
	return r, nil
}

// with returns r with field k set to v, unless the field already has a
// value. It works on a copy, field by field, so that escape analysis can
// see that v (and so ParseReceipt's input) does not escape to the heap.
func (r Receipt) with(k int, v []byte) Receipt {
	switch {
	case k == rkID && len(r.ID) == 0:
		r.ID = v
	case k == rkSub && len(r.Sub) == 0:
		r.Sub = v
	case k == rkDlvrd && len(r.Dlvrd) == 0:
		r.Dlvrd = v
	case k == rkSubmitDate && len(r.SubmitDate) == 0:
		r.SubmitDate = v
	case k == rkDoneDate && len(r.DoneDate) == 0:
		r.DoneDate = v
	case k == rkStat && len(r.Stat) == 0:
		r.Stat = v
	case k == rkErr && len(r.Err) == 0:
		r.Err = v
	}
	return r
}

// receiptKeyAt matches a key at b[i], a letter: a word of letters, digits,
// '_' and '-', optionally white space and the word "date", then optional
// white space and a colon. It returns the key and the index after the colon.
func receiptKeyAt(b []byte, i int) (key, next int, ok bool) {
	j := i
	for j < len(b) && isKeyChar(b[j]) {
		j++
	}
	word := b[i:j]
	k := skipSpace(b, j)
	if k < len(b) && b[k] == ':' {
		return receiptKey(word), k + 1, true
	}
	// A two-word key: "submit date", "done date".
	if k > j && k+4 <= len(b) && equalFoldASCII(b[k:k+4], "date") {
		m := skipSpace(b, k+4)
		if m < len(b) && b[m] == ':' {
			switch {
			case equalFoldASCII(word, "submit"):
				return rkSubmitDate, m + 1, true
			case equalFoldASCII(word, "done"):
				return rkDoneDate, m + 1, true
			}
			return rkOther, m + 1, true
		}
	}
	return 0, 0, false
}

func receiptKey(word []byte) int {
	switch {
	case equalFoldASCII(word, "id"):
		return rkID
	case equalFoldASCII(word, "sub"):
		return rkSub
	case equalFoldASCII(word, "dlvrd"):
		return rkDlvrd
	case equalFoldASCII(word, "stat"):
		return rkStat
	case equalFoldASCII(word, "err"):
		return rkErr
	case equalFoldASCII(word, "text"):
		return rkText
	case equalFoldASCII(word, "submit_date"), equalFoldASCII(word, "submitdate"):
		return rkSubmitDate
	case equalFoldASCII(word, "done_date"), equalFoldASCII(word, "donedate"):
		return rkDoneDate
	}
	return rkOther
}

// AppendTo appends r in the canonical Appendix B form
//
//	id:ID sub:SUB dlvrd:DLVRD submit date:SUBMITDATE done date:DONEDATE stat:STAT err:ERR text:TEXT
//
// writing each field as given (an empty field is written empty; callers
// normally supply sub:001, dlvrd:001 or 000, dates of 10 digits and a
// three-digit err). Only the first ReceiptTextLen octets of Text are
// written, as is customary. For the result to parse back into the same
// fields, values other than Text must not contain white space.
func (r *Receipt) AppendTo(dst []byte) []byte {
	dst = append(dst, "id:"...)
	dst = append(dst, r.ID...)
	dst = append(dst, " sub:"...)
	dst = append(dst, r.Sub...)
	dst = append(dst, " dlvrd:"...)
	dst = append(dst, r.Dlvrd...)
	dst = append(dst, " submit date:"...)
	dst = append(dst, r.SubmitDate...)
	dst = append(dst, " done date:"...)
	dst = append(dst, r.DoneDate...)
	dst = append(dst, " stat:"...)
	dst = append(dst, r.Stat...)
	dst = append(dst, " err:"...)
	dst = append(dst, r.Err...)
	dst = append(dst, " text:"...)
	text := r.Text
	if len(text) > ReceiptTextLen {
		text = text[:ReceiptTextLen]
	}
	return append(dst, text...)
}

// ReceiptTime parses a receipt date, YYMMDDhhmm or YYMMDDhhmmss (years
// 2000 to 2099), in loc. It reports false for anything else, including
// dates that do not exist.
func ReceiptTime(v []byte, loc *time.Location) (time.Time, bool) {
	if len(v) != 10 && len(v) != 12 {
		return time.Time{}, false
	}
	var n [6]int
	for i := 0; i < len(v); i += 2 {
		if v[i] < '0' || v[i] > '9' || v[i+1] < '0' || v[i+1] > '9' {
			return time.Time{}, false
		}
		n[i/2] = int(v[i]-'0')*10 + int(v[i+1]-'0')
	}
	year, month, day, hour, minute, sec := 2000+n[0], n[1], n[2], n[3], n[4], n[5]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if t.Day() != day { // 31 April and the like roll over into the next month
		return time.Time{}, false
	}
	return t, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isKeyChar(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// trimSpace trims white space from both ends of b, capping the result so
// that appending to it cannot overwrite what follows in the input.
func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j:j]
}

// equalFoldASCII reports whether b equals s ignoring ASCII case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c != d && (c|0x20 != d|0x20 || !isLetter(c)) {
			return false
		}
	}
	return true
}
